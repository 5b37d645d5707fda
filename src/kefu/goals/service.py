"""Goals: the admin's goal list, attainment over a period from the analytics numbers, and the
hourly check that alerts supervisors once per goal and missed period. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.metrics import Hist, bucket_value, summarize
from kefu.analytics.service import analytics_service, timezone
from kefu.analytics.value_service import customer_value_service
from kefu.analytics.windows import MAX_RANGE_DAYS, day_start, local_day
from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.errors import NotFound, Unprocessable
from kefu.goals import catalogue as cat
from kefu.goals.events import GoalMissed
from kefu.goals.repository import goal_repository as repo
from kefu.goals.schemas import AttainmentOut, GoalIn, GoalPatch
from kefu.improvement.service import improvement_service
from kefu.kit.events import publish
from kefu.kit.i18n import translations
from kefu.kit.time import utcnow
from kefu.models.goal import Goal
from kefu.outbox.service import mail_service
from kefu.phone.service import phone_service

# Metrics read from the analytics summary (same numbers as /api/v1/analytics/summary).
_FROM_SUMMARY = {
    "bot_resolution_rate": "bot_containment",
    "fcr_rate": "fcr_rate",
    "csat": "csat",
    "nps": "nps",
    "complaint_rate": "complaint_rate",
    "sla_compliance": "sla_compliance",
}
_FROM_ORDERS = {"high_tier_revenue_share", "churn_rate"}
_REQUIRED = ("name", "metric", "comparison", "target", "period", "active")


@dataclass(frozen=True)
class Miss:
    """A goal missed over [start, end) (local days), with what the alert says."""

    goal_id: int
    start: date
    end: date
    result: AttainmentOut


@dataclass
class _Values:
    """Metric values of windows, each computed once per request or evaluation run."""

    by_window: dict[tuple[datetime, datetime], dict[str, float | None]] = field(default_factory=dict)


def _share_within(hist: Hist | None, limit: float) -> float | None:
    """Share of a histogram's observations at most `limit` seconds (exact while the histogram
    keeps whole seconds, else by bucket middles)."""
    if hist is None or not hist.count:
        return None
    if hist.exact is not None:
        within = sum(n for v, n in hist.exact.items() if v <= limit)
    else:
        within = sum(n for i, n in hist.buckets.items() if bucket_value(i) <= limit)
    return round(within / hist.count, 4)


class GoalService:
    # --- the admin's list --------------------------------------------------------------
    async def list_goals(self, session: AsyncSession, principal: Principal) -> Sequence[Goal]:
        require(principal, Perm.REPORTS_READ)
        return await repo.all(session)

    async def get(self, session: AsyncSession, principal: Principal, goal_id: int) -> Goal:
        require(principal, Perm.REPORTS_READ)
        goal = await repo.get(session, goal_id)
        if goal is None:
            raise NotFound("goal not found", code="goal_not_found")
        return goal

    async def create(self, session: AsyncSession, principal: Principal, data: GoalIn) -> Goal:
        require(principal, Perm.GOALS_MANAGE)
        self._check_baseline(data.baseline_from, data.baseline_to)
        goal = Goal(**data.model_dump())
        session.add(goal)
        await session.flush()
        return goal

    async def update(
        self, session: AsyncSession, principal: Principal, goal_id: int, data: GoalPatch
    ) -> Goal:
        require(principal, Perm.GOALS_MANAGE)
        goal = await self.get(session, principal, goal_id)
        merged = {f: getattr(goal, f) for f in GoalIn.model_fields}
        for name in data.model_fields_set:
            value = getattr(data, name)
            if value is None and name in _REQUIRED:
                raise Unprocessable("{field} cannot be empty", code="invalid_goal", params={"field": name})
            merged[name] = value
        try:
            valid = GoalIn.model_validate(merged)
        except ValidationError as exc:
            raise Unprocessable(_reason(exc), code="invalid_goal") from exc
        self._check_baseline(valid.baseline_from, valid.baseline_to)
        for name, value in valid.model_dump().items():
            setattr(goal, name, value)
        goal.updated_at = utcnow()
        await session.flush()
        return goal

    async def delete(self, session: AsyncSession, principal: Principal, goal_id: int) -> None:
        require(principal, Perm.GOALS_MANAGE)
        goal = await self.get(session, principal, goal_id)
        await session.delete(goal)
        await session.flush()

    def _check_baseline(self, start: date | None, end: date | None) -> None:
        if start is not None and end is not None and (end - start).days + 1 > MAX_RANGE_DAYS:
            raise Unprocessable("the baseline is longer than two years", code="invalid_goal")

    # --- values --------------------------------------------------------------------------
    async def values(
        self, session: AsyncSession, start: datetime, end: datetime, metrics: set[str], cache: _Values
    ) -> dict[str, float | None]:
        """The metrics over [start, end), computed from the same data as the analytics."""
        got = cache.by_window.setdefault((start, end), {})
        missing = metrics - set(got)
        if not missing:
            return got
        if missing & {*_FROM_SUMMARY, "first_reply_within_30m", "survey_response_rate"}:
            stats = await analytics_service.stats(session, start, end, {}, now=utcnow())
            summary = summarize(stats)
            for name, key in _FROM_SUMMARY.items():
                got[name] = summary.get(key)
            got["first_reply_within_30m"] = _share_within(stats.h.get("frt"), cat.FIRST_REPLY_LIMIT)
            c = stats.c
            sent = c.get("csat_sent", 0) + c.get("nps_sent", 0)
            answered = c.get("csat_sent_answered", 0) + c.get("nps_sent_answered", 0)
            got["survey_response_rate"] = round(answered / sent, 4) if sent else None
        if "phone_answered_30s" in missing:
            calls = await phone_service.summary(session, SYSTEM, start, end)
            got["phone_answered_30s"] = calls.service_level_30s
        if "bot_reply_seconds_p90" in missing:
            got["bot_reply_seconds_p90"] = cat.percentile(
                await repo.bot_reply_delays(session, start, end), 0.9
            )
        if "painpoint_solve_rate" in missing:
            # 痛点解决率 = verified ÷ due improvement items (docs/improvement.md).
            got["painpoint_solve_rate"] = await improvement_service.solve_rate_between(session, start, end)
        if missing & _FROM_ORDERS:
            got.update(await customer_value_service.metrics(session, start, end))
        return got

    # --- attainment ----------------------------------------------------------------------
    async def attainment(
        self,
        session: AsyncSession,
        principal: Principal,
        start: datetime,
        end: datetime,
        *,
        before: tuple[datetime, datetime] | None = None,
        locale: str = "zh_CN",
    ) -> list[AttainmentOut]:
        """Every active goal in effect during [start, end), over that range, with the trend
        against `before` (default: the same length just before)."""
        require(principal, Perm.REPORTS_READ)
        if end <= start:
            raise Unprocessable("`to` must be after `from`", code="invalid_range")
        tz = timezone()
        prev = before or (start - (end - start), start)
        first, last = local_day(start, tz), local_day(end - timedelta(microseconds=1), tz)
        cache = _Values()
        out = []
        for goal in await repo.active(session):
            if cat.effective_on(goal.effective_from, goal.effective_to, first, last + timedelta(days=1)):
                out.append(await self._attain(session, goal, (start, end), prev, cache, locale))
        return out

    async def current(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        locale: str = "zh_CN",
        now: datetime | None = None,
    ) -> list[AttainmentOut]:
        """The wallboard's view: each goal over its own period so far (this week...), with
        the trend against the whole period before."""
        require(principal, Perm.REPORTS_READ)
        tz = timezone()
        now = now or utcnow()
        today = local_day(now, tz)
        cache = _Values()
        out = []
        for goal in await repo.active(session):
            a, b = cat.period_of(goal.period, today)
            if not cat.effective_on(goal.effective_from, goal.effective_to, a, b):
                continue
            pa, pb = cat.period_before(goal.period, a, b)
            window = (day_start(a, tz), min(day_start(b, tz), now))
            out.append(
                await self._attain(
                    session, goal, window, (day_start(pa, tz), day_start(pb, tz)), cache, locale
                )
            )
        return out

    async def _attain(
        self,
        session: AsyncSession,
        goal: Goal,
        window: tuple[datetime, datetime],
        prev: tuple[datetime, datetime],
        cache: _Values,
        locale: str,
    ) -> AttainmentOut:
        tz = timezone()
        metric = goal.metric
        need = {metric}
        value = (await self.values(session, *window, need, cache))[metric]
        previous = (await self.values(session, *prev, need, cache))[metric]
        relative = goal.baseline_from is not None and goal.baseline_to is not None
        baseline = pct = None
        if relative:
            assert goal.baseline_from is not None and goal.baseline_to is not None
            base_window = (
                day_start(goal.baseline_from, tz),
                day_start(goal.baseline_to + timedelta(days=1), tz),
            )
            baseline = (await self.values(session, *base_window, need, cache))[metric]
            pct = cat.change(value, baseline)
            met = cat.is_met(goal.comparison, pct, goal.target)
        else:
            met = cat.is_met(goal.comparison, value, cat.target_value(metric, goal.target))
        direction, improving = cat.trend(metric, value, previous)
        _ = translations(locale).gettext
        label = goal.name or _(cat.METRICS[metric].label)
        value_text = cat.format_metric(metric, value, locale)
        if relative and value is not None:
            value_text = f"{value_text}（{_('vs baseline')} {cat.format_change(pct)}）"
        op = cat.COMPARISONS[goal.comparison]
        target_text = f"{op} {cat.format_target(metric, goal.target, relative, locale)}"
        if relative:
            target_text = f"{_('vs baseline')} {target_text}"
        return AttainmentOut(
            goal_id=goal.id,
            name=goal.name,
            metric=metric,
            comparison=goal.comparison,
            target=goal.target,
            relative=relative,
            period_from=local_day(window[0], tz),
            period_to=local_day(window[1] - timedelta(microseconds=1), tz) + timedelta(days=1),
            value=value,
            previous_value=previous,
            baseline_value=baseline,
            change_percent=pct,
            met=met,
            trend=direction,  # type: ignore[arg-type]
            improving=improving,
            label=label,
            value_text=value_text,
            previous_text=cat.format_metric(metric, previous, locale),
            target_text=target_text,
            baseline_text=cat.format_metric(metric, baseline, locale) if relative else "",
        )

    # --- alerts --------------------------------------------------------------------------
    async def misses(self, session: AsyncSession, *, now: datetime | None = None) -> list[Miss]:
        """Each active goal over its last whole period (yesterday, last week, last month)
        that was missed and not yet alerted. Reads only: the job computes this in a read
        snapshot, off the writer (a year of analytics can take seconds)."""
        tz = timezone()
        now = now or utcnow()
        today = local_day(now, tz)
        cache = _Values()
        out: list[Miss] = []
        for goal in await repo.active(session):
            a, b = cat.last_complete(goal.period, today)
            if not cat.effective_on(goal.effective_from, goal.effective_to, a, b):
                continue
            if await repo.alerted(session, goal.id, a):
                continue  # this period's alert went out an hour ago: nothing to compute
            pa, pb = cat.period_before(goal.period, a, b)
            window = (day_start(a, tz), day_start(b, tz))
            result = await self._attain(
                session, goal, window, (day_start(pa, tz), day_start(pb, tz)), cache, "zh_CN"
            )
            if result.met is False:
                out.append(Miss(goal.id, a, b, result))
        return out

    async def alert(self, session: AsyncSession, misses: Sequence[Miss]) -> int:
        """Alert the supervisors once per goal and missed period (the claim's unique key
        holds when two workers evaluate the same hour). Returns the alerts sent."""
        sent = 0
        for miss in misses:
            result = miss.result
            if not await repo.claim_alert(session, miss.goal_id, miss.start, miss.end, result.value):
                continue
            days = _days_text(miss.start, miss.end)
            await publish(
                session,
                GoalMissed(
                    goal_id=miss.goal_id,
                    label=result.label,
                    period_from=miss.start.isoformat(),
                    period_to=miss.end.isoformat(),
                    value_text=result.value_text,
                    target_text=result.target_text,
                    text=(
                        f"目标未达成：{result.label}（{days}）为 {result.value_text}，"
                        f"目标 {result.target_text}。"
                    ),
                ),
            )
            sent += 1
        return sent

    async def evaluate(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """`misses` then `alert` in one session (tests, and callers already in a unit)."""
        return await self.alert(session, await self.misses(session, now=now))

    async def email_supervisors(self, session: AsyncSession, event: GoalMissed, public_url: str) -> int:
        sent = 0
        for user in await user_service.list_all(session):
            if user.role != "supervisor" or not user.is_active:
                continue
            await mail_service.queue(
                session,
                to=user.email,
                kind="goal_missed",
                subject=f"[目标未达成] {event.label}"[:200],
                text=f"{user.name}您好：\n\n{event.text}\n\n{public_url.rstrip('/')}/reports\n",
            )
            sent += 1
        return sent

    # --- the plans' goals ----------------------------------------------------------------
    async def seed_plan_goals(
        self, session: AsyncSession, *, history_days: int, today: date | None = None
    ) -> int:
        """The plans' figures as goals, once (nothing when any goal exists). Relative goals
        compare with the first 30 days of the demo history."""
        if await repo.count(session):
            return 0
        today = today or local_day(utcnow(), timezone())
        base_from = today - timedelta(days=max(history_days, 30))
        base_to = base_from + timedelta(days=29)
        n = 0
        for name, metric, comparison, target, relative in PLAN_GOALS:
            data = GoalIn(
                name=name,
                metric=metric,  # type: ignore[arg-type]
                comparison=comparison,  # type: ignore[arg-type]
                target=target,
                baseline_from=base_from if relative else None,
                baseline_to=base_to if relative else None,
                period="week",
                effective_from=base_to + timedelta(days=1) if relative else None,
            )
            session.add(Goal(**data.model_dump()))
            n += 1
        await session.flush()
        return n


# The plans' goals (plans 000, 002, 003). Where a plan gives only a time limit (first reply
# within 30 min, calls within 30 s), the share is the 80 % of WFM's 80/30 default.
PLAN_GOALS: list[tuple[str, str, str, float, bool]] = [
    ("机器人解决率", "bot_resolution_rate", "at_least", 80, False),
    ("机器人回复时长", "bot_reply_seconds_p90", "at_most", 120, False),
    ("人工30分钟内首次回复", "first_reply_within_30m", "at_least", 80, False),
    ("电话30秒接通率", "phone_answered_30s", "at_least", 80, False),
    ("首次解决率", "fcr_rate", "at_least", 90, False),
    ("客户满意度", "csat", "at_least", 90, False),
    ("投诉率下降", "complaint_rate", "at_most", -60, True),
    ("NPS提升", "nps", "at_least", 35, True),
    ("调查回复率", "survey_response_rate", "at_least", 60, False),
    ("痛点解决率", "painpoint_solve_rate", "at_least", 95, False),
]


def _days_text(a: date, b: date) -> str:
    last = b - timedelta(days=1)
    return f"{a.month}月{a.day}日" if a == last else f"{a.month}月{a.day}日–{last.month}月{last.day}日"


def _reason(exc: ValidationError) -> str:
    errors = exc.errors()
    msg = str(errors[0]["msg"]) if errors else "invalid goal"
    return msg.removeprefix("Value error, ")


goal_service = GoalService()
