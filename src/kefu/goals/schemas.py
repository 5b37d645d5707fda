"""Goals: what the admin sends (create, partial update) and what the API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from kefu.goals.catalogue import METRICS, target_problem
from kefu.kit.schemas import BoundedDate, OutSchema, Schema

MetricName = Literal[
    "bot_resolution_rate",
    "bot_reply_seconds_p90",
    "first_reply_within_30m",
    "phone_answered_30s",
    "fcr_rate",
    "csat",
    "nps",
    "complaint_rate",
    "survey_response_rate",
    "painpoint_solve_rate",
    "sla_compliance",
    "high_tier_revenue_share",
    "churn_rate",
]
Comparison = Literal["at_least", "at_most"]
Period = Literal["day", "week", "month"]
assert set(MetricName.__args__) == set(METRICS)  # type: ignore[attr-defined]


def check_goal(
    metric: str,
    target: float,
    baseline_from: date | None,
    baseline_to: date | None,
    effective_from: date | None,
    effective_to: date | None,
) -> None:
    """Cross-field rules of a goal (ValueError with the reason)."""
    if (baseline_from is None) != (baseline_to is None):
        raise ValueError("A baseline needs its first and its last day.")
    if baseline_from is not None and baseline_to is not None and baseline_to < baseline_from:
        raise ValueError("The baseline ends before it starts.")
    if effective_from is not None and effective_to is not None and effective_to < effective_from:
        raise ValueError("The goal ends before it starts.")
    problem = target_problem(metric, target, baseline_from is not None)
    if problem is not None:
        raise ValueError(problem)


class GoalIn(Schema):
    name: str = Field(default="", max_length=120)
    metric: MetricName
    comparison: Comparison
    target: float = Field(allow_inf_nan=False)
    baseline_from: BoundedDate | None = None
    baseline_to: BoundedDate | None = None
    period: Period = "week"
    effective_from: BoundedDate | None = None
    effective_to: BoundedDate | None = None
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> GoalIn:
        check_goal(
            self.metric,
            self.target,
            self.baseline_from,
            self.baseline_to,
            self.effective_from,
            self.effective_to,
        )
        return self


class GoalPatch(Schema):
    """Only the fields sent change; the result must still be a valid goal."""

    name: str | None = Field(default=None, max_length=120)
    metric: MetricName | None = None
    comparison: Comparison | None = None
    target: float | None = Field(default=None, allow_inf_nan=False)
    baseline_from: BoundedDate | None = None
    baseline_to: BoundedDate | None = None
    period: Period | None = None
    effective_from: BoundedDate | None = None
    effective_to: BoundedDate | None = None
    active: bool | None = None


class GoalOut(OutSchema):
    id: int
    name: str
    metric: str
    comparison: str
    target: float
    baseline_from: date | None
    baseline_to: date | None
    period: str
    effective_from: date | None
    effective_to: date | None
    active: bool
    created_at: datetime
    updated_at: datetime


class AttainmentOut(Schema):
    """A goal over one period: the value, the target, met or missed and the trend."""

    goal_id: int
    name: str
    metric: str
    comparison: str
    target: float
    relative: bool
    period_from: date
    period_to: date  # exclusive
    value: float | None  # the metric (ratios 0..1, seconds, score)
    previous_value: float | None  # the same metric over the period before
    baseline_value: float | None = None
    change_percent: float | None = None  # relative goals: the change against the baseline
    met: bool | None  # None: no data in the period
    trend: Literal["up", "down", "flat"] | None
    improving: bool | None
    # For people (the request's language): the name, the value, the target with its unit.
    label: str
    value_text: str
    previous_text: str
    target_text: str
    baseline_text: str = ""
