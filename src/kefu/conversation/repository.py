"""Conversation queries (the only place that reads or writes these tables)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import fastsql
from kefu.models import BotTurnLog, ChatAttachment, Conversation, Customer, Group, Message, RoutingRule, User
from kefu.models.conversation import Sender, WidgetSession
from kefu.models.settings import read_setting, write_setting

# The chat hot path's statements, built once with bound parameters: building a SQLAlchemy
# expression (`.values(dict)`, `Column == x`) and its cache key each call cost more CPU
# than SQLite took to run it, on every message. On the SQLite writer they run raw
# (kit.fastsql): through SQLAlchemy each cost 80-330 µs of the loop, SQLite 10-15 µs.
_MESSAGES = cast(sa.Table, Message.__table__)
_BY_ID = Conversation.id == sa.bindparam("conversation_id")
_GET = fastsql.Loader(Conversation, _BY_ID)
_GET_LOCKED = fastsql.Loader(Conversation, _BY_ID, lock=True)
_INSERT_MESSAGE = fastsql.Statement(sa.insert(_MESSAGES).returning(_MESSAGES.c.id))
# Several lines of one unit (a customer's message and the bot's answer) in one INSERT; the
# ids come back with their seq, which tells the rows apart whatever order RETURNING uses.
_INSERT_MESSAGES = fastsql.Statement(sa.insert(_MESSAGES).returning(_MESSAGES.c.id, _MESSAGES.c.seq))
_BY_CLIENT_ID = sa.select(Message).where(
    Message.conversation_id == sa.bindparam("conversation_id"), Message.client_id == sa.bindparam("client_id")
)
# A customer's message reads its conversation under the row lock and asks whether this
# client id is stored already: one statement, not two (the answer is nearly always no).
_EXISTING_ID = (
    sa.select(_MESSAGES.c.id)
    .where(_MESSAGES.c.conversation_id == sa.bindparam("conversation_id"))
    .where(_MESSAGES.c.client_id == sa.bindparam("client_id"))
    .scalar_subquery()
)
_GET_LOCKED_WITH_CLIENT_ID = fastsql.Loader(Conversation, _BY_ID, extra=[_EXISTING_ID], lock=True)
_MESSAGE_MANAGER = sa.orm.attributes.manager_of_class(Message)
# What a customer's message and the bot's answer change on their conversation. Saving only
# these by one Core UPDATE skips the ORM flush (~60-160 µs of the loop per chat message).
_CONVERSATIONS = cast(sa.Table, Conversation.__table__)
_TURN_COLUMNS = ("last_seq", "updated_at", "last_customer_at", "bot_misses", "bot_state")
_UPDATE_TURN = fastsql.Statement(
    sa.update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == sa.bindparam("conversation_id"))
    .values({c: sa.bindparam(c, type_=_CONVERSATIONS.c[c].type) for c in _TURN_COLUMNS})
)


async def get(session: AsyncSession, conversation_id: int, *, lock: bool = False) -> Conversation | None:
    found = await (_GET_LOCKED if lock else _GET).one(session, {"conversation_id": conversation_id})
    return None if found is None else found[0]


async def insert_message(session: AsyncSession, values: dict[str, Any]) -> int:
    """A message row by Core INSERT … RETURNING on the session's connection: no unit-of-work
    bookkeeping and no autoflush (the chat hot path writes one per line)."""
    return int((await _INSERT_MESSAGE.rows(session, values))[0][0])


async def insert_messages(session: AsyncSession, rows: list[dict[str, Any]]) -> list[Message]:
    """Message rows by one Core INSERT … RETURNING on the session's connection, handed back
    as detached copies in `rows`' order (rows of one conversation: distinct seqs)."""
    if len(rows) == 1:
        ids = {rows[0]["seq"]: int((await _INSERT_MESSAGE.rows(session, rows[0]))[0][0])}
    else:
        ids = {int(seq): int(i) for i, seq in await _INSERT_MESSAGES.insert_many(session, rows)}
    return [detached_message(ids[row["seq"]], row) for row in rows]


def detached_message(message_id: int | None, values: dict[str, Any]) -> Message:
    """A Message for a row just written, without the ORM constructor (it fires an attribute
    event per column: ~20 µs a line, on every chat line). Nothing changes it afterwards."""
    if not _MESSAGE_MANAGER.mapper.configured:  # what the constructor would have done first
        sa.orm.configure_mappers()
    msg: Message = _MESSAGE_MANAGER.new_instance()
    msg.__dict__.update(values, id=message_id)
    return msg


async def locked_with_client_id(
    session: AsyncSession, conversation_id: int, client_id: str
) -> tuple[Conversation | None, int | None]:
    """(the conversation under its row lock, the id of its message with this client id)."""
    params = {"conversation_id": conversation_id, "client_id": client_id}
    found = await _GET_LOCKED_WITH_CLIENT_ID.one(session, params)
    return (None, None) if found is None else (found[0], found[1][0])


async def save_turn(session: AsyncSession, conv: Conversation) -> None:
    """Write a chat turn's changes to `conv` now by one Core UPDATE and detach it, when they
    are the session's only pending changes and only touch `_TURN_COLUMNS`; otherwise leave
    everything to the ORM flush at the end of the unit (hand-offs, reopenings, tickets)."""
    state = sa.inspect(conv)
    if session.new or session.deleted or not state.persistent or not state.modified:
        return
    if not set(state.committed_state) <= set(_TURN_COLUMNS) or any(o is not conv for o in session.dirty):
        return
    values = {c: getattr(conv, c) for c in _TURN_COLUMNS}
    await _UPDATE_TURN.rows(session, {"conversation_id": conv.id, **values})
    session.expunge(conv)  # written: nothing left for the flush (the caller is done with it)


async def message(session: AsyncSession, message_id: int) -> Message | None:
    return await session.get(Message, message_id)


async def message_by_client_id(session: AsyncSession, conversation_id: int, client_id: str) -> Message | None:
    params = {"conversation_id": conversation_id, "client_id": client_id}
    return (await session.execute(_BY_CLIENT_ID, params)).scalar_one_or_none()


async def messages_after(
    session: AsyncSession, conversation_id: int, after_seq: int, *, internal: bool, limit: int = 1000
) -> Sequence[Message]:
    stmt = (
        sa.select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    if not internal:
        stmt = stmt.where(Message.internal.is_(False))
    return (await session.execute(stmt)).scalars().all()


async def bot_turns(session: AsyncSession, conversation_id: int, limit: int = 200) -> Sequence[BotTurnLog]:
    stmt = (
        sa.select(BotTurnLog)
        .where(BotTurnLog.conversation_id == conversation_id)
        .order_by(BotTurnLog.id.desc())
        .limit(limit)
    )
    return list(reversed((await session.execute(stmt)).scalars().all()))


async def customer_texts_after(session: AsyncSession, conversation_id: int, after: datetime) -> list[str]:
    stmt = (
        sa.select(Message.text)
        .where(
            Message.conversation_id == conversation_id,
            Message.sender == Sender.CUSTOMER,
            Message.created_at > after,
        )
        .order_by(Message.seq)
        .limit(50)
    )
    return list((await session.execute(stmt)).scalars().all())


async def first_customer_text(session: AsyncSession, conversation_id: int) -> str:
    stmt = (
        sa.select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.sender == Sender.CUSTOMER)
        .order_by(Message.seq)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none() or ""


async def recent_customer_texts(session: AsyncSession, conversation_id: int, limit: int = 3) -> list[str]:
    """The customer's last messages, oldest first."""
    stmt = (
        sa.select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.sender == Sender.CUSTOMER)
        .order_by(Message.seq.desc())
        .limit(limit)
    )
    return list(reversed((await session.execute(stmt)).scalars().all()))


async def list_conversations(
    session: AsyncSession,
    *,
    assignee_id: int | None = None,
    statuses: Sequence[str] | None = None,
    group_ids: Sequence[int] | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    limit: int = 200,
) -> Sequence[Conversation]:
    stmt = sa.select(Conversation)
    if ticket_id is not None:
        stmt = stmt.where(Conversation.ticket_id == ticket_id)
    if assignee_id is not None:
        stmt = stmt.where(Conversation.assignee_id == assignee_id)
    if statuses is not None:
        stmt = stmt.where(Conversation.status.in_(list(statuses)))
    if group_ids is not None:
        stmt = stmt.where(Conversation.group_id.in_(list(group_ids)))
    if customer_id is not None:
        stmt = stmt.where(Conversation.customer_id == customer_id)
    stmt = stmt.order_by(Conversation.updated_at.desc()).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def last_messages(session: AsyncSession, ids: Sequence[int]) -> dict[int, Message]:
    if not ids:
        return {}
    latest = (
        sa.select(Message.conversation_id, sa.func.max(Message.seq).label("seq"))
        .where(Message.conversation_id.in_(list(ids)), Message.internal.is_(False))
        .group_by(Message.conversation_id)
        .subquery()
    )
    stmt = sa.select(Message).join(
        latest, sa.and_(Message.conversation_id == latest.c.conversation_id, Message.seq == latest.c.seq)
    )
    return {m.conversation_id: m for m in (await session.execute(stmt)).scalars()}


async def unread_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """Customer messages after the agent's read mark."""
    if not ids:
        return {}
    stmt = (
        sa.select(Message.conversation_id, sa.func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.conversation_id.in_(list(ids)),
            Message.sender == Sender.CUSTOMER,
            Message.seq > Conversation.agent_read_seq,
        )
        .group_by(Message.conversation_id)
    )
    return {cid: int(n) for cid, n in (await session.execute(stmt)).all()}


async def names(
    session: AsyncSession, *, user_ids: set[int], group_ids: set[int], customer_ids: set[int]
) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    users: dict[int, str] = {}
    groups: dict[int, str] = {}
    customers: dict[int, str] = {}
    if user_ids:
        rows = await session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids)))
        users = {i: n for i, n in rows.all()}
    if group_ids:
        rows = await session.execute(sa.select(Group.id, Group.name).where(Group.id.in_(group_ids)))
        groups = {i: n for i, n in rows.all()}
    if customer_ids:
        rows = await session.execute(
            sa.select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
        )
        customers = {i: n for i, n in rows.all()}
    return users, groups, customers


async def idle(session: AsyncSession, before: datetime, statuses: Sequence[str], limit: int) -> Sequence[int]:
    stmt = (
        sa.select(Conversation.id)
        .where(Conversation.status.in_(list(statuses)), Conversation.updated_at < before)
        .order_by(Conversation.updated_at)
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def attachment(session: AsyncSession, attachment_id: int) -> ChatAttachment | None:
    return await session.get(ChatAttachment, attachment_id)


async def sticky_wait_seconds(session: AsyncSession, group_id: int) -> int | None:
    rule = await session.get(RoutingRule, group_id)
    return rule.sticky_wait_seconds if rule is not None else None


async def setting(session: AsyncSession, key: str) -> dict[str, Any] | None:
    return await read_setting(session, key)


async def save_setting(session: AsyncSession, key: str, value: dict[str, Any]) -> None:
    await write_setting(session, key, value)


_WIDGET_SESSION = sa.select(WidgetSession).where(WidgetSession.token_hash == sa.bindparam("token_hash"))


async def widget_session(session: AsyncSession, token_hash: str) -> WidgetSession | None:
    # Every chat socket's handshake and minute re-check: the statement is built once.
    return (await session.execute(_WIDGET_SESSION, {"token_hash": token_hash})).scalar_one_or_none()


async def revoke_widget_sessions(session: AsyncSession, *, conversation_id: int, at: datetime) -> int:
    result = await session.execute(
        sa.update(WidgetSession)
        .where(WidgetSession.conversation_id == conversation_id, WidgetSession.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def touch_widget_session(session: AsyncSession, session_id: int, at: datetime) -> None:
    stmt = sa.update(WidgetSession).where(WidgetSession.id == session_id).values(last_seen_at=at)
    await session.execute(stmt)
