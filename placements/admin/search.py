"""The admin search by BSN, for every list whose rows belong to a candidate.

The admin's search box posts (templates/admin/search_form.html), so a BSN typed in it reaches
the list as a search token (placements.search), never as the number. `BsnSearchAdminMixin`
reads the tokens back: a token finds the rows of the candidate with that BSN; the other words
go through `search_fields` as usual. Select2's autocomplete (a GET) is redirected with its
term as a token by placements.middleware and reaches the same code.
"""

from placements.search import split_search


class BsnSearchAdminMixin:
    """`bsn_hash_path`: the lookup from the admin's rows to the candidate's `bsn_hash`."""

    bsn_hash_path = "bsn_hash"

    def get_search_results(self, request, queryset, search_term):
        hashes, words = split_search(request, search_term)
        results, may_have_duplicates = super().get_search_results(
            request, queryset, " ".join(words)
        )
        for digest in hashes:
            results = results.filter(**{self.bsn_hash_path: digest}) if digest else results.none()
        return results, may_have_duplicates
