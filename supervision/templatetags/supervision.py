"""Template filters of the supervision pages: {{ line.counterparty_iban|masked_iban }}."""

from django import template

from core.validators import mask_iban

register = template.Library()


@register.filter
def masked_iban(value) -> str:
    """An IBAN as shown on screen: country code and last four characters."""
    return mask_iban(value) if value else ""
