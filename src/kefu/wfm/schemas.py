"""WFM request and response models."""

from __future__ import annotations

import re
from datetime import date

from pydantic import Field, field_validator, model_validator

from kefu.kit.schemas import BoundedDate, BoundedDatetime, Id, OutSchema, Schema

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class ErlangIn(Schema):
    """One interval; the same inputs as `kefu wfm staffing` (ranges checked by the solver)."""

    volume: float
    interval_minutes: float = 30
    aht_seconds: float
    target_level: float = 0.8
    target_seconds: float = 20
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    concurrency: float = 1.0
    redundancy: float = 0.0


class ErlangOut(Schema):
    agents: int
    raw_agents: int
    service_level: float
    occupancy: float
    waiting_probability: float
    asa_seconds: float
    intensity_erlangs: float


class ShiftIn(Schema):
    user_id: Id
    weekday: int = Field(ge=0, le=6)
    start: str
    end: str
    channel: str = Field(default="", max_length=16)

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("time must be HH:MM (00:00–24:00)")
        return value

    @model_validator(mode="after")
    def _order(self) -> ShiftIn:
        if self.end <= self.start:
            raise ValueError("a shift ends after it starts (split a night shift in two)")
        return self


class ShiftOut(OutSchema):
    id: int
    user_id: int
    user_name: str = ""
    weekday: int
    start: str
    end: str
    channel: str


class ChannelPlan(Schema):
    """How one channel is staffed (defaults in wfm.service.CHANNEL_DEFAULTS)."""

    aht_seconds: float
    target_level: float
    target_seconds: float
    concurrency: float = 1.0
    human_share: float = 1.0  # chats: the share the bot hands to a person


class IntervalOut(Schema):
    start: BoundedDatetime
    volume: float
    by_channel: dict[str, float]
    required: int
    raw_required: int
    scheduled: int
    gap: int  # scheduled − required: negative is understaffed


class BacktestDayOut(Schema):
    date: date
    actual: float
    forecast: float
    ape: float | None


class ForecastOut(Schema):
    start: BoundedDate
    days: int
    timezone: str
    interval_minutes: int
    channels: list[str]
    intervals: list[dict[str, object]]
    daily: list[dict[str, object]]
    history_days: int
    backtest_mape: float | None
    backtest: list[BacktestDayOut]


class StaffingOut(Schema):
    start: BoundedDate
    days: int
    timezone: str
    interval_minutes: int
    target_level: float
    target_seconds: float
    shrinkage: float
    redundancy: float
    max_occupancy: float | None
    plans: dict[str, ChannelPlan]
    intervals: list[IntervalOut]
    understaffed_intervals: int
    overstaffed_intervals: int
