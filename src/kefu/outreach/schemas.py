"""Outreach payloads. Templates are checked against the placeholder set on save (422)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kefu.kit.schemas import BoundedAwareDatetime, Id, OutSchema, Schema
from kefu.outreach import templating
from kefu.outreach.rules import OutreachPolicy

Trigger = Literal[
    "coupon_issued", "points_credited", "tier_changed", "birthday", "shipment_delayed", "campaign"
]
Channel = Literal["email", "sms", "wechat"]
Purpose = Literal["service", "marketing"]
Tier = Literal["high", "mid", "potential", "none"]
# Triggers whose message is about the customer's own account or order (service notices).
SERVICE_TRIGGERS = {"coupon_issued", "points_credited", "tier_changed", "shipment_delayed"}


class Segment(Schema):
    """Who a journey reaches; every condition is evaluated in SQL, all must hold."""

    tiers: list[Tier] = Field(default_factory=list, max_length=4)  # empty = every tier
    purchased_within_days: int | None = Field(default=None, ge=1, le=3650)
    no_purchase_within_days: int | None = Field(default=None, ge=1, le=3650)
    birthday_month: int | None = Field(default=None, ge=1, le=12)
    contacted_within_days: int | None = Field(default=None, ge=1, le=3650)
    no_contact_within_days: int | None = Field(default=None, ge=1, le=3650)


class JourneyIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    trigger: Trigger
    channel: Channel = "email"
    purpose: Purpose = "marketing"
    segment: Segment = Field(default_factory=Segment)
    subject_zh: str = Field(default="", max_length=200)
    body_zh: str = Field(min_length=1, max_length=4000)
    subject_en: str = Field(default="", max_length=200)
    body_en: str = Field(default="", max_length=4000)
    wechat_template_id: str = Field(default="", max_length=120)
    coupon_amount: Decimal | None = Field(default=None, gt=0, max_digits=10, decimal_places=2)
    coupon_validity_days: int = Field(default=30, ge=1, le=3650)
    active: bool = True

    @field_validator("subject_zh", "body_zh", "subject_en", "body_en")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            templating.check(value)
        except templating.TemplateError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @model_validator(mode="after")
    def _purpose_fits(self) -> JourneyIn:
        # Greetings and campaigns promote: never sent as a "service" notice without consent.
        if self.purpose == "service" and self.trigger not in SERVICE_TRIGGERS:
            raise ValueError(f"a {self.trigger} journey is marketing: it needs the customer's consent")
        if self.channel == "wechat" and not self.wechat_template_id:
            raise ValueError("a WeChat journey needs the template id (模板ID) of the official account")
        return self


class JourneyOut(OutSchema):
    id: int
    name: str
    trigger: str
    channel: str
    purpose: str
    segment: dict[str, object]
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str
    wechat_template_id: str
    coupon_amount: Decimal | None
    coupon_validity_days: int
    active: bool
    launched_at: datetime | None
    created_at: datetime


class SendOut(OutSchema):
    id: int
    journey_id: int | None
    customer_id: int | None
    channel: str
    purpose: str
    occurrence: str
    status: str
    reason: str
    to_addr: str
    subject: str
    body: str
    attempts: int
    error: str
    run_at: datetime
    sent_at: datetime | None
    created_at: datetime


class PreviewIn(Schema):
    customer_id: Id | None = None  # a sample customer; the first in the audience when absent
    lang: Literal["zh", "en"] | None = None


class PreviewOut(Schema):
    customer_id: int | None
    lang: str
    subject: str
    body: str


class TestSendIn(Schema):
    to: str = Field(min_length=3, max_length=254)  # email address, phone (E.164) or openid
    customer_id: Id | None = None


class AudienceOut(Schema):
    count: int


class LaunchOut(Schema):
    planned: int


class EventIn(Schema):
    """An inbound business event (ERP / courier webhook) for event-driven journeys."""

    customer_id: Id
    kind: Literal["shipment_delayed"]
    order_ref: str = Field(min_length=1, max_length=80, pattern=r"^[\w\-./#]+$")
    promised_at: BoundedAwareDatetime


class EventOut(Schema):
    accepted: bool
    planned: int
    coupon_id: int | None = None


class SmsProviderIn(Schema):
    url: str = Field(min_length=8, max_length=500)
    api_key: str | None = Field(default=None, max_length=500)  # write-only; kept when absent
    sign_name: str = Field(default="", max_length=40)
    active: bool = True


class SettingsIn(Schema):
    policy: OutreachPolicy
    sms: SmsProviderIn | None = None


class SmsProviderOut(Schema):
    url: str
    sign_name: str
    active: bool
    has_api_key: bool


class SettingsOut(Schema):
    policy: OutreachPolicy
    sms: SmsProviderOut | None = None


class UnsubscribeOut(Schema):
    unsubscribed: bool
