"""Field service on the agent's pages: the repair panel of a ticket and of the customer 360 (HTMX
fragments), creating a service order and moving it on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.fieldservice import fees
from kefu.fieldservice.schemas import ServiceOrderCreate, ServiceOrderOut, Transition
from kefu.fieldservice.service import device_service, diagnostic_service, order_service, point_service
from kefu.kit.schemas import Id
from kefu.ticket.service import ticket_service
from kefu.web.access import staff_with
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
# Staff work: repair partners are staff accounts without it (they use /partner).


PRODUCT_LINES = list(fees.DEFAULT_RULES)


async def _views(session: Session, orders: Any) -> list[ServiceOrderOut]:
    return await order_service.views(session, orders, timeline=True)


@router.get("/agent/tickets/{ticket_id}/field")
async def ticket_panel(
    request: Request, ticket_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    t = await ticket_service.get(session, me, ticket_id)
    orders = await _views(session, await order_service.list_orders(session, me, ticket_id=t.id))
    devices = await device_service.of_customer(session, me, t.customer_id) if t.customer_id else []
    return render(
        request,
        "field/ticket_panel.html",
        {
            "t": t,
            "orders": orders,
            "devices": [device_service.out(d) for d in devices],
            "device_names": {d.id: d.model for d in devices},
            "points": await point_service.names(session),
            "bundles": await diagnostic_service.for_ticket(session, t.id),
        },
    )


@router.post("/agent/tickets/{ticket_id}/field/orders")
async def ticket_create_order(
    ticket_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    device_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    kind: Annotated[str, Form(max_length=10)],
    city: Annotated[str, Form(max_length=40)],
    fault: Annotated[str, Form(max_length=4000)],
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    data = ServiceOrderCreate.model_validate(
        {"ticket_id": ticket_id, "device_id": device_id, "kind": kind, "city": city, "fault": fault}
    )
    await order_service.create(session, me, data)
    return RedirectResponse(f"/agent/tickets/{ticket_id}#field-service", status_code=303)


@router.post("/agent/service-orders/{order_id}/transition")
async def agent_transition(
    order_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    to: Annotated[str, Form(max_length=24)],
    quote_cny: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    quote = int(quote_cny) if quote_cny.strip().isdigit() else None
    order = await order_service.transition(
        session, me, order_id, Transition(to=to, quote_cny=quote, note=note)
    )
    return RedirectResponse(f"/agent/tickets/{order.ticket_id}#field-service", status_code=303)


@router.get("/agent/customers/{customer_id}/field")
async def customer_panel(
    request: Request, customer_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    devices = await device_service.of_customer(session, me, customer_id)
    orders = await order_service.list_orders(session, me, customer_id=customer_id)
    return render(
        request,
        "field/customer_panel.html",
        {
            "lines": PRODUCT_LINES,
            "devices": [device_service.out(d) for d in devices],
            "orders": await order_service.views(session, orders),
            "device_names": {d.id: d.model for d in devices},
            "points": await point_service.names(session),
        },
    )
