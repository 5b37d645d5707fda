"""Orders, points, coupons and compensation rules."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page, Schema
from kefu.loyalty.schemas import (
    Adjust,
    CouponOut,
    IssueCoupon,
    OrderCreate,
    OrderOut,
    PointsEntryOut,
    PointsOut,
    Redeem,
    RedeemOut,
    RuleCreate,
    RuleOut,
    TemplateCreate,
    TemplateOut,
)
from kefu.loyalty.service import loyalty_service
from kefu.loyalty.tiers import LoyaltyConfig

router = APIRouter(prefix="/api/v1", tags=["loyalty"])


@router.post("/customers/{customer_id}/orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
async def record_order(
    customer_id: Id, body: OrderCreate, principal: CurrentPrincipal, session: Session, response: Response
) -> OrderOut:
    order, created = await loyalty_service.record_order(session, principal, customer_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK  # the same order again: nothing new
    return OrderOut.model_validate(order)


@router.get("/customers/{customer_id}/orders", response_model=Page[OrderOut])
async def list_orders(customer_id: Id, principal: CurrentPrincipal, session: Session) -> Page[OrderOut]:
    rows = await loyalty_service.orders(session, principal, customer_id)
    return Page(items=[OrderOut.model_validate(o) for o in rows])


@router.post("/orders/{order_id}/refund", response_model=OrderOut)
async def refund_order(order_id: Id, principal: CurrentPrincipal, session: Session) -> OrderOut:
    return OrderOut.model_validate(await loyalty_service.refund(session, principal, order_id))


@router.get("/customers/{customer_id}/points", response_model=PointsOut)
async def points(customer_id: Id, principal: CurrentPrincipal, session: Session) -> PointsOut:
    balance, rows = await loyalty_service.ledger(session, principal, customer_id)
    return PointsOut(balance=balance, items=[PointsEntryOut.model_validate(r) for r in rows])


@router.post("/customers/{customer_id}/points/redeem", response_model=RedeemOut)
async def redeem_points(
    customer_id: Id, body: Redeem, principal: CurrentPrincipal, session: Session
) -> RedeemOut:
    balance, value = await loyalty_service.redeem(session, principal, customer_id, body.points)
    return RedeemOut(balance=balance, value_cny=value)


@router.post("/customers/{customer_id}/points/adjust", response_model=RedeemOut)
async def adjust_points(
    customer_id: Id, body: Adjust, principal: CurrentPrincipal, session: Session
) -> RedeemOut:
    balance = await loyalty_service.adjust(session, principal, customer_id, body.delta, body.reason)
    return RedeemOut(balance=balance, value_cny=0)


@router.get("/customers/{customer_id}/coupons", response_model=Page[CouponOut])
async def coupons(customer_id: Id, principal: CurrentPrincipal, session: Session) -> Page[CouponOut]:
    rows = await loyalty_service.coupons(session, principal, customer_id)
    return Page(items=[CouponOut.model_validate(c) for c in rows])


@router.post("/coupons/{coupon_id}/redeem", response_model=CouponOut)
async def redeem_coupon(coupon_id: Id, principal: CurrentPrincipal, session: Session) -> CouponOut:
    return CouponOut.model_validate(await loyalty_service.redeem_coupon(session, principal, coupon_id))


@router.post("/compensation-rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
async def create_rule(body: RuleCreate, principal: CurrentPrincipal, session: Session) -> RuleOut:
    return RuleOut.model_validate(await loyalty_service.create_rule(session, principal, body))


@router.get("/compensation-rules", response_model=Page[RuleOut])
async def list_rules(principal: CurrentPrincipal, session: Session) -> Page[RuleOut]:
    return Page(
        items=[RuleOut.model_validate(r) for r in await loyalty_service.list_rules(session, principal)]
    )


class Referral(Schema):
    referred_customer_id: Id


@router.post("/customers/{customer_id}/referrals", status_code=status.HTTP_201_CREATED)
async def refer(
    customer_id: Id, body: Referral, principal: CurrentPrincipal, session: Session
) -> dict[str, object]:
    """`customer_id` referred `referred_customer_id`: both get their coupon, once."""
    a, b = await loyalty_service.refer(session, principal, customer_id, body.referred_customer_id)
    return {"referrer_coupon_id": a, "referred_coupon_id": b}


@router.get("/loyalty/config", response_model=LoyaltyConfig)
async def get_config(principal: CurrentPrincipal, session: Session) -> LoyaltyConfig:
    return await loyalty_service.config(session)


@router.put("/loyalty/config", response_model=LoyaltyConfig)
async def put_config(body: LoyaltyConfig, principal: CurrentPrincipal, session: Session) -> LoyaltyConfig:
    return await loyalty_service.set_config(session, principal, body)


@router.post("/coupon-templates", response_model=TemplateOut, status_code=status.HTTP_201_CREATED)
async def create_template(body: TemplateCreate, principal: CurrentPrincipal, session: Session) -> TemplateOut:
    return TemplateOut.model_validate(await loyalty_service.create_template(session, principal, body))


@router.get("/coupon-templates", response_model=Page[TemplateOut])
async def list_templates(principal: CurrentPrincipal, session: Session) -> Page[TemplateOut]:
    return Page(
        items=[TemplateOut.model_validate(t) for t in await loyalty_service.templates(session, principal)]
    )


@router.post(
    "/customers/{customer_id}/coupons", response_model=CouponOut, status_code=status.HTTP_201_CREATED
)
async def issue_coupon(
    customer_id: Id, body: IssueCoupon, principal: CurrentPrincipal, session: Session
) -> CouponOut:
    return CouponOut.model_validate(
        await loyalty_service.issue_from_template(session, principal, customer_id, body.template_id)
    )
