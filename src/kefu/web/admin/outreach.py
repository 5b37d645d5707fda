"""Outreach journeys (主动触达) on the CRUD layer: list, create, edit, deactivate; the edit
page shows the audience size, a preview rendered for a sample customer and a test send to
one address. Mounted by its own router (registry.ROUTERS)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError
from kefu.outreach import rules, templating
from kefu.outreach.schemas import JourneyIn, PreviewIn, TestSendIn
from kefu.outreach.service import outreach_service
from kefu.web.admin.labels import TIER, options, words
from kefu.web.crud import (
    ADMIN_NAV,
    N_,
    AdminView,
    Column,
    Ctx,
    Field,
    FieldError,
    _ctx,
    kefu_message,
    mount,
)
from kefu.web.templates import request_locale

TRIGGER = {
    "coupon_issued": N_("outreach_trigger_coupon_issued"),
    "points_credited": N_("outreach_trigger_points_credited"),
    "tier_changed": N_("outreach_trigger_tier_changed"),
    "birthday": N_("outreach_trigger_birthday"),
    "shipment_delayed": N_("outreach_trigger_shipment_delayed"),
    "campaign": N_("outreach_trigger_campaign"),
    "shipment_milestone": N_("outreach_trigger_shipment_milestone"),
    "first_purchase": N_("outreach_trigger_first_purchase"),
    "anniversary": N_("outreach_trigger_anniversary"),
    "monthly_content": N_("outreach_trigger_monthly_content"),
    "holiday": N_("outreach_trigger_holiday"),
    "survey": N_("outreach_trigger_survey"),
    "service_report": N_("outreach_trigger_service_report"),
    "followup": N_("outreach_trigger_followup"),
}
CHANNEL = {
    "email": N_("outreach_channel_email"),
    "sms": N_("outreach_channel_sms"),
    "wechat": N_("outreach_channel_wechat"),
    "app": N_("outreach_channel_app"),
}
MILESTONE = {
    "picked_up": N_("outreach_milestone_picked_up"),
    "in_transit": N_("outreach_milestone_in_transit"),
    "out_for_delivery": N_("outreach_milestone_out_for_delivery"),
}
HOLIDAY = {h: N_(f"outreach_holiday_{h}") for h in rules.HOLIDAYS}
PURPOSE = {"service": N_("outreach_purpose_service"), "marketing": N_("outreach_purpose_marketing")}
MONTHS = {str(m): N_(f"month_{m}") for m in range(1, 13)}
_DAYS = (
    "purchased_within_days",
    "no_purchase_within_days",
    "contacted_within_days",
    "no_contact_within_days",
)
_TEXTS = ("subject_zh", "body_zh", "subject_en", "body_en")
PLACEHOLDER_HELP = N_(
    "Placeholders: {name} {tier} {points} {coupon_amount} {benefit} {order_ref} {promised_at} "
    "{company} {unsubscribe_url} {articles} {milestone} {product_line} {years} {holiday} "
    "{survey_url} {report_url}"
)


def _segment_text(ctx: Ctx, j: Any) -> str:
    seg = j.segment or {}
    parts: list[str] = []
    if seg.get("tiers"):
        parts.append(words(TIER, seg["tiers"], ctx._))
    if seg.get("purchased_within_days"):
        parts.append(ctx._("bought in the last {n} days").format(n=seg["purchased_within_days"]))
    if seg.get("no_purchase_within_days"):
        parts.append(ctx._("no purchase in {n} days").format(n=seg["no_purchase_within_days"]))
    if seg.get("birthday_month"):
        parts.append(ctx._("birthday in {month}").format(month=ctx._(MONTHS[str(seg["birthday_month"])])))
    if seg.get("contacted_within_days"):
        parts.append(ctx._("contacted in the last {n} days").format(n=seg["contacted_within_days"]))
    if seg.get("no_contact_within_days"):
        parts.append(ctx._("no contact in {n} days").format(n=seg["no_contact_within_days"]))
    return "，".join(parts) or ctx._("All customers")


class JourneyView(AdminView):
    slug = "outreach"
    title = N_("Outreach journeys")
    noun = N_("journey")
    perm = Perm.SETTINGS_MANAGE
    remove = "deactivate"
    create_schema = JourneyIn
    form_template = "admin/outreach/journey_form.html"
    intro = N_(
        "Messages kefu sends by itself: notices about a customer's own coupons, points, tier and "
        "deliveries (service), and greetings and campaigns (marketing: only with the customer's "
        "consent, with an unsubscribe link). Quiet hours and caps apply; each occurrence is sent once."
    )
    columns = (
        Column(N_("Journey"), lambda ctx, j: j.name),
        Column(N_("Trigger"), lambda ctx, j: ctx._(TRIGGER.get(j.trigger, j.trigger))),
        Column(N_("Channel"), lambda ctx, j: ctx._(CHANNEL.get(j.channel, j.channel))),
        Column(N_("Kind of message"), lambda ctx, j: ctx._(PURPOSE.get(j.purpose, j.purpose))),
        Column(N_("Audience"), _segment_text),
        Column(N_("Reachable now"), lambda ctx, j: str(ctx.aux.get("sizes", {}).get(j.id, "—"))),
        Column(N_("Status"), lambda ctx, j: ctx._("Active") if j.active else ctx._("Inactive")),
    )
    fields = (
        Field("name", N_("Journey name"), required=True),
        Field("trigger", N_("Trigger"), kind="select", choices="trigger"),
        Field("channel", N_("Channel"), kind="select", choices="channel"),
        Field(
            "purpose",
            N_("Kind of message"),
            kind="select",
            choices="purpose",
            help=N_(
                "Marketing goes only to customers who consented; service notices are about their own account."
            ),
        ),
        Field("tiers", N_("Tiers"), kind="checks", choices="tier", help=N_("None ticked: every tier.")),
        Field("purchased_within_days", N_("Bought within (days)"), kind="number"),
        Field("no_purchase_within_days", N_("No purchase for (days)"), kind="number"),
        Field("birthday_month", N_("Birthday month"), kind="select", choices="month", blank=N_("Any month")),
        Field("contacted_within_days", N_("Contacted us within (days)"), kind="number"),
        Field("no_contact_within_days", N_("No contact for (days)"), kind="number"),
        Field("subject_zh", N_("Subject (Chinese)"), help=PLACEHOLDER_HELP),
        Field("body_zh", N_("Message (Chinese)"), kind="textarea", required=True, help=PLACEHOLDER_HELP),
        Field("subject_en", N_("Subject (English)")),
        Field(
            "body_en",
            N_("Message (English)"),
            kind="textarea",
            help=N_("Empty: English speakers get the Chinese text."),
        ),
        Field("wechat_template_id", N_("WeChat template id"), help=N_("For WeChat template messages only.")),
        Field(
            "coupon_amount", N_("Apology coupon (CNY)"), help=N_("Shipment delays only; empty for no coupon.")
        ),
        Field("coupon_validity_days", N_("Coupon valid for (days)"), kind="number"),
        Field(
            "follows_id",
            N_("Follows journey"),
            kind="select",
            choices="journey",
            blank=N_("None (first step)"),
            help=N_("Follow-up steps only: sent after that journey's message."),
        ),
        Field("delay_days", N_("Days after the previous step"), kind="number"),
        Field(
            "kb_category",
            N_("Knowledge-base collection"),
            help=N_("Its newest published articles fill {articles} (onboarding guides, monthly content)."),
        ),
        Field("product_line", N_("Product line"), help=N_("First purchase: empty means every product line.")),
        Field("holiday", N_("Holiday"), kind="select", choices="holiday", blank=N_("None")),
        Field(
            "milestone",
            N_("Logistics milestone"),
            kind="select",
            choices="milestone",
            blank=N_("Every milestone"),
        ),
        Field("active", N_("Active"), kind="check"),
    )
    error_fields: ClassVar[dict[str, str]] = {
        f"segment.{name}": name for name in ("tiers", *_DAYS, "birthday_month")
    }

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["sizes"] = {}

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        journeys = await outreach_service.list_journeys(ctx.session, ctx.principal)
        for j in journeys:
            if j.active:
                ctx.aux["sizes"][j.id] = await outreach_service.audience(ctx.session, ctx.principal, j.id)
        return journeys

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await outreach_service.get(ctx.session, ctx.principal, key)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {
            "trigger": options(TRIGGER, ctx._),
            "channel": options(CHANNEL, ctx._),
            "purpose": options(PURPOSE, ctx._),
            "tier": options(TIER, ctx._),
            "month": options(MONTHS, ctx._),
            "milestone": options(MILESTONE, ctx._),
            "holiday": options(HOLIDAY, ctx._),
            "journey": [
                (str(j.id), j.name) for j in await outreach_service.list_journeys(ctx.session, ctx.principal)
            ],
        }

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {
                "trigger": "birthday",
                "channel": "email",
                "purpose": "marketing",
                "coupon_validity_days": 30,
                "delay_days": 0,
                "active": True,
            }
        values = {f.name: getattr(obj, f.name, None) for f in self.fields}
        seg = obj.segment or {}
        values["tiers"] = list(seg.get("tiers", []))
        for name in (*_DAYS, "birthday_month"):
            values[name] = seg.get(name) or ""
        values["coupon_amount"] = templating.amount_text(obj.coupon_amount) if obj.coupon_amount else ""
        values["follows_id"] = str(obj.follows_id) if obj.follows_id else ""
        return values

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        for name in _TEXTS:
            try:
                templating.check(str(out.get(name) or ""))
            except templating.TemplateError as exc:
                raise FieldError(
                    name, N_("Unknown placeholder. Use only the placeholders listed below the field.")
                ) from exc
        segment: dict[str, Any] = {"tiers": out.pop("tiers", [])}
        for name in (*_DAYS, "birthday_month"):
            value = out.pop(name, None)
            if value not in (None, ""):
                segment[name] = value
        out["segment"] = segment
        if not out.get("coupon_amount"):
            out["coupon_amount"] = None
        if out.get("coupon_validity_days") in (None, ""):
            out.pop("coupon_validity_days", None)
        if out.get("delay_days") in (None, ""):
            out.pop("delay_days", None)
        for name in ("holiday", "milestone"):
            out[name] = out.get(name) or ""
        if not out.get("follows_id"):
            out["follows_id"] = None
        return out

    async def form_context(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {}
        sample = ctx.request.query_params.get("customer_id", "")
        preview, preview_error = None, ""
        try:
            data = PreviewIn(customer_id=int(sample) if sample.isdigit() and int(sample) > 0 else None)
            preview = await outreach_service.preview(ctx.session, ctx.principal, obj.id, data)
        except KefuError as exc:
            preview_error = kefu_message(exc, request_locale(ctx.request))
        return {
            "figures": await outreach_service.figures(ctx.session, ctx.principal, obj.id),
            "audience": await outreach_service.audience(ctx.session, ctx.principal, obj.id),
            "preview": preview,
            "preview_error": preview_error,
            "sample": sample,
            "sent_to": ctx.request.query_params.get("sent", ""),
            "planned": ctx.request.query_params.get("planned", ""),
            "calendar": obj.trigger in ("birthday", "anniversary", "monthly_content", "holiday"),
            "send_error": ctx.request.query_params.get("error", ""),
            "trigger_words": ctx._(TRIGGER.get(obj.trigger, obj.trigger)),
        }

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await outreach_service.create(ctx.session, ctx.principal, data)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await outreach_service.update(ctx.session, ctx.principal, obj.id, data)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await outreach_service.deactivate(ctx.session, ctx.principal, obj.id)


router = APIRouter(include_in_schema=False)
VIEW = JourneyView()
mount(router, VIEW)
ADMIN_NAV.append((f"/admin/{VIEW.slug}", VIEW.title))


@router.post("/admin/outreach/{key:int}/test-send")
async def test_send(key: int, request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    """A test message to the address the admin typed, then back to the journey."""
    ctx = await _ctx(request, session, principal, VIEW)
    form = await request.form()
    to = str(form.get("to") or "").strip()
    try:
        await outreach_service.test_send(session, ctx.principal, key, TestSendIn(to=to))
    except (KefuError, ValueError) as exc:
        session.info.pop("after_commit", None)
        await session.rollback()
        message = (
            kefu_message(exc, request_locale(request))
            if isinstance(exc, KefuError)
            else ctx._("Enter the address to send the test to.")
        )
        return RedirectResponse(f"/admin/outreach/{key}?error={quote(message[:200])}", status_code=303)
    return RedirectResponse(f"/admin/outreach/{key}?sent={quote(to)}", status_code=303)


@router.post("/admin/outreach/{key:int}/run")
async def run_calendar(
    key: int, request: Request, session: Session, principal: OptionalPrincipal
) -> Response:
    """A calendar journey (birthday, anniversary, monthly, holiday) checks today now."""
    ctx = await _ctx(request, session, principal, VIEW)
    try:
        planned = await outreach_service.run_calendar(session, ctx.principal, key)
    except KefuError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return RedirectResponse(
            f"/admin/outreach/{key}?error={quote(kefu_message(exc, request_locale(request))[:200])}",
            status_code=303,
        )
    return RedirectResponse(f"/admin/outreach/{key}?planned={planned}", status_code=303)
