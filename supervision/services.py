"""Writes of the supervision pages: only the record that a SEPA file was downloaded.

The pages themselves change nothing. A SEPA credit transfer file carries the names and
IBANs of the people and municipalities it pays, so every download by a supervisor is
recorded in the audit trail (who, which file, when), in its own transaction, before the
file is handed over.
"""

from django.db import models, transaction

from core.models import AuditEvent
from core.services import audit_record

SEPA_DOWNLOAD_ACTION = "sepa_file.download"


def sepa_file_download_record(*, actor, obj: models.Model, file_name: str) -> AuditEvent:
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=SEPA_DOWNLOAD_ACTION,
            obj=obj,
            summary=f"SEPA-bestand {file_name} gedownload (toezicht)",
        )
