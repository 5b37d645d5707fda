"""The customer 360° page for staff: profile, identities (masked unless unmasked, audited),
tier and advisor, points, coupons, orders and every ticket."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal
from kefu.config import Settings
from kefu.customer.service import customer_service
from kefu.deps import OptionalPrincipal, Session, get_settings_dep
from kefu.errors import KefuError
from kefu.kit.db import writes
from kefu.kit.schemas import Id
from kefu.loyalty.advisor import advisor_service
from kefu.loyalty.service import loyalty_service
from kefu.privacy.service import privacy_service
from kefu.ticket.schemas import TicketFilter
from kefu.ticket.service import ticket_service
from kefu.timeline.service import timeline_service
from kefu.web.access import staff
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
CUSTOMERS_PAGE = 50
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


@router.get("/agent/customers")
async def customers_search(
    request: Request, session: Session, principal: OptionalPrincipal, q: str = "", page: int = 1
) -> Response:
    me = staff(principal)
    q = q.strip()[:120]
    page = max(1, min(page, 1000))
    found = await customer_service.browse(
        session, me, q=q, limit=CUSTOMERS_PAGE, offset=(page - 1) * CUSTOMERS_PAGE
    )
    return render(
        request,
        "agent/customers.html",
        {
            "q": q,
            "page": page,
            "has_more": len(found) == CUSTOMERS_PAGE,
            "customers": [customer_service.to_out(c, me) for c in found],
        },
    )


async def _context(session: Any, me: Principal, customer_id: Id, *, unmasked: bool) -> dict[str, Any]:
    customer = await customer_service.get(session, me, customer_id)
    out = (
        (await customer_service.unmask(session, me, customer_id))
        if unmasked
        else customer_service.to_out(customer, me)
    )
    balance, ledger = await loyalty_service.ledger(session, me, customer_id)
    advisor = await user_service.get(session, customer.advisor_id) if customer.advisor_id else None
    can_assign = me.can(Perm.ADVISORS_ASSIGN)
    return {
        "c": out,
        "balance": balance,
        "ledger": ledger[:20],
        "advisor": advisor,
        "advisor_status": await advisor_service.status(session, me, customer_id),
        "can_assign_advisor": can_assign,
        "advisors": await advisor_service.advisors(session) if can_assign else [],
        "coupons": await loyalty_service.coupons(session, me, customer_id),
        "orders": await loyalty_service.orders(session, me, customer_id),
        "tickets": await ticket_service.list_tickets(
            session, me, TicketFilter(customer_id=customer_id, limit=100, sort="-created_at")
        ),
        "timeline": await timeline_service.for_customer(session, me, customer_id),
        "can_unmask": me.can(Perm.CUSTOMERS_UNMASK),
        "unmasked": unmasked,
        "can_export": me.can(Perm.CUSTOMERS_EXPORT),
        "erased": customer.erased_at is not None,
    }


@router.get("/agent/customers/{customer_id}")
async def customer_360(
    request: Request, customer_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff(principal)
    return render(request, "agent/customer.html", await _context(session, me, customer_id, unmasked=False))


@router.post("/agent/customers/{customer_id}/unmask")
async def customer_unmask(
    request: Request, customer_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff(principal)
    return render(request, "agent/customer.html", await _context(session, me, customer_id, unmasked=True))


@router.get("/agent/customers/{customer_id}/export")
@writes  # the export is audited
async def customer_export(customer_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff(principal)
    data = await privacy_service.export(session, me, customer_id)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@router.post("/agent/customers/{customer_id}/erase")
async def customer_erase(
    request: Request, customer_id: Id, session: Session, principal: OptionalPrincipal, settings: SettingsDep
) -> Response:
    me = staff(principal)
    await privacy_service.erase(session, me, customer_id, settings.data_dir / "attachments")
    return RedirectResponse(f"/agent/customers/{customer_id}", status_code=303)


@router.post("/agent/customers/{customer_id}/advisor")
async def customer_advisor(
    request: Request,
    customer_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    user_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    """专属顾问: supervisors and admins assign, reassign or remove (audited)."""
    me = staff(principal)
    try:
        if remove:
            await advisor_service.remove(session, me, customer_id, reason)
        else:
            uid = int(user_id) if user_id.isdigit() else 0
            await advisor_service.assign(session, me, customer_id, uid, reason)
    except KefuError as exc:
        ctx = await _context(session, me, customer_id, unmasked=False)
        return render(
            request, "agent/customer.html", {**ctx, "advisor_error": exc.message}, status=exc.status_code
        )
    return RedirectResponse(f"/agent/customers/{customer_id}#advisor", status_code=303)
