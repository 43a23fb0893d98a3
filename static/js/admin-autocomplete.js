/* Select2's autocomplete in the admin asks with a GET, so what is typed (a BSN, for a
   candidate) would land in the address and the access log. This turns each of those
   requests into a POST of the same fields with the hidden `_search` field:
   placements.middleware.BsnSearchMiddleware answers with a 303 to the autocomplete's GET
   address, a BSN replaced by a search token, which the browser follows. Loaded with `defer`
   on every admin page (templates/admin/base_site.html), after django.jQuery exists. */
'use strict';
(function() {
    const $ = window.django && window.django.jQuery;
    if (!$) {
        return;
    }
    function csrfToken() {
        const field = document.querySelector('input[name=csrfmiddlewaretoken]');
        if (field) {
            return field.value;
        }
        const cookie = document.cookie.split('; ').find((item) => item.startsWith('csrftoken='));
        return cookie ? decodeURIComponent(cookie.split('=')[1]) : '';
    }
    $.ajaxPrefilter(function(options, originalOptions, jqXHR) {
        const url = options.url || '';
        if (!/\/autocomplete\/(\?|$)/.test(url) || (options.type || 'GET').toUpperCase() !== 'GET') {
            return;
        }
        const data = $.extend({}, originalOptions.data, {_search: '1'});
        options.type = 'POST';
        options.data = $.param(data);
        options.contentType = 'application/x-www-form-urlencoded; charset=UTF-8';
        jqXHR.setRequestHeader('X-CSRFToken', csrfToken());
    });
})();
