"""/api/v1/customers."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, status

from kefu.authz import Perm
from kefu.customer.schemas import CustomerCreate, CustomerOut, CustomerUpdate
from kefu.customer.service import customer_service
from kefu.deps import CurrentPrincipal, Session, masked_lookup_budget
from kefu.kit.schemas import Id, Page, Schema
from kefu.loyalty.advisor import advisor_service
from kefu.loyalty.service import loyalty_service
from kefu.ticket.schemas import TicketFilter
from kefu.ticket.service import ticket_service

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


@router.post("", response_model=CustomerOut, status_code=status.HTTP_201_CREATED)
async def create_customer(body: CustomerCreate, principal: CurrentPrincipal, session: Session) -> CustomerOut:
    customer = await customer_service.create(session, body, actor=principal)
    customer = await customer_service.get(session, principal, customer.id)
    return customer_service.to_out(customer, principal)


@router.get("", response_model=Page[CustomerOut])
async def search_customers(
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    email: str | None = Query(default=None, max_length=254),
    phone: str | None = Query(default=None, max_length=40),
    external_id: str | None = Query(default=None, max_length=120),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0),
) -> Page[CustomerOut]:
    if (email or phone) and not principal.can(Perm.CUSTOMERS_UNMASK):
        await masked_lookup_budget(request, principal.id)
    found = await customer_service.search(
        session,
        principal,
        email=email,
        phone=phone,
        external_id=external_id,
        limit=limit,
        offset=offset,
    )
    return Page(items=[customer_service.to_out(c, principal) for c in found])


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: Id, principal: CurrentPrincipal, session: Session) -> CustomerOut:
    """The customer with tier, points balance and recent tickets (the 360° essentials)."""
    customer = await customer_service.get(session, principal, customer_id)
    out = customer_service.to_out(customer, principal)
    out.points_balance = await loyalty_service.balance(session, customer_id)
    out.advisor_name = await advisor_service.name_of(session, customer)
    recent = await ticket_service.list_tickets(
        session, principal, TicketFilter(customer_id=customer_id, limit=10, sort="-created_at")
    )
    out.tickets = [
        {
            "id": t.id,
            "subject": t.subject,
            "status": t.status,
            "priority": t.priority,
            "channel": t.channel,
            "created_at": t.created_at.isoformat(),
        }
        for t in recent
    ]
    return out


@router.post("/{customer_id}/unmask", response_model=CustomerOut)
async def unmask_customer(customer_id: Id, principal: CurrentPrincipal, session: Session) -> CustomerOut:
    return await customer_service.unmask(session, principal, customer_id)


class MergeBody(Schema):
    into_id: Id


@router.post("/{customer_id}/merge", response_model=CustomerOut)
async def merge_customer(
    customer_id: Id, body: MergeBody, principal: CurrentPrincipal, session: Session
) -> CustomerOut:
    """Merge this customer (a duplicate) into `into_id`; returns the merged customer."""
    merged = await customer_service.merge(session, principal, customer_id, body.into_id)
    await loyalty_service.recalculate(session, merged)
    return await get_customer(merged.id, principal, session)


@router.patch("/{customer_id}", response_model=CustomerOut)
async def update_customer(
    customer_id: Id, body: CustomerUpdate, principal: CurrentPrincipal, session: Session
) -> CustomerOut:
    await customer_service.update(session, principal, customer_id, body)
    return await get_customer(customer_id, principal, session)
