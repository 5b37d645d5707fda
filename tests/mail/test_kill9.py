"""kill -9 of `kefu serve` while mail is arriving: every message the listener answered 250
is kept, every other one is re-sent by the "MTA" after the restart (as a real MTA retries
until it gets a 250), and in the end each Message-ID produced exactly one ticket."""

from __future__ import annotations

import asyncio
import smtplib
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.models import InboundMail, Ticket
from tests.conftest import LiveServer, free_port

N = 40


def message(n: int) -> bytes:
    m = EmailMessage()
    m["From"] = f"客户{n} <k{n}@example.cn>"
    m["To"] = "support@kefu.demo"
    m["Subject"] = f"断电测试 {n}"
    m["Message-ID"] = f"<kill9-{n}@example.cn>"
    m.set_content(f"第 {n} 封邮件")
    return m.as_bytes()


def send(port: int, n: int) -> bool:
    """True only when the server answered 250 to the DATA."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(f"k{n}@example.cn", ["support@kefu.demo"], message(n))
        return True
    except (OSError, smtplib.SMTPException):
        return False


class TestKill9:
    async def test_nothing_lost_nothing_duplicated(self, db: Database, tmp_path: Path) -> None:
        smtp_port = free_port()
        env = {
            "KEFU_DATABASE_URL": db.url,
            "KEFU_SMTP_LISTEN": f"127.0.0.1:{smtp_port}",
            "KEFU_DATA_DIR": str(tmp_path),
            "KEFU_JOB_LEASE_SECONDS": "2",  # jobs the dead process held are taken over quickly
            "KEFU_RATE_LIMIT": "off",
            "KEFU_LOG_LEVEL": "WARNING",
        }
        server = await asyncio.to_thread(LiveServer, env, free_port())
        acked: dict[int, bool] = {}

        def mta() -> None:
            for n in range(N):
                acked[n] = send(smtp_port, n)

        sender = threading.Thread(target=mta)
        sender.start()
        while sum(acked.values()) < N // 3:  # noqa: ASYNC110 - a thread fills it; kill mid-stream
            await asyncio.sleep(0.01)
        server.proc.kill()  # SIGKILL: no shutdown code runs
        server.proc.wait()
        await asyncio.to_thread(sender.join)
        lost_in_flight = [n for n, ok in acked.items() if not ok]
        assert lost_in_flight, "the kill should have interrupted some deliveries"

        server = await asyncio.to_thread(LiveServer, env, free_port())
        try:
            for n in lost_in_flight:  # the MTA's retry
                assert await asyncio.to_thread(send, smtp_port, n)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                async with db.session() as s:
                    pending = (
                        await s.execute(sa.select(sa.func.count()).where(InboundMail.status == "received"))
                    ).scalar_one()
                    stored = (
                        await s.execute(sa.select(sa.func.count()).select_from(InboundMail))
                    ).scalar_one()
                if stored == N and pending == 0:
                    break
                await asyncio.sleep(0.3)
        finally:
            server.stop()
        async with db.session() as s:
            rows = (await s.execute(sa.select(InboundMail.message_key, InboundMail.status))).all()
            tickets = (
                await s.execute(
                    sa.select(InboundMail.message_key, sa.func.count(Ticket.id))
                    .join(Ticket, Ticket.id == InboundMail.ticket_id)
                    .group_by(InboundMail.message_key)
                )
            ).all()
            total_tickets = (await s.execute(sa.select(sa.func.count()).select_from(Ticket))).scalar_one()
        expected = {f"<kill9-{n}@example.cn>" for n in range(N)}
        assert sorted(k for k, _s in rows) == sorted(expected)  # each stored once
        assert {s for _k, s in rows} == {"ticket"}
        assert dict(tickets) == dict.fromkeys(expected, 1)
        assert total_tickets == N  # and no ticket without its mail
