"""/api/v1/improvements: improvement items, suggestions, creation from the sources, the
R&D tracker's signed callback, the 痛点解决率 KPI, departments and integrations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from kefu.authz import Perm, require
from kefu.deps import CurrentPrincipal, Session
from kefu.improvement.schemas import (
    CheckResult,
    DepartmentIn,
    DepartmentOut,
    FromPainPoint,
    FromQaReview,
    FromSlaPattern,
    FromSurvey,
    IntegrationCreated,
    IntegrationIn,
    IntegrationOut,
    ItemDetail,
    ItemIn,
    ItemOut,
    ItemPatch,
    MoveIn,
    SlaPatternOut,
    SolveRate,
    Source,
    Status,
    SuggestionIn,
)
from kefu.improvement.service import improvement_service, integration_service, source_service
from kefu.improvement.service.items import require_staff_member
from kefu.kit.schemas import BoundedDate, Id, Page
from kefu.models.improvement import ImprovementItem

router = APIRouter(prefix="/api/v1/improvements", tags=["improvements"])


async def _out(session: Session, principal: CurrentPrincipal, item: ImprovementItem) -> ItemDetail:
    return await improvement_service.detail(session, principal, item.id)


@router.get("", response_model=Page[ItemOut])
async def list_items(
    principal: CurrentPrincipal,
    session: Session,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    department_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    source: Source | None = None,
    overdue: bool = False,
    mine: bool = False,
) -> Page[ItemOut]:
    items = await improvement_service.list_items(
        session,
        principal,
        status=status_,
        department_id=department_id,
        source=source,
        overdue=overdue,
        mine=mine,
    )
    return Page(items=items)


@router.post("", response_model=ItemDetail, status_code=status.HTTP_201_CREATED)
async def create_item(body: ItemIn, principal: CurrentPrincipal, session: Session) -> ItemDetail:
    return await _out(session, principal, await improvement_service.create(session, principal, body))


@router.post("/suggestions", response_model=ItemDetail, status_code=status.HTTP_201_CREATED)
async def suggest(body: SuggestionIn, principal: CurrentPrincipal, session: Session) -> ItemDetail:
    return await _out(session, principal, await improvement_service.suggest(session, principal, body))


@router.post("/from-painpoint", response_model=ItemDetail, status_code=status.HTTP_201_CREATED)
async def from_painpoint(
    body: FromPainPoint, principal: CurrentPrincipal, session: Session, response: Response
) -> ItemDetail:
    item, created = await source_service.from_painpoint(session, principal, body)
    response.status_code = 201 if created else 200
    return await _out(session, principal, item)


@router.post("/from-qa-review", response_model=ItemDetail, status_code=status.HTTP_201_CREATED)
async def from_qa_review(
    body: FromQaReview, principal: CurrentPrincipal, session: Session, response: Response
) -> ItemDetail:
    item, created = await source_service.from_qa_review(session, principal, body)
    response.status_code = 201 if created else 200
    return await _out(session, principal, item)


@router.get("/sla-patterns", response_model=Page[SlaPatternOut])
async def sla_patterns(
    principal: CurrentPrincipal,
    session: Session,
    start: Annotated[BoundedDate, Query(alias="from")],
    to: BoundedDate,
) -> Page[SlaPatternOut]:
    """Breaches of the local days from..to (inclusive) grouped by metric and category/group."""
    rows = await source_service.sla_patterns(session, principal, start, _after(to))
    return Page(
        items=[
            SlaPatternOut(
                key=p.key,
                metric=p.metric,
                dimension=p.dimension,
                value=p.value,
                count=p.count,
                ticket_ids=p.ticket_ids[:50],
            )
            for p in rows
        ]
    )


@router.post("/from-sla-pattern", response_model=ItemDetail, status_code=status.HTTP_201_CREATED)
async def from_sla_pattern(
    body: FromSlaPattern, principal: CurrentPrincipal, session: Session, response: Response
) -> ItemDetail:
    item, created = await source_service.from_sla_pattern(session, principal, body)
    response.status_code = 201 if created else 200
    return await _out(session, principal, item)


@router.post("/from-survey", response_model=ItemDetail, status_code=status.HTTP_201_CREATED)
async def from_survey(
    body: FromSurvey, principal: CurrentPrincipal, session: Session, response: Response
) -> ItemDetail:
    item, created = await source_service.from_survey(session, principal, body)
    response.status_code = 201 if created else 200
    return await _out(session, principal, item)


@router.post("/callback", response_model=ItemOut)
async def callback(request: Request, session: Session) -> ItemOut:
    """The R&D tracker's signed callback (no bearer token: the HMAC signature is the proof)."""
    body = await request.body()
    item = await integration_service.callback(session, request.headers, body)
    return ItemOut.model_validate(item)


@router.get("/kpi", response_model=SolveRate)
async def kpi(
    principal: CurrentPrincipal,
    session: Session,
    start: Annotated[BoundedDate, Query(alias="from")],
    to: BoundedDate,
) -> SolveRate:
    """痛点解决率 over the local days from..to (inclusive): verified ÷ due."""
    return await improvement_service.kpi(session, principal, start, _after(to))


@router.post("/verify", response_model=Page[CheckResult])
async def run_verification(principal: CurrentPrincipal, session: Session) -> Page[CheckResult]:
    """Run the verification check now (the job runs it hourly)."""
    require(principal, Perm.IMPROVEMENT_MANAGE)
    return Page(items=await improvement_service.verify_fixed(session))


# --- departments and integrations ----------------------------------------------------------------
@router.get("/departments", response_model=Page[DepartmentOut])
async def departments(principal: CurrentPrincipal, session: Session) -> Page[DepartmentOut]:
    require_staff_member(principal)
    rows = await improvement_service.departments(session)
    return Page(items=[DepartmentOut.model_validate(d) for d in rows])


@router.post("/departments", response_model=DepartmentOut, status_code=status.HTTP_201_CREATED)
async def create_department(
    body: DepartmentIn, principal: CurrentPrincipal, session: Session
) -> DepartmentOut:
    return DepartmentOut.model_validate(await improvement_service.create_department(session, principal, body))


@router.get("/integrations", response_model=Page[IntegrationOut])
async def integrations(principal: CurrentPrincipal, session: Session) -> Page[IntegrationOut]:
    rows = await integration_service.list_integrations(session, principal)
    return Page(items=[IntegrationOut.model_validate(i) for i in rows])


@router.post("/integrations", response_model=IntegrationCreated, status_code=status.HTTP_201_CREATED)
async def create_integration(
    body: IntegrationIn, principal: CurrentPrincipal, session: Session
) -> IntegrationCreated:
    integration, secret = await integration_service.create(session, principal, body)
    return IntegrationCreated(
        id=integration.id,
        name=integration.name,
        url=integration.url,
        subscription_id=integration.subscription_id,
        active=integration.active,
        secret=secret,
    )


# --- one item ---------------------------------------------------------------------------------
@router.get("/{item_id}", response_model=ItemDetail)
async def get_item(item_id: Id, principal: CurrentPrincipal, session: Session) -> ItemDetail:
    return await improvement_service.detail(session, principal, item_id)


@router.patch("/{item_id}", response_model=ItemDetail)
async def update_item(
    item_id: Id, body: ItemPatch, principal: CurrentPrincipal, session: Session
) -> ItemDetail:
    return await _out(session, principal, await improvement_service.update(session, principal, item_id, body))


@router.post("/{item_id}/transition", response_model=ItemDetail)
async def move(item_id: Id, body: MoveIn, principal: CurrentPrincipal, session: Session) -> ItemDetail:
    return await _out(session, principal, await improvement_service.move(session, principal, item_id, body))


def _after(day: date) -> date:
    return day + timedelta(days=1)
