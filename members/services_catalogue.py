"""Writes for NVSI's product catalogue ("productenboek"): the instruments and their documents
(by the NVSI board in the admin) and the members' requests to use one (asked by a
coordinator or representative, decided by the board). Each runs in one transaction and leaves
an audit record."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_nvsi_board
from core.services import audit_record, model_save_audited
from members.models import Instrument, InstrumentDocument, InstrumentRequest, Municipality
from members.selectors import user_acts_for


def _refuse_unless_board(actor) -> None:
    if not (is_nvsi_board(actor) or actor.is_superuser):
        raise PermissionDenied(_("Only the NVSI board manages the catalogue and its requests."))


@transaction.atomic
def instrument_save(*, instrument: Instrument, actor) -> Instrument:
    _refuse_unless_board(actor)
    return model_save_audited(obj=instrument, actor=actor, action_prefix="instrument")


@transaction.atomic
def instrument_document_save(*, document: InstrumentDocument, actor) -> InstrumentDocument:
    """Add or change a document; the PDF is validated as a contract's (validate_pdf_upload)."""
    _refuse_unless_board(actor)
    return model_save_audited(obj=document, actor=actor, action_prefix="instrument_document")


@transaction.atomic
def instrument_document_delete(*, document: InstrumentDocument, actor) -> None:
    _refuse_unless_board(actor)
    audit_record(actor=actor, action="instrument_document.delete", obj=document)
    document.delete()


@transaction.atomic
def instrument_request_submit(
    *, instrument: Instrument, municipality: Municipality, actor, motivation: str
) -> InstrumentRequest:
    """A coordinator or representative asks, for their municipality, to use an available
    instrument. One open request per municipality and instrument (a constraint)."""
    if not user_acts_for(user=actor, municipality=municipality):
        raise PermissionDenied(
            _("Only a coordinator or representative of %(name)s asks on its behalf.")
            % {"name": municipality.name}
        )
    # Serialise requests for one instrument, so the open-request check sees the other one.
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if not instrument.is_available:
        raise ValidationError(_("This instrument is in preparation and cannot be requested yet."))
    if not (motivation or "").strip():
        raise ValidationError({"motivation": _("Say why the municipality wants to use it.")})
    request = InstrumentRequest(
        instrument=instrument,
        municipality=municipality,
        requested_by=actor,
        motivation=motivation.strip(),
    )
    request.full_clean()  # includes the one-open-request constraint
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as error:  # the constraint, should a request slip past the check
        raise ValidationError(
            _("This municipality already has an open request for this instrument.")
        ) from error
    audit_record(
        actor=actor,
        action="instrument_request.submit",
        obj=request,
        after={"status": request.status, "motivation": request.motivation},
    )
    return request


@transaction.atomic
def instrument_request_decide(
    *, request: InstrumentRequest, actor, approve: bool, reason: str = ""
) -> InstrumentRequest:
    """The NVSI board approves or declines an open request; a decline states its reason."""
    _refuse_unless_board(actor)
    request = InstrumentRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != InstrumentRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reason for declining the request.")})
    before = {"status": request.status}
    request.status = (
        InstrumentRequest.Status.APPROVED if approve else InstrumentRequest.Status.DECLINED
    )
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.full_clean()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=actor,
        action="instrument_request.approve" if approve else "instrument_request.decline",
        obj=request,
        before=before,
        after={"status": request.status, "decision_reason": reason},
    )
    return request
