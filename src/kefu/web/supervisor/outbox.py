"""外发消息: the outbox of the outreach engine for supervisors and admins — every email, SMS,
WeChat template message and app push it sent, skipped or failed, with how far it got and
why it never left, filtered by customer, journey, channel and status."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.outreach.schemas import OutboxFilter
from kefu.outreach.service import outreach_service
from kefu.web.access import staff_with
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
CHANNELS = ("email", "sms", "wechat", "app")
STAGES = ("waiting", "sent", "delivered", "opened", "clicked", "failed", "skipped")


@router.get("/supervisor/outbox")
async def outbox_page(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    customer: Annotated[str, Query(max_length=120)] = "",
    journey: str = "",
    channel: str = "",
    status: str = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    me = staff_with(principal, Perm.OUTREACH_LOG_READ)
    # A filter the page does not offer (a stale bookmark) is ignored, not a 422 page.
    values = {
        "customer": customer.strip(),
        "journey_id": int(journey) if journey.isdigit() and int(journey) > 0 else None,
        "channel": channel if channel in CHANNELS else None,
        "stage": status if status in STAGES else None,
        "offset": offset,
    }
    try:
        wanted = OutboxFilter.model_validate(values)
    except ValidationError:
        wanted = OutboxFilter()
    page = await outreach_service.outbox(session, me, wanted)
    filters = {"customer": customer, "journey": journey, "channel": channel, "status": status}
    kept = {k: v for k, v in filters.items() if v}
    more = page.offset + len(page.rows) < page.total
    journeys = await outreach_service.list_journeys(session, me) if me.can(Perm.REPORTS_READ) else []
    return render(
        request,
        "supervisor/outbox.html",
        {
            "page": page,
            "journeys": journeys,
            "channels": CHANNELS,
            "stages": STAGES,
            "filters": filters,
            "newer": urlencode({**kept, "offset": max(0, page.offset - page.limit)}) if page.offset else "",
            "older": urlencode({**kept, "offset": page.offset + page.limit}) if more else "",
        },
    )
