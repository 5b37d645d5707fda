"""`GET /api/v1/tickets/{id}/triage`: what the classifier suggested for a ticket."""

from __future__ import annotations

from fastapi import APIRouter

from kefu.deps import CurrentPrincipal, Session
from kefu.errors import NotFound
from kefu.kit.schemas import Id
from kefu.triage.schemas import TriageOut
from kefu.triage.service import triage_service

router = APIRouter(prefix="/api/v1", tags=["tickets"])


@router.get("/tickets/{ticket_id}/triage", response_model=TriageOut)
async def ticket_triage(ticket_id: Id, principal: CurrentPrincipal, session: Session) -> TriageOut:
    row = await triage_service.for_ticket(session, principal, ticket_id)
    if row is None:
        raise NotFound("no triage for this ticket yet", code="triage_not_found")
    return TriageOut.model_validate(row)
