"""The plans' event and calendar journeys, part of the outreach service: inbound ERP /
courier events (logistics milestones 揽收/中转/派送, delays against the promised date,
purchases that start an onboarding guide), purchase anniversaries 感恩回馈, monthly content
by tier, holiday greetings, survey invitations and the published 服务升级报告. Each plans at
most one send per journey × customer × occurrence (the send log's key)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.customer.identities import normalize_phone
from kefu.customer.service import customer_service
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models.customer import IdentityKind
from kefu.models.outreach import OutreachJourney
from kefu.outreach import rules, templating
from kefu.outreach.events import ProductPurchased, ShipmentDelayed, ShipmentMilestone
from kefu.outreach.repository import audience_filter
from kefu.outreach.repository import outreach_repository as repo
from kefu.outreach.schemas import CourierIn, EventIn, EventOut, JourneyIn
from kefu.outreach.service.tracked import check_signature

CALENDAR = ("birthday", "anniversary", "monthly_content", "holiday")
# The invitation of NPS campaigns when an install has no survey journey of its own.
SURVEY_JOURNEY = JourneyIn(
    name="满意度调查邀请",
    trigger="survey",
    purpose="marketing",
    subject_zh="您会向朋友推荐{company}吗？",
    body_zh="{name}您好：\n\n您有多大可能向朋友或同事推荐我们？（0–10 分）只需 10 秒：\n"
    "{survey_url}\n\n{company}",
    subject_en="Would you recommend {company}?",
    body_en="Hello {name},\n\nHow likely are you to recommend us to a friend (0–10)? It takes ten seconds:\n"
    "{survey_url}\n\n{company}",
)


class TriggerMixin:
    if TYPE_CHECKING:

        async def birthdays(self, session: AsyncSession, *, now: datetime | None = None) -> int: ...

        async def create(
            self, session: AsyncSession, principal: Principal | None, data: JourneyIn
        ) -> OutreachJourney: ...

        async def policy(self, session: AsyncSession) -> rules.OutreachPolicy: ...

        async def trigger(
            self,
            session: AsyncSession,
            trigger: str,
            customer_id: int,
            occurrence: str,
            context: dict[str, Any],
        ) -> int: ...

        async def _plan(
            self,
            session: AsyncSession,
            journey: OutreachJourney,
            customer_id: int,
            occurrence: str,
            context: dict[str, Any],
            now: datetime,
        ) -> int | None: ...

    # --- inbound business events (ERP API, courier webhook) ------------------------------
    async def ingest_event(self, session: AsyncSession, principal: Principal, data: EventIn) -> EventOut:
        """An ERP/courier event through the API (`orders.record`); inbound only."""
        require(principal, Perm.ORDERS_RECORD)
        if await repo.customer(session, data.customer_id) is None:
            raise NotFound("customer not found", code="customer_not_found")
        await self._publish(session, data, data.customer_id, principal.user_id)
        return EventOut(accepted=True, planned=0)

    async def courier_webhook(
        self, session: AsyncSession, headers: Mapping[str, str], raw: bytes
    ) -> EventOut:
        """A courier's milestone, signed with the courier secret from the settings; the
        customer by id or by mobile number."""
        provider = await repo.provider(session, "courier")
        check_signature(provider.api_key if provider else "", headers, raw)
        try:
            data = CourierIn.model_validate(json.loads(raw))
        except (ValueError, ValidationError) as exc:
            raise Unprocessable(f"invalid courier event: {str(exc)[:300]}", code="invalid_event") from exc
        customer_id = data.customer_id
        if customer_id is None and data.phone:
            phone = normalize_phone(data.phone)  # 422 for a number that is not one
            customer = await customer_service.by_identity(session, IdentityKind.PHONE, phone)
            customer_id = customer.id if customer is not None else None
        if customer_id is None or await repo.customer(session, customer_id) is None:
            raise NotFound("customer not found", code="customer_not_found")
        event = EventIn(
            customer_id=customer_id,
            kind="shipment_milestone",
            order_ref=data.order_ref,
            milestone=data.milestone,
            promised_at=data.promised_at,
            expected_at=data.expected_at,
        )
        await self._publish(session, event, customer_id, None)
        return EventOut(accepted=True, planned=0)

    async def _publish(
        self, session: AsyncSession, data: EventIn, customer_id: int, actor: int | None
    ) -> None:
        if data.kind == "purchase":
            await publish(
                session,
                ProductPurchased(
                    customer_id=customer_id, order_ref=data.order_ref, product_line=data.product_line or ""
                ),
                actor_id=actor,
            )
            return
        if data.kind == "shipment_milestone":
            await publish(
                session,
                ShipmentMilestone(
                    customer_id=customer_id, order_ref=data.order_ref, milestone=data.milestone or ""
                ),
                actor_id=actor,
            )
        late = (
            data.expected_at is not None
            and data.promised_at is not None
            and data.expected_at > data.promised_at
        )
        if data.promised_at is not None and (data.kind == "shipment_delayed" or late):
            # The same order's delay from several sources is one apology (the key per order).
            await publish(
                session,
                ShipmentDelayed(
                    customer_id=customer_id,
                    order_ref=data.order_ref,
                    promised_at=data.promised_at.isoformat(),
                ),
                actor_id=actor,
            )

    async def shipment_milestone(self, session: AsyncSession, event: ShipmentMilestone) -> int:
        planned = 0
        for journey in await repo.active_journeys(session, "shipment_milestone"):
            if journey.milestone and journey.milestone != event.milestone:
                continue
            planned += await self._one(
                session,
                journey,
                event.customer_id,
                f"ship:{event.order_ref}:{event.milestone}",
                {"order_ref": event.order_ref, "milestone": event.milestone},
            )
        return planned

    async def product_purchased(self, session: AsyncSession, event: ProductPurchased) -> int:
        """The onboarding guide on the first purchase of a product line (once per line)."""
        planned = 0
        for journey in await repo.active_journeys(session, "first_purchase"):
            if journey.product_line and journey.product_line != event.product_line:
                continue
            planned += await self._one(
                session,
                journey,
                event.customer_id,
                f"line:{event.product_line}",
                {"order_ref": event.order_ref, "product_line": event.product_line},
            )
        return planned

    async def _one(
        self,
        session: AsyncSession,
        journey: OutreachJourney,
        customer_id: int,
        occurrence: str,
        context: dict[str, Any],
    ) -> int:
        now = utcnow()
        where = audience_filter(journey.segment or {}, channel=None, needs_consent=False, now=now)
        if not await repo.in_audience(session, customer_id, where):
            return 0
        return 1 if await self._plan(session, journey, customer_id, occurrence, context, now) else 0

    # --- calendar journeys (the hourly occasions job) -------------------------------------
    async def occasions(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """Anniversaries, monthly content and holiday greetings due today; each once per
        customer and occurrence, so an hourly run costs nothing after the first."""
        now = now or utcnow()
        zone = ZoneInfo((await self.policy(session)).timezone)
        today = now.astimezone(zone).date()
        planned = 0
        for journey in await repo.active_journeys(session, "anniversary"):
            for cid, first in await repo.first_orders(session, self._audience(journey, now)):
                years = rules.anniversary_due(first.astimezone(zone).date(), today)
                if years:
                    planned += await self._anniversary(session, journey, cid, years, today.year, now)
        for journey in await repo.active_journeys(session, "monthly_content"):
            if not rules.monthly_due(journey.created_at.astimezone(zone).date(), today):
                continue  # made after this month's send date: the first issue is next month's
            for cid in await repo.audience_ids(session, self._audience(journey, now)):
                if await self._plan(session, journey, cid, f"month:{today:%Y-%m}", {}, now):
                    planned += 1
        for journey in await repo.active_journeys(session, "holiday"):
            if not rules.holiday_due(journey.holiday, today):
                continue
            for cid in await repo.audience_ids(session, self._audience(journey, now)):
                if await self._plan(
                    session, journey, cid, f"holiday:{journey.holiday}:{today.year}", {}, now
                ):
                    planned += 1
        return planned

    def _audience(self, journey: OutreachJourney, now: datetime) -> list[Any]:
        return audience_filter(
            journey.segment or {},
            channel=journey.channel,
            needs_consent=rules.needs_consent(journey.purpose),
            now=now,
        )

    async def _anniversary(
        self, session: AsyncSession, journey: OutreachJourney, cid: int, years: int, year: int, now: datetime
    ) -> int:
        """感恩回馈: the greeting and, when the journey has one, its coupon (one per year, by a
        fixed code, and only for a greeting actually planned)."""
        context: dict[str, Any] = {"years": years}
        if journey.coupon_amount:
            context["coupon_amount"] = templating.amount_text(journey.coupon_amount)
        if not await self._plan(session, journey, cid, f"anniversary:{year}", context, now):
            return 0
        if journey.coupon_amount:
            digest = hashlib.sha256(f"{journey.id}:{cid}:{year}".encode()).hexdigest()[:12].upper()
            await loyalty_service.issue(
                session,
                cid,
                reason="anniversary",
                amount=Decimal(journey.coupon_amount),
                validity_days=journey.coupon_validity_days,
                code=f"ANV{digest}",
            )
        return 1

    async def run_calendar(self, session: AsyncSession, principal: Principal, journey_id: int) -> int:
        """An admin's "check today now" for a calendar journey (the hourly jobs would do the
        same at the next slot): idempotent by key, so nobody is greeted twice."""
        require(principal, Perm.SETTINGS_MANAGE)
        journey = await repo.journey(session, journey_id)
        if journey is None:
            raise NotFound("journey {id} not found", code="journey_not_found", params={"id": journey_id})
        if journey.trigger == "birthday":
            return await self.birthdays(session)
        if journey.trigger in CALENDAR:
            return await self.occasions(session)
        raise Conflict("only a calendar journey is run by hand", code="not_a_calendar_journey")

    # --- other domains' occasions ---------------------------------------------------------
    async def survey_journeys_active(self, session: AsyncSession) -> bool:
        return bool(await repo.active_journeys(session, "survey"))

    async def ensure_survey_journey(self, session: AsyncSession, principal: Principal) -> None:
        """The default invitation journey (email, marketing: consent and unsubscribe apply),
        made when a survey campaign is created on an install that has no `survey` journey at
        all; an admin's own (even switched off) is left alone."""
        if not await repo.journeys_of(session, "survey"):
            await self.create(session, principal, SURVEY_JOURNEY)

    async def survey_audience(
        self,
        session: AsyncSession,
        *,
        tiers: list[str],
        contacted_within_days: int | None,
        after_id: int,
        limit: int,
    ) -> list[int]:
        """A survey campaign's segment (tiers, contact within N days) as far as an active
        `survey` journey reaches it now — that journey's own segment, marketing consent and
        no unsubscribe when it is marketing, an address on its channel — by id after `after_id`."""
        journeys = await repo.active_journeys(session, "survey")
        if not journeys:
            return []
        now = utcnow()
        segment: dict[str, Any] = {"tiers": tiers, "contacted_within_days": contacted_within_days}
        where = audience_filter(segment, channel=None, needs_consent=False, now=now)
        reach = [self._audience(journey, now) for journey in journeys]
        return await repo.audience_page(session, where, reach, after_id=after_id, limit=limit)

    async def survey_invitation(
        self, session: AsyncSession, customer_id: int, occurrence: str, survey_url: str
    ) -> str | None:
        """A survey campaign's invitation, through the first active `survey` journey that
        reaches the customer (one message per occurrence, whatever the number of journeys):
        the channel it was planned on, or None (nobody reaches them, or it was planned
        before). Quiet hours, caps, consent and unsubscribes are checked again when it sends."""
        now = utcnow()
        for journey in await repo.active_journeys(session, "survey"):
            if await repo.in_audience(session, customer_id, self._audience(journey, now)):
                planned = await self._plan(
                    session, journey, customer_id, occurrence, {"survey_url": survey_url}, now
                )
                return journey.channel if planned else None
        return None

    async def report_published(self, session: AsyncSession, period: str, report_url: str) -> int:
        """The published 服务升级报告 to each `service_report` journey's audience, once."""
        now = utcnow()
        planned = 0
        for journey in await repo.active_journeys(session, "service_report"):
            for cid in await repo.audience_ids(session, self._audience(journey, now)):
                if await self._plan(
                    session, journey, cid, f"report:{period}", {"report_url": report_url}, now
                ):
                    planned += 1
        return planned
