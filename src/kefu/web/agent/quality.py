"""My quality: an agent's reviews and automatic inspections, with the one dispute per review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.kit.schemas import Id
from kefu.quality.schemas import DisputeIn
from kefu.quality.service import quality_service
from kefu.web.access import staff_with
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/agent/quality")
async def my_quality(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    reviews = await quality_service.my_reviews(session, me)
    inspections = await quality_service.inspections(session, me, agent_id=me.id, limit=50)
    return render(request, "quality/mine.html", {"reviews": reviews, "inspections": inspections})


@router.post("/agent/quality/reviews/{review_id}/dispute")
async def my_dispute(
    review_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    reason: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    await quality_service.dispute(session, me, review_id, DisputeIn(reason=reason))
    return RedirectResponse("/agent/quality", status_code=303)
