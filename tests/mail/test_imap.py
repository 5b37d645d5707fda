"""IMAP polling against a real IMAP server (pymap's in-memory backend, started per test):
mail is stored raw, deduplicated, processed; flagged seen only after commit; one bad mail
or a bad login never stops anything."""

from __future__ import annotations

import imaplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.mail import tasks as _tasks  # noqa: F401 - registers the mail jobs
from kefu.mail.service.fetch import mail_fetch_service
from kefu.models import InboundMail, Mailbox, Ticket
from tests.conftest import free_port
from tests.factories import make_group

# Loopback fakes stand in for outside services: the SSRF guard's test allow-list.
pytestmark = pytest.mark.usefixtures("allow_loopback")

USER, PASSWORD = "service", "imap-pass"


@pytest.fixture
def imap_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / "pymap.log").open("wb")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-c", "from pymap.main import main; main()"),
            *("--host", "127.0.0.1", "--port", str(port), "dict"),
            *("--demo-user", USER, "--demo-password", PASSWORD),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"pymap exited: {(tmp_path / 'pymap.log').read_text()}")
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def imap(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    return client


def append(port: int, *messages: bytes) -> None:
    client = imap(port)
    for raw in messages:
        client.append("INBOX", None, None, raw)
    client.logout()


def unseen(port: int) -> list[bytes]:
    client = imap(port)
    client.select("INBOX")
    _typ, data = client.uid("search", "UNSEEN")
    client.logout()
    return data[0].split() if data and data[0] else []


async def add_mailbox(
    db: Database, port: int, *, password: str = PASSWORD, group_id: int | None = None
) -> int:
    async with db.transaction() as s:
        box = Mailbox(
            name="售后邮箱",
            address="service@kefu.demo",
            host="127.0.0.1",
            port=port,
            ssl=False,
            username=USER,
            password=password,
            folder="INBOX",
            group_id=group_id,
            from_name="",
            signature="",
            active=True,
            fetched=0,
        )
        s.add(box)
        await s.flush()
        return box.id


def msg(n: int, *, message_id: str | None = None) -> bytes:
    mid = message_id or f"<imap-{n}@example.cn>"
    return (
        f"From: 客户{n} <c{n}@example.cn>\r\nTo: service@kefu.demo\r\nSubject: 第{n}封\r\n"
        f"Message-ID: {mid}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n正文{n}\r\n"
    ).encode()


class TestFetch:
    async def test_fetch_stores_processes_and_marks_seen(self, db: Database, imap_port: int) -> None:
        async with db.transaction() as s:
            g = await make_group(s, name="售后")
        box_id = await add_mailbox(db, imap_port, group_id=g.id)
        garbage = b"X-Nothing: \x01\r\n\r\n"
        append(imap_port, msg(1), garbage, msg(2), msg(3, message_id="<imap-1@example.cn>"))
        result = await mail_fetch_service.fetch(db, box_id)
        assert (result.stored, result.duplicates, result.errors) == (3, 1, [])
        assert unseen(imap_port) == []  # all committed, so all marked seen
        await Worker(db).run_until_idle()
        async with db.session() as s:
            statuses = [
                r.status for r in (await s.execute(sa.select(InboundMail).order_by(InboundMail.id))).scalars()
            ]
            tickets = list((await s.execute(sa.select(Ticket).order_by(Ticket.id))).scalars())
            box = await s.get(Mailbox, box_id)
        assert statuses == ["ticket", "quarantined", "ticket"]
        assert [(t.subject, t.group_id, t.channel) for t in tickets] == [
            ("第1封", g.id, "email"),
            ("第2封", g.id, "email"),
        ]
        assert box is not None and (box.fetched, box.last_error) == (3, None)

        append(imap_port, msg(4))
        again = await mail_fetch_service.fetch(db, box_id)  # only the new one
        assert (again.stored, again.duplicates) == (1, 0)

    async def test_a_wrong_password_is_reported_not_raised(self, db: Database, imap_port: int) -> None:
        append(imap_port, msg(1))
        box_id = await add_mailbox(db, imap_port, password="wrong")
        result = await mail_fetch_service.fetch(db, box_id)
        assert result.stored == 0 and result.errors
        async with db.session() as s:
            box = await s.get(Mailbox, box_id)
        assert box is not None and box.last_error and "connect" in box.last_error
        assert len(unseen(imap_port)) == 1  # untouched on the server
