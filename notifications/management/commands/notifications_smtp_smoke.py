"""Send one notification over real SMTP and check that it arrived (CI, `.ci/run`).

Starts an SMTP sink (aiosmtpd, a development dependency) on a free local port in this
process, points Django's SMTP backend at it, records a notification for a throw-away user and
sends it through `notification_send`, exactly as the task does; then reads what the sink
received: the recipient, the subject, the link. Everything it wrote to the database is rolled
back.
"""

import email
import email.policy
import logging
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings


class _Rollback(Exception):
    pass


class _Sink:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Command(BaseCommand):
    help = "Sends a notification through Django's SMTP backend to an in-process SMTP sink."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout: float, **options):
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every command
        sink = _Sink()
        port = _free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            address, url = self._send(port)
            deadline = time.monotonic() + timeout
            while not sink.messages and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            controller.stop()
        if not sink.messages:
            raise CommandError(f"The SMTP sink on port {port} received nothing.")
        recipients, content = sink.messages[0]
        message = email.message_from_bytes(content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        if recipients != [address] or not message["Subject"].startswith("[NVSI-portaal]"):
            raise CommandError(f"Unexpected message: to {recipients}, {message['Subject']!r}.")
        if url not in body:
            raise CommandError(f"The link {url} is not in the message.")
        self.stdout.write(f"SMTP sink on port {port} received {message['Subject']!r} for {address}")

    def _send(self, port: int) -> tuple[str, str]:
        from accounts.models import User
        from notifications.models import Delivery, Notification
        from notifications.services import notification_send

        address = "smtp-smoke@example.invalid"
        url = "https://portaal.example.nl/meldingen/"
        try:
            with (
                override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                    EMAIL_HOST="127.0.0.1",
                    EMAIL_PORT=port,
                    EMAIL_HOST_USER="",
                    EMAIL_HOST_PASSWORD="",
                    EMAIL_USE_TLS=False,
                    EMAIL_USE_SSL=False,
                    EMAIL_TIMEOUT=10,
                ),
                transaction.atomic(),
            ):
                user = User.objects.create_user(email=address, first_name="Smoke", last_name="Test")
                notification = Notification.objects.create(
                    user=user,
                    kind=Notification.Kind.ASSIGNMENT_REQUESTED,
                    object_id=0,
                    delivery=Delivery.IMMEDIATE,
                    subject="Controle van de e-mailbezorging",
                    body=f"Dit bericht controleert de bezorging over SMTP.\n\n{url}\n",
                    url=url,
                )
                if not notification_send(notification_id=notification.pk):
                    raise CommandError("notification_send sent nothing.")
                raise _Rollback
        except _Rollback:
            pass
        return address, url
