"""The built-in SMTP listener (aiosmtpd) for mail forwarded by the company's MX.

It runs on the serving process's own event loop. A message is answered 250 only after its
raw bytes are committed together with the job that will process it, so a crash after the
250 loses nothing, and a crash before it makes the sending MTA retry (the duplicate is then
recognised by its Message-ID). Database trouble answers 451 (try again later); oversize mail
552 (aiosmtpd's data_size_limit, also advertised as SIZE in EHLO); with KEFU_MAIL_DOMAINS
set, recipients outside our domains and mapped addresses get 550 at RCPT. We never relay.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from kefu.config import Settings
from kefu.kit.db import Database
from kefu.mail.service.channels import mail_channel_service
from kefu.mail.service.inbound import inbound_mail_service

log = structlog.get_logger(__name__)
MAX_RECIPIENTS = 100


class InboundHandler:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            async with self.db.read() as s:
                accepted = await mail_channel_service.accepts_recipient(s, address)
        except Exception as exc:
            log.warning("smtp.rcpt_check_failed", error=repr(exc)[:200])
            return "451 4.3.0 Temporary failure, try again later"
        if not accepted:
            return f"550 5.1.1 <{address}>: recipient not accepted here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content or b""
        raw = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else bytes(content)
        if not raw.strip():
            return "554 5.6.0 Empty message"
        try:
            async with self.db.transaction() as s:
                stored = await inbound_mail_service.store(
                    s,
                    raw,
                    source="smtp",
                    envelope_from=envelope.mail_from or "",
                    recipients=list(envelope.rcpt_tos),
                )
        except Exception as exc:  # nothing committed: the sender must retry
            log.warning("smtp.store_failed", error=repr(exc)[:300])
            return "451 4.3.0 Temporary failure, try again later"
        log.info("smtp.received", inbound_id=stored.id, duplicate=stored.duplicate, size=len(raw))
        return f"250 2.0.0 OK queued as {stored.id}"


def parse_listen(value: str) -> tuple[str, int]:
    """ "host:port" or "[::1]:port"."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"KEFU_SMTP_LISTEN must be host:port, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


async def start_listener(db: Database, settings: Settings) -> asyncio.Server:
    assert settings.smtp_listen
    host, port = parse_listen(settings.smtp_listen)
    handler = InboundHandler(db)
    hostname = settings.mail_from.rpartition("@")[2] or "kefu"

    def protocol() -> Any:
        return SMTP(
            handler,
            data_size_limit=settings.smtp_max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=hostname,
            ident="kefu ESMTP",
            timeout=120,
        )

    server = await asyncio.get_running_loop().create_server(protocol, host, port, reuse_address=True)
    log.info("smtp.listening", host=host, port=port)
    return server


async def stop_listener(server: asyncio.Server) -> None:
    server.close()
    await server.wait_closed()
