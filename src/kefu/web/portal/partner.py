"""The service partners' portal (/partner): their service point's orders to accept or decline,
progress and complete. Partners sign in as staff with the partner role; like customers they are
outside the company."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Principal
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Forbidden, Unauthorized
from kefu.fieldservice.schemas import ServiceOrderOut, Transition
from kefu.fieldservice.service import order_service, point_service
from kefu.fieldservice.service.common import is_partner
from kefu.kit.schemas import Id
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


def _partner(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    if not is_partner(principal):
        raise Forbidden("合作商专用 / partners only")
    return principal


async def _views(session: Session, orders: Any) -> list[ServiceOrderOut]:
    return await order_service.views(session, orders, timeline=True)


@router.get("/partner")
async def partner_home(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = _partner(principal)
    point = await point_service.partner_point(session, me)
    orders = await _views(session, await order_service.list_orders(session, me))
    return render(request, "field/partner_home.html", {"point": point, "orders": orders})


@router.post("/partner/orders/{order_id}/accept")
async def partner_accept(order_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = _partner(principal)
    await order_service.transition(
        session, me, order_id, Transition(to="appointment_confirmed", note="合作商接单")
    )
    return RedirectResponse("/partner", status_code=303)


@router.post("/partner/orders/{order_id}/decline")
async def partner_decline(
    order_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    me = _partner(principal)
    await order_service.partner_decline(session, me, order_id, reason)
    return RedirectResponse("/partner", status_code=303)


@router.post("/partner/orders/{order_id}/transition")
async def partner_step(
    order_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    to: Annotated[str, Form(max_length=24)],
    quote_cny: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    me = _partner(principal)
    quote = int(quote_cny) if quote_cny.strip().isdigit() else None
    await order_service.transition(session, me, order_id, Transition(to=to, quote_cny=quote, note=note))
    return RedirectResponse("/partner", status_code=303)
