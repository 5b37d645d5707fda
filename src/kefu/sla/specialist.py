"""The "specialist engaged" clock (timed escalation): handing a ticket to a second-line group
starts it; the first act of a member of that group fulfils it.

It is an ordinary stored clock (`AppliedSla`, metric `specialist_engaged`) in calendar time,
so the periodic SLA scan warns and breaches it like any other metric, once. The ticket domain
decides when it starts and stops; SLA policies never touch it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.time import ensure_utc, utcnow
from kefu.models.sla import AppliedSla, ClockStatus, Metric
from kefu.sla.repository import sla_repository

METRIC = Metric.SPECIALIST_ENGAGED
WARN_AT = 0.75


class SpecialistClock:
    async def start(
        self,
        session: AsyncSession,
        ticket_id: int,
        *,
        group_id: int,
        minutes: int,
        now: datetime | None = None,
    ) -> AppliedSla:
        """(Re)start the clock for `group_id`: a ticket escalated again starts afresh."""
        now = now or utcnow()
        clock = await sla_repository.clock(session, ticket_id, METRIC)
        if clock is None:
            clock = AppliedSla(ticket_id=ticket_id, metric=METRIC, started_at=now)
            session.add(clock)
        clock.policy_id = None
        clock.policy = {"name": "专家介入", "group_id": group_id, "pause_on": []}
        clock.target_minutes = minutes
        clock.business_hours = False
        clock.schedule_id = None
        clock.status = ClockStatus.ACTIVE
        clock.started_at = clock.run_started_at = now
        clock.consumed_seconds = 0.0
        clock.warn_ratio = WARN_AT
        clock.warned_at = clock.breached_at = clock.fulfilled_at = None
        clock.achieved_minutes = None
        clock.due_at = clock.breach_at = now + timedelta(minutes=minutes)
        clock.warn_due_at = now + timedelta(minutes=minutes * WARN_AT)
        return clock

    async def engaged_group(self, session: AsyncSession, ticket_id: int) -> int | None:
        """The group whose first act the running clock waits for (None: no clock running)."""
        clock = await sla_repository.clock(session, ticket_id, METRIC)
        if clock is None or clock.status != ClockStatus.ACTIVE:
            return None
        group_id = clock.policy.get("group_id")
        return int(group_id) if group_id is not None else None

    async def fulfil(self, session: AsyncSession, ticket_id: int, *, now: datetime | None = None) -> bool:
        clock = await sla_repository.clock(session, ticket_id, METRIC)
        if clock is None or clock.status != ClockStatus.ACTIVE or clock.run_started_at is None:
            return False
        now = now or utcnow()
        started = ensure_utc(clock.run_started_at)
        clock.status = ClockStatus.FULFILLED
        clock.fulfilled_at = now
        clock.achieved_minutes = round(max(0.0, (now - started).total_seconds()) / 60, 2)
        clock.run_started_at = None
        clock.breach_at = clock.warn_due_at = None
        return True

    async def cancel(self, session: AsyncSession, ticket_id: int) -> None:
        """The ticket left the second line before anyone there acted."""
        clock = await sla_repository.clock(session, ticket_id, METRIC)
        if clock is not None and clock.status == ClockStatus.ACTIVE:
            clock.status = ClockStatus.CANCELLED
            clock.run_started_at = None
            clock.due_at = clock.breach_at = clock.warn_due_at = None


specialist_clock = SpecialistClock()
