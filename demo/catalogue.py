"""Demo data for NVSI's product catalogue: Flextensie and two other instruments (one in
preparation), a PDF with Flextensie's conditions, and one request waiting for the board.

Idempotent: instruments are found by name, the document by its title, the request by its
municipality and instrument.
"""

from django.core.files.base import ContentFile
from django.utils.html import escape

from accounts.models import User
from core.pdf import html_to_pdf
from members.models import Instrument, InstrumentDocument, InstrumentRequest, Municipality

INSTRUMENTS = [
    {
        "name": "Flextensie",
        "status": Instrument.Status.AVAILABLE,
        "summary": "Tijdelijke opdrachten met behoud van uitkering, met premie.",
        "description": (
            "Mensen in de bijstand nemen tijdelijke opdrachten aan bij opdrachtgevers en "
            "behouden hun uitkering. De opdrachtgever betaalt een uurtarief; de kandidaat "
            "spaart een premie arbeidsinschakeling van 2 euro netto per gewerkt uur, twee "
            "keer per jaar uitbetaald tot het wettelijke maximum."
        ),
        "conditions": (
            "Lidmaatschap van NVSI en een contract met NVSI.\n"
            "De gemeente stelt zo nodig strengere lokale kaders vast.\n"
            "Contributie: 2% van de bruto-omzet in de gemeente, voor de helft gedragen door "
            "de uitvoerder."
        ),
    },
    {
        "name": "Leerwerkpool",
        "status": Instrument.Status.AVAILABLE,
        "summary": "Gedeelde leerwerkplekken bij opdrachtgevers in de regio.",
        "description": (
            "Gemeenten in een arbeidsmarktregio delen een pool van leerwerkplekken, zodat "
            "kandidaten werkervaring opdoen met begeleiding op de werkvloer."
        ),
        "conditions": "Voor leden van NVSI die ook Flextensie gebruiken.",
    },
    {
        "name": "Startersbegeleiding",
        "status": Instrument.Status.IN_PREPARATION,
        "summary": "Begeleiding van bijstandsgerechtigden die een eigen bedrijf starten.",
        "description": (
            "In voorbereiding: een traject voor kandidaten die als zelfstandige willen "
            "beginnen, met coaching en een proefperiode met behoud van uitkering."
        ),
        "conditions": "",
    },
]

CONDITIONS_TITLE = "Voorwaarden Flextensie"
PENDING_REQUEST = {
    "instrument": "Leerwerkpool",
    "municipality": "GM0014",
    "requested_by": "coordinator@demo.nvsi.nl",
    "motivation": (
        "Groningen wil met de gemeenten in de regio leerwerkplekken delen, zodat kandidaten "
        "na een Flextensie-opdracht verder kunnen leren."
    ),
}


def _conditions_pdf(instrument: Instrument) -> bytes:
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in instrument.conditions.splitlines())
    html = f"<html><body><h1>{escape(CONDITIONS_TITLE)}</h1>{paragraphs}</body></html>"
    return html_to_pdf(html).content


def seed_catalogue(*, municipalities: dict[str, Municipality]) -> dict[str, int]:
    instruments = {}
    for values in INSTRUMENTS:
        instrument = Instrument.objects.filter(name=values["name"]).first() or Instrument()
        for key, value in values.items():
            setattr(instrument, key, value)
        instrument.full_clean()
        instrument.save()
        instruments[instrument.name] = instrument

    flextensie = instruments["Flextensie"]
    if not flextensie.documents.filter(title=CONDITIONS_TITLE).exists():
        document = InstrumentDocument(instrument=flextensie, title=CONDITIONS_TITLE)
        document.file.save(
            "voorwaarden-flextensie.pdf", ContentFile(_conditions_pdf(flextensie)), save=False
        )
        document.full_clean()
        document.save()

    requester = User.objects.filter(email=PENDING_REQUEST["requested_by"]).first()
    municipality = municipalities[PENDING_REQUEST["municipality"]]
    instrument = instruments[PENDING_REQUEST["instrument"]]
    if (
        requester is not None
        and not InstrumentRequest.objects.filter(
            municipality=municipality, instrument=instrument
        ).exists()
    ):
        InstrumentRequest.objects.create(
            instrument=instrument,
            municipality=municipality,
            requested_by=requester,
            motivation=PENDING_REQUEST["motivation"],
        )
    return {
        "instruments": len(instruments),
        "open requests": InstrumentRequest.objects.filter(
            status=InstrumentRequest.Status.PENDING
        ).count(),
    }
