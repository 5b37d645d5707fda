"""The admin's chat availability switches (/admin/chat): the bot, after-hours behaviour and
the agents' idle timeout. The customer's chat page is web/public/chat.py."""

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
from kefu.web.crud import form_error
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
LABELS = {  # the form's labels (message ids), for errors next to their meaning
    "agent_idle_minutes": (
        "An online agent becomes away after this many minutes without keyboard or mouse input (0 = never)"
    ),
    "bot_idle_minutes": "With the bot only, after (minutes)",
    "human_idle_minutes": "With an agent, after (minutes)",
}


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
    bot_idle_minutes: Annotated[str, Form(max_length=10)] = "",
    human_idle_minutes: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    me = _admin(principal)
    try:
        data = ChatSettings.model_validate(
            {
                "bot_enabled": bool(bot_enabled),
                "after_hours": after_hours,
                "agent_idle_minutes": agent_idle_minutes.strip() or "0",
                # blank: the current value stays (as the form showed it)
                **({"bot_idle_minutes": bot_idle_minutes.strip()} if bot_idle_minutes.strip() else {}),
                **({"human_idle_minutes": human_idle_minutes.strip()} if human_idle_minutes.strip() else {}),
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
                "error": form_error(request, exc, LABELS),
            },
            status=422,
        )
    await availability_service.save_settings(session, me, data)
    return RedirectResponse("/admin/chat?saved=1", status_code=303)
