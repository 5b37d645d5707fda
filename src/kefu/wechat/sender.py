"""Delivering a WeChat conversation's outgoing messages through the customer-service API,
in seq order from the follower's sent cursor; at-least-once, each message once in the
normal case (the cursor moves after every accepted send)."""

from __future__ import annotations

import structlog

from kefu.kit.db import Database
from kefu.wechat import client
from kefu.wechat.service import wechat_service

log = structlog.get_logger(__name__)
MAX_TEXT = 2000  # the platform's limit for one text message is about 2,048 bytes of content


async def send_pending(db: Database, conversation_id: int) -> int:
    """Send what the follower has not received yet; the count sent. Raises on a failure
    worth retrying (the job runs again with backoff)."""
    async with db.read() as session:
        found = await wechat_service.pending(session, conversation_id)
    if found is None:
        return 0
    user, account, rows = found
    sent = 0
    for m in rows:
        async with db.read() as session:
            if await wechat_service.sent_seq(session, user.id) >= m.seq:
                continue  # the passive reply (or another job) carried it
        if user.subscribed and m.text:
            try:
                await client.send_text(db, account, user.openid, m.text[:MAX_TEXT])
                sent += 1
            except client.PlatformError as exc:
                if exc.errcode not in client.UNDELIVERABLE:
                    raise
                log.warning("wechat.undeliverable", conversation_id=conversation_id, errcode=exc.errcode)
        async with db.transaction() as session:
            await wechat_service.mark_sent(session, user.id, m.seq)
    return sent
