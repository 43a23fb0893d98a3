"""Searching by BSN without the number in a URL.

A search box may receive a BSN: the back office finds a candidate by it, a coordinator pastes
one into the candidate list. A GET form would put the number in the query string, and from
there in the web server's access log, the browser history, the admin's `_changelist_filters`
and every pagination, sort and download link. So the search forms post
(`placements.middleware.BsnSearchMiddleware` turns the post into a redirect to the list's
GET address), and a BSN in any submitted value is replaced by a *search token*: a random
word of letters (`bsn-...`), kept in the session with the number's keyed hash
(`placements.bsn.bsn_lookup_hash`), never the number itself. The list views and the admin
read a token back with `bsn_hash_of(request, word)`; in another session, or after the
session ends, the token finds nothing.
"""

import re
import secrets
import string

from django.db.models import Q, QuerySet

from core.personal_data import replace_bsns
from placements.bsn import bsn_lookup_hash

SESSION_KEY = "placements_bsn_search_tokens"
BSN_WORD_PREFIX = "bsn-"
TOKEN_PATTERN = re.compile(r"^bsn-[A-Za-z]{16}$")
TOKENS_KEPT = 20
# The hidden field that marks a posted form as a search (see the middleware).
SEARCH_FORM_FIELD = "_search"


def bsn_search_token(request, *, bsn: str) -> str:
    """The session's token for `bsn` (the same token for the same number within a session)."""
    digest = bsn_lookup_hash(bsn)
    tokens: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    for token, known in tokens.items():
        if known == digest:
            return token
    token = BSN_WORD_PREFIX + "".join(secrets.choice(string.ascii_letters) for _ in range(16))
    tokens[token] = digest
    request.session[SESSION_KEY] = dict(list(tokens.items())[-TOKENS_KEPT:])
    return token


def tokenise_bsns(request, text: str) -> str:
    """`text` with every BSN in it replaced by its search token."""
    return replace_bsns(text, lambda digits: bsn_search_token(request, bsn=digits))


def is_search_token(word: str) -> bool:
    return bool(TOKEN_PATTERN.match(word))


def bsn_hash_of(request, word: str) -> str | None:
    """The keyed hash a token stands for; "" for a token this session does not know (it finds
    nothing); None when `word` is no token."""
    if not is_search_token(word):
        return None
    return request.session.get(SESSION_KEY, {}).get(word, "")


def split_search(request, text: str) -> tuple[list[str], list[str]]:
    """The words of a search: the BSN hashes of its tokens, and the other words."""
    hashes, words = [], []
    for word in (text or "").split():
        digest = bsn_hash_of(request, word)
        if digest is None:
            words.append(word)
        else:
            hashes.append(digest)
    return hashes, words


def candidate_search(request, qs: QuerySet, text: str, *, prefix: str = "") -> QuerySet:
    """Every word must match the first name, last name or client number; a token must be the
    candidate's BSN. `prefix` leads from the rows to their candidate (`candidate__`)."""
    hashes, words = split_search(request, text)
    for digest in hashes:
        qs = qs.filter(**{f"{prefix}bsn_hash": digest}) if digest else qs.none()
    for word in words:
        qs = qs.filter(
            Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
            | Q(**{f"{prefix}client_number__icontains": word})
        )
    return qs
