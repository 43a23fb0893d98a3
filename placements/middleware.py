"""Keeps a BSN out of every URL: search forms post, and a BSN in a query string is swapped for
a search token before any view, link or redirect can copy it (see placements.search)."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect, QueryDict
from django.utils.encoding import escape_uri_path

from core.personal_data import bsns_in
from placements.search import SEARCH_FORM_FIELD, tokenise_bsns

NOT_CARRIED = {"csrfmiddlewaretoken", SEARCH_FORM_FIELD}


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _query(request, data: QueryDict) -> str:
    """`data` as a query string: empty values left out, BSNs replaced by tokens."""
    pairs = [
        (tokenise_bsns(request, name), tokenise_bsns(request, value))
        for name, values in data.lists()
        if name not in NOT_CARRIED
        for value in values
        if value != ""
    ]
    return urlencode(pairs)


class BsnSearchMiddleware:
    """Two things, both answered with a 303 to the same path:

    * a posted search form (one with the hidden `_search` field, after the CSRF check): to the
      page's GET address with the form's values as its query, any BSN as a token. Names and
      other filters stay readable (and bookmarkable) in the address;
    * a GET whose query string carries a BSN (an old bookmark, a hand-typed address, the
      admin's Select2 autocomplete): to the same address with the BSN as a token, so the page
      and every link it renders from the request (pagination, sorting, downloads,
      `_changelist_filters`, `next`) carry the token instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and _carries_bsn(request.GET):
            return self._redirect(request, request.GET)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method == "POST" and request.POST.get(SEARCH_FORM_FIELD):
            return self._redirect(request, request.POST)
        return None

    def _redirect(self, request, data: QueryDict):
        query = _query(request, data)
        path = escape_uri_path(request.path)
        return SeeOther(f"{path}?{query}" if query else path)


def _carries_bsn(data: QueryDict) -> bool:
    return any(bsns_in(name) or any(bsns_in(v) for v in values) for name, values in data.lists())
