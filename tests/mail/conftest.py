"""Mail fixtures: the real SMTP listener on loopback (in-process, on the test's loop) and a
blocking smtplib client run in a thread, as an MTA would talk to it."""

from __future__ import annotations

import asyncio
import re
import smtplib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.mail import tasks as _tasks  # noqa: F401 - registers the mail jobs
from kefu.mail.smtpd import start_listener, stop_listener
from tests.conftest import Configure, free_port

CORPUS = Path(__file__).resolve().parent.parent / "data" / "mail"


@dataclass
class Mta:
    port: int
    db: Database

    def _send(self, raw: bytes, rcpt: list[str], mail_from: str) -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            return client.sendmail(mail_from, rcpt, raw)

    async def send(
        self, raw: bytes | EmailMessage, rcpt: list[str] | None = None, mail_from: str = "mta@example.cn"
    ) -> None:
        data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
        data = re.sub(rb"\r?\n", b"\r\n", data)  # an MTA sends CRLF lines
        await asyncio.to_thread(self._send, data, rcpt or ["support@kefu.demo"], mail_from)

    async def deliver(self, raw: bytes | EmailMessage, rcpt: list[str] | None = None) -> None:
        """Send, then let the worker process everything queued."""
        await self.send(raw, rcpt)
        await Worker(self.db).run_until_idle()


@pytest.fixture
async def mta(db: Database, tmp_path: Path, configure: Configure) -> AsyncIterator[Mta]:
    port = free_port()
    settings = configure(smtp_max_bytes=2_000_000, data_dir=tmp_path, mail_from="support@kefu.demo")
    # Not through the environment: an app started by the same test must not listen too.
    server = await start_listener(db, settings.model_copy(update={"smtp_listen": f"127.0.0.1:{port}"}))
    try:
        yield Mta(port, db)
    finally:
        await stop_listener(server)


def mail(
    *,
    subject: str = "手机充不进电",
    body: str = "您好，我的手机充不进电了。",
    sender: str = "王小明 <wang@example.cn>",
    to: str = "support@kefu.demo",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, to, subject
    if message_id:
        m["Message-ID"] = message_id
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
    if references:
        m["References"] = references
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(body)
    return m


class Outgoing:
    """The company's outgoing SMTP server (aiosmtpd on loopback): what kefu really sent."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def outgoing(configure: Configure) -> Iterator[Outgoing]:
    box = Outgoing()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    configure(smtp_host="127.0.0.1", smtp_port=port)
    yield box
    controller.stop()


async def run_jobs(db: Database) -> None:
    for _ in range(3):  # the listener job, then the send job it queues
        await Worker(db).run_until_idle()
