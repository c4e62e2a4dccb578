"""A real SMTP server for the tests that mail: aiosmtpd on 127.0.0.1 and a free port, keeping
every message it receives, and the Airflow connection that sends to it."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

SENDER = "munifund@example.org"


class Inbox:
    """What the server received: (envelope recipients, parsed message), in order."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append((list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 60) -> list[tuple[list[str], EmailMessage]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            assert len(self.messages) >= count, f"{len(self.messages)} mails arrived, not {count}"
            return list(self.messages)

    def wait_for_mail_to(self, address: str, timeout: float = 60) -> EmailMessage:
        """The first message addressed to ``address``, waiting for it; other mails (the
        senders' receipts) may arrive before or after it."""
        with self.arrived:
            self.arrived.wait_for(lambda: self.sent_to(address), timeout)
            found = self.sent_to(address)
            assert found, f"no mail to {address} among {[to for to, _ in self.messages]}"
            return found[0]

    def sent_to(self, address: str) -> list[EmailMessage]:
        return [message for to, message in self.messages if address in to]

    def connection_json(self) -> str:
        """The Airflow connection (`AIRFLOW_CONN_MUNIFUND_SMTP`) of this server: plain SMTP,
        no TLS, no account, the sender in `from_email`."""
        return json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": self.port,
                "extra": {
                    "from_email": SENDER,
                    "disable_ssl": True,
                    "disable_tls": True,
                    "retry_limit": 0,
                    "timeout": 10,
                },
            }
        )


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html", "plain"))
    assert part is not None, message
    return part.get_content()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
