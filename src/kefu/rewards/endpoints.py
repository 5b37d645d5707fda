"""The rewards catalogue and points redemptions (staff and the customer's own portal token)."""

from __future__ import annotations

from fastapi import APIRouter, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.rewards.schemas import RedeemReward, RedemptionOut, RewardCreate, RewardOut
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
