"""The SLA engine: policies pick targets, clocks store deadlines, a scan emits events.

Each ticket metric is a clock (AppliedSla) that runs in business or calendar time. Pausing
(pending/hold, per policy) banks the business seconds consumed; resuming computes a new
deadline from what is left. Deadlines are stored and indexed; the periodic scan claims each
warning and breach with a conditional UPDATE, so it is emitted once even with many workers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.errors import Conflict, NotFound
from kefu.kit.events import publish
from kefu.kit.snapshot import Snapshot
from kefu.kit.time import ensure_utc, utcnow
from kefu.models.sla import AppliedSla, ClockStatus, Metric, Schedule, SlaPolicy
from kefu.sla.calendar import (
    BusinessCalendar,
    DayPlan,
    add_business_minutes,
    business_minutes_between,
    day_plans,
    parse_schedule,
)
from kefu.sla.events import SlaBreached, SlaWarning
from kefu.sla.matching import choose
from kefu.sla.repository import sla_repository
from kefu.sla.schemas import PolicyIn, ScheduleIn, SlaClock, TicketSlaFacts

PAUSABLE = {"pending", "hold"}
STARTS_AT_CREATION = (Metric.ACKNOWLEDGE, Metric.FIRST_REPLY, Metric.RESOLUTION)
NOT_FROM_POLICIES = frozenset({Metric.SPECIALIST_ENGAGED})


@dataclass(frozen=True)
class PolicyRule:
    """An SLA policy as the engine uses it (a plain copy, shared by every unit)."""

    id: int
    name: str
    schedule_id: int | None
    filter: Mapping[str, Any]
    targets: Mapping[str, int]
    business_hours: bool
    pause_on: tuple[str, ...]
    warn_at: float
    active: bool


@dataclass(frozen=True)
class SlaSettings:
    policies: tuple[PolicyRule, ...]  # by position
    default_schedule_id: int | None
    calendars: Mapping[int, BusinessCalendar]  # every schedule, parsed


def _rule(p: SlaPolicy) -> PolicyRule:
    return PolicyRule(
        p.id,
        p.name,
        p.schedule_id,
        MappingProxyType(dict(p.filter or {})),
        MappingProxyType(dict(p.targets or {})),
        p.business_hours,
        tuple(p.pause_on or ()),
        p.warn_at,
        p.active,
    )


async def _load_settings(session: AsyncSession) -> SlaSettings:
    schedules = await sla_repository.schedules(session)
    return SlaSettings(
        tuple(_rule(p) for p in await sla_repository.policies(session)),
        next((s.id for s in schedules if s.is_default), None),
        MappingProxyType({s.id: parse_schedule(_schedule_json(s)) for s in schedules}),
    )


# Policies and parsed calendars, checked with one token read per use (kit/snapshot.py): a new
# ticket's clocks no longer read the policies, the default schedule and its stamp.
sla_settings: Snapshot[SlaSettings] = Snapshot(_load_settings)


def _schedule_json(s: Schedule | ScheduleIn) -> dict[str, Any]:
    intervals = [i if isinstance(i, dict) else i.model_dump() for i in s.intervals]
    return {
        "name": s.name,
        "timezone": s.timezone,
        "intervals": intervals,
        "holidays": list(s.holidays),
        "workdays": list(s.workdays),
        "cn_statutory": s.cn_statutory,
    }


def clock_view(c: AppliedSla) -> SlaClock | None:
    """How a clock is shown (None: cancelled, not shown)."""
    if c.status == ClockStatus.CANCELLED:
        return None
    status = c.status
    if c.breached_at is not None and c.status != ClockStatus.FULFILLED:
        status = "breached"
    return SlaClock(
        metric=c.metric,
        due_at=c.due_at,
        status=status,
        target_minutes=c.target_minutes,
        business_hours=c.business_hours,
        fulfilled_at=c.fulfilled_at,
        breached_at=c.breached_at,
        achieved_minutes=c.achieved_minutes,
        policy_name=str(c.policy.get("name", "")),
    )


class SlaService:
    # --- schedules ----------------------------------------------------------------------
    def _schedule_json(self, s: Schedule | ScheduleIn) -> dict[str, Any]:
        return _schedule_json(s)

    async def create_schedule(
        self, session: AsyncSession, principal: Principal | None, data: ScheduleIn
    ) -> Schedule:
        if principal is not None:
            require(principal, Perm.SETTINGS_MANAGE)
        parse_schedule(self._schedule_json(data))  # 422 with the reason if it cannot work
        if data.is_default:
            await sla_repository.clear_default_schedule(session)
        schedule = Schedule(**self._schedule_json(data), is_default=data.is_default)
        schedule.intervals = [i.model_dump() for i in data.intervals]
        session.add(schedule)
        await session.flush()
        audit_service.record(
            session, "sla.schedule_created", actor=principal, target_type="schedule", target_id=schedule.id
        )
        return schedule

    async def update_schedule(
        self, session: AsyncSession, principal: Principal, schedule_id: int, data: ScheduleIn
    ) -> Schedule:
        require(principal, Perm.SETTINGS_MANAGE)
        schedule = await self.get_schedule(session, schedule_id)
        parse_schedule(self._schedule_json(data))
        if data.is_default:
            await sla_repository.clear_default_schedule(session)
        for key, value in self._schedule_json(data).items():
            setattr(schedule, key, value)
        schedule.intervals = [i.model_dump() for i in data.intervals]
        schedule.is_default = data.is_default
        schedule.updated_at = utcnow()
        session.info.pop("sla_calendars", None)  # this unit must not reuse the old calendar
        return schedule

    async def delete_schedule(self, session: AsyncSession, principal: Principal, schedule_id: int) -> None:
        require(principal, Perm.SETTINGS_MANAGE)
        schedule = await self.get_schedule(session, schedule_id)
        if await sla_repository.policy_using_schedule(session, schedule_id) is not None:
            raise Conflict("an SLA policy still uses this schedule", code="schedule_in_use")
        await session.delete(schedule)

    async def get_schedule(self, session: AsyncSession, schedule_id: int) -> Schedule:
        schedule = await sla_repository.schedule(session, schedule_id)
        if schedule is None:
            raise NotFound("schedule not found")
        return schedule

    async def list_schedules(self, session: AsyncSession) -> Sequence[Schedule]:
        return await sla_repository.schedules(session)

    async def calendar(self, session: AsyncSession, schedule_id: int) -> BusinessCalendar:
        """The parsed calendar, from the process-wide settings snapshot (parsed again only
        after a schedule or policy changed), remembered for the rest of the unit."""
        memo: dict[int, BusinessCalendar] = session.info.setdefault("sla_calendars", {})
        if schedule_id in memo:
            return memo[schedule_id]
        cal = (await sla_settings.get(session)).calendars.get(schedule_id)
        if cal is None:
            raise NotFound("schedule not found")
        memo[schedule_id] = cal
        return cal

    async def day_plans(
        self, session: AsyncSession, schedule_id: int, days: int = 30, now: datetime | None = None
    ) -> list[DayPlan]:
        """The schedule's next days in its own time zone (holidays, 调休 make-up workdays)."""
        cal = await self.calendar(session, schedule_id)
        today = (now or utcnow()).astimezone(cal.tz).date()
        return day_plans(cal, today, days)

    async def next_opening(
        self, session: AsyncSession, now: datetime | None = None, schedule_id: int | None = None
    ) -> datetime | None:
        """None while the schedule is open, else when it next opens (in its own time zone)."""
        schedule = await sla_repository.schedule(session, schedule_id) if schedule_id else None
        if schedule is None:  # unnamed, or deleted since a group pointed at it
            schedule = await sla_repository.default_schedule(session)
        if schedule is None:
            return None
        ts = (now or utcnow()).timestamp()
        cal = await self.calendar(session, schedule.id)
        opens = cal.next_working_instant(ts)
        return None if opens <= ts else datetime.fromtimestamp(opens, cal.tz)

    async def due_for(
        self, session: AsyncSession, schedule_id: int, start: datetime, minutes: int
    ) -> datetime:
        return add_business_minutes(await self.calendar(session, schedule_id), start, minutes)

    # --- policies -----------------------------------------------------------------------
    async def _check_policy(self, session: AsyncSession, data: PolicyIn) -> None:
        if data.schedule_id is not None:
            await self.get_schedule(session, data.schedule_id)

    def _policy_values(self, data: PolicyIn) -> dict[str, Any]:
        return {
            "name": data.name,
            "position": data.position,
            "schedule_id": data.schedule_id,
            "filter": data.filter.model_dump(exclude_none=True),
            "targets": data.targets.model_dump(exclude_none=True),
            "business_hours": data.business_hours if data.business_hours is not None else True,
            "pause_on": data.pause_on,
            "warn_at": data.warn_at,
            "active": data.active,
        }

    async def create_policy(
        self, session: AsyncSession, principal: Principal | None, data: PolicyIn
    ) -> SlaPolicy:
        if principal is not None:
            require(principal, Perm.SETTINGS_MANAGE)
        await self._check_policy(session, data)
        policy = SlaPolicy(**self._policy_values(data))
        session.add(policy)
        await session.flush()
        audit_service.record(
            session, "sla.policy_created", actor=principal, target_type="sla_policy", target_id=policy.id
        )
        return policy

    async def update_policy(
        self, session: AsyncSession, principal: Principal, policy_id: int, data: PolicyIn
    ) -> SlaPolicy:
        require(principal, Perm.SETTINGS_MANAGE)
        policy = await self.get_policy(session, policy_id)
        await self._check_policy(session, data)
        for key, value in self._policy_values(data).items():
            setattr(policy, key, value)
        return policy

    async def delete_policy(self, session: AsyncSession, principal: Principal, policy_id: int) -> None:
        require(principal, Perm.SETTINGS_MANAGE)
        await session.delete(await self.get_policy(session, policy_id))

    async def get_policy(self, session: AsyncSession, policy_id: int) -> SlaPolicy:
        policy = await sla_repository.policy(session, policy_id)
        if policy is None:
            raise NotFound("SLA policy not found")
        return policy

    async def list_policies(self, session: AsyncSession) -> Sequence[SlaPolicy]:
        return await sla_repository.policies(session)

    # --- clock arithmetic ---------------------------------------------------------------
    async def _calendar_for(self, session: AsyncSession, clock: AppliedSla) -> BusinessCalendar | None:
        if not clock.business_hours or clock.schedule_id is None:
            return None
        try:
            return await self.calendar(session, clock.schedule_id)
        except NotFound:
            return None

    async def _elapsed(self, session: AsyncSession, clock: AppliedSla, until: datetime) -> float:
        if clock.run_started_at is None:
            return 0.0
        start = ensure_utc(clock.run_started_at)
        cal = await self._calendar_for(session, clock)
        if cal is None:
            return max(0.0, (until - start).total_seconds())
        return business_minutes_between(cal, start, until) * 60

    async def _schedule_deadlines(self, session: AsyncSession, clock: AppliedSla) -> None:
        """Deadline and warning time from the running stretch and what is left."""
        assert clock.run_started_at is not None
        start = ensure_utc(clock.run_started_at)
        cal = await self._calendar_for(session, clock)
        left = clock.target_minutes * 60 - clock.consumed_seconds
        warn_left = clock.target_minutes * 60 * clock.warn_ratio - clock.consumed_seconds

        def at(seconds: float) -> datetime:
            if cal is None:
                return start + timedelta(seconds=max(seconds, 0))
            return add_business_minutes(cal, start, max(seconds, 0) / 60)

        clock.due_at = at(left)
        clock.breach_at = None if clock.breached_at else clock.due_at
        clock.warn_due_at = None if clock.warned_at or clock.breached_at else at(warn_left)

    async def _start(
        self,
        session: AsyncSession,
        facts: TicketSlaFacts,
        policy: PolicyRule,
        metric: str,
        start: datetime,
        now: datetime,
        schedule_id: int | None,
        *,
        new: bool = False,
        insert_later: bool = False,
    ) -> AppliedSla:
        # A new ticket has no clocks to reuse; a new clock is added once its deadlines are
        # known, so it is one INSERT rather than an INSERT and an UPDATE.
        clock = None if new else await sla_repository.clock(session, facts.ticket_id, metric)
        add = clock is None
        if clock is None:
            clock = AppliedSla(
                ticket_id=facts.ticket_id, metric=metric, consumed_seconds=0.0, started_at=start
            )
        clock.policy_id = policy.id
        clock.policy = {
            "name": policy.name,
            "targets": dict(policy.targets),
            "pause_on": list(policy.pause_on),
        }
        clock.target_minutes = int(policy.targets[metric])
        clock.business_hours = schedule_id is not None
        clock.schedule_id = schedule_id
        clock.warn_ratio = policy.warn_at
        clock.status = ClockStatus.ACTIVE
        clock.started_at = start
        clock.run_started_at = start
        clock.consumed_seconds = 0.0
        clock.fulfilled_at = clock.breached_at = clock.warned_at = None
        clock.achieved_minutes = None
        if facts.status in set(policy.pause_on) & PAUSABLE:
            clock.consumed_seconds = await self._elapsed(session, clock, now)
            clock.run_started_at = None
            clock.status = ClockStatus.PAUSED
            clock.due_at = clock.breach_at = clock.warn_due_at = None
        else:
            await self._schedule_deadlines(session, clock)
        if add and not insert_later:  # else the caller inserts it (apply: a new ticket's clocks)
            session.add(clock)
        return clock

    async def _policy_for(
        self, session: AsyncSession, facts: TicketSlaFacts
    ) -> tuple[PolicyRule | None, int | None]:
        settings = await sla_settings.get(session)
        policy: PolicyRule | None = choose(settings.policies, facts)
        if policy is None or not policy.business_hours:
            return policy, None
        schedule_id = policy.schedule_id or settings.default_schedule_id
        if schedule_id is not None and schedule_id in settings.calendars:
            # the clocks started next need it: no second token read for the calendar
            session.info.setdefault("sla_calendars", {})[schedule_id] = settings.calendars[schedule_id]
        return policy, schedule_id

    # --- what the ticket domain calls ---------------------------------------------------
    async def apply(
        self, session: AsyncSession, facts: TicketSlaFacts, *, now: datetime | None = None, new: bool = False
    ) -> list[AppliedSla]:
        """Pick the policy and (re)compute every metric that is still open (`new`: the
        ticket was just created, so it has no clocks to read). Returns the clocks started."""
        now = now or utcnow()
        policy, schedule_id = await self._policy_for(session, facts)
        existing = (
            {} if new else {c.metric: c for c in await sla_repository.clocks(session, [facts.ticket_id])}
        )
        targets = dict(policy.targets) if policy else {}
        for metric, old_clock in existing.items():
            if metric in NOT_FROM_POLICIES:
                continue  # started and stopped by the ticket domain (sla/specialist.py)
            if old_clock.status in (ClockStatus.ACTIVE, ClockStatus.PAUSED) and metric not in targets:
                old_clock.status = ClockStatus.CANCELLED
                old_clock.due_at = old_clock.breach_at = old_clock.warn_due_at = None
        started: list[AppliedSla] = []
        if policy is None:
            return started
        for metric in targets:
            clock = existing.get(metric)
            if clock is not None and clock.status in (ClockStatus.FULFILLED,):
                continue
            if clock is None or clock.status == ClockStatus.CANCELLED:
                if metric == Metric.NEXT_REPLY:
                    continue  # starts with a customer reply
                start = ensure_utc(facts.created_at)
                clock = await self._start(
                    session, facts, policy, metric, start, now, schedule_id, new=new, insert_later=new
                )
                started.append(clock)
                continue
            # Re-targeted open clock: keep what was consumed, recompute the deadline.
            clock.policy_id = policy.id
            clock.policy = {
                "name": policy.name,
                "targets": dict(policy.targets),
                "pause_on": list(policy.pause_on),
            }
            clock.target_minutes = int(targets[metric])
            clock.warn_ratio = policy.warn_at
            if clock.schedule_id != schedule_id and clock.run_started_at is not None:
                clock.consumed_seconds += await self._elapsed(session, clock, now)
                clock.run_started_at = now
            clock.schedule_id = schedule_id
            clock.business_hours = schedule_id is not None
            if clock.status == ClockStatus.ACTIVE:
                await self._schedule_deadlines(session, clock)
        if new and started:
            await sla_repository.insert_clocks(session, started)
        return started

    async def status_changed(
        self, session: AsyncSession, facts: TicketSlaFacts, old: str, new: str, *, now: datetime | None = None
    ) -> None:
        now = now or utcnow()
        clocks = await sla_repository.clocks(session, [facts.ticket_id])
        for clock in clocks:
            pause_on = set(clock.policy.get("pause_on", [])) & PAUSABLE
            if (
                new == "solved"
                and clock.metric == Metric.RESOLUTION
                and clock.status != ClockStatus.FULFILLED
            ):
                await self._fulfil(session, clock, now)
            elif new == "solved" and clock.status in (ClockStatus.ACTIVE, ClockStatus.PAUSED):
                # Nothing left to reply to once solved.
                clock.status = ClockStatus.CANCELLED
                clock.due_at = clock.breach_at = clock.warn_due_at = None
            elif new in pause_on and clock.status == ClockStatus.ACTIVE:
                clock.consumed_seconds += await self._elapsed(session, clock, now)
                clock.run_started_at = None
                clock.status = ClockStatus.PAUSED
                clock.due_at = clock.breach_at = clock.warn_due_at = None
            elif new not in pause_on and clock.status == ClockStatus.PAUSED:
                clock.status = ClockStatus.ACTIVE
                clock.run_started_at = now
                await self._schedule_deadlines(session, clock)
            elif (
                old == "solved"
                and clock.metric == Metric.RESOLUTION
                and clock.status == ClockStatus.FULFILLED
            ):
                # Reopened: resolution runs again from where it stopped.
                clock.status = ClockStatus.ACTIVE
                clock.consumed_seconds = (clock.achieved_minutes or 0) * 60
                clock.fulfilled_at = None
                clock.achieved_minutes = None
                clock.run_started_at = now
                await self._schedule_deadlines(session, clock)

    async def _fulfil(self, session: AsyncSession, clock: AppliedSla, now: datetime) -> None:
        consumed = clock.consumed_seconds + await self._elapsed(session, clock, now)
        clock.status = ClockStatus.FULFILLED
        clock.fulfilled_at = now
        clock.achieved_minutes = round(consumed / 60, 2)
        clock.run_started_at = None
        clock.breach_at = clock.warn_due_at = None

    async def agent_replied(
        self, session: AsyncSession, ticket_id: int, *, public: bool, now: datetime | None = None
    ) -> None:
        now = now or utcnow()
        for clock in await sla_repository.clocks(session, [ticket_id]):
            if clock.status not in (ClockStatus.ACTIVE, ClockStatus.PAUSED):
                continue
            if clock.metric == Metric.ACKNOWLEDGE or (
                public and clock.metric in (Metric.FIRST_REPLY, Metric.NEXT_REPLY)
            ):
                await self._fulfil(session, clock, now)

    async def acknowledged(
        self, session: AsyncSession, ticket_id: int, *, now: datetime | None = None
    ) -> None:
        clock = await sla_repository.clock(session, ticket_id, Metric.ACKNOWLEDGE)
        if clock is not None and clock.status in (ClockStatus.ACTIVE, ClockStatus.PAUSED):
            await self._fulfil(session, clock, now or utcnow())

    async def customer_replied(
        self, session: AsyncSession, facts: TicketSlaFacts, *, now: datetime | None = None
    ) -> None:
        """A customer message after an agent's answer starts a next-reply clock."""
        now = now or utcnow()
        # One read of the ticket's few clocks rather than one per metric.
        clocks = {c.metric: c for c in await sla_repository.clocks(session, [facts.ticket_id])}
        first = clocks.get(Metric.FIRST_REPLY)
        if first is not None and first.status != ClockStatus.FULFILLED:
            return  # still waiting for the first reply
        current = clocks.get(Metric.NEXT_REPLY)
        if current is not None and current.status in (ClockStatus.ACTIVE, ClockStatus.PAUSED):
            return  # the earlier unanswered message's clock keeps running
        policy, schedule_id = await self._policy_for(session, facts)
        if policy is None or Metric.NEXT_REPLY not in policy.targets:
            return
        # `new`: the ticket has no next-reply clock to reuse (all its clocks were read above).
        await self._start(
            session, facts, policy, Metric.NEXT_REPLY, now, now, schedule_id, new=current is None
        )

    async def settle_imported(
        self, session: AsyncSession, ticket_id: int, *, now: datetime | None = None
    ) -> None:
        """An imported ticket's clocks started at its original time: deadlines already past
        are recorded as breached/warned at their due time without events, so the scan never
        emits historic breaches (nor compensation) for them."""
        now = now or utcnow()
        for clock in await sla_repository.clocks(session, [ticket_id]):
            if clock.warn_due_at is not None and ensure_utc(clock.warn_due_at) <= now:
                clock.warned_at = clock.warn_due_at
                clock.warn_due_at = None
            if clock.breach_at is not None and ensure_utc(clock.breach_at) <= now:
                clock.breached_at = clock.breach_at
                clock.warned_at = clock.warned_at or clock.breach_at
                clock.breach_at = clock.warn_due_at = None

    async def clocks(self, session: AsyncSession, ticket_ids: list[int]) -> dict[int, list[SlaClock]]:
        out: dict[int, list[SlaClock]] = {tid: [] for tid in ticket_ids}
        for c in await sla_repository.clocks(session, ticket_ids):
            view = clock_view(c)
            if view is not None:
                out[c.ticket_id].append(view)
        return out

    async def at_risk_ticket_ids(
        self, session: AsyncSession, within: timedelta = timedelta(hours=1)
    ) -> list[int]:
        """Tickets with a running clock that breaches within `within`."""
        return await sla_repository.tickets_due_before(session, utcnow() + within)

    async def overdue_ticket_ids(self, session: AsyncSession) -> list[int]:
        return await sla_repository.tickets_breached(session)

    async def breaches(
        self, session: AsyncSession, start: datetime, end: datetime
    ) -> list[tuple[int, str, str, int | None]]:
        """(ticket id, metric, category, group id) of the breaches in [start, end): the
        improvement loop groups them into patterns."""
        return await sla_repository.breaches(session, start, end)

    # --- the scan -----------------------------------------------------------------------
    async def scan(self, session: AsyncSession, *, now: datetime | None = None, limit: int = 500) -> int:
        """Emit due warnings and breaches (each exactly once). Returns how many."""
        now = now or utcnow()
        emitted = 0
        for kind, column, event_cls in (
            ("breach", "breach_at", SlaBreached),
            ("warning", "warn_due_at", SlaWarning),
        ):
            for clock in await sla_repository.due(session, column, now, limit):
                if not await sla_repository.claim(session, clock.id, kind, now):
                    continue  # another scanner got it
                if not await sla_repository.record_event(
                    session, clock.ticket_id, clock.metric, kind, clock.due_at
                ):
                    continue
                customer_id, tier, group_id, priority = await sla_repository.ticket_context(
                    session, clock.ticket_id
                )
                await publish(
                    session,
                    event_cls(
                        ticket_id=clock.ticket_id,
                        metric=clock.metric,
                        due_at=clock.due_at,
                        customer_id=customer_id,
                        tier=tier,
                        group_id=group_id,
                        priority=priority,
                    ),
                )
                emitted += 1
        return emitted


sla_service = SlaService()
