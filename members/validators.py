import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CBS_CODE_PATTERN = r"^GM[0-9]{4}$"


def validate_cbs_code(value: str) -> None:
    """A CBS municipality code: 'GM' followed by four digits, e.g. GM0014 (Groningen)."""
    if not re.fullmatch(CBS_CODE_PATTERN, value or ""):
        raise ValidationError(
            _(
                "%(value)s is not a CBS municipality code: expected GM followed by four digits, e.g. GM0014."
            ),
            code="invalid_cbs_code",
            params={"value": value},
        )


def validate_payout_moment(value: str) -> None:
    """A payout moment as month-day, e.g. 06-30 for 30 June."""
    match = re.fullmatch(r"(\d{2})-(\d{2})", value or "")
    if match:
        month, day = int(match[1]), int(match[2])
        days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        if 1 <= month <= 12 and 1 <= day <= days_in_month[month - 1]:
            return
    raise ValidationError(
        _("%(value)s is not a payout moment: expected MM-DD, e.g. 06-30 for 30 June."),
        code="invalid_payout_moment",
        params={"value": value},
    )


def validate_pdf_upload(file) -> None:
    """A new upload must be a PDF within the size limit; stored files were checked on upload."""
    from django.conf import settings

    if getattr(file, "_committed", False):
        return
    if file.size > settings.SIGNED_DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(max)s MB is accepted."),
            code="file_too_large",
            params={
                "size": round(file.size / 1_048_576, 1),
                "max": settings.SIGNED_DOCUMENT_MAX_BYTES // 1_048_576,
            },
        )
    head = file.read(5)
    file.seek(0)
    if head != b"%PDF-":
        raise ValidationError(_("The signed document must be a PDF file."), code="not_pdf")
