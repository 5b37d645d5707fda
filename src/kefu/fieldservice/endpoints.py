"""/api/v1 field service: devices and warranty, service points, service orders (create,
transition, dispatch, rating, quote links), metrics; the partner's signed API and the app's
diagnostics upload live in `partner_endpoints`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import AwareDatetime, BaseModel

from kefu.authz import Perm, require
from kefu.deps import CurrentPrincipal, Session
from kefu.errors import Unprocessable
from kefu.fieldservice.links import quote_link
from kefu.fieldservice.schemas import (
    DeviceCreate,
    DeviceOut,
    FieldMetrics,
    LogisticsIn,
    PartnerUserCreate,
    Rating,
    ServiceOrderCreate,
    ServiceOrderOut,
    ServicePointCreate,
    ServicePointCreated,
    ServicePointOut,
    ServicePointUpdate,
    Transition,
    WarrantyCheck,
    WarrantyRuleIn,
)
from kefu.fieldservice.service import (
    device_service,
    field_metrics_service,
    order_service,
    point_service,
)
from kefu.kit.schemas import Page, Schema
from kefu.kit.time import utcnow

router = APIRouter(prefix="/api/v1", tags=["field service"])
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


# --- devices and warranty ------------------------------------------------------------------
@router.post(
    "/customers/{customer_id}/devices", response_model=DeviceOut, status_code=status.HTTP_201_CREATED
)
async def register_device(
    customer_id: Id, body: DeviceCreate, principal: CurrentPrincipal, session: Session
) -> DeviceOut:
    source = "api" if principal.is_staff else "portal"
    device = await device_service.register(session, principal, customer_id, body, source=source)
    return device_service.out(device)


@router.get("/customers/{customer_id}/devices", response_model=Page[DeviceOut])
async def customer_devices(customer_id: Id, principal: CurrentPrincipal, session: Session) -> Page[DeviceOut]:
    return Page(
        items=[
            device_service.out(d) for d in await device_service.of_customer(session, principal, customer_id)
        ]
    )


@router.get("/devices/{device_id}", response_model=DeviceOut)
async def get_device(device_id: Id, principal: CurrentPrincipal, session: Session) -> DeviceOut:
    return device_service.out(await device_service.get(session, principal, device_id))


@router.get("/warranty", response_model=WarrantyCheck)
async def warranty_check(
    principal: CurrentPrincipal, session: Session, serial: Annotated[str, Query(min_length=1, max_length=64)]
) -> WarrantyCheck:
    return await device_service.check(session, principal, serial)


@router.get("/warranty-rules", response_model=Page[WarrantyRuleIn])
async def warranty_rules(principal: CurrentPrincipal, session: Session) -> Page[WarrantyRuleIn]:
    require(principal, Perm.CUSTOMERS_READ)
    return Page(items=await device_service.rules(session))


@router.put("/warranty-rules", response_model=WarrantyRuleIn)
async def set_warranty_rule(
    body: WarrantyRuleIn, principal: CurrentPrincipal, session: Session
) -> WarrantyRuleIn:
    return await device_service.set_rule(session, principal, body)


# --- service points ------------------------------------------------------------------------
@router.post("/service-points", response_model=ServicePointCreated, status_code=status.HTTP_201_CREATED)
async def create_point(
    body: ServicePointCreate, principal: CurrentPrincipal, session: Session
) -> ServicePointCreated:
    point, webhook_secret = await point_service.create(session, principal, body)
    return ServicePointCreated.model_validate(point).model_copy(
        update={"api_key": point.api_key, "api_secret": point.api_secret, "webhook_secret": webhook_secret}
    )


@router.get("/service-points", response_model=Page[ServicePointOut])
async def list_points(
    principal: CurrentPrincipal,
    session: Session,
    city: Annotated[str | None, Query(max_length=40)] = None,
    product_line: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[ServicePointOut]:
    """The directory, those covering `city` first (customers see it too: 离我最近的网点)."""
    points = await point_service.directory(session, city=city, product_line=product_line)
    return Page(items=[ServicePointOut.model_validate(p) for p in points])


@router.patch("/service-points/{point_id}", response_model=ServicePointOut)
async def update_point(
    point_id: Id, body: ServicePointUpdate, principal: CurrentPrincipal, session: Session
) -> ServicePointOut:
    return ServicePointOut.model_validate(await point_service.update(session, principal, point_id, body))


class PartnerUserOut(BaseModel):
    id: int
    email: str
    role: str


@router.post(
    "/service-points/{point_id}/users", response_model=PartnerUserOut, status_code=status.HTTP_201_CREATED
)
async def add_partner_user(
    point_id: Id, body: PartnerUserCreate, principal: CurrentPrincipal, session: Session
) -> PartnerUserOut:
    user = await point_service.add_partner_user(session, principal, point_id, body)
    return PartnerUserOut(id=user.id, email=user.email, role=user.role)


# --- service orders ------------------------------------------------------------------------
async def _one(session: Session, order_id: int) -> ServiceOrderOut:
    loaded = await order_service.get(session, None, order_id)
    return (await order_service.views(session, [loaded], timeline=True))[0]


@router.post("/service-orders", response_model=ServiceOrderOut, status_code=status.HTTP_201_CREATED)
async def create_order(
    body: ServiceOrderCreate, principal: CurrentPrincipal, session: Session
) -> ServiceOrderOut:
    order = await order_service.create(session, principal, body)
    return await _one(session, order.id)


@router.get("/service-orders", response_model=Page[ServiceOrderOut])
async def list_orders(
    principal: CurrentPrincipal,
    session: Session,
    ticket_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=24)] = None,
) -> Page[ServiceOrderOut]:
    orders = await order_service.list_orders(
        session, principal, ticket_id=ticket_id, customer_id=customer_id, status=status_
    )
    return Page(items=await order_service.views(session, orders))


@router.get("/service-orders/{order_id}", response_model=ServiceOrderOut)
async def get_order(order_id: Id, principal: CurrentPrincipal, session: Session) -> ServiceOrderOut:
    await order_service.get(session, principal, order_id)
    return await _one(session, order_id)


@router.post("/service-orders/{order_id}/transition", response_model=ServiceOrderOut)
async def transition(
    order_id: Id, body: Transition, principal: CurrentPrincipal, session: Session
) -> ServiceOrderOut:
    await order_service.transition(session, principal, order_id, body)
    return await _one(session, order_id)


class RescheduleIn(Schema):
    appointment_at: AwareDatetime


@router.post("/service-orders/{order_id}/reschedule", response_model=ServiceOrderOut)
async def reschedule(
    order_id: Id, body: RescheduleIn, principal: CurrentPrincipal, session: Session
) -> ServiceOrderOut:
    """Customer, agent or the order's partner; 409 `no_capacity` when the new day is full."""
    await order_service.reschedule(session, principal, order_id, body.appointment_at)
    return await _one(session, order_id)


@router.post("/service-orders/{order_id}/logistics", response_model=ServiceOrderOut)
async def logistics(
    order_id: Id, body: LogisticsIn, principal: CurrentPrincipal, session: Session
) -> ServiceOrderOut:
    """A courier or ERP milestone of a mail-in order (staff token of the integration)."""
    await order_service.logistics(session, principal, order_id, body)
    return await _one(session, order_id)


class AssignIn(Schema):
    service_point_id: int


@router.post("/service-orders/{order_id}/assign", response_model=ServiceOrderOut)
async def assign(
    order_id: Id, body: AssignIn, principal: CurrentPrincipal, session: Session
) -> ServiceOrderOut:
    if not 1 <= body.service_point_id <= 2_147_483_647:
        raise Unprocessable("service_point_id out of range", code="validation_error")
    await order_service.assign(session, principal, order_id, body.service_point_id)
    return await _one(session, order_id)


@router.post("/service-orders/{order_id}/rating", response_model=ServiceOrderOut)
async def rate(order_id: Id, body: Rating, principal: CurrentPrincipal, session: Session) -> ServiceOrderOut:
    await order_service.rate(session, principal, order_id, body)
    return await _one(session, order_id)


class LinkOut(BaseModel):
    url: str
    expires_at: datetime


@router.post("/service-orders/{order_id}/quote-link", response_model=LinkOut)
async def make_quote_link(order_id: Id, principal: CurrentPrincipal, session: Session) -> LinkOut:
    """A signed link (valid 7 days) the customer opens to approve or decline the quote."""
    require(principal, Perm.TICKETS_WORK)
    order = await order_service.get(session, principal, order_id)
    return LinkOut(url=quote_link(order.id), expires_at=utcnow() + timedelta(days=7))


@router.get("/field-service/metrics", response_model=FieldMetrics)
async def metrics(
    principal: CurrentPrincipal,
    session: Session,
    frm: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: AwareDatetime | None = None,
) -> FieldMetrics:
    end = to or utcnow()
    start = frm or end - timedelta(days=30)
    if start >= end:
        raise Unprocessable("from 必须早于 to / from must be before to", code="bad_range")
    return await field_metrics_service.summary(session, principal, start, end)
