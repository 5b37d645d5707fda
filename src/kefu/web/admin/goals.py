"""Service goals (服务目标): metric from a list, ≥/≤, target in the metric's unit, optional
baseline period for relative goals, effective dates, active flag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from kefu.authz import Perm
from kefu.goals import catalogue as cat
from kefu.goals.schemas import GoalIn, GoalPatch
from kefu.goals.service import goal_service
from kefu.web.admin.labels import options
from kefu.web.crud import N_, AdminView, Column, Ctx, Field, FieldError

_DATES = ("baseline_from", "baseline_to", "effective_from", "effective_to")
COMPARISON = {"at_least": N_("at least (≥)"), "at_most": N_("at most (≤)")}


def _metric_label(ctx: Ctx, goal: Any) -> str:
    return ctx._(cat.METRICS[goal.metric].label) if goal.metric in cat.METRICS else goal.metric


def _target(ctx: Ctx, goal: Any) -> str:
    relative = goal.baseline_from is not None
    text = (
        f"{cat.COMPARISONS.get(goal.comparison, '')} {cat.format_target(goal.metric, goal.target, relative)}"
    )
    return f"{ctx._('vs baseline')} {text}" if relative else text


def _span(ctx: Ctx, a: date | None, b: date | None) -> str:
    if a is None and b is None:
        return ctx._("always")
    if b is None:
        return ctx._("from {day}").format(day=a.isoformat() if a else "")
    if a is None:
        return ctx._("until {day}").format(day=b.isoformat())
    return f"{a.isoformat()} – {b.isoformat()}"


class GoalView(AdminView):
    slug = "goals"
    title = N_("Service goals")
    noun = N_("goal")
    perm = Perm.GOALS_MANAGE
    remove = "delete"
    create_schema = GoalIn
    intro = N_(
        "What the service promises, tracked on the wallboard, the reports and the monthly "
        "report. A missed goal alerts the supervisors once per period."
    )
    columns = (
        Column(N_("Service goal"), lambda ctx, g: g.name or _metric_label(ctx, g)),
        Column(N_("Metric"), _metric_label),
        Column(N_("Goal target"), _target),
        Column(
            N_("Baseline"),
            lambda ctx, g: _span(ctx, g.baseline_from, g.baseline_to) if g.baseline_from else "—",
        ),
        Column(N_("Checked"), lambda ctx, g: ctx._(cat.PERIODS.get(g.period, g.period))),
        Column(N_("In effect"), lambda ctx, g: _span(ctx, g.effective_from, g.effective_to)),
        Column(N_("Status"), lambda ctx, g: ctx._("Active") if g.active else ctx._("Inactive")),
    )
    fields = (
        Field("name", N_("Goal name"), help=N_("Optional; the metric's name when empty.")),
        Field("metric", N_("Metric"), kind="select", choices="metric"),
        Field("comparison", N_("Comparison"), kind="select", choices="comparison"),
        Field(
            "target",
            N_("Goal target"),
            required=True,
            help=N_(
                "Rates in percent (80 = 80 %), times in seconds, scores as they are; with a "
                "baseline, the change in percent (-60 = 60 % lower)."
            ),
        ),
        Field(
            "baseline_from",
            N_("Baseline from"),
            help=N_("A date like 2026-10-01; empty for an absolute goal."),
        ),
        Field("baseline_to", N_("Baseline to (inclusive)")),
        Field("period", N_("Checked"), kind="select", choices="period"),
        Field("effective_from", N_("In effect from"), help=N_("A date like 2026-10-01; empty = always.")),
        Field("effective_to", N_("In effect until (inclusive)")),
        Field("active", N_("Active"), kind="check"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await goal_service.list_goals(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await goal_service.get(ctx.session, ctx.principal, key)

    def label(self, obj: Any) -> str:
        return str(obj.name or obj.metric)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {
            "metric": [(k, ctx._(m.label)) for k, m in cat.METRICS.items()],
            "comparison": options(COMPARISON, ctx._),
            "period": options(cat.PERIODS, ctx._),
        }

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"comparison": "at_least", "period": "week", "active": True}
        values = super().initial(ctx, obj)
        values["target"] = f"{obj.target:g}"
        for name in _DATES:
            values[name] = getattr(obj, name).isoformat() if getattr(obj, name) else ""
        return values

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        for name in _DATES:
            text = str(out.get(name) or "").strip()
            try:
                out[name] = date.fromisoformat(text) if text else None
            except ValueError as exc:
                raise FieldError(name, N_("Use a date like 2026-10-01.")) from exc
        if (out["baseline_from"] is None) != (out["baseline_to"] is None):
            missing = "baseline_to" if out["baseline_to"] is None else "baseline_from"
            raise FieldError(missing, N_("A baseline needs its first and its last day."))
        if out["baseline_from"] and out["baseline_to"] and out["baseline_to"] < out["baseline_from"]:
            raise FieldError("baseline_to", N_("The baseline ends before it starts."))
        if out["effective_from"] and out["effective_to"] and out["effective_to"] < out["effective_from"]:
            raise FieldError("effective_to", N_("The goal ends before it starts."))
        raw = str(out.get("target", "")).replace("%", "").replace("％", "").strip()
        try:
            target = float(raw)
        except ValueError as exc:
            raise FieldError("target", N_("Enter a number.")) from exc
        metric = str(out.get("metric") or "")
        if metric in cat.METRICS:
            problem = cat.target_problem(metric, target, out["baseline_from"] is not None)
            if problem is not None:
                raise FieldError("target", problem)
        out["target"] = target
        return out

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await goal_service.create(ctx.session, ctx.principal, data)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        patch = GoalPatch.model_validate(data.model_dump())
        return await goal_service.update(ctx.session, ctx.principal, obj.id, patch)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await goal_service.delete(ctx.session, ctx.principal, obj.id)
