"""/api/v1/schedules and /api/v1/sla-policies (admin)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from kefu.authz import Perm, require
from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.sla.calendar import cn_statutory_years
from kefu.sla.schemas import PolicyIn, PolicyOut, ScheduleIn, ScheduleOut
from kefu.sla.service import sla_service

router = APIRouter(prefix="/api/v1", tags=["sla"])


@router.post("/schedules", response_model=ScheduleOut, status_code=status.HTTP_201_CREATED)
async def create_schedule(body: ScheduleIn, principal: CurrentPrincipal, session: Session) -> ScheduleOut:
    return ScheduleOut.model_validate(await sla_service.create_schedule(session, principal, body))


@router.get("/schedules", response_model=Page[ScheduleOut])
async def list_schedules(principal: CurrentPrincipal, session: Session) -> Page[ScheduleOut]:
    require(principal, Perm.TICKETS_WORK)
    return Page(items=[ScheduleOut.model_validate(s) for s in await sla_service.list_schedules(session)])


@router.get("/schedules/statutory-years")
async def statutory_years(principal: CurrentPrincipal) -> dict[str, list[int]]:
    return {"years": cn_statutory_years()}


@router.get("/schedules/{schedule_id}", response_model=ScheduleOut)
async def get_schedule(schedule_id: Id, principal: CurrentPrincipal, session: Session) -> ScheduleOut:
    require(principal, Perm.TICKETS_WORK)
    return ScheduleOut.model_validate(await sla_service.get_schedule(session, schedule_id))


@router.put("/schedules/{schedule_id}", response_model=ScheduleOut)
async def update_schedule(
    schedule_id: Id, body: ScheduleIn, principal: CurrentPrincipal, session: Session
) -> ScheduleOut:
    return ScheduleOut.model_validate(
        await sla_service.update_schedule(session, principal, schedule_id, body)
    )


@router.delete("/schedules/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_schedule(schedule_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await sla_service.delete_schedule(session, principal, schedule_id)


@router.get("/schedules/{schedule_id}/due")
async def schedule_due(
    schedule_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    start: AwareDatetime,
    minutes: int = Query(ge=0, le=525_600),
) -> dict[str, datetime]:
    require(principal, Perm.TICKETS_WORK)
    return {"due_at": await sla_service.due_for(session, schedule_id, start, minutes)}


@router.post("/sla-policies", response_model=PolicyOut, status_code=status.HTTP_201_CREATED)
async def create_policy(body: PolicyIn, principal: CurrentPrincipal, session: Session) -> PolicyOut:
    return PolicyOut.model_validate(await sla_service.create_policy(session, principal, body))


@router.get("/sla-policies", response_model=Page[PolicyOut])
async def list_policies(principal: CurrentPrincipal, session: Session) -> Page[PolicyOut]:
    require(principal, Perm.TICKETS_WORK)
    return Page(items=[PolicyOut.model_validate(p) for p in await sla_service.list_policies(session)])


@router.put("/sla-policies/{policy_id}", response_model=PolicyOut)
async def update_policy(
    policy_id: Id, body: PolicyIn, principal: CurrentPrincipal, session: Session
) -> PolicyOut:
    return PolicyOut.model_validate(await sla_service.update_policy(session, principal, policy_id, body))


@router.delete("/sla-policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_policy(policy_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await sla_service.delete_policy(session, principal, policy_id)
