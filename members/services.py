"""Writes for the members app. Each runs in one transaction and leaves an audit record."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.services import audit_record, model_save_audited
from members.models import Contract, Framework, LabourMarketRegion, Membership, Municipality
from members.selectors import AT_LEAST, LOCAL_RULES, general_framework_in_force, user_acts_for


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


# --- Percentages change only at the start of a half-year -------------------------------------
# A settlement takes the percentages in force on its half-year's first day
# (settlements.services.settlement_terms), so the operator fee and the contribution may only
# change on 1 January or 1 July: one half-year is never settled at two percentages, nor at a
# percentage that took effect after some of its documents were dated.

PERCENTAGE_FIELDS = (
    "operator_fee_percentage",
    "contribution_percentage",
    "contribution_operator_percentage",
)


def is_half_year_start(day: datetime.date) -> bool:
    return (day.month, day.day) in {(1, 1), (7, 1)}


def next_half_year_start(day: datetime.date) -> datetime.date:
    """The first 1 January or 1 July on or after `day`."""
    if is_half_year_start(day):
        return day
    if day.month < 7:
        return datetime.date(day.year, 7, 1)
    return datetime.date(day.year + 1, 1, 1)


def _percentages(obj, fields=PERCENTAGE_FIELDS) -> tuple:
    return tuple(getattr(obj, field) for field in fields)


def _percentage_text(obj, fields=PERCENTAGE_FIELDS) -> str:
    return " / ".join(
        f"{formats.localize(getattr(obj, field), use_l10n=True)}%" for field in fields
    )


def _mid_half_year_error(*, day: datetime.date) -> str:
    return _(
        "The operator fee and the NVSI contribution change only on 1 January or 1 July, so a "
        "half-year is settled at one percentage: this would change them on %(date)s. Choose "
        "%(next)s, or keep the percentages in force before it."
    ) % {"date": _date(day), "next": _date(next_half_year_start(day))}


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def framework_percentage_errors(*, framework: Framework) -> dict[str, str]:
    """A general version whose fee or contribution percentages differ from the version before
    it starts on 1 January or 1 July; so does the version after it, if it then changes them.
    Versions that change other values only (the minimum rate, the premium, thresholds) keep
    any start date."""
    if framework.scope != Framework.Scope.GENERAL or framework.valid_from is None:
        return {}
    others = Framework.objects.filter(scope=Framework.Scope.GENERAL).exclude(pk=framework.pk)
    before = others.filter(valid_from__lt=framework.valid_from).order_by("-valid_from").first()
    after = others.filter(valid_from__gt=framework.valid_from).order_by("valid_from").first()
    if (
        before is not None
        and _percentages(before) != _percentages(framework)
        and not is_half_year_start(framework.valid_from)
    ):
        return {"valid_from": _mid_half_year_error(day=framework.valid_from)}
    if (
        after is not None
        and _percentages(after) != _percentages(framework)
        and not is_half_year_start(after.valid_from)
    ):
        return {
            "valid_from": _(
                "The version from %(date)s has other percentages (%(theirs)s) and does not "
                "start on 1 January or 1 July: with these percentages (%(ours)s) it would "
                "change the fee or the contribution in the middle of a half-year."
            )
            % {
                "date": _date(after.valid_from),
                "theirs": _percentage_text(after),
                "ours": _percentage_text(framework),
            }
        }
    return {}


def _fee_in_force(*, on: datetime.date, excluding: Contract) -> Decimal | None:
    """The operator fee in force on `on` without `excluding`: another execution contract's,
    else the general framework's; None where neither is in force."""
    contract = (
        Contract.objects.filter(kind=Contract.Kind.EXECUTION, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .exclude(pk=excluding.pk)
        .first()
    )
    if contract is not None:
        return contract.operator_fee_percentage
    general = general_framework_in_force(on=on)
    return general.operator_fee_percentage if general is not None else None


def contract_errors(*, contract: Contract) -> dict[str, str]:
    """An execution contract whose fee differs from the fee in force the day before it starts
    starts on 1 January or 1 July; and one whose fee differs from the fee in force the day
    after it ends ends on 30 June or 31 December."""
    if contract.kind != Contract.Kind.EXECUTION or contract.operator_fee_percentage is None:
        return {}
    errors = {}
    start = contract.start_date
    if start is not None and not is_half_year_start(start):
        before = _fee_in_force(on=start - datetime.timedelta(days=1), excluding=contract)
        if before is not None and before != contract.operator_fee_percentage:
            errors["start_date"] = _mid_half_year_error(day=start)
    if contract.end_date is not None:
        day_after = contract.end_date + datetime.timedelta(days=1)
        after = _fee_in_force(on=day_after, excluding=contract)
        if (
            not is_half_year_start(day_after)
            and after is not None
            and after != contract.operator_fee_percentage
        ):
            errors["end_date"] = _(
                "From %(date)s the operator fee would be %(fee)s%% instead of this contract's: "
                "end it on 30 June or 31 December, so a half-year is settled at one fee."
            ) % {"date": _date(day_after), "fee": formats.localize(after, use_l10n=True)}
    return errors


def _lock_percentage_history() -> None:
    """Serialise changes of general versions and execution contracts until the transaction
    ends: two saved at once could each pass the half-year check against the other's absence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('members.percentage_history'))")


def framework_errors(
    *, framework: Framework, today: datetime.date, history: bool = False
) -> dict[str, str]:
    """Every rule a framework version must meet beyond its own fields, as field errors."""
    return {
        **_start_date_errors(framework=framework, today=today, history=history),
        **framework_local_errors(framework=framework),
        **_payout_moment_errors(framework=framework),
        **framework_percentage_errors(framework=framework),
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
    if framework.scope == Framework.Scope.GENERAL:
        _lock_percentage_history()
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


# --- Local frameworks recorded by the municipality ------------------------------------------


def _refuse_unless_acting_for(*, actor, municipality: Municipality) -> None:
    if not user_acts_for(user=actor, municipality=municipality):
        raise PermissionDenied(
            _("Only a coordinator or representative of %(name)s records its local framework.")
            % {"name": municipality.name}
        )


def local_framework_errors(*, framework: Framework, today: datetime.date) -> dict[str, str]:
    """A local version recorded by the municipality: its college decision (reference and a
    date not in the future), then every rule of framework_errors (stricter only, from a date
    after today)."""
    errors = {}
    if framework.scope != Framework.Scope.LOCAL or framework.municipality_id is None:
        errors["scope"] = _("A municipality records only its own local framework.")
    if not (framework.decision_reference or "").strip():
        errors["decision_reference"] = _(
            "Give the municipality's decision that sets this version, e.g. the college decision."
        )
    if framework.decision_date is None:
        errors["decision_date"] = _("Give the date of the municipality's decision.")
    elif framework.decision_date > today:
        errors["decision_date"] = _("The decision date cannot lie in the future.")
    return {**errors, **framework_errors(framework=framework, today=today)}


@transaction.atomic
def local_framework_record(
    *, framework: Framework, actor, today: datetime.date | None = None
) -> Framework:
    """A coordinator or representative records a new local version of their municipality,
    with its college decision; validated and saved through framework_save (audited as
    `framework.create`)."""
    today = today or timezone.localdate()
    if framework.pk is not None:
        raise ValidationError(_("A local version is recorded as a new version."))
    framework.scope = Framework.Scope.LOCAL
    _refuse_unless_acting_for(actor=actor, municipality=framework.municipality)
    errors = local_framework_errors(framework=framework, today=today)
    if errors:
        raise ValidationError(errors)
    return framework_save(framework=framework, actor=actor, today=today)


@transaction.atomic
def local_framework_withdraw(
    *, framework: Framework, actor, today: datetime.date | None = None
) -> None:
    """The municipality withdraws a local version not yet in force (audited as
    `framework.delete`); one in force is history."""
    if framework.scope != Framework.Scope.LOCAL:
        raise PermissionDenied(_("A municipality withdraws only its own local framework."))
    _refuse_unless_acting_for(actor=actor, municipality=framework.municipality)
    framework_delete(framework=framework, actor=actor, today=today)


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
    """Save a contract; an execution contract changes the operator fee only from 1 January or
    1 July (contract_errors)."""
    if contract.kind == Contract.Kind.EXECUTION:
        _lock_percentage_history()
    errors = contract_errors(contract=contract)
    if errors:
        raise ValidationError(errors)
    return model_save_audited(obj=contract, actor=actor, action_prefix="contract")
