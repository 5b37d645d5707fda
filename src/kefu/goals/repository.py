"""Goals: the rows, the once-per-period alert claim, and the bot's reply delays."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.conversation import Message
from kefu.models.goal import Goal, GoalAlert

# A bot answer later than this after the customer's message is not counted as its reply.
BOT_REPLY_WINDOW = timedelta(hours=1)


class GoalRepository:
    async def all(self, session: AsyncSession) -> Sequence[Goal]:
        return (await session.execute(sa.select(Goal).order_by(Goal.id))).scalars().all()

    async def active(self, session: AsyncSession) -> Sequence[Goal]:
        stmt = sa.select(Goal).where(Goal.active.is_(True)).order_by(Goal.id)
        return (await session.execute(stmt)).scalars().all()

    async def get(self, session: AsyncSession, goal_id: int) -> Goal | None:
        return await session.get(Goal, goal_id)

    async def count(self, session: AsyncSession) -> int:
        return int((await session.execute(sa.select(sa.func.count(Goal.id)))).scalar_one())

    async def claim_alert(
        self, session: AsyncSession, goal_id: int, start: date, end: date, value: float | None
    ) -> bool:
        """Insert the (goal, period) alert row; False when it was already there."""
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(GoalAlert)
            .values(goal_id=goal_id, period_start=start, period_end=end, value=value)
            .on_conflict_do_nothing(index_elements=["goal_id", "period_start"])
        )
        return bool(getattr(await session.execute(stmt), "rowcount", 0))

    async def alerted(self, session: AsyncSession, goal_id: int, start: date) -> bool:
        stmt = sa.select(GoalAlert.id).where(GoalAlert.goal_id == goal_id, GoalAlert.period_start == start)
        return (await session.execute(stmt.limit(1))).first() is not None

    async def alerts(self, session: AsyncSession, goal_id: int) -> Sequence[GoalAlert]:
        stmt = sa.select(GoalAlert).where(GoalAlert.goal_id == goal_id).order_by(GoalAlert.period_start)
        return (await session.execute(stmt)).scalars().all()

    async def bot_reply_delays(self, session: AsyncSession, start: datetime, end: datetime) -> list[float]:
        """Seconds from a customer's message (sent in [start, end)) to the bot's next message
        in the same conversation, before any agent answered it."""
        stmt = (
            sa.select(Message.conversation_id, Message.sender, Message.created_at)
            .where(
                Message.created_at >= start,
                Message.created_at < end + BOT_REPLY_WINDOW,
                Message.sender.in_(("customer", "bot", "agent")),
                Message.internal.is_(False),
            )
            .order_by(Message.conversation_id, Message.seq)
        )
        out: list[float] = []
        pending: dict[int, datetime] = {}
        for conv_id, sender, at in (await session.execute(stmt)).all():
            if sender == "customer":
                if at < end:
                    pending.setdefault(conv_id, at)
                continue
            asked = pending.pop(conv_id, None)
            if sender == "bot" and asked is not None and at - asked <= BOT_REPLY_WINDOW:
                out.append(max(0.0, (at - asked).total_seconds()))
        return out


goal_repository = GoalRepository()
