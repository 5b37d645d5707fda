"""Event-driven journeys: loyalty's coupon, points and tier events and the inbound
shipment-delay, milestone and purchase events plan notices (each once per occurrence); the
WeChat platform's template-message receipts mark sends delivered or failed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.kit.events import listener
from kefu.kit.time import utcnow
from kefu.loyalty.events import CouponIssued, OrderRecorded, TierChanged
from kefu.outreach.events import ProductPurchased, ShipmentDelayed, ShipmentMilestone
from kefu.outreach.service import outreach_service
from kefu.outreach.templating import amount_text
from kefu.wechat.events import TemplateSendFinished

# Coupons whose own message already tells the customer (the delay apology carries its coupon).
ANNOUNCED_ELSEWHERE = {"shipment_delay"}


@listener(CouponIssued)
async def coupon_notice(session: AsyncSession, event: CouponIssued) -> None:
    if event.reason in ANNOUNCED_ELSEWHERE:
        return
    await outreach_service.trigger(
        session,
        "coupon_issued",
        event.customer_id,
        f"coupon:{event.coupon_id}",
        {"coupon_amount": amount_text(event.amount)},
    )


@listener(OrderRecorded)
async def points_notice(session: AsyncSession, event: OrderRecorded) -> None:
    if event.points <= 0:
        return
    await outreach_service.trigger(
        session, "points_credited", event.customer_id, f"order:{event.order_id}", {"points": event.points}
    )


@listener(TierChanged)
async def tier_notice(session: AsyncSession, event: TierChanged) -> None:
    # The same change delivered twice is one notice; a change back and forth another day is news.
    day = utcnow().astimezone(ZoneInfo(current_settings().display_timezone)).date().isoformat()
    await outreach_service.trigger(
        session, "tier_changed", event.customer_id, f"tier:{event.old}>{event.new}:{day}", {}
    )


@listener(ShipmentDelayed)
async def delay_apology(session: AsyncSession, event: ShipmentDelayed) -> None:
    await outreach_service.shipment_delayed(session, event)


@listener(ShipmentMilestone)
async def milestone_notice(session: AsyncSession, event: ShipmentMilestone) -> None:
    await outreach_service.shipment_milestone(session, event)


@listener(ProductPurchased)
async def onboarding_guide(session: AsyncSession, event: ProductPurchased) -> None:
    await outreach_service.product_purchased(session, event)


@listener(TemplateSendFinished)
async def wechat_receipt(session: AsyncSession, event: TemplateSendFinished) -> None:
    await outreach_service.wechat_receipt(session, event.account_id, event.openid, event.msgid, event.status)
