"""The supervisor's home (/supervisor): live queues and agents."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.deps import OptionalPrincipal
from kefu.web.access import staff
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/supervisor")
async def supervisor_home(request: Request, principal: OptionalPrincipal) -> Response:
    staff(principal, "supervisor", "admin")
    return render(request, "supervisor/home.html")
