"""Surveys over REST: staff lists and response rates, the public answer by token, customers'
open surveys, NPS campaigns (admin), closed-loop follow-ups (supervisors)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from kefu.authz import require_staff
from kefu.deps import CurrentPrincipal, OptionalPrincipal, Session
from kefu.errors import Conflict, Forbidden
from kefu.kit.schemas import Id, Page
from kefu.survey.schemas import (
    CampaignCreate,
    CampaignOut,
    CampaignUpdate,
    FollowUpClose,
    FollowUpOut,
    PublicSurvey,
    ResponseRate,
    RunResult,
    SurveyAnswer,
    SurveyOut,
)
from kefu.survey.service import survey_service

router = APIRouter(prefix="/api/v1", tags=["surveys"])
Kind = Literal["csat", "nps"]
From = Annotated[AwareDatetime | None, Query(alias="from")]
To = Annotated[AwareDatetime | None, Query(alias="to")]


@router.get("/surveys", response_model=Page[SurveyOut])
async def list_surveys(
    principal: CurrentPrincipal,
    session: Session,
    start: From = None,
    end: To = None,
    kind: Kind | None = None,
    answered: bool | None = None,
    agent_id: Id | None = None,
    group_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[SurveyOut]:
    rows = await survey_service.search(
        session,
        principal,
        kind=kind,
        answered=answered,
        start=start,
        end=end,
        agent_id=agent_id,
        group_id=group_id,
        limit=limit,
    )
    return Page(items=[SurveyOut.model_validate(s) for s in rows])


@router.get("/surveys/response-rate", response_model=ResponseRate)
async def response_rate(
    principal: CurrentPrincipal,
    session: Session,
    start: From = None,
    end: To = None,
    kind: Kind | None = None,
    agent_id: Id | None = None,
    group_id: Id | None = None,
) -> ResponseRate:
    return await survey_service.response_rate(
        session, principal, kind=kind, start=start, end=end, agent_id=agent_id, group_id=group_id
    )


@router.get("/surveys/pending", response_model=Page[SurveyOut])
async def my_open_surveys(principal: CurrentPrincipal, session: Session) -> Page[SurveyOut]:
    """A signed-in customer's unanswered, unexpired surveys (the portal lists them)."""
    if principal.customer_id is None:
        raise Forbidden("仅限客户 / customers only")
    rows = await survey_service.for_customer(session, principal.customer_id)
    return Page(items=[SurveyOut.model_validate(s) for s in rows])


@router.get("/surveys/{survey_id}", response_model=SurveyOut)
async def get_survey(survey_id: Id, principal: CurrentPrincipal, session: Session) -> SurveyOut:
    return SurveyOut.model_validate(await survey_service.get(session, principal, survey_id))


@router.get("/s/{token}", response_model=PublicSurvey)
async def public_survey(token: str, principal: OptionalPrincipal, session: Session) -> PublicSurvey:
    survey = await survey_service.open(session, token, principal)
    return PublicSurvey(
        kind=survey.kind,
        expires_at=survey.expires_at,
        answered=survey.answered_at is not None,
        questions=await survey_service.questions_of(session, survey),
    )


@router.post("/s/{token}", response_model=PublicSurvey)
async def answer_survey(
    token: str, body: SurveyAnswer, principal: OptionalPrincipal, session: Session
) -> PublicSurvey:
    """One answer per survey: 409 again, 410 expired, 422 out of range, 404 unknown link,
    403 when the signed-in customer is not the one asked."""
    survey = await survey_service.answer(session, token, body, principal)
    return PublicSurvey(kind=survey.kind, expires_at=survey.expires_at, answered=True, questions=[])


# --- NPS campaigns ------------------------------------------------------------------------
@router.post("/survey-campaigns", response_model=CampaignOut, status_code=status.HTTP_201_CREATED)
async def create_campaign(body: CampaignCreate, principal: CurrentPrincipal, session: Session) -> CampaignOut:
    return CampaignOut.model_validate(await survey_service.create_campaign(session, principal, body))


@router.get("/survey-campaigns", response_model=Page[CampaignOut])
async def list_campaigns(principal: CurrentPrincipal, session: Session) -> Page[CampaignOut]:
    return Page(
        items=[CampaignOut.model_validate(c) for c in await survey_service.campaigns(session, principal)]
    )


@router.get("/survey-campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: Id, principal: CurrentPrincipal, session: Session) -> CampaignOut:
    return CampaignOut.model_validate(await survey_service.campaign(session, principal, campaign_id))


@router.patch("/survey-campaigns/{campaign_id}", response_model=CampaignOut)
async def update_campaign(
    campaign_id: Id, body: CampaignUpdate, principal: CurrentPrincipal, session: Session
) -> CampaignOut:
    return CampaignOut.model_validate(
        await survey_service.update_campaign(session, principal, campaign_id, body)
    )


@router.post("/survey-campaigns/{campaign_id}/run", response_model=RunResult)
async def run_campaign_now(campaign_id: Id, principal: CurrentPrincipal, session: Session) -> RunResult:
    """Run this campaign's current round now (admin): whoever in the segment was not asked
    in it yet is invited; the very first round may start before its date (409
    no_survey_journey without an active invitation journey)."""
    await survey_service.update_campaign(session, principal, campaign_id, CampaignUpdate())
    result = await survey_service.run_campaign(session, campaign_id, force=True)
    if result is None:
        raise Conflict("调查活动已停用 / this campaign is not active", code="campaign_inactive")
    return result


# --- closed loop --------------------------------------------------------------------------
@router.get("/survey-followups", response_model=Page[FollowUpOut])
async def list_followups(
    principal: CurrentPrincipal,
    session: Session,
    status: Literal["open", "done"] | None = None,
    mine: bool = False,
) -> Page[FollowUpOut]:
    require_staff(principal)
    return Page(items=await survey_service.followups(session, principal, status=status, mine=mine))


@router.get("/survey-followups/{followup_id}", response_model=FollowUpOut)
async def get_followup(followup_id: Id, principal: CurrentPrincipal, session: Session) -> FollowUpOut:
    return await survey_service.followup(session, principal, followup_id)


@router.post("/survey-followups/{followup_id}/close", response_model=FollowUpOut)
async def close_followup(
    followup_id: Id, body: FollowUpClose, principal: CurrentPrincipal, session: Session
) -> FollowUpOut:
    return await survey_service.close_followup(session, principal, followup_id, body)
