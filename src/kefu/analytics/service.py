"""Analytics: summaries from daily rollups plus a live part, the incremental rollup refresh,
breakdowns by slice and over time, and the wallboard's live numbers.

A summary over [from, to) reads the stored rollup of every whole local day before today, the
stored hour buckets (whole company only) of the rest (today, partial days at the edges), and
computes live from the source tables only what neither covers: the hour now running, the
partial hours at the edges, anything not rolled up yet, and edges of a filtered summary. So
raw reads stay bounded for any range; the running hour is exact at once, finished hours and
days are at most one refresh period (30 s) old, and a later change to an earlier hour of
today (a reopen un-solving a ticket solved at 10:00) reaches it within 5 min (HOURS_EVERY).

A filtered summary reads its edges with the filter in SQL (slice_filters): a slice is a
fraction of the rows. Hour buckets per slice would spare those reads but cost ~80 rows an
hour (every channel, group, agent, category and tier) of 3-10 KB each: ~1,900 rows and
6-10 MB a day at 1 M tickets a year, and 24 slice builds per refreshed day. Two filters at
once read the day's pair rollups, three or more sum the day's cells (kefu.analytics.cube);
the rest is read raw, filtered in SQL.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics import cube
from kefu.analytics.facts import ALL, Builder, Dims, Slice, Window
from kefu.analytics.metrics import DIMENSIONS, Stats, merged, summarize
from kefu.analytics.repository import analytics_repository as repo
from kefu.analytics.slice_filters import EMPTY, Only
from kefu.analytics.windows import (
    check_range,
    day_start,
    hours,
    local_day,
    merge_stretches,
    parse_instant,
    plan,
)
from kefu.authz import Perm, Principal, require, require_staff
from kefu.config import current_settings
from kefu.errors import Unprocessable
from kefu.kit.time import ensure_utc, utcnow
from kefu.phone.service import phone_service
from kefu.sla.calendar import BusinessCalendar, business_minutes_between
from kefu.sla.service import sla_service

LOOKBACK_DAYS = 8  # an event can change the FCR / repeat-contact numbers of the days before it
WATERMARK = "refresh"
LOOKBACK_WATERMARK = "refresh.lookback"  # events up to here reached the days before them
LOOKBACK_EVERY = timedelta(hours=1)
OVERLAP = timedelta(minutes=5)  # a transaction that started before the last run may commit after it
# Today's finished hours are rebuilt all together (a later event can change an earlier hour:
# a reopen un-solves a ticket solved at 10:00) at most this often, from every event since the
# last such rebuild; in between only hours not stored yet are built. Every 30 s it cost ~0.5 s
# of CPU per 5,000 conversations of the day, growing through the day, on the serving process.
HOURS_WATERMARK = "refresh.hours"
HOURS_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class RefreshPlan:
    """What one run of the rollup refresh recomputes (`refresh_plan`)."""

    days: list[date]  # local days before today
    now: datetime
    touched: bool  # all today's finished hours are stored again (activity since they last were)
    lookback: bool  # also the days before the touched ones (hourly)
    hours: bool = True  # the all-hours rebuild was due (its watermark moves)


def timezone() -> ZoneInfo:
    return ZoneInfo(current_settings().display_timezone)


def resolve_range(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """The requested range (ISO strings), defaulting to the last 30 local days up to now."""
    tz = timezone()
    to = parse_instant(end, tz, end=True, name="to") if end else utcnow()
    # Default: today and the 29 whole local days before it (whole days read from rollups).
    frm = (
        parse_instant(start, tz, end=False, name="from")
        if start
        else day_start(local_day(to, tz) - timedelta(days=29), tz)
    )
    return frm, to


def parse_only(values: dict[str, str | int | None]) -> dict[str, str]:
    """Slice filters from query parameters (dimension -> key)."""
    only: dict[str, str] = {}
    for dim, value in values.items():
        if value is None or value == "":
            continue
        if dim not in DIMENSIONS:
            raise Unprocessable(f"unknown slice {dim!r}", code="invalid_slice")
        only[dim] = str(value)
    return only


@dataclass(frozen=True)
class DayRollup:
    """A local day's rollups, computed and not yet stored (see `build_day`)."""

    start: datetime
    end: datetime
    rows: dict[Any, Any]  # slice -> stats JSON, the marker included
    per_hour: dict[datetime, Any]
    cells: dict[Dims, cube.CellStats]


class AnalyticsService:
    # --- reading one window -----------------------------------------------------------
    async def _calendars(self, session: AsyncSession) -> tuple[dict[int, BusinessCalendar], int | None]:
        schedules = await sla_service.list_schedules(session)
        cals = {s.id: await sla_service.calendar(session, s.id) for s in schedules}
        default = next((s.id for s in schedules if s.is_default), None)
        return cals, default

    async def _business(
        self, session: AsyncSession, pairs: list[tuple[int, str, datetime, datetime]]
    ) -> dict[tuple[int, str], float]:
        """Business seconds of (ticket, metric, start, end): the SLA clock's achieved time when
        its clock counted business hours, else the ticket's schedule (or the default one)."""
        if not pairs:
            return {}
        clocks = {(r.ticket_id, r.metric): r for r in await repo.clocks(session, {p[0] for p in pairs})}
        cals, default = await self._calendars(session)
        out: dict[tuple[int, str], float] = {}
        for ticket_id, metric, start, end in pairs:
            clock = clocks.get((ticket_id, metric))
            if (
                clock is not None
                and clock.fulfilled_at is not None
                and clock.achieved_minutes is not None
                and clock.business_hours
                and clock.schedule_id in cals
            ):
                out[(ticket_id, metric)] = float(clock.achieved_minutes) * 60
                continue
            schedule_id = clock.schedule_id if clock is not None and clock.schedule_id in cals else default
            if schedule_id is None:
                continue  # no schedule anywhere: business time is calendar time
            out[(ticket_id, metric)] = business_minutes_between(cals[schedule_id], start, end) * 60
        return out

    async def read_window(
        self, session: AsyncSession, start: datetime, end: datetime, only: Only = EMPTY
    ) -> Window:
        """The rows of [start, end); with `only`, the SQL skips most rows the filter drops
        (a superset of the matching ones: the Builder applies the exact filter)."""
        w = Window(start=start, end=end)
        w.created = await repo.tickets_between(session, "created_at", start, end, only=only)
        w.first_replied = await repo.tickets_between(session, "first_replied_at", start, end, only=only)
        w.solved = await repo.tickets_between(session, "solved_at", start, end, solved_only=True, only=only)
        pairs = [(t.id, "first_reply", t.created_at, t.first_replied_at) for t in w.first_replied]
        pairs += [(t.id, "resolution", t.created_at, t.solved_at) for t in w.solved]
        w.business = await self._business(session, [p for p in pairs if p[3] is not None])  # type: ignore[misc]
        w.conversations = await repo.conversations_between(session, "created_at", start, end, only)
        w.closed = await repo.conversations_between(session, "closed_at", start, end, only)
        w.tallies = await repo.message_tallies(session, [c.id for c in w.conversations])
        w.messages = await repo.messages_of(session, [i for i, t in w.tallies.items() if t.agent])
        w.comments = await repo.comments_for_replies(session, start, end, only)
        commented = await repo.tickets_by_id(session, w.comments)
        w.comment_dims = {i: (t.dims, t.first_replied_at) for i, t in commented.items()}
        w.clocks = await repo.sla_outcomes(session, start, end, only)
        w.answered = await repo.surveys_between(session, "answered_at", start, end, only)
        w.sent = await repo.surveys_between(session, "sent_at", start, end, only)
        w.transfers = await self._transfers(session, start, end)
        customers = {
            c
            for c in [*(t.customer_id for t in w.created), *(t.customer_id for t in w.solved)]
            + [c.customer_id for c in w.conversations]
            if c is not None
        }
        days = timedelta(days=7)
        w.contacts = await repo.contacts(session, customers, start - days, end + days + timedelta(seconds=1))
        return w

    async def _transfers(
        self, session: AsyncSession, start: datetime, end: datetime
    ) -> list[tuple[datetime, Dims]]:
        """Tickets moved to another group or from one agent to another; chats transferred."""
        ticket_ids: list[tuple[datetime, int]] = []
        conv_ids: list[tuple[datetime, int]] = []
        for name, agg_id, payload, at in await repo.transfer_events(session, start, end):
            if agg_id is None:
                continue
            if name == "conversation.unassigned":
                if payload.get("why") == "transfer":
                    conv_ids.append((ensure_utc(at), int(agg_id)))
                continue
            changes = payload.get("changes") or {}
            moved = any(
                isinstance(changes.get(f), list) and len(changes[f]) == 2 and changes[f][0] is not None
                for f in ("group_id", "assignee_id")
            )
            if moved:
                ticket_ids.append((ensure_utc(at), int(agg_id)))
        tickets = await repo.tickets_by_id(session, (i for _, i in ticket_ids))
        convs = await repo.conversation_dims(session, (i for _, i in conv_ids))
        return [(at, tickets[i].dims) for at, i in ticket_ids if i in tickets] + [
            (at, convs[i]) for at, i in conv_ids if i in convs
        ]

    async def compute(
        self,
        session: AsyncSession,
        start: datetime,
        end: datetime,
        only: dict[str, str] | None = None,
        *,
        slices: bool = True,
    ) -> dict[Slice, Stats]:
        """Stats of [start, end) for "all" and (`slices`, without `only`) every slice."""
        if not await repo.has_activity(session, start, end):
            return {ALL: Stats()}
        window = await self.read_window(session, start, end, only or EMPTY)
        return Builder(only, slices=slices and not only).build(window, timezone())

    # --- combining rollups and live ---------------------------------------------------
    async def stats(
        self, session: AsyncSession, start: datetime, end: datetime, only: dict[str, str], *, now: datetime
    ) -> Stats:
        return merged((await self.stats_by_day(session, start, end, only, now=now)).values())

    async def stats_by_day(
        self, session: AsyncSession, start: datetime, end: datetime, only: dict[str, str], *, now: datetime
    ) -> dict[date, Stats]:
        """Stats of [start, end) keyed by local day (edges keyed by the day they fall in)."""
        tz = timezone()
        check_range(start, end)
        p = plan(start, end, tz)
        today = local_day(now, tz)
        out: dict[date, Stats] = defaultdict(Stats)
        rolled: set[date] = set()
        past = [d for d in p.days if d < today]
        if len(only) <= 1:
            dim, key = next(iter(only.items())) if only else ("all", "")
            for row in await repo.rollups(session, dim, key, past):
                if row.day in past:
                    out[row.day].merge(Stats.from_json(row.stats))
            rolled = await repo.rolled_days(session, min(past), max(past)) if past else set()
        elif past and (pair := cube.pair_slice(only)) is not None:
            rolled = await cube.cube_days(session, min(past), max(past))
            for row in await repo.rollups(session, *pair, sorted(rolled)):
                if row.day in rolled:
                    out[row.day].merge(Stats.from_json(row.stats))
        elif past and all(dim in DIMENSIONS for dim in only):
            # Summed over all the days at once: keyed by the first of them.
            rolled = await cube.cube_days(session, min(past), max(past))
            if rolled:
                out[min(rolled)].merge(await cube.cube_stats(session, only, min(rolled), max(rolled)))
        live = [(day_start(d, tz), day_start(d + timedelta(days=1), tz)) for d in p.days if d not in rolled]
        for a, b in merge_stretches(live + p.partial):
            b = min(b, now + timedelta(seconds=1))
            if a < b:
                for day, st in await self._stretch(session, a, b, only, tz):
                    out[day].merge(st)
        return dict(out)

    async def _stretch(
        self, session: AsyncSession, a: datetime, b: datetime, only: dict[str, str], tz: ZoneInfo
    ) -> list[tuple[date, Stats]]:
        """Stats of [a, b), which no day rollup covers, per local day: the stored hour buckets
        wholly inside it (unfiltered summaries only), computed live for the rest."""
        stored = {} if only else await repo.hourly(session, a, b)
        out: list[tuple[date, Stats]] = []
        for day, (da, db) in _split_days(a, b, tz):
            raw: list[tuple[datetime, datetime]] = []
            for ha, hb in hours(day, tz):
                if da <= ha and hb <= db and ha in stored:
                    out.append((day, Stats.from_json(stored[ha])))
                elif ha < db and da < hb:
                    raw.append((max(ha, da), min(hb, db)))
            for ra, rb in merge_stretches(raw):
                # Only the "all" row is kept: the other slices would be built for nothing.
                part = await self.compute(session, ra, rb, only, slices=False)
                out.append((day, part.get(ALL, Stats())))
        return out

    async def summary(
        self,
        session: AsyncSession,
        principal: Principal,
        start: datetime,
        end: datetime,
        only: dict[str, str],
    ) -> dict[str, Any]:
        self._may_read(principal, only)
        now = utcnow()
        data = summarize(await self.stats(session, start, end, only, now=now))
        data.update(await self._backlog(session, only, now))
        if not only and principal.can(Perm.REPORTS_READ):
            data.update(await self._calls(session, principal, start, end))
        return {"from": start, "to": end, "generated_at": now, **data, "slice": only}

    async def _calls(
        self, session: AsyncSession, principal: Principal, start: datetime, end: datetime
    ) -> dict[str, Any]:
        """The phone line's standard (answered within 30 s) beside the other channels:
        service level, abandonment and the average speed of answer of inbound calls."""
        calls = await phone_service.summary(session, principal, start, end)
        return {
            "calls_offered": calls.offered,
            "call_service_level_30s": calls.service_level_30s,
            "call_abandon_rate": round(calls.missed / calls.offered, 4) if calls.offered else None,
            "call_asa_seconds": calls.asa_seconds,
        }

    async def _backlog(self, session: AsyncSession, only: dict[str, str], now: datetime) -> dict[str, Any]:
        count, (p50, p90) = await repo.backlog(session, only, (0.5, 0.9))
        return {
            "backlog": count,
            "backlog_age_seconds_p50": round((now - p50).total_seconds(), 1) if p50 else None,
            "backlog_age_seconds_p90": round((now - p90).total_seconds(), 1) if p90 else None,
        }

    def _may_read(self, principal: Principal, only: dict[str, str]) -> None:
        """Supervisors and admins read everything; an agent only their own numbers."""
        require_staff(principal)
        if principal.can(Perm.REPORTS_READ):
            return
        if only.get("agent") != str(principal.id) or len(only) != 1:
            require(principal, Perm.REPORTS_READ)

    async def breakdown(
        self, session: AsyncSession, principal: Principal, start: datetime, end: datetime, by: str
    ) -> list[dict[str, Any]]:
        """One summary per value of a dimension, or per local day / ISO week."""
        require(principal, Perm.REPORTS_READ)
        now = utcnow()
        if by in ("day", "week"):
            per_day = await self.stats_by_day(session, start, end, {}, now=now)
            buckets: dict[str, Stats] = defaultdict(Stats)
            for day, st in per_day.items():
                label = (
                    day.isoformat() if by == "day" else f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"
                )
                buckets[label].merge(st)
            return [{"key": k, **summarize(v)} for k, v in sorted(buckets.items())]
        if by not in DIMENSIONS:
            raise Unprocessable(f"unknown breakdown {by!r}", code="invalid_slice")
        check_range(start, end)
        tz = timezone()
        p = plan(start, end, tz)
        today = local_day(now, tz)
        past = [d for d in p.days if d < today]
        rolled = await repo.rolled_days(session, min(past), max(past)) if past else set()
        by_key: dict[str, Stats] = defaultdict(Stats)
        for row in await repo.rollups(session, by, None, [d for d in past if d in rolled]):
            if row.day in rolled and row.day in past:
                by_key[row.key].merge(Stats.from_json(row.stats))
        live = [(day_start(d, tz), day_start(d + timedelta(days=1), tz)) for d in p.days if d not in rolled]
        for a, b in merge_stretches(live + p.partial):
            b = min(b, now + timedelta(seconds=1))
            if a < b:
                for (dim, key), st in (await self.compute(session, a, b)).items():
                    if dim == by:
                        by_key[key].merge(st)
        return [{"key": k, **summarize(v)} for k, v in sorted(by_key.items())]

    # --- refresh ------------------------------------------------------------------------
    async def refresh_day(self, session: AsyncSession, day: date) -> int:
        """Store a day's rollups: every slice for the day, the whole company per hour."""
        return await self.store_day(session, day, await self.build_day(session, day))

    async def build_day(self, session: AsyncSession, day: date) -> DayRollup:
        """A day's rollups computed from one read of its rows (a read snapshot is enough:
        the job reads in one and writes in a short unit, so SQLite's single writer is not
        held while the day is computed)."""
        tz = timezone()
        start, end = day_start(day, tz), day_start(day + timedelta(days=1), tz)
        buckets = hours(day, tz)
        slices: dict[Slice, Stats] = {ALL: Stats()}
        per_hour = {a: Stats().to_json() for a, _ in buckets}
        cells: dict[Dims, cube.CellStats] = {}
        if await repo.has_activity(session, start, end):
            window = await self.read_window(session, start, end)
            slices = Builder().build(window, tz)
            per_hour = await _per_hour(window, buckets, tz)
            cells = cube.CubeBuilder().cube(window, tz)
        # A whole day's occupancy spans are final: folded, the rollup stays small.
        slices.update(cube.pair_rollups(cells))
        rows = {s: st.fold_spans().to_json() for s, st in slices.items()}
        return DayRollup(start, end, {**rows, cube.MARKER: {}}, per_hour, cells)

    async def store_day(self, session: AsyncSession, day: date, built: DayRollup) -> int:
        now = utcnow()
        await repo.replace_day(session, day, built.rows, now)
        await repo.replace_hours(session, built.start, built.end, built.per_hour, now)
        await cube.replace_cells(session, day, built.cells)
        return len(built.rows) - 1  # the marker row is not a slice

    async def store_if_empty(self, session: AsyncSession, days: list[date]) -> bool:
        """Store empty rollups for a run of days with no activity at all (fast backfill)."""
        tz = timezone()
        if not days or await repo.has_activity(
            session, day_start(min(days), tz), day_start(max(days) + timedelta(days=1), tz)
        ):
            return False
        now = utcnow()
        for day in days:
            await repo.replace_day(session, day, {ALL: Stats().to_json(), cube.MARKER: {}}, now)
            await cube.replace_cells(session, day, {})
            empty = {a: Stats().to_json() for a, _ in hours(day, tz)}
            await repo.replace_hours(
                session, day_start(day, tz), day_start(day + timedelta(days=1), tz), empty, now
            )
        return True

    async def hours_to_refresh(
        self, session: AsyncSession, now: datetime, touched: bool
    ) -> list[tuple[datetime, datetime]]:
        """Today's finished hour buckets to store: all of them after any activity since the
        last run (an event can change earlier hours' numbers: a reopen un-solves a ticket
        solved at 10:00), else the ones not stored yet."""
        tz = timezone()
        done = [h for h in hours(local_day(now, tz), tz) if h[1] <= now]
        if not done or touched:
            return done
        have = await repo.hourly(session, done[0][0], done[-1][1])
        missing = [a for a, _ in done if a not in have]
        return [h for h in done if h[0] >= missing[0]] if missing else []

    async def build_hours(
        self, session: AsyncSession, buckets: list[tuple[datetime, datetime]]
    ) -> dict[datetime, Any]:
        """The stats of consecutive hour buckets from one read of their rows."""
        lo, hi = buckets[0][0], buckets[-1][1]
        if not await repo.has_activity(session, lo, hi):
            return {a: Stats().to_json() for a, _ in buckets}
        return await _per_hour(await self.read_window(session, lo, hi), buckets, timezone())

    async def store_hours(
        self, session: AsyncSession, buckets: list[tuple[datetime, datetime]], rows: dict[datetime, Any]
    ) -> None:
        await repo.replace_hours(session, buckets[0][0], buckets[-1][1], rows, utcnow())

    async def refresh_plan(self, session: AsyncSession, now: datetime) -> RefreshPlan:
        """Local days before today touched since the last run, or every day since the first
        activity on the first run; whether all today's finished hours are stored again (due
        every HOURS_EVERY, after activity since the last time); and whether the days before
        the touched ones were included.

        An event can change the FCR and repeat-contact numbers of the LOOKBACK_DAYS before
        it, so those days are rebuilt too, but at most every LOOKBACK_EVERY, from every event
        since their own watermark: rebuilding 8 days every 30 s while the day's traffic flows
        cost ~22 s of CPU a run at 1 M tickets a year (2.5-2.9 s a day)."""
        tz = timezone()
        today = local_day(now, tz)
        since = await repo.watermark(session, WATERMARK)
        days: set[date] = set()
        touched = since is None
        lookback = since is None
        if since is None:
            first = await repo.first_activity(session)
            if first is not None:
                d = local_day(first, tz)
                while d < today:
                    days.add(d)
                    d += timedelta(days=1)
        else:
            # Overlap: a transaction that started before the last run may commit after it.
            span = await repo.touched_span(session, since - OVERLAP, now)
            if span is not None:
                touched = True
                days.update(_days(local_day(span[0], tz), local_day(span[1], tz)))
            since_lookback = await repo.watermark(session, LOOKBACK_WATERMARK) or since
            if now - since_lookback >= LOOKBACK_EVERY:
                lookback = True
                span = await repo.touched_span(session, since_lookback - OVERLAP, now)
                if span is not None:
                    first_day = local_day(span[0], tz) - timedelta(days=LOOKBACK_DAYS)
                    days.update(_days(first_day, local_day(span[1], tz)))
            yesterday = today - timedelta(days=1)
            if not await repo.rolled_days(session, yesterday, yesterday):
                days.add(yesterday)  # it was live until midnight: store it now
        hours_all, hours_due = touched, True
        since_hours = await repo.watermark(session, HOURS_WATERMARK) if since is not None else None
        if since_hours is not None:
            hours_due = now - since_hours >= HOURS_EVERY
            hours_all = hours_due and await repo.touched_span(session, since_hours - OVERLAP, now) is not None
        return RefreshPlan(sorted(d for d in days if d < today), now, hours_all, lookback, hours_due)

    async def mark_refreshed(
        self, session: AsyncSession, at: datetime, *, lookback: bool, hours: bool = True
    ) -> None:
        await repo.set_watermark(session, WATERMARK, at)
        if lookback:
            await repo.set_watermark(session, LOOKBACK_WATERMARK, at)
        if hours:
            await repo.set_watermark(session, HOURS_WATERMARK, at)

    # --- live wallboard -----------------------------------------------------------------
    async def live(self, session: AsyncSession, principal: Principal) -> dict[str, Any]:
        require(principal, Perm.REPORTS_READ)
        now = utcnow()
        today = day_start(local_day(now, timezone()), timezone())
        n, total = await repo.answered_csat_since(session, today)
        at_risk = await sla_service.at_risk_ticket_ids(session)
        overdue = await sla_service.overdue_ticket_ids(session)
        calls = await phone_service.summary(session, principal, today, now)
        return {
            "calls_today": calls.offered,
            "call_service_level_30s_today": calls.service_level_30s,
            "generated_at": now,
            "csat_today": round(total / n, 1) if n else None,
            "csat_responses_today": n,
            "tickets_by_status": await repo.open_tickets_by_status(session),
            "sla_at_risk": len(at_risk),
            "sla_overdue": len(overdue),
        }


async def _per_hour(
    window: Window, buckets: list[tuple[datetime, datetime]], tz: ZoneInfo
) -> dict[datetime, Any]:
    """The whole company's stats of each hour bucket inside a window that was read once.
    The loop is given back between hours: a busy day's 24 hours in one go held the event
    loop ~0.2 s per 5,000 conversations (every chat message waited), every refresh."""
    out: dict[datetime, Any] = {}
    for a, b in buckets:
        out[a] = Builder(slices=False).build(window.part(a, b), tz)[ALL].to_json()
        await asyncio.sleep(0)
    return out


def _split_days(a: datetime, b: datetime, tz: ZoneInfo) -> list[tuple[date, tuple[datetime, datetime]]]:
    out = []
    while a < b:
        day = local_day(a, tz)
        nxt = min(b, day_start(day + timedelta(days=1), tz))
        out.append((day, (a, nxt)))
        a = nxt
    return out


analytics_service = AnalyticsService()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
