"""The customer's open surveys in the portal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kefu.deps import OptionalPrincipal, Session
from kefu.survey.service import survey_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/portal/surveys")
async def portal_surveys(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    if principal is None or principal.customer_id is None:
        return RedirectResponse("/portal/login", status_code=303)
    surveys = await survey_service.for_customer(session, principal.customer_id)
    return render(request, "survey/portal.html", {"surveys": surveys})
