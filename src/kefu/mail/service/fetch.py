"""IMAP polling: each message is stored (raw, deduplicated by UIDVALIDITY:UID and by
Message-ID) and committed on its own, then flagged seen (or moved) on the server. A message
that cannot be fetched or stored is skipped and reported; the rest of the batch goes on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog

from kefu.config import current_settings
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.mail.imap import ImapConfig, ImapSession
from kefu.mail.repository import mail_repository
from kefu.mail.service.inbound import inbound_mail_service

log = structlog.get_logger(__name__)
BATCH = 200  # messages per poll; the next poll takes the rest


@dataclass
class FetchResult:
    stored: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


class MailFetchService:
    async def fetch(self, db: Database, mailbox_id: int) -> FetchResult:
        async with db.read() as session:
            box = await mail_repository.mailbox(session, mailbox_id)
            if box is None or not box.active:
                return FetchResult()
            cfg = ImapConfig(
                box.host,
                box.port,
                box.ssl,
                box.username,
                box.password,
                box.folder,
                box.move_to,
                allow=tuple(current_settings().effective_outbound_allow()),
            )
            address = box.address
        result = FetchResult()
        try:
            conn = await asyncio.to_thread(ImapSession, cfg)
        except Exception as exc:
            result.errors.append(f"connect: {type(exc).__name__}: {exc}")
            await self._record(db, mailbox_id, result)
            return result
        try:
            done: list[str] = []
            for uid in await asyncio.to_thread(conn.unseen, BATCH):
                try:
                    raw = await asyncio.to_thread(conn.fetch_raw, uid)
                    if raw is None:
                        continue
                    async with db.transaction() as session:
                        stored = await inbound_mail_service.store(
                            session,
                            raw,
                            source="imap",
                            recipients=[address],
                            mailbox_id=mailbox_id,
                            imap_uid=f"{conn.uidvalidity}:{uid}"[:40],
                        )
                except Exception as exc:  # this one stays unseen and is tried next poll
                    log.warning("mail.fetch_failed", mailbox_id=mailbox_id, uid=uid, error=repr(exc)[:300])
                    result.errors.append(f"uid {uid}: {type(exc).__name__}: {exc}")
                    continue
                done.append(uid)
                if stored.duplicate:
                    result.duplicates += 1
                else:
                    result.stored += 1
            await asyncio.to_thread(conn.done, done)  # only what is committed
        except Exception as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            await asyncio.to_thread(conn.close)
        await self._record(db, mailbox_id, result)
        return result

    async def _record(self, db: Database, mailbox_id: int, result: FetchResult) -> None:
        async with db.transaction() as session:
            box = await mail_repository.mailbox(session, mailbox_id)
            if box is None:
                return
            box.last_polled_at = utcnow()
            box.last_error = "; ".join(result.errors)[:1000] or None
            box.fetched += result.stored


mail_fetch_service = MailFetchService()
