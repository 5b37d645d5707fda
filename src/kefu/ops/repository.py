"""Queries over the jobs table for operators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.jobs import Job, JobStatus
from kefu.kit.time import utcnow
from kefu.models import AppliedSla, Conversation, ConversationStatus, SlaEvent, Ticket


class OpsRepository:
    async def jobs(self, session: AsyncSession, status: str | None, limit: int) -> Sequence[Job]:
        stmt = sa.select(Job).order_by(Job.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(Job.status == status)
        return (await session.execute(stmt)).scalars().all()

    async def counts(self, session: AsyncSession) -> dict[str, int]:
        rows = await session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status))
        return {str(s): int(c) for s, c in rows.all()}

    async def oldest_ready_job(self, session: AsyncSession, now: datetime) -> datetime | None:
        """run_at of the oldest job due and not yet claimed (job lag: how late work starts)."""
        return (
            await session.execute(
                sa.select(sa.func.min(Job.run_at)).where(Job.status == JobStatus.QUEUED, Job.run_at <= now)
            )
        ).scalar_one_or_none()

    async def operational_counts(self, session: AsyncSession, now: datetime) -> dict[str, Any]:
        """What the Prometheus gauges show: queues, open work, recent SLA breaches, bot containment."""
        waiting = (
            await session.execute(
                sa.select(Conversation.group_id, sa.func.count())
                .where(Conversation.status == ConversationStatus.QUEUED)
                .group_by(Conversation.group_id)
            )
        ).all()
        tickets = (
            await session.execute(
                sa.select(Ticket.status, sa.func.count())
                .where(Ticket.status.in_(("new", "open", "pending", "hold")))
                .group_by(Ticket.status)
            )
        ).all()
        breaches = (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(SlaEvent)
                .where(SlaEvent.kind == "breach", SlaEvent.created_at >= now - timedelta(hours=1))
            )
        ).scalar_one()
        breached_open = (
            await session.execute(
                sa.select(sa.func.count(sa.distinct(AppliedSla.ticket_id))).where(
                    AppliedSla.breached_at.is_not(None), AppliedSla.status.in_(("active", "paused"))
                )
            )
        ).scalar_one()
        bot_closed = (
            await session.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(
                        Conversation.first_queued_at.is_(None),
                        sa.or_(Conversation.bot_resolved.is_(None), Conversation.bot_resolved.is_(True)),
                    ),
                ).where(
                    Conversation.closed_at >= now - timedelta(hours=24),
                    Conversation.channel.in_(("chat", "wechat", "app")),
                )
            )
        ).one()
        return {
            "waiting": {str(g) if g is not None else "none": int(n) for g, n in waiting},
            "tickets": {str(st): int(n) for st, n in tickets},
            "breaches_1h": int(breaches),
            "breached_open": int(breached_open),
            "bot_closed_24h": int(bot_closed[0]),
            "bot_contained_24h": int(bot_closed[1]),
        }

    async def retry(self, session: AsyncSession, job_id: int) -> bool:
        result = await session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.DEAD)
            .values(status=JobStatus.QUEUED, attempts=0, run_at=utcnow(), finished_at=None)
        )
        return bool(getattr(result, "rowcount", 0))

    async def purge_done(self, session: AsyncSession, older_than_days: int) -> None:
        await session.execute(
            sa.delete(Job).where(
                Job.status == JobStatus.DONE,
                Job.finished_at < utcnow() - timedelta(days=older_than_days),
            )
        )


ops_repository = OpsRepository()
