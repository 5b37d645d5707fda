"""Service compensation: an SLA breach issues the matching coupons; tier changes and
dedicated-advisor changes are told; the nightly recalculations."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.kit.events import listener
from kefu.loyalty.advisor import advisor_service
from kefu.loyalty.events import AdvisorChanged, TierChanged
from kefu.loyalty.service import loyalty_service
from kefu.sla.events import SlaBreached


@listener(SlaBreached)
async def compensate(session: AsyncSession, event: SlaBreached) -> None:
    await loyalty_service.compensate(
        session,
        ticket_id=event.ticket_id,
        customer_id=event.customer_id,
        metric=event.metric,
        tier=event.tier,
    )


@listener(TierChanged)
async def tell_customer(session: AsyncSession, event: TierChanged) -> None:
    await loyalty_service.notify_tier_change(session, event.customer_id, event.old, event.new)


@listener(AdvisorChanged)
async def tell_advisors(session: AsyncSession, event: AdvisorChanged) -> None:
    await advisor_service.tell_advisors(session, event)


@jobs.periodic("loyalty.recalculate_tiers", every_seconds=86_400)
async def recalculate_tiers(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await loyalty_service.recalculate_all(session)


@jobs.periodic("loyalty.occasion_coupons", every_seconds=86_400)
async def occasion_coupons(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await loyalty_service.issue_occasion_coupons(session)


@jobs.periodic("loyalty.expire_points", every_seconds=86_400)
async def expire_points(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await loyalty_service.expire_points(session)
