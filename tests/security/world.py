"""One small world for the security suite: two member municipalities, A (GM0014 Groningen,
in the coordinator's scope) and B (GM0106 Assen, out of it), with one object of each kind
each, one account per role (every money role enrolled in two-factor authentication), and
one object of every model the admin registers.

Documents are made through the services where their rules matter (approved hours, issued
invoices, computed and submitted settlements); the rest is written straight to the table,
as the supervision tests do. `build_world()` runs once per test module inside a transaction
that is rolled back afterwards (see conftest.py).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from billing.models import InvoiceReminder, InvoiceRun
from billing.services.invoices import pdf_rendering_deferred
from billing.services.payments import bank_statement_import, payment_record_manual
from core.models import AuditEvent, SweepClaim, WorkerHeartbeat
from core.services import audit_record
from governance.models import (
    Decision,
    MemberRequest,
    Proposal,
)
from governance.models import (
    Notification as ProposalNotification,
)
from members.models import Framework, Membership
from notifications.models import Notification
from placements.models import ImportJob
from premiums.models import PayoutLine, PayoutRun, PremiumOpeningBalance
from settlements.models import (
    Period,
    SettlementPayment,
    SettlementRun,
    SettlementStatement,
    SettlementTransferFile,
)
from settlements.services import settlement_compute, settlement_submit
from tests.billing.camt_builder import Credit, camt053
from tests.factories import (
    ContractFactory,
    FrameworkFactory,
    LabourMarketRegionFactory,
    MembershipFactory,
    MunicipalityFactory,
    UserFactory,
)
from tests.members.factories import (
    InstrumentDocumentFactory,
    InstrumentFactory,
    InstrumentRequestFactory,
)
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    DisplacementCheckFactory,
)
from tests.settlements.conftest import make_credit_note, make_invoice

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SEPA_XML = "<?xml version='1.0'?><Document><CstmrCdtTrfInitn/></Document>"
H1_2026 = Period(2026, 1)

# The roles of the matrix, by a short name; `None` is signed out.
ROLES = [
    "anonymous",
    "no_role",
    "coordinator",
    "representative",
    "treasurer",
    "back_office",
    "board",
    "superuser",
]


def _users(town) -> dict:
    return {
        "no_role": UserFactory(email="geenrol@example.nl"),
        "coordinator": UserFactory(
            email="coordinator@a.example.nl", role=Role.COORDINATOR, municipalities=[town]
        ),
        "representative": UserFactory(email="wethouder@a.example.nl", role=Role.REPRESENTATIVE),
        "treasurer": UserFactory(email="penningmeester@example.nl", role=Role.TREASURER, mfa=True),
        "back_office": UserFactory(
            email="backoffice@example.nl", role=Role.BACK_OFFICE, is_staff=True, mfa=True
        ),
        "board": UserFactory(
            email="bestuur@example.nl", role=Role.NVSI_BOARD, is_staff=True, mfa=True
        ),
        "superuser": UserFactory(
            email="admin@example.nl", is_staff=True, is_superuser=True, mfa=True
        ),
    }


def _town(code: str, name: str, iban: str, region):
    town = MunicipalityFactory(cbs_code=code, name=name, region=region, settlement_iban=iban)
    MembershipFactory(municipality=town, start_date=datetime.date(2025, 1, 1))
    return town


def _municipality_objects(town, *, users, credited: bool) -> SimpleNamespace:
    """One object of each municipal kind for `town`; its invoice credited or not."""
    back_office = users["back_office"]
    contract = ContractFactory(municipality=town)
    contract.signed_document.save("contract.pdf", ContentFile(PDF), save=True)
    local = FrameworkFactory(
        local=True,
        municipality=town,
        valid_from=timezone.localdate() + datetime.timedelta(days=60),
        premium_per_hour=Decimal("2.50"),
    )
    candidate = CandidateFactory(municipality=town)
    assignment = AssignmentFactory(candidate=candidate)  # requested: to check and decide
    DisplacementCheckFactory(assignment=assignment, performed_by=users["coordinator"])
    invoice = make_invoice(municipality=town, actor=back_office)
    credit_note = (
        make_credit_note(invoice, actor=back_office, credit_date=datetime.date(2026, 4, 10))
        if credited
        else None
    )
    settlement, _computed = settlement_compute(municipality=town, period=H1_2026, actor=None)
    settlement = settlement_submit(settlement=settlement, actor=back_office)
    SettlementStatement.objects.create(
        settlement=settlement,
        pdf=ContentFile(PDF, name="afrekening.pdf"),
        fingerprint=settlement.fingerprint,
    )
    prepared_run = PayoutRun.objects.create(
        municipality=town,
        payout_date=datetime.date(2026, 12, 31),
        status=PayoutRun.Status.PREPARED,
        prepared_by=back_office,
        prepared_at=timezone.now(),
    )
    paid_run = PayoutRun.objects.create(
        municipality=town,
        payout_date=datetime.date(2026, 6, 30),
        status=PayoutRun.Status.PREPARED,  # approved and paid below, once its line is there
        total=Decimal("16.00"),
        line_count=1,
        prepared_by=back_office,
        prepared_at=timezone.now(),
    )
    line = PayoutLine.objects.create(
        run=paid_run,
        candidate=candidate,
        year=2026,
        sequence=1,
        candidate_name=str(candidate),
        iban=candidate.iban,
        hours=Decimal("8.00"),
        amount=Decimal("16.00"),
    )
    # The lines of an approved or paid run never change (premiums' trigger): the line first.
    PayoutRun.objects.filter(pk=paid_run.pk).update(
        status=PayoutRun.Status.PAID,
        approved_by=users["coordinator"],
        approved_at=timezone.now(),
        sepa_message_id=f"PREMIE-{town.cbs_code}-20260630",
        sepa_xml=SEPA_XML,
        paid_on=datetime.date(2026, 7, 1),
    )
    paid_run.refresh_from_db()
    instrument_request = InstrumentRequestFactory(
        municipality=town, requested_by=users["coordinator"]
    )
    member_request = MemberRequest.objects.create(
        municipality=town,
        requested_by=users["coordinator"],
        **_member_request_fields(),
    )
    return SimpleNamespace(
        municipality=town,
        cbs_code=town.cbs_code,
        contract=contract,
        local_framework=local,
        candidate=candidate,
        assignment=assignment,
        invoice=invoice,
        credit_note=credit_note,
        settlement=settlement,
        prepared_run=prepared_run,
        paid_run=paid_run,
        payout_line=line,
        instrument_request=instrument_request,
        member_request=member_request,
    )


def _member_request_fields() -> dict:
    """The required fields of a member request other than its municipality and author."""
    fields = {}
    for field in MemberRequest._meta.concrete_fields:
        if field.name in ("municipality", "requested_by") or field.has_default() or field.null:
            continue
        if field.primary_key or getattr(field, "auto_now_add", False):
            continue
        if field.choices:
            fields[field.name] = field.choices[0][0]
        elif field.get_internal_type() in ("CharField", "TextField"):
            fields[field.name] = "Graag een hoger minimumtarief."
    return fields


def build_world() -> SimpleNamespace:
    from tests.placements.factories import general_framework

    general_framework()
    region = LabourMarketRegionFactory(name="Noord")
    town_a = _town("GM0014", "Groningen", "NL91ABNA0417164300", region)
    town_b = _town("GM0106", "Assen", "NL02RABO0123456789", region)
    MembershipFactory(
        municipality=MunicipalityFactory(cbs_code="GM0034", name="Almere"),
        status=Membership.Status.PROSPECTIVE,
        start_date=datetime.date(2027, 1, 1),
    )
    users = _users(town_a)
    town_a.representatives.add(users["representative"])
    with pdf_rendering_deferred(), transaction.atomic():
        a = _municipality_objects(town_a, users=users, credited=True)
        b = _municipality_objects(town_b, users=users, credited=False)

    instrument = InstrumentFactory(name="Flextensie")
    document = InstrumentDocumentFactory(instrument=instrument)
    proposal = Proposal.objects.create(
        title="Minimumtarief",
        reasoning="Het wettelijk minimumuurloon stijgt.",
        effective_date=datetime.date(2027, 1, 1),
        client_hourly_rate_min=Decimal("15.00"),
        proposer=users["board"],
    )
    decided = Proposal.objects.create(
        title="Premie",
        reasoning="Gelijk houden.",
        effective_date=datetime.date(2027, 1, 1),
        premium_per_hour=Decimal("2.10"),
        proposer=users["board"],
        status=Proposal.Status.REJECTED,
        vote_opened_by=users["board"],
        vote_opened_on=datetime.date(2026, 11, 1),
        vote_ends_on=datetime.date(2026, 11, 29),
    )
    Decision.objects.create(
        proposal=decided,
        reference="NVSI-B-2026-001",
        decided_on=datetime.date(2026, 11, 30),
        outcome=Decision.Outcome.REJECTED,
        closed_by=users["board"],
        electors=2,
        votes_for=0,
        votes_against=2,
        votes_abstain=0,
        not_voted=0,
        quorum_met=True,
        rule="Meerderheid van de uitgebrachte stemmen",
    )
    ProposalNotification.objects.create(proposal=proposal, kind=ProposalNotification.Kind.values[0])
    [imported] = bank_statement_import(
        data=camt053(
            Credit("10.00", "BANK-1", structured=b.invoice.payment_reference, name="X"),
            Credit("75.00", "BANK-2", description="Onbekend", name="Onbekende Betaler"),
            statement_id="S-2026-04-20",
        ),
        actor=None,
    )
    payment_record_manual(
        invoices=[b.invoice],
        amount=Decimal("5.00"),
        payment_date=datetime.date(2026, 4, 25),
        actor=users["back_office"],
        payer="Bakkerij Noord",
        note="Kas",
    )
    transfer_file = SettlementTransferFile.objects.create(
        year=2026,
        half=1,
        sequence=1,
        message_id="AFREKENING-2026-H1-1",
        xml=SEPA_XML,
        total=Decimal("0.00"),
        payment_count=0,
        created_by=users["back_office"],
    )
    SettlementPayment.objects.create(
        settlement=a.settlement,
        payee=SettlementPayment.Payee.values[0],
        name="Groningen",
        iban=town_a.settlement_iban,
        amount=Decimal("1.00"),
        transfer_file=transfer_file,
    )
    SettlementRun.objects.create(year=2026, half=1, started_by=users["back_office"])
    InvoiceRun.objects.create(
        month=datetime.date(2026, 3, 1),
        invoice_date=datetime.date(2026, 4, 2),
        started_by=users["back_office"],
    )
    InvoiceReminder.objects.create(
        invoice=a.invoice, amount_open=a.invoice.total, recipient="facturen@example.nl"
    )
    PremiumOpeningBalance.objects.create(
        candidate=a.candidate,
        year=2026,
        accrued=Decimal("10.00"),
        paid=Decimal("0.00"),
        payouts=0,
        annual_cap=Decimal("3398.00"),
        balance_date=datetime.date(2026, 1, 1),
        created_by=users["back_office"],
    )
    WorkerHeartbeat.objects.create(token="matrix")
    SweepClaim.objects.create(key="billing.invoice_runs:matrix", claimed_at=timezone.now())
    # An admin import of the back office's own: only its uploader sees it.
    import_job = ImportJob.objects.create(
        kind="candidates",
        file_name="kandidaten.csv",
        stored_name="matrix-kandidaten.csv",
        user=users["back_office"],
    )
    Notification.objects.create(
        user=users["coordinator"],
        kind=Notification.Kind.values[0],
        object_id=a.assignment.pk,
        subject="Opdracht",
        body="Er wacht een opdracht.",
        url="https://portal.example.nl/opdrachten/",
    )
    EmailAddress.objects.create(user=users["coordinator"], email=users["coordinator"].email)
    audit_record(actor=users["board"], action="matrix.world", obj=town_a)
    assert AuditEvent.objects.exists()
    assert Framework.objects.filter(scope=Framework.Scope.LOCAL).count() == 2
    return SimpleNamespace(
        users=users,
        a=a,
        b=b,
        instrument=instrument,
        document=document,
        proposal=proposal,
        decided=decided,
        bank_line=imported.statement.lines.order_by("pk").first(),
        transfer_file=transfer_file,
        import_job=import_job,
    )
