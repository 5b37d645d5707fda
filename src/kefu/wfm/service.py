"""Workforce planning: forecast contacts from history, size each interval with Erlang C and
set the result against the agents' weekly shifts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.errors import NotFound, Unprocessable
from kefu.kit.time import ensure_utc, utcnow
from kefu.models import Shift
from kefu.sla.service import sla_service
from kefu.wfm import repository as repo
from kefu.wfm.erlang import scheduled_agents, staffing
from kefu.wfm.forecast import SLOTS, Grid, backtest, forecast, mape
from kefu.wfm.schemas import (
    BacktestDayOut,
    ChannelPlan,
    ErlangIn,
    ErlangOut,
    ForecastOut,
    IntervalOut,
    ShiftIn,
    ShiftOut,
    StaffingOut,
)

INTERVAL_MINUTES = 1440 // SLOTS
HISTORY_DAYS = 91
MAX_DAYS = 28
DEFAULT_TZ = "Asia/Shanghai"
# Handle time, service-level target and chats at once per channel. Written channels (email,
# portal, web forms, API) are answered in hours, so their "answer within" target is an hour.
CHANNEL_DEFAULTS: dict[str, ChannelPlan] = {
    "chat": ChannelPlan(aht_seconds=420, target_level=0.8, target_seconds=30, concurrency=3),
    "wechat": ChannelPlan(aht_seconds=480, target_level=0.8, target_seconds=60, concurrency=3),
    "phone": ChannelPlan(aht_seconds=300, target_level=0.8, target_seconds=30),  # the plan: 80 % within 30 s
    "email": ChannelPlan(aht_seconds=600, target_level=0.8, target_seconds=3600),
}
OTHER = ChannelPlan(aht_seconds=600, target_level=0.8, target_seconds=3600)
CHAT_CHANNELS = ("chat", "wechat")
DEFAULT_SHRINKAGE = 0.3
DEFAULT_REDUNDANCY = 0.1  # the seed plans' 10–15 % spare capacity
DEFAULT_MAX_OCCUPANCY = 0.85


class WfmService:
    # --- single solve ---------------------------------------------------------------------
    def erlang(self, data: ErlangIn) -> ErlangOut:
        return ErlangOut(**staffing(**data.model_dump()))

    # --- forecast -------------------------------------------------------------------------
    async def _tz(self, session: AsyncSession) -> ZoneInfo:
        return ZoneInfo(await repo.timezone(session) or DEFAULT_TZ)

    def _window(self, start: date | None, days: int, tz: ZoneInfo) -> date:
        if not 1 <= days <= MAX_DAYS:
            raise Unprocessable(f"days must be 1–{MAX_DAYS}, got {days}", code="invalid_range")
        today = utcnow().astimezone(tz).date()
        if start is None:
            return today + timedelta(days=7 - today.weekday())  # next Monday
        if abs((start - today).days) > 366:
            raise Unprocessable("from must be within a year of today", code="invalid_range")
        return start

    async def history(
        self, session: AsyncSession, start: date, tz: ZoneInfo, channel: str | None
    ) -> tuple[date, dict[str, Grid]]:
        """Contacts per channel, day and 30-minute slot over the HISTORY_DAYS before `start`
        (or before today, for a start in the future: today is not over yet)."""
        end = min(start, utcnow().astimezone(tz).date())
        first = end - timedelta(days=HISTORY_DAYS)
        since = datetime(first.year, first.month, first.day, tzinfo=tz)
        until = datetime(end.year, end.month, end.day, tzinfo=tz)
        grids: dict[str, Grid] = {}
        for ch, created in await repo.contacts(session, since, until, channel):
            local = ensure_utc(created).astimezone(tz)
            d = (local.date() - first).days
            if not 0 <= d < HISTORY_DAYS:
                continue
            grid = grids.get(ch)
            if grid is None:
                grid = grids[ch] = np.zeros((HISTORY_DAYS, SLOTS))
            grid[d, (local.hour * 60 + local.minute) // INTERVAL_MINUTES] += 1
        return first, grids

    async def forecast(
        self,
        session: AsyncSession,
        principal: Principal,
        start: date | None,
        days: int,
        channel: str | None = None,
    ) -> ForecastOut:
        require(principal, Perm.REPORTS_READ)
        tz = await self._tz(session)
        start = self._window(start, days, tz)
        first, grids = await self.history(session, start, tz, channel or None)
        per_channel = {ch: forecast(g, first, start, days) for ch, g in sorted(grids.items())}
        total_hist = sum(grids.values(), np.zeros((HISTORY_DAYS, SLOTS)))
        rows = backtest(total_hist, first) if grids else []
        intervals: list[dict[str, object]] = []
        daily: list[dict[str, object]] = []
        for d in range(days):
            day = start + timedelta(days=d)
            for s in range(SLOTS):
                at = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(
                    minutes=s * INTERVAL_MINUTES
                )
                by = {ch: round(float(f[d, s]), 2) for ch, f in per_channel.items()}
                intervals.append({"start": at.isoformat(), "volume": round(sum(by.values()), 2), **by})
            daily.append(
                {
                    "date": day.isoformat(),
                    "volume": round(sum(float(f[d].sum()) for f in per_channel.values()), 1),
                }
            )
        return ForecastOut(
            start=start,
            days=days,
            timezone=str(tz),
            interval_minutes=INTERVAL_MINUTES,
            channels=sorted(per_channel),
            intervals=intervals,
            daily=daily,
            history_days=HISTORY_DAYS,
            backtest_mape=mape(rows),
            backtest=[
                BacktestDayOut(date=r.day, actual=r.actual, forecast=round(r.forecast, 1), ape=r.ape)
                for r in rows
            ],
        )

    # --- staffing -------------------------------------------------------------------------
    async def plans(
        self, session: AsyncSession, channels: Sequence[str], since: datetime
    ) -> dict[str, ChannelPlan]:
        out: dict[str, ChannelPlan] = {}
        for ch in channels:
            plan = CHANNEL_DEFAULTS.get(ch, OTHER)
            if ch in CHAT_CHANNELS:
                share = await repo.human_share(session, since, ch)
                if share is not None:
                    plan = plan.model_copy(update={"human_share": round(share, 4)})
            out[ch] = plan
        return out

    async def staffing(
        self,
        session: AsyncSession,
        principal: Principal,
        start: date | None,
        days: int,
        channel: str | None = None,
        *,
        target_level: float | None = None,
        target_seconds: float | None = None,
        shrinkage: float = DEFAULT_SHRINKAGE,
        redundancy: float = DEFAULT_REDUNDANCY,
        max_occupancy: float | None = DEFAULT_MAX_OCCUPANCY,
    ) -> StaffingOut:
        require(principal, Perm.REPORTS_READ)
        # Refuse bad targets, shrinkage, margin or occupancy even when there is nothing to size.
        staffing(
            0,
            INTERVAL_MINUTES,
            60,
            target_level or 0.8,
            target_seconds or 0,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            redundancy=redundancy,
        )
        tz = await self._tz(session)
        start = self._window(start, days, tz)
        first, grids = await self.history(session, start, tz, channel or None)
        per_channel = {ch: forecast(g, first, start, days) for ch, g in sorted(grids.items())}
        since = datetime(first.year, first.month, first.day, tzinfo=tz)
        plans = await self.plans(session, list(per_channel), since)
        if target_level is not None or target_seconds is not None:
            plans = {
                ch: p.model_copy(
                    update={
                        "target_level": target_level if target_level is not None else p.target_level,
                        "target_seconds": target_seconds if target_seconds is not None else p.target_seconds,
                    }
                )
                for ch, p in plans.items()
            }
        scheduled = self._scheduled(await repo.shifts(session), channel or None)
        cache: dict[tuple[str, float], dict[str, Any]] = {}
        intervals: list[IntervalOut] = []
        for d in range(days):
            day = start + timedelta(days=d)
            for s in range(SLOTS):
                raw = 0
                by: dict[str, float] = {}
                for ch, f in per_channel.items():
                    plan = plans[ch]
                    volume = round(float(f[d, s]) * plan.human_share, 2)
                    by[ch] = round(float(f[d, s]), 2)
                    key = (ch, volume)
                    if key not in cache:
                        cache[key] = staffing(
                            volume,
                            INTERVAL_MINUTES,
                            plan.aht_seconds,
                            plan.target_level,
                            plan.target_seconds,
                            max_occupancy=max_occupancy,
                            concurrency=plan.concurrency,
                        )
                    raw += int(cache[key]["raw_agents"])
                # Channels are sized separately and summed (agents are not pooled across them).
                required = scheduled_agents(raw, shrinkage, redundancy) if raw else 0
                on_shift = int(scheduled[day.weekday(), s])
                at = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(
                    minutes=s * INTERVAL_MINUTES
                )
                intervals.append(
                    IntervalOut(
                        start=at,
                        volume=round(sum(by.values()), 2),
                        by_channel=by,
                        required=required,
                        raw_required=raw,
                        scheduled=on_shift,
                        gap=on_shift - required,
                    )
                )
        return StaffingOut(
            start=start,
            days=days,
            timezone=str(tz),
            interval_minutes=INTERVAL_MINUTES,
            target_level=target_level if target_level is not None else 0.8,
            target_seconds=target_seconds if target_seconds is not None else 0,
            shrinkage=shrinkage,
            redundancy=redundancy,
            max_occupancy=max_occupancy,
            plans=plans,
            intervals=intervals,
            understaffed_intervals=sum(1 for i in intervals if i.gap < 0),
            overstaffed_intervals=sum(1 for i in intervals if i.required and i.gap > max(1, i.required // 4)),
        )

    @staticmethod
    def _scheduled(rows: Sequence[tuple[Shift, str]], channel: str | None) -> Grid:
        """(7, SLOTS) agents on shift per weekday and slot."""
        grid = np.zeros((7, SLOTS))
        for shift, _name in rows:
            if channel and shift.channel not in ("", channel):
                continue
            a = _slot(shift.start)
            b = _slot(shift.end)
            grid[shift.weekday, a:b] += 1
        return grid

    async def opening_hours(self, session: AsyncSession, start: date, days: int) -> dict[date, Any] | None:
        """The default schedule's working intervals (minutes of local day) for each day of the
        plan, holidays and make-up workdays included; None when no schedule is set (always open)."""
        schedules = [s for s in await sla_service.list_schedules(session) if s.is_default]
        if not schedules:
            return None
        cal = await sla_service.calendar(session, schedules[0].id)
        return {start + timedelta(days=d): cal.intervals_on(start + timedelta(days=d)) for d in range(days)}

    # --- shifts ---------------------------------------------------------------------------
    async def list_shifts(self, session: AsyncSession, principal: Principal) -> list[ShiftOut]:
        require(principal, Perm.REPORTS_READ)
        return [_shift_out(s, name) for s, name in await repo.shifts(session)]

    async def create_shift(self, session: AsyncSession, principal: Principal, data: ShiftIn) -> ShiftOut:
        require(principal, Perm.REPORTS_READ)
        user = await repo.staff(session, data.user_id)
        if user is None:
            raise Unprocessable("user_id is not an active staff member", code="unknown_user")
        shift = Shift(**data.model_dump())
        session.add(shift)
        await session.flush()
        return _shift_out(shift, user.name)

    async def update_shift(
        self, session: AsyncSession, principal: Principal, shift_id: int, data: ShiftIn
    ) -> ShiftOut:
        require(principal, Perm.REPORTS_READ)
        shift = await repo.shift(session, shift_id)
        if shift is None:
            raise NotFound("shift not found")
        user = await repo.staff(session, data.user_id)
        if user is None:
            raise Unprocessable("user_id is not an active staff member", code="unknown_user")
        for key, value in data.model_dump().items():
            setattr(shift, key, value)
        return _shift_out(shift, user.name)

    async def delete_shift(self, session: AsyncSession, principal: Principal, shift_id: int) -> None:
        require(principal, Perm.REPORTS_READ)
        shift = await repo.shift(session, shift_id)
        if shift is None:
            raise NotFound("shift not found")
        await session.delete(shift)

    async def staff_choices(self, session: AsyncSession) -> list[tuple[int, str]]:
        return [(u.id, u.name) for u in await repo.active_staff(session) if u.role in ("agent", "supervisor")]


def _slot(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return (int(h) * 60 + int(m)) // INTERVAL_MINUTES


def _shift_out(shift: Shift, name: str) -> ShiftOut:
    return ShiftOut(
        id=shift.id,
        user_id=shift.user_id,
        user_name=name,
        weekday=shift.weekday,
        start=shift.start,
        end=shift.end,
        channel=shift.channel,
    )


wfm_service = WfmService()
