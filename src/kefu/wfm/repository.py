"""WFM queries: contact timestamps by channel, shifts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import Conversation, Schedule, Shift, Ticket, User


async def contacts(
    session: AsyncSession, since: datetime, until: datetime, channel: str | None
) -> list[tuple[str, datetime]]:
    """(channel, created_at) of every contact: conversations, plus tickets that did not come
    from a chat (a chat hand-off's ticket is the same contact)."""
    conv = sa.select(Conversation.channel, Conversation.created_at).where(
        Conversation.created_at >= since, Conversation.created_at < until
    )
    tick = sa.select(Ticket.channel, Ticket.created_at).where(
        Ticket.created_at >= since,
        Ticket.created_at < until,
        Ticket.channel != "chat",
        Ticket.merged_into_id.is_(None),
    )
    if channel:
        conv = conv.where(Conversation.channel == channel)
        tick = tick.where(Ticket.channel == channel)
    rows = [*(await session.execute(conv)).all(), *(await session.execute(tick)).all()]
    return [(r[0], r[1]) for r in rows]


async def human_share(session: AsyncSession, since: datetime, channel: str) -> float | None:
    """Share of a channel's conversations that reached a person (None without history)."""
    total, human = (
        await session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(Conversation.first_queued_at),
            ).where(Conversation.created_at >= since, Conversation.channel == channel)
        )
    ).one()
    return human / total if total else None


async def timezone(session: AsyncSession) -> str | None:
    return (
        await session.execute(sa.select(Schedule.timezone).where(Schedule.is_default.is_(True)).limit(1))
    ).scalar_one_or_none()


async def shifts(session: AsyncSession) -> Sequence[tuple[Shift, str]]:
    stmt = (
        sa.select(Shift, User.name)
        .join(User, User.id == Shift.user_id)
        .where(User.is_active.is_(True))
        .order_by(Shift.weekday, Shift.start, User.name)
    )
    return [(s, n) for s, n in (await session.execute(stmt)).all()]


async def shift(session: AsyncSession, shift_id: int) -> Shift | None:
    return await session.get(Shift, shift_id)


async def staff(session: AsyncSession, user_id: int) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.is_active else None


async def active_staff(session: AsyncSession) -> Sequence[User]:
    return (
        (await session.execute(sa.select(User).where(User.is_active.is_(True)).order_by(User.id)))
        .scalars()
        .all()
    )
