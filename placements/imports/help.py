"""What each import column means, in what format, with an example: the help on the import page
and the second sheet of the downloadable templates (docs/imports.md says the same at length)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ColumnHelp:
    format: str
    example: str
    meaning: str


FORMATS = {
    "code": _("CBS code"),
    "text": _("free text"),
    "date": _("date, 31-12-2026"),
    "number": _("number, 7,5"),
    "amount": _("amount, 1.250,00"),
    "yesno": _("yes/no (ja/nee)"),
    "email": _("e-mail address"),
    "kvk": _("eight digits"),
}

COLUMN_HELP = {
    "municipality": ColumnHelp(
        FORMATS["code"], "GM0014", _("The candidate's municipality; must exist.")
    ),
    "client_number": ColumnHelp(
        FORMATS["text"], "K-1001", _("The municipality's own number for the candidate.")
    ),
    "first_name": ColumnHelp(FORMATS["text"], "Anna", ""),
    "last_name": ColumnHelp(FORMATS["text"], "de Vries", ""),
    "birth_date": ColumnHelp(FORMATS["date"], "17-05-1985", ""),
    "bsn": ColumnHelp(
        FORMATS["text"],
        "111222333",
        _("Nine digits (11-proof); stored encrypted. Empty keeps the stored one."),
    ),
    "iban": ColumnHelp(
        FORMATS["text"],
        "NL91ABNA0417164300",
        _("Where the premium is paid. Empty keeps the stored one."),
    ),
    "status": ColumnHelp(
        FORMATS["text"], "active", _("active, left_for_work or ended; empty is active.")
    ),
    "left_for_work_on": ColumnHelp(
        FORMATS["date"], "15-01-2026", _("Required when the status is left_for_work.")
    ),
    "wage_cost_subsidy": ColumnHelp(
        FORMATS["yesno"],
        "nee",
        _("In the wage-cost-subsidy target group (earns the premium under 27)."),
    ),
    "street": ColumnHelp(
        FORMATS["text"],
        "Grote Markt",
        _("Postal address for the premium letter; the address columns may be left out."),
    ),
    "house_number": ColumnHelp(FORMATS["text"], "1a", ""),
    "postcode": ColumnHelp(FORMATS["text"], "9712 HN", _("Four digits and two letters.")),
    "city": ColumnHelp(FORMATS["text"], "Groningen", ""),
    "kvk_number": ColumnHelp(
        FORMATS["kvk"], "12345678", _("The client's Chamber of Commerce number.")
    ),
    "name": ColumnHelp(FORMATS["text"], "Groen B.V.", ""),
    "vat_number": ColumnHelp(
        FORMATS["text"], "NL123456782B01", _("EU VAT identification number; checked.")
    ),
    "billing_address": ColumnHelp(
        FORMATS["text"], "Grote Markt 1, 9711 LV Groningen", _("Line breaks allowed.")
    ),
    "billing_email": ColumnHelp(FORMATS["email"], "facturen@example.nl", ""),
    "contact_person": ColumnHelp(
        FORMATS["text"],
        "P. de Vries",
        _("Invoices are addressed for the attention of this person."),
    ),
    "invoice_reference": ColumnHelp(
        FORMATS["text"],
        "PO-2026-0042",
        _("The client's purchase-order number or reference, on every invoice; may be left out."),
    ),
    "framework_agreement_date": ColumnHelp(
        FORMATS["date"], "01-12-2025", _("The date the framework agreement was signed.")
    ),
    "start_date": ColumnHelp(FORMATS["date"], "02-03-2026", ""),
    "end_date": ColumnHelp(FORMATS["date"], "29-05-2026", _("Not before the start date.")),
    "hours_per_week": ColumnHelp(FORMATS["number"], "20", _("More than 0, at most 168.")),
    "work_description": ColumnHelp(FORMATS["text"], "Groenonderhoud", ""),
    "hourly_rate": ColumnHelp(
        FORMATS["number"],
        "16,50",
        _("What the client pays per hour; empty is the framework's minimum."),
    ),
    "displacement_check_date": ColumnHelp(
        FORMATS["date"], "15-12-2025", _("The day of the displacement check; not in the future.")
    ),
    "client_signatory": ColumnHelp(
        FORMATS["text"], "J. Bakker", _("Who signed the check for the client.")
    ),
    "approved_by": ColumnHelp(
        FORMATS["email"],
        "coordinator@gemeente.nl",
        _("The coordinator of the candidate's municipality who approved it."),
    ),
    "approved_on": ColumnHelp(FORMATS["date"], "18-12-2025", _("Empty is the check's day.")),
    "assignment_start_date": ColumnHelp(
        FORMATS["date"],
        "02-03-2026",
        _("The assignment's start date (with the three columns before: which assignment)."),
    ),
    "work_date": ColumnHelp(
        FORMATS["date"], "03-03-2026", _("Within the assignment's dates, not after today.")
    ),
    "hours": ColumnHelp(
        FORMATS["number"], "7,5", _("More than 0, at most 24, at most two decimals.")
    ),
    "year": ColumnHelp(FORMATS["text"], "2026", _("The calendar year; not after this year.")),
    "accrued": ColumnHelp(
        FORMATS["amount"],
        "1.250,00",
        _("Premium accrued in the year before go-live; at most the annual cap."),
    ),
    "paid": ColumnHelp(FORMATS["amount"], "800,00", _("The part of it already paid.")),
    "payouts": ColumnHelp(FORMATS["text"], "1", _("Payouts already made in the year: 0, 1 or 2.")),
}


def column_help(name: str) -> ColumnHelp:
    return COLUMN_HELP.get(name, ColumnHelp(FORMATS["text"], "", ""))
