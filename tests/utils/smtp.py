"""A real SMTP server for tests: aiosmtpd on a free local port, keeping what it receives.

``SmtpSink`` collects every message handed to it (parsed, with its envelope recipients);
``fail_with`` makes it refuse each DATA with that reply until cleared. ``free_port()`` gives a
port where nothing listens (an SMTP server that is down).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """aiosmtpd handler: keeps each message; answers ``fail_with`` instead when it is set."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.fail_with: str | None = None
        self.delay = 0.0
        """Seconds each DATA takes (a slow server)."""
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_with:
            return self.fail_with
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def text_of(self, message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())

    def html_of(self, message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("html",))
        assert body is not None
        return str(body.get_content())


@contextmanager
def smtp_server(**controller_kwargs: Any) -> Iterator[tuple[str, SmtpSink]]:
    """``(smtp_url, sink)`` of a running server on 127.0.0.1, stopped afterwards."""
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, **controller_kwargs)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", sink
    finally:
        controller.stop()
