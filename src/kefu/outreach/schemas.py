"""Outreach payloads. Templates are checked against the placeholder set on save (422)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from kefu.kit.schemas import BoundedAwareDatetime, Id, OutSchema, Schema
from kefu.outreach import templating
from kefu.outreach.rules import OutreachPolicy

Trigger = Literal[
    "coupon_issued",
    "points_credited",
    "tier_changed",
    "birthday",
    "shipment_delayed",
    "campaign",
    "shipment_milestone",
    "first_purchase",
    "anniversary",
    "monthly_content",
    "holiday",
    "survey",
    "service_report",
    "followup",
]
Channel = Literal["email", "sms", "wechat", "app"]
Milestone = Literal["picked_up", "in_transit", "out_for_delivery"]
Holiday = Literal[
    "new_years_day",
    "spring_festival",
    "tomb_sweeping_day",
    "labour_day",
    "dragon_boat_festival",
    "mid_autumn_festival",
    "national_day",
]
Purpose = Literal["service", "marketing"]
Tier = Literal["high", "mid", "potential", "none"]
# Triggers whose message is about the customer's own account or order (service notices).
# A survey invitation and an onboarding guide for what they bought are service too; a
# follow-up step may be either (its own setting).
SERVICE_TRIGGERS = {
    "coupon_issued",
    "points_credited",
    "tier_changed",
    "shipment_delayed",
    "shipment_milestone",
    "first_purchase",
    "survey",
    "followup",
}


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
    follows_id: Id | None = None  # a follow-up step: sent `delay_days` after that journey's send
    delay_days: int = Field(default=0, ge=0, le=365)
    kb_category: str = Field(default="", max_length=120)  # {articles}: published KB articles
    product_line: str = Field(default="", max_length=40)  # first purchase: "" = any line
    holiday: Holiday | Literal[""] = ""
    milestone: Milestone | Literal[""] = ""  # logistics: "" = every milestone

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
        if (self.trigger == "followup") != (self.follows_id is not None):
            raise ValueError("a follow-up step names the journey it follows, and only a follow-up does")
        if self.trigger == "holiday" and not self.holiday:
            raise ValueError("a holiday greeting names its holiday")
        if self.trigger == "survey" and any(
            "{survey_url}" not in body for body in (self.body_zh, self.body_en) if body
        ):
            raise ValueError("a survey invitation carries its link: put {survey_url} in the message")
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
    follows_id: int | None = None
    delay_days: int = 0
    kb_category: str = ""
    product_line: str = ""
    holiday: str = ""
    milestone: str = ""


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
    provider_ref: str = ""
    delivery: str = ""
    delivered_at: datetime | None = None
    opened_at: datetime | None = None
    clicked_at: datetime | None = None


# The outbox page's one status per message: how far it got (a clicked message was opened,
# delivered and sent too), or why it never left.
Stage = Literal["waiting", "sent", "delivered", "opened", "clicked", "failed", "skipped"]


class OutboxFilter(Schema):
    """The outbox page's filters; all optional, combined with AND."""

    customer: str = Field(default="", max_length=120)  # a customer id, or part of the name
    journey_id: Id | None = None
    channel: Channel | None = None
    stage: Stage | None = None
    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=50, ge=1, le=200)


class OutboxRow(Schema):
    """One message as the outbox page shows it; the address is masked for viewers without
    customers.unmask, `reason` is a code the page turns into words."""

    id: int
    created_at: datetime
    sent_at: datetime | None
    customer_id: int | None
    customer_name: str
    journey_id: int | None
    journey_name: str
    channel: str
    purpose: str
    subject: str
    to: str
    stage: str
    reason: str
    opens: int
    clicks: int


class OutboxPage(Schema):
    rows: list[OutboxRow]
    total: int
    offset: int
    limit: int


class FiguresOut(Schema):
    """A journey's outcome: sends that left (sent), reached the customer (delivered: SMTP
    accepted, SMS/app/WeChat provider confirmed), were opened (mail pixel), clicked (a tracked
    link) or led to an unsubscribe; plus those skipped, failed or still waiting."""

    journey_id: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    unsubscribed: int
    skipped: int
    failed: int
    waiting: int


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


OrderRef = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w\-./#]+$")]


class EventIn(Schema):
    """An inbound business event (ERP / courier webhook) for event-driven journeys:
    `shipment_delayed` (promised_at), `shipment_milestone` (milestone; with expected_at later
    than promised_at it is a delay too) or `purchase` (product_line: onboarding)."""

    customer_id: Id
    kind: Literal["shipment_delayed", "shipment_milestone", "purchase"]
    order_ref: OrderRef
    promised_at: BoundedAwareDatetime | None = None
    expected_at: BoundedAwareDatetime | None = None
    milestone: Milestone | None = None
    product_line: str | None = Field(default=None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> EventIn:
        if self.kind == "shipment_delayed" and self.promised_at is None:
            raise ValueError("a shipment_delayed event needs promised_at")
        if self.kind == "shipment_milestone" and self.milestone is None:
            raise ValueError("a shipment_milestone event needs milestone")
        if self.kind == "purchase" and not self.product_line:
            raise ValueError("a purchase event needs product_line")
        return self


class CourierIn(Schema):
    """A courier's signed milestone webhook; the customer by id or by mobile number."""

    order_ref: OrderRef
    milestone: Milestone
    customer_id: Id | None = None
    phone: str | None = Field(default=None, min_length=5, max_length=40)
    promised_at: BoundedAwareDatetime | None = None
    expected_at: BoundedAwareDatetime | None = None

    @model_validator(mode="after")
    def _someone(self) -> CourierIn:
        if self.customer_id is None and not self.phone:
            raise ValueError("give customer_id or phone")
        return self


class DeliveryReportIn(Schema):
    """The SMS provider's signed delivery report for a message it accepted."""

    id: str = Field(min_length=1, max_length=120)
    status: Literal["delivered", "undelivered"]


class EventOut(Schema):
    accepted: bool
    planned: int
    coupon_id: int | None = None


class SmsProviderIn(Schema):
    url: str = Field(min_length=8, max_length=500)
    api_key: str | None = Field(default=None, max_length=500)  # write-only; kept when absent
    sign_name: str = Field(default="", max_length=40)
    active: bool = True


class AppPushIn(Schema):
    url: str = Field(min_length=8, max_length=500)
    secret: str | None = Field(default=None, max_length=500)  # write-only; kept when absent
    active: bool = True


class CourierSecretIn(Schema):
    secret: str = Field(min_length=16, max_length=200)


class SettingsIn(Schema):
    policy: OutreachPolicy
    sms: SmsProviderIn | None = None
    app_push: AppPushIn | None = None
    courier: CourierSecretIn | None = None


class SmsProviderOut(Schema):
    url: str
    sign_name: str
    active: bool
    has_api_key: bool


class AppPushOut(Schema):
    url: str
    active: bool
    has_secret: bool


class SettingsOut(Schema):
    policy: OutreachPolicy
    sms: SmsProviderOut | None = None
    app_push: AppPushOut | None = None
    courier_secret_set: bool = False


class NotificationSettings(Schema):
    """A customer's own choices (portal 我的通知设置): each kind on or off — marketing and care
    messages need this consent (PIPL), service notices go unless switched off — and the
    channels each kind may use (the same opt-outs an unsubscribe link writes)."""

    marketing: bool = False
    service: bool = True
    marketing_channels: list[Channel] = Field(default_factory=list, max_length=4)
    service_channels: list[Channel] = Field(default_factory=list, max_length=4)


class UnsubscribeOut(Schema):
    unsubscribed: bool
    channel: str | None = None  # None: every channel


# --- 服务升级报告 (the customer-facing service report) ---------------------------------------
Period = Annotated[str, Field(pattern=r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$")]


class ReportDraftIn(Schema):
    period: Period  # the month, e.g. 2026-11


class ReportItem(Schema):
    text: str = Field(min_length=1, max_length=500)  # what changed, in the customer's words
    per_day_before: float | None = None  # contacts a day about it before / after the fix
    per_day_after: float | None = None


class ReportEditIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    intro: str = Field(default="", max_length=4000)
    items: list[ReportItem] = Field(default_factory=list, max_length=30)


class ReportOut(OutSchema):
    id: int
    period: str
    title: str
    intro: str
    items: list[dict[str, object]]
    figures: dict[str, object]
    status: str
    created_at: datetime
    approved_at: datetime | None
    published_at: datetime | None


class PublishOut(Schema):
    report: ReportOut
    planned: int
