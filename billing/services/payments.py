"""Payments: recorded by hand, or imported from a camt.053 statement of NVSI's account and
matched to invoices; payment reminders for overdue invoices. Debits that pay a premium payout
run (its SEPA batch) mark the run paid through premiums.services.

Matching a statement line (a credit in euros, booked):

1. The invoices it names: payment references (the RF creditor reference on every invoice,
   in the structured reference or anywhere in the description, spaces allowed) and invoice
   numbers (`2026-000123`, also `2026000123` or `2026 000123`) in the description and the
   end-to-end id.
2. None named, or a number that is no issued invoice: the line waits in the queue.
3. The amount is at most what is open on the named invoices: a payment, allocated to them
   oldest due date first: the whole open amount of each (exact; combined when several), and
   the rest of the amount to the next (partial).
4. More than is open (paid twice, a wrong reference): the queue, for a person to decide.

Everything runs in one transaction per import; the invoices paid are locked (primary-key
order) while their open amount is read and allocated, so a payment recorded at the same time
cannot make them over-allocated. The same statement imported again (same account and
statement id, a unique constraint) changes nothing.
"""

import dataclasses
import datetime
import re
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.camt import CamtError, Statement, camt053_parse
from billing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceReminder,
    Payment,
    PaymentAllocation,
)
from billing.selectors_payments import PaymentStatus, invoices_with_payment_status
from core.money import to_decimal
from core.services import audit_record

ZERO = Decimal("0.00")
PAYMENT_REFERENCE_RE = re.compile(r"RF\d{12}")
INVOICE_NUMBER_RE = re.compile(r"(?<!\d)(20\d{2})[-/ ]?(\d{6})(?!\d)")


def _euro(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


# --- Which invoices a payment names ---------------------------------------------------------


def references_in(*texts: str) -> tuple[set[str], set[str]]:
    """(payment references, invoice numbers) named in the texts."""
    references: set[str] = set()
    numbers: set[str] = set()
    for text in texts:
        if not text:
            continue
        references.update(PAYMENT_REFERENCE_RE.findall(re.sub(r"\s+", "", text.upper())))
        numbers.update(f"{year}-{seq}" for year, seq in INVOICE_NUMBER_RE.findall(text))
    return references, numbers


def _named_invoices(references: set[str], numbers: set[str]) -> list[Invoice]:
    if not references and not numbers:
        return []
    return list(
        Invoice.objects.filter(
            Q(payment_reference__in=references) | Q(number__in=numbers),
            status=Invoice.Status.ISSUED,
        )
    )


def _lock_with_open(invoice_ids: Iterable[int]) -> list[Invoice]:
    """Lock the invoices (primary-key order); return them annotated, oldest due first."""
    ids = sorted(set(invoice_ids))
    list(Invoice.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    return list(
        invoices_with_payment_status(Invoice.objects.filter(pk__in=ids)).order_by(
            "due_date", "number"
        )
    )


def _allocate(payment: Payment, invoices: list[Invoice]) -> list[PaymentAllocation]:
    """Allocate the payment to the (locked, annotated) invoices, oldest first, up to what is
    open on each; whatever is left stays unallocated on the payment."""
    remaining = payment.amount
    allocations = []
    for invoice in invoices:
        if remaining <= 0:
            break
        part = min(remaining, max(invoice.amount_open, ZERO))
        if part > 0:
            allocations.append(PaymentAllocation(payment=payment, invoice=invoice, amount=part))
            remaining -= part
    PaymentAllocation.objects.bulk_create(allocations)
    return allocations


# --- By hand ----------------------------------------------------------------------------------


def _check_payable(invoices: list[Invoice]) -> None:
    if not invoices:
        raise ValidationError(_("Choose the invoices this payment pays."), code="no_invoices")
    drafts = [str(i) for i in invoices if not i.is_issued]
    if drafts:
        raise ValidationError(
            _("Only issued invoices are paid: %(drafts)s.") % {"drafts": ", ".join(drafts)},
            code="draft",
        )


@transaction.atomic
def payment_record_manual(
    *,
    invoices: Iterable[Invoice],
    amount: Decimal | str,
    payment_date: datetime.date,
    actor,
    payer: str = "",
    note: str = "",
) -> Payment:
    """Record money received outside an imported statement and allocate it to `invoices`
    (oldest due date first). It may not exceed what is open on them."""
    invoices = list(invoices)
    _check_payable(invoices)
    amount = to_decimal(amount)
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("Give a positive amount in euros and cents.")})
    locked = _lock_with_open(i.pk for i in invoices)
    open_total = sum((i.amount_open for i in locked if i.amount_open > 0), ZERO)
    if amount > open_total:
        raise ValidationError(
            {
                "amount": _("%(amount)s is more than the %(open)s still open on these invoices.")
                % {"amount": _euro(amount), "open": _euro(open_total)}
            },
            code="more_than_open",
        )
    payment = Payment.objects.create(
        amount=amount,
        payment_date=payment_date,
        source=Payment.Source.MANUAL,
        payer=payer[:140] or (locked[0].client_name if locked else ""),
        note=note,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    allocations = _allocate(payment, locked)
    audit_record(
        actor=actor,
        action="payment.record",
        obj=payment,
        summary="; ".join(f"{a.invoice.number}: {a.amount}" for a in allocations),
        after={"amount": str(amount), "payment_date": str(payment_date)},
    )
    return payment


# --- From a bank statement --------------------------------------------------------------------


@dataclasses.dataclass
class StatementImport:
    statement: BankStatement
    created: bool
    matched: int = 0
    queued: int = 0
    ignored: int = 0
    kinds: dict[str, int] = dataclasses.field(default_factory=dict)
    payout_runs: list[str] = dataclasses.field(default_factory=list)  # premiums: what happened


def _normalised_iban(iban: str) -> str:
    return iban.replace(" ", "").upper()


def _match_line(line: BankStatementLine) -> str:
    """Match one stored line; returns the kind: exact, partial, combined, unknown,
    more_than_open, ignored."""
    if not line.is_credit or (line.currency and line.currency != "EUR"):
        line.status = BankStatementLine.Status.IGNORED
        line.note = _("Not a payment received in euros.")
        line.save(update_fields=["status", "note"])
        return "ignored"
    references, numbers = references_in(
        line.structured_reference, line.remittance_information, line.end_to_end_id
    )
    named = _named_invoices(references, numbers)
    if not named:
        line.note = (
            _("No invoice number or payment reference found.")
            if not (references or numbers)
            else _("The reference names no issued invoice: %(refs)s.")
            % {"refs": ", ".join(sorted(references | numbers))}
        )
        line.save(update_fields=["note"])
        return "unknown"
    locked = _lock_with_open(i.pk for i in named)
    open_total = sum((i.amount_open for i in locked if i.amount_open > 0), ZERO)
    if line.amount > open_total:
        line.note = _("%(amount)s is more than the %(open)s open on %(numbers)s.") % {
            "amount": _euro(line.amount),
            "open": _euro(open_total),
            "numbers": ", ".join(i.number for i in locked),
        }
        line.save(update_fields=["note"])
        return "more_than_open"
    payment = Payment.objects.create(
        amount=line.amount,
        payment_date=line.booking_date,
        source=Payment.Source.BANK,
        statement_line=line,
        payer=line.counterparty_name,
    )
    allocations = _allocate(payment, locked)
    line.status = BankStatementLine.Status.MATCHED
    line.save(update_fields=["status"])
    if len(allocations) > 1:
        return "combined"
    return "exact" if line.amount == open_total else "partial"


def _statement_create(parsed: Statement, *, file_name: str, actor) -> BankStatement | None:
    try:
        with transaction.atomic():
            return BankStatement.objects.create(
                statement_id=parsed.statement_id,
                account_iban=parsed.account_iban,
                message_id=parsed.message_id,
                statement_created_at=parsed.created_at,
                from_date=parsed.from_date,
                to_date=parsed.to_date,
                opening_balance=parsed.opening_balance,
                closing_balance=parsed.closing_balance,
                file_name=file_name[:255],
                imported_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        return None  # imported meanwhile by someone else


def _premium_payout_runs_paid(parsed: Statement, lines, *, actor) -> list[str]:
    """Debits that are premium payout runs' SEPA batches mark those runs paid (premiums
    decides); their lines, no client payments, say which run they paid or why not."""
    from premiums.services import payout_runs_mark_paid_from_statement

    debits = [entry for entry in parsed.entries if entry.is_booked and not entry.is_credit]
    if not debits:
        return []
    outcomes = payout_runs_mark_paid_from_statement(entries=debits, actor=actor)
    by_reference = {line.reference: line for line in lines}
    for outcome in outcomes:
        for reference in outcome.entry_references:
            line = by_reference.get(reference)
            if line is not None:
                line.note = outcome.message
                line.save(update_fields=["note"])
    return [outcome.message for outcome in outcomes]


@transaction.atomic
def bank_statement_import(*, data: bytes, actor, file_name: str = "") -> list[StatementImport]:
    """Import a camt.053 file of NVSI's account: store every statement not imported before
    with its lines, and match the credits to invoices (see the module docstring). A statement
    imported before is left as it is (`created` False). ValidationError for a file that
    cannot be read or is of another account."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is too large."), code="too_large")
    try:
        parsed_statements = camt053_parse(data)
    except CamtError as error:
        raise ValidationError(str(error), code="camt") from None
    own_iban = _normalised_iban(settings.NVSI_IBAN)
    for parsed in parsed_statements:
        if parsed.account_iban != own_iban:
            raise ValidationError(
                _("Statement %(id)s is of account %(iban)s, not of NVSI's account %(own)s.")
                % {"id": parsed.statement_id, "iban": parsed.account_iban, "own": own_iban},
                code="other_account",
            )
    results = []
    for parsed in parsed_statements:
        existing = BankStatement.objects.filter(
            account_iban=parsed.account_iban, statement_id=parsed.statement_id
        ).first()
        statement = (
            None if existing else _statement_create(parsed, file_name=file_name, actor=actor)
        )
        if statement is None:
            existing = existing or BankStatement.objects.get(
                account_iban=parsed.account_iban, statement_id=parsed.statement_id
            )
            results.append(StatementImport(statement=existing, created=False))
            continue
        lines = BankStatementLine.objects.bulk_create(
            [
                BankStatementLine(
                    statement=statement,
                    reference=entry.reference,
                    amount=entry.amount,
                    is_credit=entry.is_credit,
                    currency=entry.currency,
                    booking_date=entry.booking_date,
                    value_date=entry.value_date,
                    remittance_information=entry.remittance_information,
                    structured_reference=entry.structured_reference[:35],
                    end_to_end_id=entry.end_to_end_id[:35],
                    counterparty_name=entry.counterparty_name,
                    counterparty_iban=entry.counterparty_iban,
                )
                for entry in parsed.entries
                if entry.is_booked
            ]
        )
        result = StatementImport(statement=statement, created=True)
        for line in lines:
            kind = _match_line(line)
            result.kinds[kind] = result.kinds.get(kind, 0) + 1
            if line.status == BankStatementLine.Status.MATCHED:
                result.matched += 1
            elif line.status == BankStatementLine.Status.IGNORED:
                result.ignored += 1
            else:
                result.queued += 1
        result.payout_runs = _premium_payout_runs_paid(parsed, lines, actor=actor)
        audit_record(
            actor=actor,
            action="bank_statement.import",
            obj=statement,
            summary=(
                f"{len(lines)} lines: {result.matched} matched, {result.queued} to be matched, "
                f"{result.ignored} ignored"
            ),
        )
        results.append(result)
    return results


def _lock_line(line: BankStatementLine) -> BankStatementLine:
    line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
    if line.status != BankStatementLine.Status.UNMATCHED:
        raise ValidationError(
            _("This statement line is handled already (%(status)s).")
            % {"status": line.get_status_display()},
            code="handled",
        )
    return line


@transaction.atomic
def bank_statement_line_allocate(
    *, line: BankStatementLine, invoices: Iterable[Invoice], actor
) -> Payment:
    """Match a queued line by hand to `invoices` (oldest due first, up to what is open on
    each). What is left of the amount stays unallocated on the payment (say, to refund)."""
    line = _lock_line(line)
    if not line.is_credit:
        raise ValidationError(_("A debit is no payment received."), code="debit")
    invoices = list(invoices)
    _check_payable(invoices)
    locked = _lock_with_open(i.pk for i in invoices)
    payment = Payment.objects.create(
        amount=line.amount,
        payment_date=line.booking_date,
        source=Payment.Source.BANK,
        statement_line=line,
        payer=line.counterparty_name,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    allocations = _allocate(payment, locked)
    allocated = sum((a.amount for a in allocations), ZERO)
    line.status = BankStatementLine.Status.MATCHED
    line.handled_by = payment.recorded_by
    line.handled_at = timezone.now()
    if allocated < line.amount:
        line.note = _("%(rest)s not allocated to an invoice.") % {
            "rest": _euro(line.amount - allocated)
        }
    line.save(update_fields=["status", "handled_by", "handled_at", "note"])
    audit_record(
        actor=actor,
        action="bank_statement_line.allocate",
        obj=line,
        summary="; ".join(f"{a.invoice.number}: {a.amount}" for a in allocations),
    )
    return payment


@transaction.atomic
def bank_statement_line_ignore(*, line: BankStatementLine, actor, note: str) -> None:
    """Take a queued line off the queue: no client payment (a refund, interest, ...)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why this line is no client payment.")})
    line = _lock_line(line)
    line.status = BankStatementLine.Status.IGNORED
    line.note = note
    line.handled_by = actor if actor is not None and actor.is_authenticated else None
    line.handled_at = timezone.now()
    line.save(update_fields=["status", "note", "handled_by", "handled_at"])
    audit_record(actor=actor, action="bank_statement_line.ignore", obj=line, summary=note)


# --- Reminders --------------------------------------------------------------------------------


def invoice_reminders_create(*, today: datetime.date | None = None) -> list[InvoiceReminder]:
    """The first reminder for every invoice overdue by INVOICE_REMINDER_DAYS or more that
    has none yet; each is mailed by `invoice_reminder_send_task`, queued on commit. Once per
    invoice and level: a unique constraint, so a second run (or two at once) adds nothing."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.INVOICE_REMINDER_DAYS)
    due = (
        invoices_with_payment_status(today=today)
        .filter(payment_status=PaymentStatus.OVERDUE, due_date__lte=cutoff)
        .exclude(reminders__level=1)
        .select_related("client")
        .order_by("due_date", "pk")
    )
    created = []
    for invoice in due:
        try:
            with transaction.atomic():
                reminder = InvoiceReminder.objects.create(
                    invoice=invoice,
                    level=1,
                    amount_open=invoice.amount_open,
                    recipient=invoice.client.billing_email,
                )
                audit_record(
                    actor=None,
                    action="invoice.reminder",
                    obj=invoice,
                    summary=f"Reminder 1 to {reminder.recipient}, open {invoice.amount_open}",
                )
                reminder_id = reminder.pk
                transaction.on_commit(lambda pk=reminder_id: _queue_reminder(pk))
        except IntegrityError:
            continue  # created meanwhile by another run
        created.append(reminder)
    return created


def _queue_reminder(reminder_id: int) -> None:
    from billing.tasks import invoice_reminder_send_task

    invoice_reminder_send_task.delay(reminder_id)


@transaction.atomic
def invoice_reminder_send(*, reminder_id: int) -> bool:
    """Mail one reminder unless it was sent; True if this call sent it."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    reminder = (
        InvoiceReminder.objects.select_for_update(of=("self",))
        .select_related("invoice")
        .get(pk=reminder_id)
    )
    if reminder.sent_at is not None:
        return False
    invoice = reminder.invoice
    with translation.override("nl"):
        context = {
            "invoice": invoice,
            "reminder": reminder,
            "issuer_name": settings.NVSI_NAME,
            "iban": settings.NVSI_IBAN,
        }
        subject = _("Payment reminder: invoice %(number)s") % {"number": invoice.number}
        body = render_to_string("billing/email/reminder.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[reminder.recipient],
        reply_to=[settings.NVSI_BILLING_EMAIL],
    )
    if invoice.pdf:
        message.attach(f"factuur-{invoice.number}.pdf", invoice.pdf.read(), "application/pdf")
    message.send()
    reminder.sent_at = timezone.now()
    reminder.save(update_fields=["sent_at"])
    return True
