"""`manage.py render_missing_pdfs [--limit N]`: a render task for every issued invoice and
credit note whose PDF is not stored.

For documents issued with `pdf_rendering_deferred()` (the demo data, the benchmark, a bulk
run without a broker) and for PDFs whose render failed. With a broker the tasks go to the
workers and render in parallel; without one Celery runs each here, one after the other. Safe
to run again at any time: a task stores a document's PDF once (billing.pdf), so a document
queued twice, or rendered meanwhile, is left as it is.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing.models import CreditNote, Invoice
from billing.tasks import credit_note_render_pdf_task, invoice_render_pdf_task


def documents_without_pdf():
    """(invoice ids, credit note ids) of issued documents without a stored PDF, oldest first."""
    invoices = Invoice.objects.filter(
        status=Invoice.Status.ISSUED, pdf_rendered_at__isnull=True
    ).order_by("invoice_date", "number")
    notes = CreditNote.objects.filter(
        status=CreditNote.Status.ISSUED, pdf_rendered_at__isnull=True
    ).order_by("credit_date", "number")
    return invoices.values_list("pk", flat=True), notes.values_list("pk", flat=True)


class Command(BaseCommand):
    help = (
        "Queues a render task for every issued invoice and credit note without its PDF "
        "(to the workers with a broker, in this process without one)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help="At most this many documents (oldest first)."
        )

    def handle(self, *args, limit=None, verbosity=1, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit is a positive number.")
        invoice_ids, note_ids = documents_without_pdf()
        invoice_ids = list(invoice_ids if limit is None else invoice_ids[:limit])
        room = None if limit is None else limit - len(invoice_ids)
        note_ids = list(note_ids if room is None else note_ids[:room])
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        jobs = [(invoice_render_pdf_task, pk) for pk in invoice_ids] + [
            (credit_note_render_pdf_task, pk) for pk in note_ids
        ]
        failed = 0
        for done, (task, pk) in enumerate(jobs, start=1):
            try:
                task.delay(pk)
            except Exception as error:  # in-process: one failed render stops nothing
                failed += 1
                self.stderr.write(f"{task.name} {pk}: {error}")
            if eager and verbosity > 1 and done % 50 == 0:
                self.stdout.write(f"  {done} / {len(jobs)}")
        where = "rendered in this process" if eager else "queued to the workers"
        self.stdout.write(
            f"{len(invoice_ids)} invoice PDFs and {len(note_ids)} credit note PDFs {where}"
            + (f"; {failed} failed (run the command again to retry)." if failed else ".")
        )
        if failed:
            raise CommandError(f"{failed} PDFs failed to render.")
