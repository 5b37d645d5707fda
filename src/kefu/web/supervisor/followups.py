"""Survey follow-ups for supervisors: the closed loop on a low score, its transcript and the
outcome that closes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Perm
from kefu.conversation.service import conversation_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError
from kefu.kit.schemas import Id
from kefu.survey.schemas import FollowUpClose
from kefu.survey.service import survey_service
from kefu.web.access import staff_with
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/supervisor/followups")
async def followups_page(
    request: Request, session: Session, principal: OptionalPrincipal, status: str = "open", mine: bool = False
) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    wanted = status if status in ("open", "done") else None
    items = await survey_service.followups(session, me, status=wanted, mine=mine)
    ctx = {"items": items, "status": status, "mine": mine}
    if request.headers.get("hx-request"):
        return render(request, "survey/followup_rows.html", ctx)
    return render(request, "survey/followups.html", ctx)


@router.get("/supervisor/followups/{followup_id}")
async def followup_page(
    request: Request, followup_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    f = await survey_service.followup(session, me, followup_id)
    transcript = None
    if f.conversation_id is not None:
        try:
            transcript = await conversation_service.detail(session, me, f.conversation_id)
        except KefuError:
            transcript = None  # deleted or no longer visible: the page still shows the rest
    return render(request, "survey/followup.html", {"f": f, "transcript": transcript, "error": None})


@router.post("/supervisor/followups/{followup_id}/close")
async def followup_close(
    request: Request,
    followup_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    outcome: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    if not outcome.strip():
        f = await survey_service.followup(session, me, followup_id)
        return render(
            request,
            "survey/followup.html",
            {"f": f, "transcript": None, "error": "Please describe the outcome."},
            status=422,
        )
    await survey_service.close_followup(session, me, followup_id, FollowUpClose(outcome=outcome.strip()))
    return RedirectResponse("/supervisor/followups", status_code=303)
