"""/api/v1/channels/phone (integrations, the telephony's event webhook) and /api/v1/calls
(speed of answer for reports)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request, status
from pydantic import AwareDatetime

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.phone.schemas import CallOut, CallSummary, EventAccepted, IntegrationCreate, IntegrationCreated
from kefu.phone.service import events_path, phone_service

router = APIRouter(prefix="/api/v1", tags=["phone"])


@router.post("/channels/phone", response_model=IntegrationCreated, status_code=status.HTTP_201_CREATED)
async def create_integration(
    body: IntegrationCreate, principal: CurrentPrincipal, session: Session
) -> IntegrationCreated:
    integration = await phone_service.create_integration(session, principal, body)
    return IntegrationCreated(
        id=integration.id, secret=integration.secret, events_path=events_path(integration.id)
    )


@router.post("/channels/phone/{integration_id}/events", response_model=EventAccepted)
async def call_event(integration_id: Id, request: Request, session: Session) -> EventAccepted:
    """One call event, signed like our outgoing webhooks (X-Kefu-Timestamp, X-Kefu-Signature)."""
    body = await request.body()
    integration = await phone_service.authenticate(session, integration_id, request.headers, body)
    event = phone_service.parse(body)
    is_new, call = await phone_service.ingest(session, integration, event, json.loads(body))
    return EventAccepted(
        status="accepted" if is_new else "duplicate", call_id=call.id, conversation_id=call.conversation_id
    )


@router.get("/calls", response_model=Page[CallOut])
async def list_calls(
    principal: CurrentPrincipal,
    session: Session,
    from_: AwareDatetime | None = Query(default=None, alias="from"),
    to: AwareDatetime | None = Query(default=None),
    agent_id: Id | None = None,
    limit: int = Query(default=500, ge=1, le=5000),
) -> Page[CallOut]:
    rows = await phone_service.calls(session, principal, start=from_, end=to, agent_id=agent_id, limit=limit)
    return Page(items=[CallOut.model_validate(c) for c in rows])


@router.get("/calls/summary", response_model=CallSummary)
async def calls_summary(
    principal: CurrentPrincipal,
    session: Session,
    from_: AwareDatetime | None = Query(default=None, alias="from"),
    to: AwareDatetime | None = Query(default=None),
) -> CallSummary:
    return await phone_service.summary(session, principal, from_, to)
