"""Factories for NVSI's product catalogue."""

import factory
from factory.django import DjangoModelFactory

from members.models import Instrument, InstrumentDocument, InstrumentRequest
from tests.factories import MunicipalityFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class InstrumentFactory(DjangoModelFactory):
    class Meta:
        model = Instrument
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Instrument {n}")
    summary = "Een instrument van NVSI"
    description = "Wat het instrument doet."
    conditions = "Lid van NVSI."
    status = Instrument.Status.AVAILABLE


class InstrumentDocumentFactory(DjangoModelFactory):
    class Meta:
        model = InstrumentDocument

    instrument = factory.SubFactory(InstrumentFactory)
    title = "Voorwaarden"
    file = factory.django.FileField(filename="voorwaarden.pdf", data=PDF)


class InstrumentRequestFactory(DjangoModelFactory):
    class Meta:
        model = InstrumentRequest

    instrument = factory.SubFactory(InstrumentFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    requested_by = factory.SubFactory(UserFactory)
    motivation = "Wij willen meedoen."
