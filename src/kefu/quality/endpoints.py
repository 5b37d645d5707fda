"""Quality inspection over REST: rules and scorecards (admin), inspections, sampled reviews
(supervisors), an agent's own reviews and their one dispute."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.quality.schemas import (
    DisputeIn,
    InspectionOut,
    ResolveIn,
    ReviewIn,
    ReviewOut,
    RuleCreate,
    RuleOut,
    RuleUpdate,
    ScorecardCreate,
    ScorecardOut,
)
from kefu.quality.service import quality_service

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])
ReviewStatus = Literal["pending", "reviewed", "disputed", "resolved"]


@router.get("/rules", response_model=Page[RuleOut])
async def list_rules(principal: CurrentPrincipal, session: Session) -> Page[RuleOut]:
    return Page(items=[RuleOut.model_validate(r) for r in await quality_service.rules(session, principal)])


@router.post("/rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
async def create_rule(body: RuleCreate, principal: CurrentPrincipal, session: Session) -> RuleOut:
    return RuleOut.model_validate(await quality_service.create_rule(session, principal, body))


@router.patch("/rules/{rule_id}", response_model=RuleOut)
async def update_rule(
    rule_id: Id, body: RuleUpdate, principal: CurrentPrincipal, session: Session
) -> RuleOut:
    return RuleOut.model_validate(await quality_service.update_rule(session, principal, rule_id, body))


@router.get("/scorecards", response_model=Page[ScorecardOut])
async def list_scorecards(principal: CurrentPrincipal, session: Session) -> Page[ScorecardOut]:
    return Page(
        items=[ScorecardOut.model_validate(c) for c in await quality_service.scorecards(session, principal)]
    )


@router.post("/scorecards", response_model=ScorecardOut, status_code=status.HTTP_201_CREATED)
async def create_scorecard(
    body: ScorecardCreate, principal: CurrentPrincipal, session: Session
) -> ScorecardOut:
    return ScorecardOut.model_validate(await quality_service.create_scorecard(session, principal, body))


@router.get("/inspections", response_model=Page[InspectionOut])
async def list_inspections(
    principal: CurrentPrincipal,
    session: Session,
    agent_id: Id | None = None,
    max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[InspectionOut]:
    rows = await quality_service.inspections(
        session, principal, agent_id=agent_id, max_score=max_score, limit=limit
    )
    return Page(items=[InspectionOut.model_validate(i) for i in rows])


@router.get("/inspections/{inspection_id}", response_model=InspectionOut)
async def get_inspection(inspection_id: Id, principal: CurrentPrincipal, session: Session) -> InspectionOut:
    return InspectionOut.model_validate(await quality_service.inspection(session, principal, inspection_id))


@router.post(
    "/inspections/{inspection_id}/review", response_model=ReviewOut, status_code=status.HTTP_201_CREATED
)
async def sample_for_review(inspection_id: Id, principal: CurrentPrincipal, session: Session) -> ReviewOut:
    return await quality_service.sample(session, principal, inspection_id)


@router.get("/reviews", response_model=Page[ReviewOut])
async def list_reviews(
    principal: CurrentPrincipal, session: Session, status: ReviewStatus | None = None
) -> Page[ReviewOut]:
    return Page(items=await quality_service.reviews(session, principal, status=status))


@router.get("/reviews/mine", response_model=Page[ReviewOut])
async def my_reviews(principal: CurrentPrincipal, session: Session) -> Page[ReviewOut]:
    return Page(items=await quality_service.my_reviews(session, principal))


@router.get("/reviews/{review_id}", response_model=ReviewOut)
async def get_review(review_id: Id, principal: CurrentPrincipal, session: Session) -> ReviewOut:
    return await quality_service.review_out(session, principal, review_id)


@router.post("/reviews/{review_id}/score", response_model=ReviewOut)
async def score_review(
    review_id: Id, body: ReviewIn, principal: CurrentPrincipal, session: Session
) -> ReviewOut:
    return await quality_service.submit(session, principal, review_id, body)


@router.post("/reviews/{review_id}/dispute", response_model=ReviewOut)
async def dispute_review(
    review_id: Id, body: DisputeIn, principal: CurrentPrincipal, session: Session
) -> ReviewOut:
    """The reviewed agent disputes once; a second dispute is 409."""
    return await quality_service.dispute(session, principal, review_id, body)


@router.post("/reviews/{review_id}/resolve", response_model=ReviewOut)
async def resolve_dispute(
    review_id: Id, body: ResolveIn, principal: CurrentPrincipal, session: Session
) -> ReviewOut:
    return await quality_service.resolve(session, principal, review_id, body)
