"""Goal logic without I/O: the metrics a goal may track (with their Chinese names and units),
targets in people's units, met/missed, relative change against a baseline, the trend, and the
periods a goal is evaluated over. Definitions are in docs/goals.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from kefu.kit import humanize


def N_(message: str) -> str:  # noqa: N802 - gettext marker
    return message


@dataclass(frozen=True)
class Metric:
    label: str  # message id
    kind: str  # ratio (0..1) | seconds | score
    higher_is_better: bool
    lo: float  # bounds of an absolute target, in the unit people enter (percent for ratios)
    hi: float


# The metrics a goal can track. Ratios are entered as percentages (80 = 80 %).
METRICS: dict[str, Metric] = {
    "bot_resolution_rate": Metric(N_("Bot resolution rate"), "ratio", True, 0, 100),
    "bot_reply_seconds_p90": Metric(N_("Bot reply time (90th percentile)"), "seconds", False, 0, 86_400),
    "first_reply_within_30m": Metric(N_("Human first reply within 30 min"), "ratio", True, 0, 100),
    "phone_answered_30s": Metric(N_("Calls answered within 30 s"), "ratio", True, 0, 100),
    "fcr_rate": Metric(N_("First-contact resolution"), "ratio", True, 0, 100),
    "csat": Metric(N_("CSAT (0–100)"), "score", True, 0, 100),
    "nps": Metric(N_("NPS"), "score", True, -100, 100),
    "complaint_rate": Metric(N_("Complaint rate"), "ratio", False, 0, 100),
    "survey_response_rate": Metric(N_("Survey response rate"), "ratio", True, 0, 100),
    "painpoint_solve_rate": Metric(N_("Pain-point solve rate"), "ratio", True, 0, 100),
    "sla_compliance": Metric(N_("SLA compliance"), "ratio", True, 0, 100),
    # Customer value from orders (docs/customer-value.md).
    "high_tier_revenue_share": Metric(N_("High-value customers' share of revenue"), "ratio", True, 0, 100),
    "churn_rate": Metric(N_("Customer churn (no purchase in 12 months)"), "ratio", False, 0, 100),
}
COMPARISONS = {"at_least": "≥", "at_most": "≤"}
PERIODS = {"day": N_("Daily"), "week": N_("Weekly"), "month": N_("Monthly")}
# A relative goal's target: the change in percent against the baseline.
RELATIVE_LO, RELATIVE_HI = -100.0, 1000.0
FIRST_REPLY_LIMIT = 1800  # seconds: the plans' "人工 30 分钟内首次响应"


def target_value(metric: str, target: float) -> float:
    """An absolute target in the metric's own scale (ratios 0..1)."""
    return target / 100 if METRICS[metric].kind == "ratio" else target


def target_problem(metric: str, target: float, relative: bool) -> str | None:
    """Why a target cannot be used (a message id), or None."""
    if not math.isfinite(target):
        return N_("The target must be a number.")
    if relative:
        if not RELATIVE_LO <= target <= RELATIVE_HI:
            return N_("A change against the baseline must be between -100 % and +1000 %.")
        return None
    m = METRICS[metric]
    if not m.lo <= target <= m.hi:
        return N_("The target is outside what this metric can reach.")
    return None


def change(value: float | None, baseline: float | None) -> float | None:
    """Relative change in percent against the baseline; None when either is unknown or the
    baseline is zero (no change can be expressed as a share of nothing)."""
    if value is None or baseline is None or baseline == 0:
        return None
    return round((value - baseline) / abs(baseline) * 100, 1)


def is_met(comparison: str, compared: float | None, target: float) -> bool | None:
    """Met (True), missed (False) or unknown without data (None). `compared` and `target` are
    in the same scale; a tiny tolerance keeps 80.0 % ≥ 80 % met despite rounding."""
    if compared is None:
        return None
    eps = 1e-9
    return compared >= target - eps if comparison == "at_least" else compared <= target + eps


def trend(metric: str, value: float | None, previous: float | None) -> tuple[str | None, bool | None]:
    """("up" | "down" | "flat", better?) of the value against the previous period."""
    if value is None or previous is None:
        return None, None
    if abs(value - previous) < 1e-9:
        return "flat", None
    up = value > previous
    return ("up" if up else "down"), up == METRICS[metric].higher_is_better


def format_metric(metric: str, value: float | None, locale: str = "zh_CN") -> str:
    """A metric's value for people: 82.5%, 1分钟30秒, 88.2."""
    if value is None:
        return humanize.EMPTY
    kind = METRICS[metric].kind
    if kind == "ratio":
        return humanize.percent(value)
    if kind == "seconds":
        return humanize.duration(value, locale)
    return humanize.number(float(value))


def format_target(metric: str, target: float, relative: bool, locale: str = "zh_CN") -> str:
    if relative:
        return format_change(target)
    return format_metric(metric, target_value(metric, target), locale)


def format_change(pct: float | None) -> str:
    if pct is None:
        return humanize.EMPTY
    text = f"{pct:+.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (as the analytics histograms), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * p
    lo = math.floor(h)
    hi = min(len(ordered) - 1, lo + 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (h - lo), 1)


# --- periods (local dates; `end` exclusive) ---------------------------------------------------
def period_of(kind: str, day: date) -> tuple[date, date]:
    """The day, ISO week (Monday first) or month that contains `day`."""
    if kind == "day":
        return day, day + timedelta(days=1)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def last_complete(kind: str, today: date) -> tuple[date, date]:
    """The last whole period before the one containing today (yesterday, last week, last month)."""
    start, _end = period_of(kind, today)
    return period_of(kind, start - timedelta(days=1))


def previous(start: date, end: date) -> tuple[date, date]:
    """The stretch of the same length just before [start, end)."""
    return start - (end - start), start


def period_before(kind: str, start: date, end: date) -> tuple[date, date]:
    """The whole period before the one starting at `start` (the previous month for months)."""
    if kind == "month":
        return period_of("month", start - timedelta(days=1))
    return previous(start, end)


def effective_on(effective_from: date | None, effective_to: date | None, start: date, end: date) -> bool:
    """Does the goal apply to some day of [start, end)? `effective_to` is inclusive."""
    if effective_from is not None and effective_from >= end:
        return False
    return not (effective_to is not None and effective_to < start)
