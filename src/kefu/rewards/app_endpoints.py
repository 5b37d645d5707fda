"""Loyalty self-service for the company's app (/api/v1/app): the app's server vouches for
its user (`user_hash` = hex HMAC-SHA256(secret, user_id), as for app messages) and the app
reads the user's points, coupons and referral link, and redeems a reward — the same atomic
redemption as the portal (coupon / fulfilment order with the points debit)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Header, status
from pydantic import Field

from kefu.appchannel.service import app_channel_service
from kefu.authz import Principal
from kefu.customer.service import customer_service
from kefu.deps import Session
from kefu.kit.schemas import Id, OutSchema, Schema
from kefu.loyalty.schemas import CouponOut
from kefu.loyalty.service import loyalty_service
from kefu.rewards.schemas import RedemptionOut, RewardOut
from kefu.rewards.service import rewards_service

router = APIRouter(prefix="/api/v1/app", tags=["app channel"])
AppKey = Annotated[str, Header(alias="X-Kefu-App-Key", max_length=64)]


class AppUserIn(Schema):
    user_id: str = Field(min_length=1, max_length=120)
    user_hash: str = Field(min_length=64, max_length=64)


class AppRedeemIn(AppUserIn):
    reward_id: Id


class AppLoyaltyOut(OutSchema):
    customer_id: int
    tier: str
    points_balance: int
    redeem_bonus: Decimal  # the tier's extra voucher value (high: 0.2 = +20 %)
    coupons: list[CouponOut]
    rewards: list[RewardOut]
    referral_code: str
    referral_link: str


async def _customer(session: Session, app_key: str, body: AppUserIn) -> Principal:
    integration = await app_channel_service.by_key(session, app_key)
    app_channel_service.check_user(integration, body.user_id, body.user_hash)
    user = await app_channel_service.app_user(session, integration, body.user_id)
    assert user.customer_id is not None
    return Principal(kind="customer", id=user.customer_id, name=body.user_id)


@router.post("/loyalty", response_model=AppLoyaltyOut)
async def loyalty(body: AppUserIn, session: Session, app_key: AppKey = "") -> AppLoyaltyOut:
    """The user's points, coupons, the catalogue and their referral link."""
    me = await _customer(session, app_key, body)
    customer_id = me.id
    balance, _ledger = await loyalty_service.ledger(session, me, customer_id)
    coupons = await loyalty_service.coupons(session, me, customer_id)
    config = await loyalty_service.config(session)
    tier = (await customer_service.get(session, me, customer_id)).tier or "none"
    return AppLoyaltyOut(
        customer_id=customer_id,
        tier=tier,
        points_balance=balance,
        redeem_bonus=config.benefit(tier).redeem_bonus,
        coupons=[CouponOut.model_validate(c) for c in coupons],
        rewards=[RewardOut.model_validate(r) for r in await rewards_service.catalogue(session, me)],
        referral_code=rewards_service.referral_code(customer_id),
        referral_link=rewards_service.referral_link(customer_id),
    )


@router.post("/redemptions", response_model=RedemptionOut, status_code=status.HTTP_201_CREATED)
async def redeem(body: AppRedeemIn, session: Session, app_key: AppKey = "") -> RedemptionOut:
    """409 `insufficient_points` / `out_of_stock`; never overdrawn (the portal's transaction)."""
    me = await _customer(session, app_key, body)
    return RedemptionOut.model_validate(await rewards_service.redeem(session, me, me.id, body.reward_id))
