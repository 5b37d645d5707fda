"""The portal's repairs: register a device, book an on-site repair, follow its progress,
answer a quote and rate the service."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Principal
from kefu.config import current_settings
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unauthorized
from kefu.fieldservice import fees
from kefu.fieldservice.schemas import DeviceCreate, Rating, ServiceOrderCreate, ServiceOrderOut, Transition
from kefu.fieldservice.service import device_service, order_service, point_service
from kefu.kit.schemas import Id
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
PRODUCT_LINES = list(fees.DEFAULT_RULES)


def _customer(principal: Principal | None) -> Principal:
    if principal is None or principal.is_staff:
        raise Unauthorized("请先登录 / please sign in", code="not_authenticated")
    return principal


def _message(exc: Exception) -> str:
    if isinstance(exc, KefuError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(str(e["msg"]) for e in exc.errors())
    raise exc


async def _views(session: Session, orders: Any) -> list[ServiceOrderOut]:
    return await order_service.views(session, orders, timeline=True)


async def _repairs_context(session: Session, me: Principal, error: str | None) -> dict[str, Any]:
    devices = await device_service.of_customer(session, me, me.id)
    orders = await order_service.views(session, await order_service.list_orders(session, me))
    return {
        "devices": [device_service.out(d) for d in devices],
        "orders": orders,
        "device_names": {d.id: d.model for d in devices},
        "points": await point_service.names(session),
        "lines": PRODUCT_LINES,
        "error": error,
    }


@router.get("/portal/repairs")
async def portal_repairs(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = _customer(principal)
    return render(request, "field/portal_repairs.html", await _repairs_context(session, me, None))


@router.post("/portal/devices")
async def portal_register_device(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    model: Annotated[str, Form(max_length=120)] = "",
    serial: Annotated[str, Form(max_length=64)] = "",
    product_line: Annotated[str, Form(max_length=40)] = "",
    purchased_at: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    me = _customer(principal)
    try:
        data = DeviceCreate.model_validate(
            {"model": model, "serial": serial, "product_line": product_line, "purchased_at": purchased_at}
        )
        await device_service.register(session, me, me.id, data, source="portal")
    except (KefuError, ValidationError) as exc:
        message = _message(exc)
        await session.rollback()
        return render(
            request, "field/portal_repairs.html", await _repairs_context(session, me, message), status=422
        )
    return RedirectResponse("/portal/repairs", status_code=303)


async def _book_context(
    session: Session, me: Principal, error: str | None, form: dict[str, str]
) -> dict[str, Any]:
    devices = await device_service.of_customer(session, me, me.id)
    return {
        "devices": [device_service.out(d) for d in devices],
        "points": await point_service.directory(session, city=form.get("city") or None),
        "error": error,
        "form": form,
        "min_day": (date.today() + timedelta(days=1)).isoformat(),
    }


@router.get("/portal/repairs/new")
async def portal_book(
    request: Request, session: Session, principal: OptionalPrincipal, city: str = ""
) -> Response:
    me = _customer(principal)
    return render(
        request, "field/portal_book.html", await _book_context(session, me, None, {"city": city[:40]})
    )


@router.post("/portal/repairs")
async def portal_book_submit(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    device_id: Annotated[str, Form(max_length=12)] = "",
    city: Annotated[str, Form(max_length=40)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
    fault: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """An on-site repair: a ticket in the customer's name and its service order."""
    me = _customer(principal)
    form = {"device_id": device_id, "city": city, "address": address, "day": day, "fault": fault}
    try:
        if not device_id.isdigit():
            raise KefuError("请选择设备 / choose a device", 422)
        device = await device_service.get(session, me, int(device_id))
        when = None
        if day:
            try:
                local = datetime.combine(
                    date.fromisoformat(day), time(9), ZoneInfo(current_settings().display_timezone)
                )
            except ValueError as exc:
                raise KefuError("日期无效 / invalid date", 422) from exc
            when = local
        ticket = await ticket_service.create(
            session,
            TicketCreate(
                subject=f"上门维修：{device.model}",
                description=f"{fault}\n\n序列号：{device.serial}\n地址：{city} {address}".strip(),
                channel="portal",  # type: ignore[arg-type]
                category="售后/维修",
            ),
            actor=me,
        )
        order = await order_service.create(
            session,
            me,
            ServiceOrderCreate(
                ticket_id=ticket.id,
                device_id=device.id,
                kind="onsite",
                fault=fault,
                city=city,
                address=address,
                appointment_at=when,
            ),
        )
    except (KefuError, ValidationError) as exc:
        message = _message(exc)
        await session.rollback()
        return render(
            request, "field/portal_book.html", await _book_context(session, me, message, form), status=422
        )
    return RedirectResponse(f"/portal/repairs/{order.id}", status_code=303)


@router.get("/portal/repairs/{order_id}")
async def portal_repair(
    request: Request, order_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = _customer(principal)
    order = await order_service.get(session, me, order_id)
    [view] = await _views(session, [order])
    device = await device_service.get(session, me, order.device_id)
    point = await point_service.get(session, order.service_point_id) if order.service_point_id else None
    return render(request, "field/portal_repair.html", {"o": view, "device": device, "point": point})


@router.post("/portal/repairs/{order_id}/answer")
async def portal_answer(
    order_id: Id, session: Session, principal: OptionalPrincipal, to: Annotated[str, Form(max_length=24)]
) -> Response:
    me = _customer(principal)
    await order_service.transition(session, me, order_id, Transition(to=to))
    return RedirectResponse(f"/portal/repairs/{order_id}", status_code=303)


@router.post("/portal/repairs/{order_id}/rating")
async def portal_rate(
    order_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    me = _customer(principal)
    await order_service.rate(session, me, order_id, Rating(rating=rating, comment=comment))
    return RedirectResponse(f"/portal/repairs/{order_id}", status_code=303)
