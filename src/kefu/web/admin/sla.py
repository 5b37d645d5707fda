"""Business hours (a weekly grid with a 30-day preview) and SLA policies (pickers, h:mm)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field as PField

from kefu.kit.schemas import Schema
from kefu.sla.schemas import PolicyFilter, PolicyIn, PolicyTargets, ScheduleIn
from kefu.sla.service import sla_service
from kefu.team.service import team_service
from kefu.web.admin.labels import CHANNEL, METRIC, PRIORITY, TIER, TYPE, WEEKDAY, options, words
from kefu.web.crud import N_, AdminView, Column, Ctx, Field, FieldError, hmm, read_field

SLOTS = 3  # intervals per weekday in the grid (morning, afternoon, evening shift)
_TIME = re.compile(r"^([01]?\d|2[0-4])[:：]([0-5]\d)$")
DAY_KIND = {
    "workday": N_("Workday"),
    "rest": N_("Day off"),
    "holiday": N_("Company holiday"),
    "statutory_holiday": N_("Public holiday"),
    "makeup_workday": N_("Make-up workday (调休)"),
    "extra_workday": N_("Extra workday"),
}


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(text: str) -> int | None:
    m = _TIME.match(text.strip())
    if m is None:
        return None
    value = int(m.group(1)) * 60 + int(m.group(2))
    return value if value <= 1440 else None


def _week_text(ctx: Ctx, intervals: Sequence[Mapping[str, Any]]) -> str:
    """ "周一至周五 09:00–12:00、13:30–18:00；周六 10:00–16:00" (equal days grouped)."""
    by_day: list[list[str]] = [[] for _ in range(7)]
    for i in sorted(intervals, key=lambda i: (i["weekday"], i["start"])):
        by_day[int(i["weekday"])].append(f"{i['start']}–{i['end']}")
    parts: list[str] = []
    day = 0
    while day < 7:
        if not by_day[day]:
            day += 1
            continue
        end = day
        while end + 1 < 7 and by_day[end + 1] == by_day[day]:
            end += 1
        days = (
            ctx._(WEEKDAY[day])
            if end == day
            else ctx._("{a} to {b}").format(a=ctx._(WEEKDAY[day]), b=ctx._(WEEKDAY[end]))
        )
        parts.append(f"{days} {'、'.join(by_day[day])}")
        day = end + 1
    return "；".join(parts) or ctx._("No working time")


class ScheduleView(AdminView):
    slug = "schedules"
    title = N_("Business hours")
    noun = N_("schedule")
    remove = "delete"
    create_schema = ScheduleIn
    form_template = "admin/schedule_form.html"
    intro = N_(
        "Agents' hours: SLA clocks on business time run only inside them, and chat "
        "hand-offs outside them become messages. The bot answers around the clock."
    )
    error_fields: ClassVar[dict[str, str]] = {
        "intervals": "intervals",
        "holidays": "holidays",
        "workdays": "workdays",
    }
    columns = (
        Column(N_("Name"), lambda ctx, s: s.name + (" ★" if s.is_default else "")),
        Column(N_("Working time"), lambda ctx, s: _week_text(ctx, s.intervals)),
        Column(
            N_("China holidays and make-up workdays"),
            lambda ctx, s: ctx._("yes") if s.cn_statutory else ctx._("no"),
        ),
        Column(N_("Holidays"), lambda ctx, s: str(len(s.holidays)) if s.holidays else "—"),
        Column(N_("Time zone"), lambda ctx, s: s.timezone),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("timezone", N_("Time zone")),
        Field("is_default", N_("Default (the company's hours)"), kind="check"),
        Field("cn_statutory", N_("China holidays and make-up workdays"), kind="check"),
        Field("holidays", N_("Company holidays (one date per line)"), kind="lines"),
        Field("workdays", N_("Extra workdays (one date per line)"), kind="lines"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await sla_service.list_schedules(ctx.session)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await sla_service.get_schedule(ctx.session, key)

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            weekdays = [
                {"weekday": d, "start": s, "end": e}
                for d in range(5)
                for s, e in (("09:00", "12:00"), ("13:30", "18:00"))
            ]
            return {"timezone": "Asia/Shanghai", "cn_statutory": True, "grid": _grid(weekdays)}
        return {**super().initial(ctx, obj), "grid": _grid(obj.intervals)}

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        out["timezone"] = out.get("timezone") or "Asia/Shanghai"
        try:
            ZoneInfo(str(out["timezone"]))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise FieldError("timezone", N_("Unknown time zone; e.g. Asia/Shanghai.")) from exc
        intervals: list[dict[str, Any]] = []
        for day in range(7):
            spans: list[tuple[int, int]] = []
            for slot in range(SLOTS):
                start = str(form.get(f"d{day}s{slot}_start") or "").strip()
                end = str(form.get(f"d{day}s{slot}_end") or "").strip()
                if not start and not end:
                    continue
                a, b = _minute(start), _minute(end)
                name = ctx._(WEEKDAY[day])
                if a is None or b is None:
                    raise FieldError("intervals", ctx._("{day}: enter both times as HH:MM.").format(day=name))
                if b <= a:
                    raise FieldError(
                        "intervals",
                        ctx._("{day}: the end {end} must be after the start {start}.").format(
                            day=name, start=start, end=end
                        ),
                    )
                spans.append((a, b))
            spans.sort()
            for (_a1, b1), (a2, _b2) in itertools.pairwise(spans):
                if a2 < b1:
                    raise FieldError(
                        "intervals", ctx._("{day}: the times overlap.").format(day=ctx._(WEEKDAY[day]))
                    )
            intervals.extend({"weekday": day, "start": _clock(a), "end": _clock(b)} for a, b in spans)
        if not intervals:
            raise FieldError("intervals", N_("Set at least one working interval."))
        out["intervals"] = intervals
        return out

    async def form_context(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        plans = await sla_service.day_plans(ctx.session, obj.id) if obj is not None else []
        return {
            "weekdays": [ctx._(d) for d in WEEKDAY],
            "slots": range(SLOTS),
            "day_kind": {k: ctx._(v) for k, v in DAY_KIND.items()},
            "plans": [
                {
                    "date": p.day.strftime("%m-%d"),
                    "weekday": ctx._(WEEKDAY[p.day.weekday()]),
                    "kind": p.kind,
                    "name": p.holiday_name,
                    "hours": "、".join(f"{_clock(a)}–{_clock(b)}" for a, b in p.intervals),
                }
                for p in plans
            ],
        }

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await sla_service.create_schedule(ctx.session, ctx.principal, data)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await sla_service.update_schedule(ctx.session, ctx.principal, obj.id, data)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await sla_service.delete_schedule(ctx.session, ctx.principal, obj.id)


def _grid(intervals: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    cells: dict[str, str] = {}
    used = [0] * 7
    for i in sorted(intervals, key=lambda i: (i["weekday"], i["start"])):
        d = int(i["weekday"])
        if used[d] < SLOTS:
            cells[f"d{d}s{used[d]}_start"], cells[f"d{d}s{used[d]}_end"] = i["start"], i["end"]
            used[d] += 1
    return cells


# --- SLA policies ----------------------------------------------------------------------------
class PolicyForm(Schema):
    name: str = PField(min_length=1, max_length=120)
    position: int = PField(default=0, ge=0, le=100_000)
    schedule_id: int | None = None
    priority: list[str] = PField(default_factory=list)
    type: list[str] = PField(default_factory=list)
    channel: list[str] = PField(default_factory=list)
    tier: list[str] = PField(default_factory=list)
    category: list[str] = PField(default_factory=list)
    acknowledge: int | None = PField(default=None, gt=0, le=525_600)
    first_reply: int | None = PField(default=None, gt=0, le=525_600)
    next_reply: int | None = PField(default=None, gt=0, le=525_600)
    resolution: int | None = PField(default=None, gt=0, le=525_600)
    active: bool = True


def _filter_text(ctx: Ctx, f: Mapping[str, Any]) -> str:
    def listed(v: Any) -> list[Any]:
        return v if isinstance(v, list) else [v]

    parts = []
    for key, label, table in (
        ("priority", N_("Priority"), PRIORITY),
        ("type", N_("Type"), TYPE),
        ("channel", N_("Channel"), CHANNEL),
        ("tier", N_("Customer tier"), TIER),
    ):
        if f.get(key):
            parts.append(f"{ctx._(label)}：{words(table, listed(f[key]), ctx._)}")
    if f.get("category"):
        parts.append(f"{ctx._('Category')}：{'、'.join(map(str, listed(f['category'])))}")
    if f.get("group_id"):
        names = ctx.aux["group_names"]
        parts.append(f"{ctx._('Group')}：{'、'.join(names.get(g, '?') for g in listed(f['group_id']))}")
    if f.get("tags"):
        parts.append(f"{ctx._('Tags')}：{'、'.join(map(str, listed(f['tags'])))}")
    return "；".join(parts) or ctx._("All tickets")


def _targets_text(ctx: Ctx, t: Mapping[str, int]) -> str:
    return " · ".join(f"{ctx._(METRIC[k])} {hmm(v)}" for k, v in t.items() if k in METRIC) or "—"


class PolicyView(AdminView):
    slug = "sla-policies"
    title = N_("SLA policies")
    noun = N_("SLA policy")
    remove = "delete"
    create_schema = PolicyForm
    intro = N_(
        "The first active policy (lowest order) whose conditions match a ticket sets its "
        "deadlines. Targets are hours:minutes."
    )
    columns = (
        Column(N_("Order"), lambda ctx, p: str(p.position)),
        Column(N_("Name"), lambda ctx, p: p.name),
        Column(N_("Applies to"), lambda ctx, p: _filter_text(ctx, p.filter)),
        Column(N_("Targets (h:mm)"), lambda ctx, p: _targets_text(ctx, p.targets)),
        Column(
            N_("Clock"),
            lambda ctx, p: (
                ctx.aux["schedule_names"].get(p.schedule_id)
                if p.schedule_id
                else ctx._("Calendar time (24×7)")
            ),
        ),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("position", N_("Order (lower first)"), kind="number"),
        Field(
            "schedule_id", N_("Clock"), kind="select", choices="schedules", blank=N_("Calendar time (24×7)")
        ),
        Field("priority", N_("Priority"), kind="checks", choices="priority", help=N_("None ticked = any.")),
        Field("type", N_("Type"), kind="checks", choices="type"),
        Field("channel", N_("Channel"), kind="checks", choices="channel"),
        Field("tier", N_("Customer tier"), kind="checks", choices="tier"),
        Field(
            "category", N_("Category"), kind="tags", help=N_("A category and its subcategories, e.g. 售后")
        ),
        Field("acknowledge", N_("metric_acknowledge"), kind="duration"),
        Field("first_reply", N_("metric_first_reply"), kind="duration"),
        Field("next_reply", N_("metric_next_reply"), kind="duration"),
        Field("resolution", N_("metric_resolution"), kind="duration"),
        Field("active", N_("Active"), kind="check"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["schedule_names"] = {s.id: s.name for s in await sla_service.list_schedules(ctx.session)}
        ctx.aux["group_names"] = {g.id: g.name for g in await team_service.list_groups(ctx.session)}

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await sla_service.list_policies(ctx.session)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await sla_service.get_policy(ctx.session, key)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {
            "schedules": [(str(k), v) for k, v in ctx.aux["schedule_names"].items()],
            "priority": options(PRIORITY, ctx._),
            "type": options(TYPE, ctx._),
            "channel": options(CHANNEL, ctx._),
            "tier": options(TIER, ctx._),
        }

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"position": 50, "active": True}

        def listed(v: Any) -> list[Any]:
            return [] if v is None else v if isinstance(v, list) else [v]

        return {
            "name": obj.name,
            "position": obj.position,
            "schedule_id": obj.schedule_id,
            "active": obj.active,
            **{k: listed(obj.filter.get(k)) for k in ("priority", "type", "channel", "tier", "category")},
            **{k: obj.targets.get(k) for k in METRIC},
        }

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        if not any(out.get(k) for k in METRIC):
            raise FieldError("first_reply", N_("Set at least one target."))
        return out

    def _policy(self, data: PolicyForm, obj: Any | None) -> PolicyIn:
        keys = ("priority", "type", "channel", "tier", "category")
        flt = {k: getattr(data, k) for k in keys if getattr(data, k)}
        if obj is not None:  # conditions the form does not show (groups, tags) are kept
            flt.update({k: v for k, v in obj.filter.items() if k in ("group_id", "tags")})
        return PolicyIn(
            name=data.name,
            position=data.position,
            schedule_id=data.schedule_id,
            filter=PolicyFilter.model_validate(flt),
            targets=PolicyTargets.model_validate({k: getattr(data, k) for k in METRIC if getattr(data, k)}),
            business_hours=data.schedule_id is not None,
            active=data.active,
            pause_on=list(obj.pause_on) if obj is not None else ["pending", "hold"],
            warn_at=obj.warn_at if obj is not None else 0.75,
        )

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await sla_service.create_policy(ctx.session, ctx.principal, self._policy(data, None))

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await sla_service.update_policy(ctx.session, ctx.principal, obj.id, self._policy(data, obj))

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await sla_service.delete_policy(ctx.session, ctx.principal, obj.id)


__all__ = ["PolicyView", "ScheduleView", "read_field"]
