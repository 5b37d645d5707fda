"""The demo's outreach journeys (idempotent; an admin's edits are kept): notices when a
coupon or points are credited or the tier changes, the birthday greeting with the tier's
benefit, and the shipment-delay apology with a 20 CNY coupon. The demo customers with a
birthday said yes to marketing, so the greeting reaches them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM
from kefu.customer.schemas import CustomerUpdate
from kefu.customer.service import customer_service
from kefu.outreach.schemas import JourneyIn
from kefu.outreach.service import outreach_service

JOURNEYS = [
    JourneyIn(
        name="优惠券到账通知",
        trigger="coupon_issued",
        purpose="service",
        subject_zh="{name}，您有一张 {coupon_amount} 元优惠券到账",
        body_zh="{name}您好：\n\n一张 {coupon_amount} 元优惠券已存入您的账户，可在「我的优惠券」查看。\n\n{company}",
        subject_en="{name}, a {coupon_amount} CNY coupon is in your account",
        body_en="Hello {name},\n\nA {coupon_amount} CNY coupon is now in your account.\n\n{company}",
    ),
    JourneyIn(
        name="积分到账通知",
        trigger="points_credited",
        purpose="service",
        subject_zh="{points} 积分已到账",
        body_zh="{name}您好：\n\n本次订单为您累积 {points} 积分。感谢您的支持！\n\n{company}",
        subject_en="{points} points credited",
        body_en="Hello {name},\n\nYour order earned {points} points. Thank you!\n\n{company}",
    ),
    JourneyIn(
        # By SMS: upgrades are already announced by e-mail from the loyalty programme.
        name="会员等级变化短信",
        trigger="tier_changed",
        channel="sms",
        purpose="service",
        body_zh="【{company}】{name}您好，您的会员等级已更新为{tier}。",
        body_en="[{company}] {name}, your membership is now: {tier}.",
    ),
    JourneyIn(
        name="生日问候",
        trigger="birthday",
        purpose="marketing",
        subject_zh="{name}，生日快乐！",
        body_zh="亲爱的{name}：\n\n祝您生日快乐！作为{tier}，您本月享有{benefit}。\n\n{company}\n退订：{unsubscribe_url}",
        subject_en="Happy birthday, {name}!",
        body_en="Dear {name},\n\nHappy birthday! As a {tier} you enjoy {benefit} this month.\n\n"
        "{company}\nUnsubscribe: {unsubscribe_url}",
    ),
    JourneyIn(
        name="物流延误致歉",
        trigger="shipment_delayed",
        purpose="service",
        subject_zh="订单 {order_ref} 配送延误致歉",
        body_zh="{name}您好：\n\n非常抱歉，您的订单 {order_ref} 未能在承诺的 {promised_at} 前送达。"
        "我们已为您送上 {coupon_amount} 元优惠券，并在加急处理。\n\n{company}",
        subject_en="We are sorry: order {order_ref} is late",
        body_en="Hello {name},\n\nWe are sorry that order {order_ref} missed its promised date ({promised_at}). "
        "A {coupon_amount} CNY coupon is in your account.\n\n{company}",
        coupon_amount=Decimal(20),
        coupon_validity_days=30,
    ),
]


async def load(session: AsyncSession) -> int:
    """Returns how many journeys were created: none once the demo has any."""
    if await outreach_service.list_journeys(session, SYSTEM):
        return 0
    for journey in JOURNEYS:
        await outreach_service.create(session, None, journey)
    from kefu.demo.company import CUSTOMERS  # company loads this module: import when called

    for _name, email, _phone, _ext, birthday in CUSTOMERS:
        customer = await customer_service.by_email(session, email)
        if birthday is None or customer is None or "marketing" in (customer.consents or {}):
            continue  # a customer's own answer is never overwritten
        await customer_service.update(
            session, SYSTEM, customer.id, CustomerUpdate(consents={"marketing": True})
        )
    return len(JOURNEYS)
