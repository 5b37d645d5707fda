"""Outreach rules: journeys (admin), triggers that plan sends, and the send itself.

A trigger plans at most one send per journey step × customer × occurrence (`idem_key`, a
unique column: a repeated event plans nothing). Every planned send is a durable job, due
when quiet hours end. Right before sending the job checks again — unsubscribe and consent
(so an unsubscribe stops queued sends at once), quiet hours, the cap (under a row lock on the
customer) — then hands the message to its channel. Never commits: jobs and requests own
their transactions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import SYSTEM, Perm, Principal, ensure_can_see_customer, require
from kefu.config import current_settings
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kb.service import kb_service
from kefu.kit import jobs, outbound
from kefu.kit.db import Database
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models import Customer
from kefu.models.customer import IdentityKind
from kefu.models.outreach import OutreachJourney, OutreachProvider, OutreachSend, SendStatus
from kefu.outreach import links, rules, templating
from kefu.outreach.events import CustomerUnsubscribed, ShipmentDelayed
from kefu.outreach.repository import audience_filter
from kefu.outreach.repository import outreach_repository as repo
from kefu.outreach.schemas import (
    AppPushOut,
    JourneyIn,
    PreviewIn,
    PreviewOut,
    SettingsIn,
    SettingsOut,
    SmsProviderOut,
    TestSendIn,
)
from kefu.outreach.service import sending
from kefu.outreach.service.outbox import OutboxMixin
from kefu.outreach.service.tracked import TrackingMixin
from kefu.outreach.service.triggers import TriggerMixin
from kefu.wechat.service import wechat_service

SEND_JOB = sending.SEND_JOB
STEP = "s1"  # a later step is a journey of its own (follows_id), so its key differs by journey
MAX_ATTEMPTS = sending.MAX_ATTEMPTS
MAX_STEPS = 5  # a chain of follow-ups is at most this long (no cycles)
ARTICLES = 3  # {articles}: the newest published articles of the journey's KB collection


def _lang(customer: Customer | None) -> str:
    return "en" if customer is not None and (customer.locale or "").lower().startswith("en") else "zh"


class OutreachService(TriggerMixin, TrackingMixin, OutboxMixin):
    # --- the policy (quiet hours, caps) and the SMS provider -------------------------------
    async def policy(self, session: AsyncSession) -> rules.OutreachPolicy:
        return await sending.load_policy(session)

    async def deliver(self, db: Database, send_id: int) -> None:
        """The send job (see `sending`)."""
        await sending.sender.deliver(db, send_id)

    async def settings(self, session: AsyncSession, principal: Principal) -> SettingsOut:
        require(principal, Perm.REPORTS_READ)
        sms = await repo.provider(session, "sms")
        app = await repo.provider(session, "app")
        courier = await repo.provider(session, "courier")
        return SettingsOut(
            policy=await self.policy(session),
            sms=SmsProviderOut(
                url=sms.url, sign_name=sms.sign_name, active=sms.active, has_api_key=bool(sms.api_key)
            )
            if sms
            else None,
            app_push=AppPushOut(url=app.url, active=app.active, has_secret=bool(app.api_key))
            if app
            else None,
            courier_secret_set=courier is not None and bool(courier.api_key),
        )

    async def _check_target(self, url: str, field: str) -> None:
        try:  # an outgoing target: refused now if internal, checked again per send
            await outbound.check_url(url, outbound.Policy(current_settings().effective_outbound_allow()))
        except outbound.OutboundRefused as exc:
            raise Unprocessable(f"{field}: {exc.message}", code=exc.code) from exc

    async def _provider(self, session: AsyncSession, channel: str, url: str) -> OutreachProvider:
        provider = await repo.provider(session, channel)
        if provider is None:
            provider = OutreachProvider(channel=channel, url=url)
            session.add(provider)
        return provider

    async def save_settings(
        self, session: AsyncSession, principal: Principal, data: SettingsIn
    ) -> SettingsOut:
        require(principal, Perm.SETTINGS_MANAGE)
        await repo.save_setting(session, data.policy.model_dump(mode="json"))
        if data.sms is not None:
            await self._check_target(data.sms.url, "sms.url")
            provider = await self._provider(session, "sms", data.sms.url)
            provider.url, provider.sign_name, provider.active = (
                data.sms.url,
                data.sms.sign_name,
                data.sms.active,
            )
            if data.sms.api_key is not None:
                provider.api_key = data.sms.api_key
        if data.app_push is not None:
            await self._check_target(data.app_push.url, "app_push.url")
            app = await self._provider(session, "app", data.app_push.url)
            app.url, app.active = data.app_push.url, data.app_push.active
            if data.app_push.secret is not None:
                app.api_key = data.app_push.secret
        if data.courier is not None:
            courier = await self._provider(session, "courier", "")
            courier.api_key = data.courier.secret
        audit_service.record(session, "outreach.settings_changed", actor=principal)
        await session.flush()
        return await self.settings(session, principal)

    # --- journeys ------------------------------------------------------------------------
    async def list_journeys(self, session: AsyncSession, principal: Principal) -> Sequence[OutreachJourney]:
        require(principal, Perm.REPORTS_READ)
        return await repo.journeys(session)

    async def get(self, session: AsyncSession, principal: Principal, journey_id: int) -> OutreachJourney:
        require(principal, Perm.REPORTS_READ)
        journey = await repo.journey(session, journey_id)
        if journey is None:
            raise NotFound("journey {id} not found", code="journey_not_found", params={"id": journey_id})
        return journey

    def _apply(self, journey: OutreachJourney, data: JourneyIn) -> None:
        values = data.model_dump(mode="python")
        values["segment"] = data.segment.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        for key, value in values.items():
            setattr(journey, key, value)

    async def create(
        self, session: AsyncSession, principal: Principal | None, data: JourneyIn
    ) -> OutreachJourney:
        if principal is not None:
            require(principal, Perm.SETTINGS_MANAGE)
        await self._check_follows(session, None, data)
        journey = OutreachJourney()
        self._apply(journey, data)
        session.add(journey)
        await session.flush()
        if principal is not None:
            audit_service.record(
                session,
                "outreach.journey_created",
                actor=principal,
                target_type="journey",
                target_id=journey.id,
            )
        return journey

    async def update(
        self, session: AsyncSession, principal: Principal, journey_id: int, data: JourneyIn
    ) -> OutreachJourney:
        require(principal, Perm.SETTINGS_MANAGE)
        journey = await self.get(session, principal, journey_id)
        await self._check_follows(session, journey.id, data)
        self._apply(journey, data)
        journey.updated_at = utcnow()
        audit_service.record(
            session, "outreach.journey_changed", actor=principal, target_type="journey", target_id=journey.id
        )
        await session.flush()
        return journey

    async def _check_follows(self, session: AsyncSession, journey_id: int | None, data: JourneyIn) -> None:
        """A follow-up follows an existing journey, never itself (directly or down a chain)."""
        parent_id, depth = data.follows_id, 0
        while parent_id is not None:
            parent = await repo.journey(session, parent_id)
            if parent is None:
                raise Unprocessable("follows_id: no such journey", code="journey_not_found")
            depth += 1
            if parent.id == journey_id or depth >= MAX_STEPS:
                raise Unprocessable("follows_id: the steps would go round in a circle", code="journey_cycle")
            parent_id = parent.follows_id

    async def deactivate(
        self, session: AsyncSession, principal: Principal, journey_id: int
    ) -> OutreachJourney:
        """Stops new sends; sends already planned are skipped when their job runs."""
        require(principal, Perm.SETTINGS_MANAGE)
        journey = await self.get(session, principal, journey_id)
        journey.active = False
        await session.flush()
        return journey

    def _where(self, journey: OutreachJourney, now: datetime, *, reachable: bool = True) -> list[Any]:
        """The journey's audience; not `reachable`: whom the segment means, before consent
        and address (an event's refusal is then logged on the customer, not silently lost)."""
        return audience_filter(
            journey.segment or {},
            channel=journey.channel if reachable else None,
            needs_consent=reachable and rules.needs_consent(journey.purpose),
            now=now,
        )

    async def audience(self, session: AsyncSession, principal: Principal, journey_id: int) -> int:
        """How many customers the journey reaches now (segment, consent, an address)."""
        journey = await self.get(session, principal, journey_id)
        return await repo.audience_count(session, self._where(journey, utcnow()))

    async def preview(
        self, session: AsyncSession, principal: Principal, journey_id: int, data: PreviewIn
    ) -> PreviewOut:
        journey = await self.get(session, principal, journey_id)
        customer_id = data.customer_id
        if customer_id is None:
            ids = await repo.audience_ids(session, self._where(journey, utcnow()), limit=1)
            customer_id = ids[0] if ids else None
        customer = await repo.customer(session, customer_id) if customer_id else None
        if customer_id is not None and customer is None:
            raise NotFound("customer not found", code="customer_not_found")
        lang = data.lang or _lang(customer)
        subject, body = await self._render(session, journey, customer, _sample_context(journey), lang)
        return PreviewOut(customer_id=customer_id, lang=lang, subject=subject, body=body)

    async def test_send(
        self, session: AsyncSession, principal: Principal, journey_id: int, data: TestSendIn
    ) -> OutreachSend:
        """The message, rendered for a sample customer, to one address the admin gives
        (their own): no consent, cap or quiet-hours checks; logged without a customer."""
        require(principal, Perm.SETTINGS_MANAGE)
        journey = await self.get(session, principal, journey_id)
        if journey.channel == "email" and "@" not in data.to:
            raise Unprocessable("to: an email address is needed", code="bad_address")
        customer = await repo.customer(session, data.customer_id) if data.customer_id else None
        subject, body = await self._render(
            session, journey, customer, _sample_context(journey), _lang(customer)
        )
        now = utcnow()
        send_id = await repo.insert_send_once(
            session,
            {
                "idem_key": f"test:{journey.id}:{now.timestamp()}:{principal.id}",
                "journey_id": journey.id,
                "customer_id": None,
                "channel": journey.channel,
                "purpose": "test",
                "occurrence": "test",
                "status": SendStatus.SCHEDULED,
                "reason": "",
                "to_addr": data.to,
                "subject": ("[测试] " + subject)[:200],
                "body": body,
                "context": {"account_id": await self._any_account(session)}
                if journey.channel == "wechat"
                else {},
                "run_at": now,
                "created_at": now,
            },
        )
        assert send_id is not None
        await jobs.enqueue(session, SEND_JOB, {"send_id": send_id}, max_attempts=MAX_ATTEMPTS)
        sent = await repo.send(session, send_id)
        assert sent is not None
        return sent

    async def _any_account(self, session: AsyncSession) -> int | None:
        for account in await wechat_service.list_accounts(session, SYSTEM):
            if account.active:
                return int(account.id)
        return None

    async def launch(self, session: AsyncSession, principal: Principal, journey_id: int) -> int:
        """Send a campaign to its audience now (once per journey)."""
        require(principal, Perm.SETTINGS_MANAGE)
        journey = await self.get(session, principal, journey_id)
        if journey.trigger != "campaign":
            raise Conflict("only a campaign is launched by hand", code="not_a_campaign")
        if not journey.active:
            raise Conflict("the journey is deactivated", code="journey_inactive")
        if journey.launched_at is not None:
            raise Conflict("the campaign was sent already", code="already_launched")
        now = utcnow()
        journey.launched_at = now
        planned = 0
        for cid in await repo.audience_ids(session, self._where(journey, now)):
            if await self._plan(session, journey, cid, "launch", {}, now):
                planned += 1
        audit_service.record(
            session,
            "outreach.campaign_launched",
            actor=principal,
            target_type="journey",
            target_id=journey.id,
            detail={"planned": planned},
        )
        return planned

    # --- triggers ------------------------------------------------------------------------
    async def trigger(
        self, session: AsyncSession, trigger: str, customer_id: int, occurrence: str, context: dict[str, Any]
    ) -> int:
        """Plan the sends of every active journey of this trigger whose segment has the
        customer; consent and address are checked in `_plan` (a refusal is logged)."""
        now = utcnow()
        planned = 0
        for journey in await repo.active_journeys(session, trigger):
            if not await repo.in_audience(session, customer_id, self._where(journey, now, reachable=False)):
                continue
            if await self._plan(session, journey, customer_id, occurrence, context, now):
                planned += 1
        return planned

    async def shipment_delayed(self, session: AsyncSession, event: ShipmentDelayed) -> int:
        """The apology, with the journey's coupon issued once per order (a fixed code)."""
        planned = 0
        now = utcnow()
        promised = datetime.fromisoformat(event.promised_at)
        for journey in await repo.active_journeys(session, "shipment_delayed"):
            if not await repo.in_audience(
                session, event.customer_id, self._where(journey, now, reachable=False)
            ):
                continue
            context: dict[str, Any] = {
                "order_ref": event.order_ref,
                "promised_at": promised.astimezone(ZoneInfo(current_settings().display_timezone))
                .date()
                .isoformat(),
            }
            if journey.coupon_amount:
                await loyalty_service.issue(
                    session,
                    event.customer_id,
                    reason="shipment_delay",
                    amount=Decimal(journey.coupon_amount),
                    validity_days=journey.coupon_validity_days,
                    code=_delay_code(journey.id, event.customer_id, event.order_ref),
                )
                context["coupon_amount"] = templating.amount_text(journey.coupon_amount)
            if await self._plan(
                session, journey, event.customer_id, f"delay:{event.order_ref}", context, now
            ):
                planned += 1
        return planned

    async def birthdays(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """Daily: each birthday journey greets its segment's customers whose birthday is
        today (or earlier this month, if a run was missed), once per customer per year."""
        now = now or utcnow()
        today = now.astimezone(ZoneInfo((await self.policy(session)).timezone)).date()
        planned = 0
        for journey in await repo.active_journeys(session, "birthday"):
            segment = dict(journey.segment or {})
            segment["birthday_month"] = today.month
            where = audience_filter(
                segment, channel=journey.channel, needs_consent=rules.needs_consent(journey.purpose), now=now
            )
            for cid, born in await repo.audience_birthdays(session, where):
                if rules.birthday_due(born.month, born.day, today) and await self._plan(
                    session, journey, cid, f"birthday:{today.year}", {}, now
                ):
                    planned += 1
        return planned

    # --- planning ------------------------------------------------------------------------
    async def _address(
        self, session: AsyncSession, channel: str, customer_id: int
    ) -> tuple[str, dict[str, Any]]:
        if channel == "email":
            return await repo.identity(session, customer_id, IdentityKind.EMAIL) or "", {}
        if channel == "sms":
            return await repo.identity(session, customer_id, IdentityKind.PHONE) or "", {}
        if channel == "app":
            return await repo.app_user(session, customer_id) or "", {}
        for follower in await wechat_service.followers_of(session, customer_id):
            if follower.subscribed:
                return follower.openid, {"account_id": follower.account_id}
        return "", {}

    async def _render(
        self,
        session: AsyncSession,
        journey: OutreachJourney,
        customer: Customer | None,
        context: dict[str, Any],
        lang: str,
    ) -> tuple[str, str]:
        policy = await self.policy(session)
        tier = customer.tier if customer is not None else "mid"
        config = await loyalty_service.config(session)
        benefit = config.benefit(tier)
        multiplier = templating.amount_text(config.programme.birthday_points_multiplier)
        if lang == "en":
            benefit_text = f"{multiplier}x points on birthday-month orders"
            if benefit.birthday_coupon_cny:
                benefit_text += (
                    f" and a {templating.amount_text(benefit.birthday_coupon_cny)} CNY birthday coupon"
                )
        else:
            benefit_text = f"生日月购物积分 {multiplier} 倍"
            if benefit.birthday_coupon_cny:
                benefit_text += f"，生日券 {templating.amount_text(benefit.birthday_coupon_cny)} 元"
        values: dict[str, Any] = {
            "name": (customer.name if customer is not None else "")
            or ("Customer" if lang == "en" else "顾客"),
            "tier": templating.tier_words(tier, lang),
            "points": context.get("points")
            if context.get("points") is not None
            else (await loyalty_service.balance(session, customer.id) if customer is not None else 0),
            "coupon_amount": context.get("coupon_amount")
            or (templating.amount_text(benefit.birthday_coupon_cny) if journey.trigger == "birthday" else ""),
            "benefit": benefit_text,
            "order_ref": context.get("order_ref", ""),
            "promised_at": context.get("promised_at", ""),
            "company": policy.company,
            "unsubscribe_url": links.unsubscribe_url(customer.id) if customer is not None else "",
            "articles": await self._articles(session, journey.kb_category, lang),
            "milestone": templating.milestone_words(str(context.get("milestone", "")), lang),
            "product_line": context.get("product_line", journey.product_line),
            "years": context.get("years", ""),
            "holiday": templating.holiday_words(journey.holiday, lang) if journey.holiday else "",
            "survey_url": context.get("survey_url", ""),
            "report_url": context.get("report_url", ""),
        }
        subject_t = (journey.subject_en if lang == "en" else "") or journey.subject_zh
        body_t = (journey.body_en if lang == "en" else "") or journey.body_zh
        subject = templating.render(subject_t, values)
        body = templating.render(body_t, values)
        if journey.purpose == "marketing" and "{unsubscribe_url}" not in body_t and values["unsubscribe_url"]:
            # PIPL: every marketing message carries its way out.
            body += ("\n\nUnsubscribe: " if lang == "en" else "\n\n退订：") + values["unsubscribe_url"]
        return subject[:200], body

    async def _articles(self, session: AsyncSession, category: str, lang: str) -> str:
        """The KB collection's newest published public articles, a title and link a line."""
        if not category:
            return ""
        rows = await kb_service.list_articles(
            session, None, category=category, locale="en" if lang == "en" else None, limit=ARTICLES
        )
        if not rows and lang == "en":
            rows = await kb_service.list_articles(session, None, category=category, limit=ARTICLES)
        base = current_settings().public_url.rstrip("/")
        return "\n".join(f"· {a.title} {base}/help/articles/{a.id}" for a in rows)

    async def _plan(
        self,
        session: AsyncSession,
        journey: OutreachJourney,
        customer_id: int,
        occurrence: str,
        context: dict[str, Any],
        now: datetime,
        *,
        delay: timedelta | None = None,
    ) -> int | None:
        """One send row (once per key) and its job, due when quiet hours end; a refusal
        (no consent, unsubscribed, no address) is logged as skipped. The journey's follow-up
        steps are planned with it, each `delay_days` after the one before."""
        customer = await repo.customer(session, customer_id)
        if customer is None or customer.erased_at is not None:
            return None
        key = f"j{journey.id}:{STEP}:c{customer_id}:{occurrence}"[:200]
        to, options = await self._address(session, journey.channel, customer_id)
        status, reason = SendStatus.SCHEDULED, ""
        refused = await sending.refusal(session, customer, journey.channel, journey.purpose)
        if refused:
            status, reason = SendStatus.SKIPPED, refused
        if status == SendStatus.SCHEDULED and not to:
            status, reason = SendStatus.SKIPPED, "no_address"
        subject, body = await self._render(session, journey, customer, context, _lang(customer))
        due = now + (delay or timedelta(0))
        run_at = rules.quiet_until(due, await self.policy(session)) or due
        send_id = await repo.insert_send_once(
            session,
            {
                "idem_key": key,
                "journey_id": journey.id,
                "customer_id": customer_id,
                "channel": journey.channel,
                "purpose": journey.purpose,
                "occurrence": occurrence[:120],
                "status": status,
                "reason": reason,
                "to_addr": to,
                "subject": subject,
                "body": body,
                "context": {**context, **options},
                "run_at": run_at,
                "created_at": now,
            },
        )
        if send_id is not None and status == SendStatus.SCHEDULED:
            await jobs.enqueue(
                session,
                SEND_JOB,
                {"send_id": send_id},
                run_at=run_at,
                unique_key=f"{SEND_JOB}:{send_id}",
                max_attempts=MAX_ATTEMPTS,
            )
        if send_id is not None:
            for step in await repo.follow_ups(session, journey.id):
                await self._plan(
                    session,
                    step,
                    customer_id,
                    occurrence,
                    context,
                    now,
                    delay=(delay or timedelta(0)) + timedelta(days=step.delay_days),
                )
        return send_id if status == SendStatus.SCHEDULED else None

    # --- consent: one-click unsubscribe --------------------------------------------------
    async def unsubscribe(
        self, session: AsyncSession, token: str, source: str = "link", *, every_channel: bool = False
    ) -> links.Unsubscribe:
        """No sign-in: the signed token is the proof. A link from a message stops marketing on
        that message's channel (`every_channel`: on all); an old link without a channel stops
        all. Planned sends are checked again before sending, so they stop at once."""
        link = links.unsubscribe_of(token)
        if await repo.customer(session, link.customer_id) is None:
            raise NotFound("invalid unsubscribe link", code="bad_link")
        channel = None if every_channel else link.channel
        if channel is None:
            added = await repo.add_unsubscribe(session, link.customer_id, source, link.send_id)
        else:
            added = await repo.add_optout(session, link.customer_id, channel, source, link.send_id)
        if added:
            await publish(
                session,
                CustomerUnsubscribed(customer_id=link.customer_id, source=source, channel=channel or ""),
            )
        return links.Unsubscribe(link.customer_id, channel, link.send_id)

    # --- the customer's send log ---------------------------------------------------------
    async def customer_sends(
        self, session: AsyncSession, principal: Principal, customer_id: int, limit: int = 100
    ) -> Sequence[OutreachSend]:
        ensure_can_see_customer(principal, customer_id)
        if principal.is_staff and await repo.customer(session, customer_id) is None:
            raise NotFound("customer not found", code="customer_not_found")
        return await repo.sends_of_customer(session, customer_id, limit)

    async def journey_sends(
        self, session: AsyncSession, principal: Principal, journey_id: int, limit: int = 100
    ) -> Sequence[OutreachSend]:
        await self.get(session, principal, journey_id)
        return await repo.sends_of_journey(session, journey_id, limit)


def _sample_context(journey: OutreachJourney) -> dict[str, Any]:
    """Example event values for previews and test sends."""
    context: dict[str, Any] = {}
    if journey.trigger in ("coupon_issued", "shipment_delayed"):
        context["coupon_amount"] = templating.amount_text(journey.coupon_amount or 20)
    if journey.trigger == "points_credited":
        context["points"] = 200
    if journey.trigger in ("shipment_delayed", "shipment_milestone"):
        context["order_ref"] = "SO-20261201-001"
        context["promised_at"] = utcnow().date().isoformat()
    if journey.trigger == "shipment_milestone":
        context["milestone"] = journey.milestone or "picked_up"
    if journey.trigger == "first_purchase":
        context["product_line"] = journey.product_line or "手机"
    if journey.trigger == "anniversary":
        context["years"] = 1
    base = current_settings().public_url.rstrip("/")
    if journey.trigger == "survey":
        context["survey_url"] = f"{base}/survey/example"
    if journey.trigger == "service_report":
        context["report_url"] = f"{base}/service-report"
    return context


def _delay_code(journey_id: int, customer_id: int, order_ref: str) -> str:
    digest = hashlib.sha256(f"{journey_id}:{customer_id}:{order_ref}".encode()).hexdigest()[:12].upper()
    return f"DLY{digest}"  # Coupon.code is 32 characters: one coupon per journey × order


outreach_service = OutreachService()
