"""Widget sessions: issue, verify (with idle and absolute expiry) and revoke the customer's
chat tokens. The token is returned once; only its SHA-256 is stored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, ensure_can_see_group_object, require
from kefu.config import current_settings
from kefu.conversation import frames
from kefu.conversation import repository as repo
from kefu.conversation.tokens import ChatTicket, looks_like_token, new_token
from kefu.errors import NotFound
from kefu.kit import background, channels
from kefu.kit.db import Database, after_commit
from kefu.kit.realtime import get_bus
from kefu.kit.security import hash_token
from kefu.kit.time import ensure_utc, utcnow
from kefu.models.conversation import WidgetSession

# At most one write per active session this often. The idle window is hours
# (widget_idle_hours), so a coarser touch costs it nothing, while a touch a minute was a
# write unit a minute for every open chat socket (~170/s at 10,000 sockets).
TOUCH_EVERY = timedelta(minutes=10)


class WidgetSessionService:
    async def issue(self, session: AsyncSession, conversation_id: int, customer_id: int) -> str:
        settings = current_settings()
        token = new_token()
        now = utcnow()
        session.add(
            WidgetSession(
                token_hash=hash_token(token),
                conversation_id=conversation_id,
                customer_id=customer_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(days=settings.widget_max_days),
            )
        )
        await session.flush()
        return token

    async def issue_in(self, db: Database, conversation_id: int, customer_id: int) -> str:
        async with db.transaction() as session:
            return await self.issue(session, conversation_id, customer_id)

    async def verify(self, session: AsyncSession, token: str) -> ChatTicket | None:
        """The session's conversation, or None when unknown, revoked, idle too long or past
        its lifetime. Touches `last_seen_at` in this session (the caller commits)."""
        row = await repo.widget_session(session, hash_token(token)) if looks_like_token(token) else None
        ticket, stale = _check(row)
        if row is not None and stale:
            row.last_seen_at = utcnow()
        return ticket

    async def verify_in(self, db: Database, token: str) -> ChatTicket | None:
        """`verify` on a read snapshot; the (at most once a minute) touch in a write of its
        own after the request, so a chat request never holds or waits for the writer."""
        if not looks_like_token(token):
            return None
        # A reader's WAL snapshot: db.session() would BEGIN IMMEDIATE on a second write
        # connection and wait for (and block) the writer, on every socket's minute re-check.
        async with db.read() as session:
            row = await repo.widget_session(session, hash_token(token))
            ticket, stale = _check(row)
            row_id = row.id if row is not None else None
        if ticket is not None and stale and row_id is not None:
            background.spawn(self._touch(db, row_id, utcnow()), "widget_session_touch")
        return ticket

    async def _touch(self, db: Database, row_id: int, at: datetime) -> None:
        async with db.transaction() as session:
            await repo.touch_widget_session(session, row_id, at)

    async def revoke_current(self, session: AsyncSession, token: str) -> None:
        row = await repo.widget_session(session, hash_token(token)) if looks_like_token(token) else None
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
            _tell_sockets(session, row.conversation_id)

    async def revoke_conversation(
        self, session: AsyncSession, principal: Principal, conversation_id: int
    ) -> int:
        """Staff end every token of a conversation (a leaked link, an abusive visitor)."""
        require(principal, Perm.TICKETS_WORK)
        conv = await repo.get(session, conversation_id)
        if conv is None:
            raise NotFound("会话不存在 / conversation not found")
        ensure_can_see_group_object(
            principal, group_id=conv.group_id, assignee_id=conv.assignee_id, customer_id=conv.customer_id
        )
        count = await repo.revoke_widget_sessions(session, conversation_id=conversation_id, at=utcnow())
        _tell_sockets(session, conversation_id)
        audit_service.record(
            session,
            "conversation.sessions_revoked",
            actor=principal,
            target_type="conversation",
            target_id=conversation_id,
            detail={"count": count},
        )
        return count


def _tell_sockets(session: AsyncSession, conversation_id: int) -> None:
    """After the commit, the conversation's open sockets re-check their tokens and a revoked
    one closes at once (the periodic re-check is only the backstop for a lost hint)."""

    async def hint() -> None:
        revoked = frames.SessionsRevoked(type="sessions_revoked")
        await get_bus().publish(channels.conversation(conversation_id), revoked)

    after_commit(session, hint)


def _check(row: WidgetSession | None) -> tuple[ChatTicket | None, bool]:
    """(ticket or None, whether last_seen_at is due a touch)."""
    now = utcnow()
    if row is None or row.revoked_at is not None or ensure_utc(row.expires_at) <= now:
        return None, False
    last = ensure_utc(row.last_seen_at)
    if now - last > timedelta(hours=current_settings().widget_idle_hours):
        return None, False
    # abs(): a touch made while the clock ran ahead is pulled back once it is corrected,
    # so a forward step never lengthens the idle window in real time.
    return ChatTicket(conversation_id=row.conversation_id, customer_id=row.customer_id), (
        abs(now - last) > TOUCH_EVERY
    )


widget_sessions = WidgetSessionService()
