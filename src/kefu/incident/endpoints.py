"""/api/v1/incidents: major-incident mode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from kefu.deps import CurrentPrincipal, Session
from kefu.incident.schemas import (
    IncidentCreate,
    IncidentCreated,
    IncidentNotify,
    IncidentOut,
    IncidentResolve,
    NotifyResult,
)
from kefu.incident.service import incident_service
from kefu.kit.schemas import Id, Page
from kefu.models.incident import IncidentStatus

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.post("", response_model=IncidentCreated, status_code=status.HTTP_201_CREATED)
async def declare(body: IncidentCreate, principal: CurrentPrincipal, session: Session) -> IncidentCreated:
    incident = await incident_service.declare(session, principal, body)
    return IncidentCreated(id=incident.id, problem_ticket_id=incident.problem_ticket_id)


@router.get("", response_model=Page[IncidentOut])
async def list_incidents(
    principal: CurrentPrincipal,
    session: Session,
    status_: Annotated[IncidentStatus | None, Query(alias="status")] = None,
) -> Page[IncidentOut]:
    return Page(items=await incident_service.list_incidents(session, principal, status=status_))


@router.get("/{incident_id}", response_model=IncidentOut)
async def get_incident(incident_id: Id, principal: CurrentPrincipal, session: Session) -> IncidentOut:
    return await incident_service.get(session, principal, incident_id)


@router.post("/{incident_id}/resolve", response_model=IncidentOut)
async def resolve(
    incident_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    body: IncidentResolve | None = None,
) -> IncidentOut:
    return await incident_service.resolve(session, principal, incident_id, body or IncidentResolve())


@router.post("/{incident_id}/notify", response_model=NotifyResult)
async def notify(
    incident_id: Id, body: IncidentNotify, principal: CurrentPrincipal, session: Session
) -> NotifyResult:
    return NotifyResult(notified=await incident_service.notify(session, principal, incident_id, body.body))
