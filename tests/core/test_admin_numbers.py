"""The admin writes numbers the Dutch way: a year as 2026, amounts as 15.800,01."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import translation

from core import formatting
from settlements.models import SettlementTransferFile
from settlements.services.payments import settlement_payments_create
from tests.settlements.test_settlements_statement import approved_settlement

YEAR_FIELD_NAMES = {"year"}


def _admins():
    for model_admin in admin.site._registry.values():
        yield model_admin
        for inline in model_admin.inlines:
            yield inline(model_admin.model, admin.site)


def _shown_names(model_admin) -> set[str]:
    names = set(model_admin.list_display) if hasattr(model_admin, "list_display") else set()
    names |= set(model_admin.readonly_fields or [])
    names |= set(model_admin.fields or [])
    for _name, options in model_admin.fieldsets or []:
        for field in options.get("fields", []):
            names |= set(field) if isinstance(field, list | tuple) else {field}
    if not model_admin.fields and not model_admin.fieldsets:
        # Without `fields`, the change view shows every editable model field.
        names |= {f.name for f in model_admin.model._meta.fields if f.editable}
    return {name for name in names if isinstance(name, str)}


def test_no_admin_shows_a_year_field_as_a_number():
    offenders = []
    for model_admin in _admins():
        for name in _shown_names(model_admin) & YEAR_FIELD_NAMES:
            try:
                field = model_admin.model._meta.get_field(name)
            except FieldDoesNotExist:  # a method or attribute of that name formats itself
                continue
            if isinstance(field, models.IntegerField):
                offenders.append(f"{type(model_admin).__name__}.{name}")
    assert offenders == [], f"show `year_display` instead of the field: {offenders}"


def test_formatting_writes_dutch_numbers_and_plain_years():
    with translation.override("nl"):
        assert formatting.amount(Decimal("15800.01")) == "15.800,01"
        assert formatting.amount(Decimal("326983.74")) == "326.983,74"
        assert formatting.euro(Decimal("-1234.5")) == "€\u00a0-1.234,50"
        assert formatting.year(2026) == "2026"
        assert formatting.number(None) == "–"


# --- The pages the walk-through found -------------------------------------------------------


@pytest.fixture
def staff_client(client, back_office_with_mfa):
    client.force_login(back_office_with_mfa)
    return client


@pytest.mark.django_db
def test_the_settlement_page_writes_what_each_party_receives_in_dutch(staff_client):
    settlement = approved_settlement()
    page = staff_client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
    content = page.content.decode()
    operator = settlement.operator_receives
    assert operator > 1000
    assert formatting.amount(operator) in content
    assert f">{operator}<" not in content and str(operator) not in content


@pytest.mark.django_db
def test_the_transfer_file_shows_its_year_plainly_and_its_total_in_dutch(staff_client, settings):
    settings.OPERATOR_IBAN = "NL91ABNA0417164300"
    settings.OPERATOR_BIC = "ABNANL2A"
    settings.NVSI_IBAN = "NL86INGB0002445588"
    settings.NVSI_BIC = "INGBNL2A"
    settlement = approved_settlement()
    settlement_payments_create(settlement_id=settlement.pk)
    url = reverse("admin:settlements_settlementtransferfile_make")
    page = staff_client.post(url, {"period": "2026-H1"}, follow=True)
    content = page.content.decode()
    transfer_file = SettlementTransferFile.objects.get()
    assert transfer_file.total > 1000
    assert f"{formatting.amount(transfer_file.total)} in totaal" in content
    assert "2.026" not in content
    assert re.search(r"<div class=\"readonly\">2026</div>", content)


@pytest.mark.django_db
def test_inline_rows_carry_no_repeated_label(staff_client, settings):
    settlement = approved_settlement()
    page = staff_client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
    content = page.content.decode()
    # The rows show their month and client in their own columns, not again above each row.
    assert "01-2026: " not in content
    assert "Bakkerij Korenschoof: " not in content
