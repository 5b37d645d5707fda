"""The rewards catalogue and points redemptions (staff and the customer's own portal token);
coupon templates and the gifts staff issue from them."""

from __future__ import annotations

from fastapi import APIRouter, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.loyalty.schemas import CouponOut
from kefu.rewards.schemas import (
    IssueCoupon,
    RedeemReward,
    RedemptionOut,
    RewardCreate,
    RewardOut,
    TemplateCreate,
    TemplateOut,
)
from kefu.rewards.service import rewards_service

router = APIRouter(prefix="/api/v1", tags=["rewards"])


@router.post("/rewards", response_model=RewardOut, status_code=status.HTTP_201_CREATED)
async def create_reward(body: RewardCreate, principal: CurrentPrincipal, session: Session) -> RewardOut:
    return RewardOut.model_validate(await rewards_service.create(session, principal, body))


@router.get("/rewards", response_model=Page[RewardOut])
async def list_rewards(principal: CurrentPrincipal, session: Session) -> Page[RewardOut]:
    rows = await rewards_service.catalogue(session, principal)
    return Page(items=[RewardOut.model_validate(r) for r in rows])


@router.post(
    "/customers/{customer_id}/redemptions",
    response_model=RedemptionOut,
    status_code=status.HTTP_201_CREATED,
)
async def redeem(
    customer_id: Id, body: RedeemReward, principal: CurrentPrincipal, session: Session
) -> RedemptionOut:
    redemption = await rewards_service.redeem(session, principal, customer_id, body.reward_id)
    return RedemptionOut.model_validate(redemption)


@router.get("/customers/{customer_id}/redemptions", response_model=Page[RedemptionOut])
async def list_redemptions(
    customer_id: Id, principal: CurrentPrincipal, session: Session
) -> Page[RedemptionOut]:
    rows = await rewards_service.redemptions(session, principal, customer_id)
    return Page(items=[RedemptionOut.model_validate(r) for r in rows])


@router.post("/redemptions/{redemption_id}/cancel", response_model=RedemptionOut)
async def cancel_redemption(
    redemption_id: Id, principal: CurrentPrincipal, session: Session
) -> RedemptionOut:
    return RedemptionOut.model_validate(await rewards_service.cancel(session, principal, redemption_id))


@router.post("/coupon-templates", response_model=TemplateOut, status_code=status.HTTP_201_CREATED)
async def create_template(body: TemplateCreate, principal: CurrentPrincipal, session: Session) -> TemplateOut:
    return TemplateOut.model_validate(await rewards_service.create_template(session, principal, body))


@router.get("/coupon-templates", response_model=Page[TemplateOut])
async def list_templates(principal: CurrentPrincipal, session: Session) -> Page[TemplateOut]:
    return Page(
        items=[TemplateOut.model_validate(t) for t in await rewards_service.templates(session, principal)]
    )


@router.post(
    "/customers/{customer_id}/coupons", response_model=CouponOut, status_code=status.HTTP_201_CREATED
)
async def issue_coupon(
    customer_id: Id, body: IssueCoupon, principal: CurrentPrincipal, session: Session
) -> CouponOut:
    return CouponOut.model_validate(
        await rewards_service.issue_from_template(session, principal, customer_id, body.template_id)
    )
