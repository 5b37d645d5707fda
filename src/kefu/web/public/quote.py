"""The signed quote link (/service/quote/{token}): the customer approves or declines a repair quote
without signing in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.deps import Session
from kefu.errors import Forbidden
from kefu.fieldservice.links import order_of
from kefu.fieldservice.service import device_service, order_service
from kefu.kit.security import same
from kefu.web.templates import CSRF_COOKIE, render

router = APIRouter(include_in_schema=False)


@router.get("/service/quote/{token}")
async def quote_page(request: Request, token: str, session: Session) -> Response:
    order = await order_service.get(session, None, order_of(token))
    device = await device_service.get(session, None, order.device_id)
    return render(request, "field/quote.html", {"o": order, "device": device, "token": token})


@router.post("/service/quote/{token}")
async def quote_answer(
    request: Request,
    token: str,
    session: Session,
    answer: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Anonymous (the link is the authority), so the form carries the double-submit token."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not csrf_token or not same(cookie, csrf_token):
        raise Forbidden("CSRF 校验失败 / CSRF token missing or invalid", code="csrf_failed")
    order_id = order_of(token)
    await order_service.approve_by_link(session, order_id, answer == "approve")
    return RedirectResponse(f"/service/quote/{token}", status_code=303)
