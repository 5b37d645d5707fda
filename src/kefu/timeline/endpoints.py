"""/api/v1/customers/{id}/timeline."""

from __future__ import annotations

from fastapi import APIRouter, Query

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.timeline.schemas import TimelineEntry
from kefu.timeline.service import timeline_service

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


@router.get("/{customer_id}/timeline", response_model=Page[TimelineEntry])
async def customer_timeline(
    customer_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    limit: int = Query(default=100, ge=1, le=500),
) -> Page[TimelineEntry]:
    """Every channel in one history: tickets (email included), chats, WeChat, app, calls."""
    return Page(items=await timeline_service.for_customer(session, principal, customer_id, limit))
