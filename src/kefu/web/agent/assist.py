"""The bot's help on the agent's ticket page: suggested answers and articles, and a draft reply."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kefu.authz import Principal
from kefu.bot.service import bot_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unauthorized
from kefu.kit.schemas import Id
from kefu.ticket.service import ticket_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


async def _ticket_assist(request: Request, session: Any, principal: Principal | None, ticket_id: Id) -> Any:
    if principal is None or not principal.is_staff:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    question, _ = await ticket_service.customer_question(session, principal, ticket_id)
    return await bot_service.assist(session, principal, question)


@router.get("/agent/tickets/{ticket_id}/assist")
async def ticket_assist(
    request: Request, session: Session, principal: OptionalPrincipal, ticket_id: Id
) -> Response:
    """The ticket page's suggestions (loaded by HTMX after the page)."""
    a = await _ticket_assist(request, session, principal, ticket_id)
    return render(request, "agent/assist.html", {"a": a, "ticket_id": ticket_id})


@router.get("/agent/tickets/{ticket_id}/assist/draft")
async def ticket_assist_draft(
    request: Request, session: Session, principal: OptionalPrincipal, ticket_id: Id
) -> Response:
    a = await _ticket_assist(request, session, principal, ticket_id)
    return HTMLResponse(
        f'<textarea name="body" id="reply-body" rows="6" required>{html.escape(a.draft)}</textarea>'
    )
