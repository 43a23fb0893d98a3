"""Demo data for billing: a year of issued invoices from the placements demo hours, paid,
partly paid and overdue, one partial credit note and its correction.

Everything goes through the services, as the back office would do it:

1. The monthly run (`invoice_run_month`) for each of the last twelve complete months that
   has approved hours, dated the third working day of the following month (or today, if that
   is still to come). PDFs are deferred (`pdf_rendering_deferred`): only the most recent
   month's are queued, on commit; `manage.py render_missing_pdfs` renders the rest.
2. Late hours: some of the last week's hours of the most recent month are signed off only
   after its run (they are held back, then approved through `time_entries_approve`) and
   invoiced by running that month again, dated today: invoices that are not due yet.
3. One partial credit note (`credit_note_create`) on one hour entry of a recent invoice; the
   correction is a new entry on the same day, approved and left for the next run.
4. Payments: one camt.053 file of NVSI's account with a statement per month, imported through
   `bank_statement_import`: payments by structured reference, by invoice number in the
   description, partial and combined payments, bank costs (ignored) and one payment naming
   no invoice (left in the queue). Two payments by hand on the late invoices (one partial).
   Who pays what, when, is decided by `random.Random` seeded with the invoice number.

Idempotent: a month with a run is not run again, the late run happens once, the credit note
is found by its reason, the statements are skipped by the import itself (same account and
statement id), the manual payments are found by their note. A second seed changes nothing.
"""

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from billing.models import (
    BankStatement,
    BankStatementLine,
    CreditNote,
    Invoice,
    InvoiceRun,
    Payment,
)
from billing.selectors_payments import invoices_with_payment_status
from billing.services import credit_note_create, invoice_run_month
from billing.services.invoices import pdf_rendering_deferred
from billing.services.payments import bank_statement_import, payment_record_manual
from demo.placements_data import HOLIDAYS, SEED
from placements.models import Assignment, TimeEntry
from placements.services import time_entries_approve, time_entry_create

CREDIT_REASON = (
    "Twee uur te veel geschreven: de kandidaat werkte die dag korter. "
    "De juiste uren komen op de volgende factuur."
)
MANUAL_NOTE = "Demo: betaling per kas/overboeking buiten het afschrift."
STATEMENT_PREFIX = "NVSI-DEMO-"
LATE_CLIENTS = 4


def _working_day(month: datetime.date, n: int) -> datetime.date:
    """The n-th working day (no weekend, no public holiday) of `month`."""
    day, count = month, 0
    while True:
        if day.weekday() < 5 and day not in HOLIDAYS:
            count += 1
            if count == n:
                return day
        day += datetime.timedelta(days=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _months(today: datetime.date) -> list[datetime.date]:
    """The first days of the last twelve complete months, oldest first."""
    months, month = [], today.replace(day=1)
    for _ in range(12):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


def _late_entries(month: datetime.date):
    """The last five working days' approved hours of a few clients: signed off late."""
    last = _next_month(month) - datetime.timedelta(days=1)
    window = []
    day = last
    while len(window) < 5:
        if day.weekday() < 5 and day not in HOLIDAYS:
            window.append(day)
        day -= datetime.timedelta(days=1)
    in_window = TimeEntry.objects.filter(
        work_date__gte=window[-1], work_date__lte=last, status=TimeEntry.Status.APPROVED
    )
    clients = sorted(set(in_window.values_list("assignment__client__kvk_number", flat=True)))
    chosen = clients[3 :: max(1, len(clients) // LATE_CLIENTS)][:LATE_CLIENTS]
    return in_window.filter(assignment__client__kvk_number__in=chosen)


def _runs(*, today: datetime.date, actor) -> list[Invoice]:
    """The monthly runs (and the late run of the most recent month); returns the invoices whose
    PDFs the seed renders (the most recent month's)."""
    months = _months(today)
    latest = months[-1]
    with pdf_rendering_deferred():
        for month in months:
            if InvoiceRun.objects.filter(month=month).exists():
                continue
            first, last = month, _next_month(month) - datetime.timedelta(days=1)
            if not TimeEntry.objects.filter(
                status=TimeEntry.Status.APPROVED, work_date__gte=first, work_date__lte=last
            ).exists():
                continue  # before the demo hours begin
            if month == latest:
                # Held back (as if not yet signed off) until after the month's run.
                _late_entries(month).update(
                    status=TimeEntry.Status.ENTERED, approved_by=None, approved_at=None
                )
            invoice_date = min(_working_day(_next_month(month), 3), today)
            invoice_run_month(month=month, invoice_date=invoice_date, actor=actor)
            if month == latest:
                late = TimeEntry.objects.filter(
                    pk__in=_late_entries_held(month), status=TimeEntry.Status.ENTERED
                )
                time_entries_approve(entries=late, actor=actor)
                invoice_run_month(month=month, invoice_date=today, actor=actor)
    return list(Invoice.objects.filter(period=latest, status=Invoice.Status.ISSUED))


def _late_entries_held(month: datetime.date) -> list[int]:
    first, last = month, _next_month(month) - datetime.timedelta(days=1)
    return list(
        TimeEntry.objects.filter(
            status=TimeEntry.Status.ENTERED, work_date__gte=first, work_date__lte=last
        ).values_list("pk", flat=True)
    )


def _credit_note(*, today: datetime.date, actor) -> CreditNote | None:
    """One partial credit note on an hour entry of the most recent month's run, and the
    correction (fewer hours on the same day) approved for the next run."""
    existing = CreditNote.objects.filter(reason=CREDIT_REASON).first()
    if existing is not None:
        return existing
    latest = _months(today)[-1]
    invoices = Invoice.objects.filter(
        period=latest, status=Invoice.Status.ISSUED, invoice_date__lt=today
    ).order_by("number")
    for invoice in invoices:
        entries = (
            TimeEntry.objects.filter(
                invoice_link__line__invoice=invoice,
                status=TimeEntry.Status.INVOICED,
                assignment__status=Assignment.Status.ACTIVE,
                hours__gte=4,
            )
            .select_related("assignment")
            .order_by("work_date", "pk")
        )
        for entry in entries:
            correction = entry.hours - 2
            monday = entry.work_date - datetime.timedelta(days=entry.work_date.weekday())
            week = TimeEntry.objects.filter(
                assignment__candidate_id=entry.assignment.candidate_id,
                work_date__gte=monday,
                work_date__lt=monday + datetime.timedelta(days=7),
            ).aggregate(total=Sum("hours"))["total"]
            if week + correction > entry.assignment.hours_per_week:
                continue  # the correction would take the week past its hours (credited count)
            note = credit_note_create(
                invoice=invoice,
                actor=actor,
                reason=CREDIT_REASON,
                credit_date=today,
                time_entries=[entry],
            )
            fixed = time_entry_create(
                assignment=entry.assignment,
                actor=actor,
                work_date=entry.work_date,
                hours=correction,
            )
            time_entries_approve(entries=[fixed], actor=actor)
            return note
    return None


# --- Payments ----------------------------------------------------------------------------------


def _ntry(*, amount, booking, reference, name, structured="", description="", debit=False) -> str:
    rmt = ""
    if structured:
        rmt += f"<Strd><CdtrRefInf><Ref>{escape(structured)}</Ref></CdtrRefInf></Strd>"
    if description:
        rmt += f"<Ustrd>{escape(description)}</Ustrd>"
    party = "Cdtr" if debit else "Dbtr"
    return (
        f"<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd>"
        f"<Sts>BOOK</Sts><BookgDt><Dt>{booking}</Dt></BookgDt><ValDt><Dt>{booking}</Dt></ValDt>"
        f"<AcctSvcrRef>{escape(reference)}</AcctSvcrRef><NtryDtls><TxDtls>"
        f"<RltdPties><{party}><Nm>{escape(name)}</Nm></{party}></RltdPties>"
        f"<RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def _statements_xml(lines_by_month: dict[datetime.date, list[dict]], *, iban: str) -> bytes:
    statements = []
    for month in sorted(lines_by_month):
        lines = sorted(lines_by_month[month], key=lambda line: (line["booking"], line["name"]))
        last = max(line["booking"] for line in lines)
        entries = "".join(
            _ntry(reference=f"DEMO{line['booking']:%Y%m%d}{n:04d}", **line)
            for n, line in enumerate(lines, start=1)
        )
        statements.append(
            f"<Stmt><Id>{STATEMENT_PREFIX}{month:%Y-%m}</Id><CreDtTm>{last}T06:00:00+01:00</CreDtTm>"
            f"<FrToDt><FrDtTm>{month}T00:00:00</FrDtTm><ToDtTm>{last}T23:59:59</ToDtTm></FrToDt>"
            f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>{entries}</Stmt>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>NVSI-DEMO</MsgId><CreDtTm>2026-01-01T06:00:00+01:00</CreDtTm></GrpHdr>"
        + "".join(statements)
        + "</BkToCstmrStmt></Document>"
    ).encode()


def _payment_lines(invoices: list[Invoice], *, today: datetime.date) -> list[dict]:
    """Who pays what, when: most in full within a few weeks, some in part, some not at all
    (more of the recent ones); a few clients pay two invoices in one transfer."""
    yesterday = today - datetime.timedelta(days=1)
    full: dict[int, list[tuple[Invoice, datetime.date]]] = defaultdict(list)
    lines = []
    for invoice in invoices:
        rng = random.Random(f"{SEED}:pay:{invoice.number}")  # noqa: S311 - demo data
        overdue_days = (today - invoice.due_date).days
        r = rng.random()
        unpaid = 0.3 if overdue_days < 30 else 0.04
        if r < unpaid:
            continue  # overdue
        booking = min(invoice.invoice_date + datetime.timedelta(days=rng.randint(5, 25)), yesterday)
        amount = invoice.total
        if r < unpaid + 0.05:
            amount = (invoice.total / 2).quantize(Decimal("1"))  # a part, in whole euros
        elif int(invoice.client.kvk_number) % 7 == 3:
            full[invoice.client_id].append((invoice, booking))
            continue  # pays by combined transfers where it can (below)
        style = rng.random()
        lines.append(
            {
                "amount": amount,
                "booking": booking,
                "name": invoice.client_name,
                "structured": invoice.payment_reference if style < 0.65 else "",
                "description": (
                    f"Factuur {invoice.number}"
                    if style < 0.9
                    else f"NVSI {invoice.number.replace('-', '')} {invoice.client_name}"
                ),
            }
        )
    for paid in full.values():
        for start in range(0, len(paid), 2):
            pair = paid[start : start + 2]
            lines.append(
                {
                    "amount": sum((invoice.total for invoice, _booking in pair), Decimal("0")),
                    "booking": max(booking for _invoice, booking in pair),
                    "name": pair[0][0].client_name,
                    "description": "Facturen "
                    + " en ".join(invoice.number for invoice, _booking in pair),
                }
            )
    return lines


def _payments(*, today: datetime.date, actor, credited: Invoice | None) -> None:
    invoices = Invoice.objects.filter(status=Invoice.Status.ISSUED, due_date__lt=today)
    if credited is not None:
        invoices = invoices.exclude(pk=credited.pk)  # left overdue, for what is still due
    invoices = list(invoices.select_related("client").order_by("invoice_date", "number"))
    if (
        invoices
        and not BankStatement.objects.filter(statement_id__startswith=STATEMENT_PREFIX).exists()
    ):
        lines = _payment_lines(invoices, today=today)
        yesterday = today - datetime.timedelta(days=1)
        lines += [
            {
                "amount": Decimal("250.00"),
                "booking": yesterday,
                "name": "Kringloop De Tweede Kans",
                "description": "Betaling factuur juli, zie mail",  # names no invoice: queued
            },
            {
                "amount": Decimal("12.50"),
                "booking": yesterday,
                "name": "ING Bank N.V.",
                "description": "Kosten zakelijke rekening",
                "debit": True,  # ignored
            },
        ]
        by_month = defaultdict(list)
        for line in lines:
            by_month[line["booking"].replace(day=1)].append(line)
        iban = settings.NVSI_IBAN.replace(" ", "").upper()
        bank_statement_import(
            data=_statements_xml(by_month, iban=iban),
            actor=actor,
            file_name="nvsi-demo-camt053.xml",
        )

    # By hand: two of the invoices that are not due yet (one in part).
    not_due = list(
        Invoice.objects.filter(status=Invoice.Status.ISSUED, due_date__gte=today).order_by("number")
    )
    for invoice, part in zip(not_due[1:3], (Decimal("0.4"), Decimal("1")), strict=False):
        if Payment.objects.filter(note=MANUAL_NOTE, invoices=invoice).exists():
            continue
        payment_record_manual(
            invoices=[invoice],
            amount=(invoice.total * part).quantize(Decimal("0.01")),
            payment_date=today,
            actor=actor,
            note=MANUAL_NOTE,
        )


def seed_billing(*, today: datetime.date) -> tuple[dict[str, int], list[int], list[int]]:
    """Seed the billing demo; returns (counts, invoice ids and credit note ids whose PDFs the
    seed renders)."""
    actor = User.objects.get(email="backoffice@demo.nvsi.nl")
    recent = _runs(today=today, actor=actor)
    note = _credit_note(today=today, actor=actor)
    _payments(today=today, actor=actor, credited=note.invoice if note else None)

    statuses = defaultdict(int)
    for status in invoices_with_payment_status(today=today).values_list(
        "payment_status", flat=True
    ):
        statuses[status] += 1
    counts = {
        "invoice runs": InvoiceRun.objects.count(),
        "invoices issued": Invoice.objects.filter(status=Invoice.Status.ISSUED).count(),
        "paid": statuses["paid"],
        "partly paid": statuses["partly_paid"],
        "open": statuses["open"],
        "overdue": statuses["overdue"],
        "credit notes": CreditNote.objects.count(),
        "payments": Payment.objects.count(),
        "statement lines": BankStatementLine.objects.count(),
        "lines to match": BankStatementLine.objects.filter(
            status=BankStatementLine.Status.UNMATCHED
        ).count(),
    }
    pdf_invoices = [invoice.pk for invoice in recent if invoice.pdf_rendered_at is None]
    pdf_notes = [note.pk] if note is not None and note.pdf_rendered_at is None else []
    return counts, pdf_invoices, pdf_notes


def queue_pdfs_on_commit(*, invoice_ids: list[int], credit_note_ids: list[int]) -> None:
    """Render these PDFs once the seed commits (in-process without a broker)."""
    from billing.tasks import credit_note_render_pdf_task, invoice_render_pdf_task

    for pk in invoice_ids:
        transaction.on_commit(lambda pk=pk: invoice_render_pdf_task.delay(pk), robust=True)
    for pk in credit_note_ids:
        transaction.on_commit(lambda pk=pk: credit_note_render_pdf_task.delay(pk), robust=True)
