"""Writes for the members app. Each runs in one transaction and leaves an audit record."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.services import audit_record, model_save_audited
from members.models import Contract, Framework, LabourMarketRegion, Membership, Municipality
from members.selectors import AT_LEAST, LOCAL_RULES, general_framework_in_force


def framework_local_errors(*, framework: Framework) -> dict[str, str]:
    """Field errors for a local value less strict than the general one in force on its date."""
    if framework.scope != Framework.Scope.LOCAL or framework.valid_from is None:
        return {}
    general = general_framework_in_force(on=framework.valid_from)
    if general is None:
        return {
            "valid_from": _("No general framework is in force on %(date)s.")
            % {"date": formats.date_format(framework.valid_from, "SHORT_DATE_FORMAT")}
        }
    errors = {}
    for field, rule in LOCAL_RULES.items():
        local_value = getattr(framework, field)
        general_value = getattr(general, field)
        if local_value is None:
            continue
        too_loose = local_value < general_value if rule == AT_LEAST else local_value > general_value
        if too_loose:
            template = (
                _(
                    "At least %(value)s: the general framework in force from %(date)s sets this minimum."
                )
                if rule == AT_LEAST
                else _(
                    "At most %(value)s: the general framework in force from %(date)s sets this maximum."
                )
            )
            errors[field] = template % {
                "value": formats.localize(general_value, use_l10n=True),
                "date": formats.date_format(general.valid_from, "SHORT_DATE_FORMAT"),
            }
    return errors


def _payout_moment_errors(*, framework: Framework) -> dict[str, str]:
    moments = framework.payout_moments or []
    if len(set(moments)) != len(moments):
        return {"payout_moments": _("The same payout moment is listed twice.")}
    return {}


def _refuse_if_in_force(*, framework: Framework, today: datetime.date) -> None:
    stored = Framework.objects.select_for_update().get(pk=framework.pk)
    if stored.valid_from <= today:
        raise ValidationError(
            _(
                "This version has been in force since %(date)s and is part of the history: "
                "add a new version from a later date instead."
            )
            % {"date": formats.date_format(stored.valid_from, "SHORT_DATE_FORMAT")}
        )


def _history_errors(*, framework: Framework, today: datetime.date) -> dict[str, str]:
    if framework.valid_from is None:
        return {}
    errors = {}
    if framework.valid_from > today:
        errors["valid_from"] = _(
            "History lies in the past: a version from a later date is added as a new version."
        )
    if not (framework.decision_reference or "").strip():
        errors["decision_reference"] = _(
            "Recording history needs the decision that set this version."
        )
    return errors


def _start_date_errors(
    *, framework: Framework, today: datetime.date, history: bool = False
) -> dict[str, str]:
    if history:
        return _history_errors(framework=framework, today=today)
    if framework.valid_from is None or framework.valid_from > today:
        return {}
    # A version starting today or earlier would change figures already computed.
    first_allowed = formats.date_format(today + datetime.timedelta(days=1), "SHORT_DATE_FORMAT")
    return {
        "valid_from": _(
            "A new version starts after today, so the history stays as it was: "
            "choose %(date)s or later."
        )
        % {"date": first_allowed}
    }


def framework_errors(
    *, framework: Framework, today: datetime.date, history: bool = False
) -> dict[str, str]:
    """Every rule a framework version must meet beyond its own fields, as field errors."""
    return {
        **_start_date_errors(framework=framework, today=today, history=history),
        **framework_local_errors(framework=framework),
        **_payout_moment_errors(framework=framework),
    }


@transaction.atomic
def framework_save(
    *, framework: Framework, actor, today: datetime.date | None = None, history: bool = False
) -> Framework:
    """Create a version from a future date, or change one that is not yet in force.

    With `history=True`, record a version from a past date (the history before the portal,
    at go-live) as a deliberate act: a new version only, starting today or earlier, with the
    decision that set it; audited as `framework.record_history`. Documents already stored
    keep the rates they copied (invoices, premium accruals, settlements), so history changes
    no figure. A version in the portal is never changed this way.
    """
    today = today or timezone.localdate()
    if framework.pk is not None:
        if history:
            raise ValidationError(
                _("History is recorded as a new version; a stored version is not changed.")
            )
        _refuse_if_in_force(framework=framework, today=today)
    errors = framework_errors(framework=framework, today=today, history=history)
    if errors:
        raise ValidationError(errors)
    return model_save_audited(
        obj=framework,
        actor=actor,
        action_prefix="framework",
        action="framework.record_history" if history else None,
    )


@transaction.atomic
def framework_delete(*, framework: Framework, actor, today: datetime.date | None = None) -> None:
    """Withdraw a version that is not yet in force; versions in force are history."""
    _refuse_if_in_force(framework=framework, today=today or timezone.localdate())
    audit_record(actor=actor, action="framework.delete", obj=framework)
    framework.delete()


@transaction.atomic
def region_save(*, region: LabourMarketRegion, actor) -> LabourMarketRegion:
    return model_save_audited(obj=region, actor=actor, action_prefix="region")


@transaction.atomic
def municipality_save(*, municipality: Municipality, actor) -> Municipality:
    return model_save_audited(obj=municipality, actor=actor, action_prefix="municipality")


@transaction.atomic
def membership_save(*, membership: Membership, actor) -> Membership:
    return model_save_audited(obj=membership, actor=actor, action_prefix="membership")


@transaction.atomic
def contract_save(*, contract: Contract, actor) -> Contract:
    return model_save_audited(obj=contract, actor=actor, action_prefix="contract")
