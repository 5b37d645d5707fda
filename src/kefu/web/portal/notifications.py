"""我的通知设置: the customer's own choice of what kefu may send them — marketing and care
messages (only with their consent, PIPL) and service notices, each on or off, and the
channels each may use (email, SMS, WeChat, app push). The same consent record and opt-outs
that the one-click unsubscribe links write."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Principal
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unauthorized
from kefu.outreach.schemas import NotificationSettings
from kefu.outreach.service import outreach_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
CHANNELS = ("email", "sms", "wechat", "app")


def _customer(principal: Principal | None) -> Principal:
    if principal is None or principal.is_staff or principal.customer_id is None:
        raise Unauthorized("请先登录 / please sign in", code="not_authenticated")
    return principal


@router.get("/portal/notifications")
async def notifications_page(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = _customer(principal)
    return render(
        request,
        "portal/notifications.html",
        {
            "prefs": await outreach_service.notification_settings(session, me),
            "channels": CHANNELS,
            "saved": request.query_params.get("saved") == "1",
        },
    )


@router.post("/portal/notifications")
async def notifications_save(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    """Unticked boxes are absent from the form: absent means off."""
    me = _customer(principal)
    form = await request.form()
    data = NotificationSettings.model_validate(
        {
            "marketing": form.get("marketing") == "on",
            "service": form.get("service") == "on",
            "marketing_channels": [c for c in CHANNELS if form.get(f"marketing_{c}") == "on"],
            "service_channels": [c for c in CHANNELS if form.get(f"service_{c}") == "on"],
        }
    )
    await outreach_service.save_notification_settings(session, me, data)
    return RedirectResponse("/portal/notifications?saved=1", status_code=303)
