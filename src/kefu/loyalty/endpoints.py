"""Orders, points, coupons and compensation rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kefu.authz import Perm, require
from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.loyalty.advisor import advisor_service
from kefu.loyalty.schemas import (
    Adjust,
    AdvisorAssign,
    AdvisorOut,
    AdvisorRef,
    BookEntry,
    CouponOut,
    OrderCreate,
    OrderOut,
    PointsEntryOut,
    PointsOut,
    Redeem,
    RedeemOut,
    ReferralCreate,
    ReferralOut,
    RuleCreate,
    RuleOut,
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


@router.post(
    "/customers/{customer_id}/referrals", response_model=ReferralOut, status_code=status.HTTP_201_CREATED
)
async def refer(
    customer_id: Id, body: ReferralCreate, principal: CurrentPrincipal, session: Session
) -> ReferralOut:
    """`customer_id` referred `referred_customer_id`, a customer without orders yet (409
    otherwise): both coupons are issued when the referred customer's first order is recorded."""
    referral = await loyalty_service.refer(session, principal, customer_id, body.referred_customer_id)
    return ReferralOut.model_validate(referral)


@router.get("/customers/{customer_id}/referrals", response_model=Page[ReferralOut])
async def list_referrals(customer_id: Id, principal: CurrentPrincipal, session: Session) -> Page[ReferralOut]:
    """Referrals the customer made and the one that brought them in."""
    rows = await loyalty_service.referrals(session, principal, customer_id)
    return Page(items=[ReferralOut.model_validate(r) for r in rows])


@router.get("/loyalty/config", response_model=LoyaltyConfig)
async def get_config(principal: CurrentPrincipal, session: Session) -> LoyaltyConfig:
    return await loyalty_service.config(session)


@router.put("/loyalty/config", response_model=LoyaltyConfig)
async def put_config(body: LoyaltyConfig, principal: CurrentPrincipal, session: Session) -> LoyaltyConfig:
    return await loyalty_service.set_config(session, principal, body)


# --- dedicated advisors (专属顾问) ------------------------------------------------------------
@router.get("/customers/{customer_id}/advisor", response_model=AdvisorOut)
async def get_advisor(customer_id: Id, principal: CurrentPrincipal, session: Session) -> AdvisorOut:
    return await advisor_service.status(session, principal, customer_id)


@router.put("/customers/{customer_id}/advisor", response_model=AdvisorOut)
async def assign_advisor(
    customer_id: Id, body: AdvisorAssign, principal: CurrentPrincipal, session: Session
) -> AdvisorOut:
    """Supervisors and admins; 409 advisor_not_eligible, 422 not_an_advisor."""
    return await advisor_service.assign(session, principal, customer_id, body.user_id, body.reason)


@router.delete("/customers/{customer_id}/advisor", status_code=status.HTTP_204_NO_CONTENT)
async def remove_advisor(
    customer_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    reason: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    await advisor_service.remove(session, principal, customer_id, reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/advisors", response_model=Page[AdvisorRef])
async def list_advisors(principal: CurrentPrincipal, session: Session) -> Page[AdvisorRef]:
    """Who can be assigned: active members of the advisor group."""
    require(principal, Perm.ADVISORS_ASSIGN)
    return Page(
        items=[AdvisorRef(user_id=u.id, name=u.name) for u, _n in await advisor_service.advisors(session)]
    )


@router.get("/advisors/me/customers", response_model=Page[BookEntry])
async def my_customers(principal: CurrentPrincipal, session: Session) -> Page[BookEntry]:
    """我的客户: the caller's book."""
    return Page(items=await advisor_service.book(session, principal))


@router.get("/advisors/{user_id}/customers", response_model=Page[BookEntry])
async def advisor_customers(user_id: Id, principal: CurrentPrincipal, session: Session) -> Page[BookEntry]:
    return Page(items=await advisor_service.book(session, principal, user_id))
