"""Field-service payloads (unknown fields refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator

from kefu.kit.schemas import OutSchema, Schema

ProductLine = str
Kind = Literal["mail_in", "onsite", "walk_in"]


def _lines(values: list[str]) -> list[str]:
    out = []
    for v in values:
        v = v.strip()
        if not v or len(v) > 40:
            raise ValueError("product lines are 1–40 characters")
        if v not in out:
            out.append(v)
    return out


class DeviceCreate(Schema):
    model: str = Field(min_length=1, max_length=120)
    serial: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/ -]*$")
    product_line: str = Field(min_length=1, max_length=40)
    purchased_at: date
    order_ref: str = Field(default="", max_length=64)
    extended_until: date | None = None

    @field_validator("purchased_at")
    @classmethod
    def _not_ancient(cls, v: date) -> date:
        if v.year < 2000:
            raise ValueError("purchase date before 2000")
        return v


class DeviceOut(OutSchema):
    id: int
    customer_id: int
    model: str
    serial: str
    product_line: str
    purchased_at: date
    order_ref: str
    warranty_until: date
    extended_until: date | None
    in_warranty: bool = False
    source: str


class WarrantyCheck(OutSchema):
    serial: str
    model: str
    product_line: str
    purchased_at: date
    warranty_until: date
    in_warranty: bool


class WarrantyRuleIn(Schema):
    product_line: str = Field(min_length=1, max_length=40)
    months: int = Field(ge=0, le=120)
    labour_fee_cny: int = Field(default=100, ge=0, le=100_000)
    onsite_fee_cny: int = Field(default=50, ge=0, le=100_000)


class WarrantyRuleOut(OutSchema):
    product_line: str
    months: int
    labour_fee_cny: int
    onsite_fee_cny: int


class ServicePointCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["own", "partner"]
    province: str = Field(min_length=1, max_length=40)
    city: str = Field(min_length=1, max_length=40)
    district: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    opening_hours: str = Field(default="", max_length=120)
    coverage: list[str] = Field(default_factory=list, max_length=200)
    product_lines: list[str] = Field(min_length=1, max_length=50)
    daily_capacity: int = Field(ge=0, le=10_000)
    webhook_url: str | None = Field(default=None, min_length=8, max_length=2000)
    accept_hours: int = Field(default=4, ge=1, le=240)
    complete_days: int = Field(default=5, ge=1, le=90)

    @field_validator("product_lines")
    @classmethod
    def _clean_lines(cls, v: list[str]) -> list[str]:
        return _lines(v)


class ServicePointUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40)
    opening_hours: str | None = Field(default=None, max_length=120)
    coverage: list[str] | None = Field(default=None, max_length=200)
    product_lines: list[str] | None = Field(default=None, min_length=1, max_length=50)
    daily_capacity: int | None = Field(default=None, ge=0, le=10_000)
    active: bool | None = None


class ServicePointOut(OutSchema):
    id: int
    name: str
    kind: str
    province: str
    city: str
    district: str
    address: str
    phone: str
    opening_hours: str
    coverage: list[str]
    product_lines: list[str]
    daily_capacity: int
    active: bool
    accept_hours: int
    complete_days: int


class ServicePointCreated(ServicePointOut):
    # Partners only, shown once: the key and secret that sign their API calls and the
    # secret of their outgoing webhook.
    api_key: str | None = None
    api_secret: str | None = None
    webhook_secret: str | None = None


class PartnerUserCreate(Schema):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(default="", max_length=120)
    password: str = Field(min_length=8, max_length=200)


class ServiceOrderCreate(Schema):
    ticket_id: int = Field(ge=1, le=2**31 - 1)
    device_id: int = Field(ge=1, le=2**31 - 1)
    kind: Kind
    fault: str = Field(min_length=1, max_length=4000)
    city: str = Field(min_length=1, max_length=40)
    province: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=300)
    fault_codes: list[str] = Field(default_factory=list, max_length=20)
    appointment_at: AwareDatetime | None = None


class Transition(Schema):
    to: str = Field(min_length=1, max_length=24)
    note: str = Field(default="", max_length=400)
    quote_cny: int | None = Field(default=None, ge=0, le=1_000_000)
    parts: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    tracking_no: str | None = Field(default=None, max_length=64)


class LogisticsIn(Schema):
    """A courier or ERP milestone of a mail-in (寄修) order."""

    milestone: Literal[
        "label_created", "picked_up", "in_transit", "delivered_to_center", "shipped_back", "delivered"
    ]
    tracking_no: str | None = Field(default=None, min_length=3, max_length=64)
    carrier: str = Field(default="", max_length=40)
    at: AwareDatetime | None = None


class Rating(Schema):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=400)


class ClockOut(OutSchema):
    metric: str
    due_at: datetime
    status: str
    fulfilled_at: datetime | None = None
    breached_at: datetime | None = None


class StepOut(OutSchema):
    from_status: str | None
    to_status: str
    actor_kind: str
    note: str
    created_at: datetime


class ServiceOrderOut(OutSchema):
    id: int
    ticket_id: int
    customer_id: int | None
    device_id: int
    kind: str
    status: str
    fault: str
    fault_codes: list[str]
    city: str
    address: str
    service_point_id: int | None
    appointment_at: datetime | None
    in_warranty: bool
    fee_cny: int
    fee_reason: str
    quote_cny: int | None
    quote_note: str
    parts: list[dict[str, Any]]
    tracking_no: str
    rating: int | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    sla: list[ClockOut] = Field(default_factory=list)
    next: list[str] = Field(default_factory=list)
    timeline: list[StepOut] = Field(default_factory=list)


class ConsentIn(Schema):
    user_id: str = Field(min_length=1, max_length=120)
    user_hash: str = Field(min_length=16, max_length=128)


class DiagnosticIn(Schema):
    user_id: str = Field(min_length=1, max_length=120)
    user_hash: str = Field(min_length=16, max_length=128)
    serial: str = Field(default="", max_length=64)
    device_info: dict[str, Any] = Field(default_factory=dict)
    fault_codes: list[str] = Field(default_factory=list, max_length=50)
    logs: str = Field(default="", max_length=200_000)


class DiagnosticOut(OutSchema):
    id: int
    ticket_id: int | None
    device_id: int | None
    fault_codes: list[str]
    suggestions: list[dict[str, Any]] = Field(default_factory=list)


class FieldMetrics(Schema):
    orders: int
    completed: int
    turnaround_hours_p50: float | None
    first_time_fix_rate: float | None
    repeat_repair_90d_rate: float | None
    by_point: list[dict[str, Any]]
