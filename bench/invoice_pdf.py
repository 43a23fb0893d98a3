"""Seconds per invoice PDF: billing's rendering (template + WeasyPrint + the static-only URL
fetcher) against bare WeasyPrint on the same HTML (its default fetcher reading the same files
from disk). No database: the invoice and its lines are unsaved objects.

    .venv/bin/python bench/invoice_pdf.py [--lines 12] [--repeat 10]

Rendering runs in the Celery workers, one task per invoice: 5,000 invoices at the measured
seconds per invoice take `5000 x s / workers`.
"""

import argparse
import datetime
import time
from decimal import Decimal

from _setup import django_setup

django_setup()

from django.conf import settings

from billing.models import Invoice, InvoiceLine
from core.money import line_amount, percentage_of
from core.pdf import PDF_BASE_URL, html_to_pdf, issuer, render_html
from members.models import Municipality


def _invoice(lines: int):
    invoice = Invoice(
        number="2026-000123",
        payment_reference="RF712026000123",
        period=datetime.date(2026, 3, 1),
        invoice_date=datetime.date(2026, 4, 2),
        due_date=datetime.date(2026, 4, 16),
        vat_percentage=Decimal("21.00"),
        client_name="Bakkerij De Korenschoof B.V.",
        client_address="Grote Markt 1\n9711 LV Groningen",
        client_kvk_number="12345678",
        client_vat_number="NL001234567B01",
        status=Invoice.Status.ISSUED,
    )
    town = Municipality(name="Groningen", cbs_code="GM0014")
    rows = []
    for n in range(lines):
        hours = Decimal("17.25") + n
        rate = Decimal("16.50")
        line = InvoiceLine(
            candidate_name=f"Kandidaat {n} Jansen",
            candidate_client_number=f"K{n:06d}",
            description="Magazijnwerk",
            hours=hours,
            rate=rate,
            amount=line_amount(hours, rate),
        )
        line.municipality = town
        rows.append(line)
    invoice.subtotal = sum(line.amount for line in rows)
    invoice.vat_amount = percentage_of(invoice.subtotal, invoice.vat_percentage)
    invoice.total = invoice.subtotal + invoice.vat_amount
    return invoice, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    from weasyprint import HTML

    invoice, rows = _invoice(args.lines)
    # The context as billing.pdf builds it, with the lines given instead of queried.
    ctx = {
        "invoice": invoice,
        "lines": rows,
        "issuer": issuer(),
        "payment_term_days": 14,
    }
    html = render_html(template_name="billing/pdf/invoice.html", context=ctx)
    static_dir = settings.BASE_DIR / "static"
    bare_html = html.replace('"/static/', f'"{static_dir.as_uri()}/')
    html_to_pdf(html)  # warm up fonts and caches
    HTML(string=bare_html).write_pdf()

    ours, bare = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        rendered = html_to_pdf(render_html(template_name="billing/pdf/invoice.html", context=ctx))
        ours.append(time.perf_counter() - start)
        assert not rendered.refused and len(rendered.served) == 2, rendered
        start = time.perf_counter()
        HTML(string=bare_html).write_pdf()
        bare.append(time.perf_counter() - start)
    ours_s, bare_s = min(ours), min(bare)
    print(
        f"invoice PDF ({args.lines} lines): {ours_s:.3f} s per invoice (best of {args.repeat}; "
        f"median {sorted(ours)[len(ours) // 2]:.3f} s); bare WeasyPrint on the same HTML "
        f"{bare_s:.3f} s; ratio {ours_s / bare_s:.2f}x; base URL {PDF_BASE_URL}"
    )
    print(
        f"5,000 invoices: {5000 * ours_s / 60:.1f} worker-minutes, e.g. {5000 * ours_s / 8 / 60:.1f} min on 8 workers"
    )


if __name__ == "__main__":
    from django.test.utils import override_settings

    # Production serves hashed names after collectstatic; the benchmark reads the sources.
    plain = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain):
        main()
