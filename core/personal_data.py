"""Finding and masking a BSN in free text: log lines, URLs, search terms.

A BSN is nine digits passing the 11-proof (placements.validators validates the ones that are
stored). Here the question is the reverse one: does a piece of text carry a BSN, written as
nine digits, or with single spaces, dots or dashes between them (`1234.56.782`)? A run of more
than nine digits (an IBAN's account number, a timestamp) is no BSN.

`install_log_masking()` (called once from CoreConfig.ready) makes every log record of the
process, Django's request and server logs, gunicorn's access log and Celery's included, carry
`*********` instead of such a number: the belt to the braces of never putting a BSN in a URL,
a task argument or a log call.
"""

import logging
import re

BSN_IN_TEXT = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){8}(?![0-9])")
BSN_MASK = "*********"
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_11_proof(digits: str) -> bool:
    """Nine digits whose weighted sum (9..2, and -1 for the last) is a multiple of 11; all
    zeros is no number."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11 == 0


def bsns_in(text: str) -> list[str]:
    """The BSNs written in `text`, each as its nine digits, in order."""
    found = []
    for match in BSN_IN_TEXT.finditer(text or ""):
        digits = re.sub(r"[^0-9]", "", match.group())
        if passes_11_proof(digits):
            found.append(digits)
    return found


def replace_bsns(text: str, replacement) -> str:
    """`text` with every BSN replaced by `replacement(digits)`."""

    def substitute(match: re.Match) -> str:
        digits = re.sub(r"[^0-9]", "", match.group())
        return replacement(digits) if passes_11_proof(digits) else match.group()

    return BSN_IN_TEXT.sub(substitute, text)


def mask_bsns(text: str) -> str:
    return replace_bsns(text, lambda _digits: BSN_MASK)


def _masked_record_factory(factory):
    def make_record(*args, **kwargs):
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the handler's to report
            return record
        masked = mask_bsns(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_bsns(text)
        return record

    make_record.masks_bsns = True
    return make_record


def install_log_masking() -> None:
    """Mask BSNs in every log record created from now on in this process (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_bsns", False):
        logging.setLogRecordFactory(_masked_record_factory(factory))
