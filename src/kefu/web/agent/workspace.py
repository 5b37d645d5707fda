"""The agent's workspace shell (/agent): the live conversations and the queue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.deps import OptionalPrincipal
from kefu.web.access import staff
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/agent")
async def agent_home(request: Request, principal: OptionalPrincipal) -> Response:
    staff(principal)
    return render(request, "agent/home.html")
