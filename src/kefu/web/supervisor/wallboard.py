"""The live wallboard: queues, agents and today's goals (numbers pushed by /ws/agent)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.deps import OptionalPrincipal, Session
from kefu.goals.service import goal_service
from kefu.web.access import staff
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)


@router.get("/supervisor/wallboard")
async def wallboard(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    actor = staff(principal, "supervisor", "admin")
    goals = await goal_service.current(session, actor, locale=request_locale(request))
    return render(request, "wallboard/board.html", {"goals": goals})
