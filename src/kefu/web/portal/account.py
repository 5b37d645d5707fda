"""The customer's account in the portal: tier and benefits, points and their history, coupons, and
the points shop."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Principal
from kefu.customer.service import customer_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unauthorized
from kefu.kit.schemas import Id
from kefu.loyalty.advisor import advisor_service
from kefu.loyalty.service import loyalty_service
from kefu.rewards.service import rewards_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


def _customer(principal: Principal | None) -> Principal:
    if principal is None or principal.is_staff:
        raise Unauthorized("请先登录 / please sign in", code="not_authenticated")
    return principal


@router.get("/portal/account")
async def portal_account(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    """Tier and its benefits, points and their history, coupons."""
    me = _customer(principal)
    customer = await customer_service.get(session, me, me.id)
    balance, ledger = await loyalty_service.ledger(session, me, me.id)
    coupons = await loyalty_service.coupons(session, me, me.id)
    return render(
        request,
        "portal/account.html",
        {
            "customer": customer,
            "balance": balance,
            "ledger": ledger,
            "coupons": coupons,
            "benefits": (await loyalty_service.config(session)).benefit(customer.tier),
            "advisor_name": await advisor_service.name_of(session, customer),
            "rewards": await rewards_service.catalogue(session, me),
        },
    )


@router.post("/portal/rewards/{reward_id}/redeem")
async def portal_redeem(reward_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    """积分商城: redeem, then back to the account page where the voucher is listed."""
    me = _customer(principal)
    await rewards_service.redeem(session, me, me.id, reward_id)
    return RedirectResponse("/portal/account#coupons", status_code=303)
