"""Customer chat page: standalone at /chat and inside the widget's iframe (/chat?embed=1);
the admin's chat availability switches (/admin/chat).

Everything after the first paint travels over the widget REST calls and /ws/chat, so the
page itself only renders the shell and its translated strings.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm, Principal, require
from kefu.conversation.availability import availability_service
from kefu.conversation.schemas import ChatSettings
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unauthorized
from kefu.web.forms import error_text
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/chat")
async def chat_page(request: Request, embed: str = "") -> Response:
    embedded = embed not in {"", "0", "false"}
    response = render(request, "chat/page.html", {"embed": embedded})
    if embedded:
        # The widget frames this page on the company's own sites: allow exactly the
        # configured origins (any site when none are configured) instead of SAMEORIGIN.
        allowed = [o for o in request.app.state.settings.allowed_origins if o and o != "*"]
        sources = " ".join(["'self'", *allowed]) if allowed else "*"
        # Browsers ignore the middleware's X-Frame-Options when frame-ancestors is present.
        response.headers["content-security-policy"] = f"frame-ancestors {sources}"
    response.headers["cache-control"] = "no-store"
    return response


def _admin(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, Perm.SETTINGS_MANAGE)
    return principal


@router.get("/admin/chat")
async def chat_settings_page(
    request: Request, session: Session, principal: OptionalPrincipal, saved: str = ""
) -> Response:
    _admin(principal)
    return render(
        request,
        "admin/chat.html",
        {
            "settings": await availability_service.settings(session),
            "status": await availability_service.widget_status(session, "zh_CN"),
            "saved": bool(saved),
            "error": None,
        },
    )


@router.post("/admin/chat")
async def chat_settings_save(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    bot_enabled: Annotated[str, Form(max_length=5)] = "",
    after_hours: Annotated[str, Form(max_length=10)] = "bot",
    agent_idle_minutes: Annotated[str, Form(max_length=10)] = "15",
) -> Response:
    me = _admin(principal)
    try:
        data = ChatSettings.model_validate(
            {
                "bot_enabled": bool(bot_enabled),
                "after_hours": after_hours,
                "agent_idle_minutes": agent_idle_minutes.strip() or "0",
            }
        )
    except ValidationError as exc:
        return render(
            request,
            "admin/chat.html",
            {
                "settings": await availability_service.settings(session),
                "status": await availability_service.widget_status(session, "zh_CN"),
                "saved": False,
                "error": error_text(exc),
            },
            status=422,
        )
    await availability_service.save_settings(session, me, data)
    return RedirectResponse("/admin/chat?saved=1", status_code=303)
