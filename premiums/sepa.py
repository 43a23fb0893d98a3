"""What an approved payout run pays, as a SEPA credit transfer file (core.sepa): one
transaction per payout line, on the payout date (or today, when that has passed); the control
sum is the run's total.
"""

from django.utils import timezone

from core.sepa import SepaPayment, sepa_credit_transfer_file


def sepa_credit_transfer(*, run, lines) -> tuple[str, str]:
    """(message id, XML text) for the run's lines; raises ValidationError if the library's
    XSD validation refuses the file."""
    description = f"Premie {run.municipality.name} {run.payout_date:%d-%m-%Y}"
    sepa_file = sepa_credit_transfer_file(
        payments=[
            SepaPayment(
                name=line.candidate_name,
                iban=line.iban,
                amount=line.amount,
                end_to_end_id=f"NVSI-PR{run.pk}-L{line.pk}",
                description=description,
            )
            for line in lines
        ],
        execution_date=max(run.payout_date, timezone.localdate()),
    )
    return sepa_file.message_id, sepa_file.xml
