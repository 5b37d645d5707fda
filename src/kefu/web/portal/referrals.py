"""The customer's 推荐有礼 page in the portal: their referral code and link, the friends they brought
and what became of them, their redemptions and coupons."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unauthorized
from kefu.loyalty.service import loyalty_service
from kefu.rewards.service import rewards_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/portal/referrals")
async def my_referrals(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    if principal is None or principal.is_staff or principal.customer_id is None:
        raise Unauthorized("请先登录 / please sign in", code="not_authenticated")
    me = principal.customer_id
    rewards = {r.id: r.name for r in await rewards_service.catalogue(session, principal)}
    return render(
        request,
        "portal/referrals.html",
        {
            "code": rewards_service.referral_code(me),
            "link": rewards_service.referral_link(me),
            "referrals": await rewards_service.my_referrals(session, principal),
            "redemptions": await rewards_service.redemptions(session, principal, me),
            "reward_names": rewards,
            "coupons": await loyalty_service.coupons(session, principal, me),
        },
    )
