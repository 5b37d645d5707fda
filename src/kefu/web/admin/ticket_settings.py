"""工单设置 (/admin/ticket-settings): when solved tickets close, the second line and its
response time (timed escalation), and how long closed tickets keep their texts (PIPL
retention). Three domains' settings on one page an admin reads top to bottom."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.kit.i18n import translations
from kefu.privacy.schemas import RetentionSettings
from kefu.privacy.service import privacy_service
from kefu.team.service import team_service
from kefu.ticket.escalation import escalation_service
from kefu.ticket.schemas import EscalationConfig, TicketSettings
from kefu.ticket.service import ticket_service
from kefu.web.access import staff_with
from kefu.web.crud import FieldError, form_error, hmm, parse_duration
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)
LABELS = {
    "auto_close_days": "Solved tickets close after (days)",
    "default_minutes": "Second line must act within (h:mm)",
    "category_minutes": "Per category (one per line: category, then h:mm)",
    "retention_days": "Closed tickets keep their texts and files for (days, 0 = always)",
}
_CATEGORY_LINE = re.compile(r"^(.+?)\s*[:：=＝\s]\s*(\d{1,4}(?:[:：][0-5]\d)?)$")


async def _page(
    request: Request, session: Session, values: dict[str, Any] | None, error: str, status: int = 200
) -> Response:
    tickets = await ticket_service.settings(session)
    escalation = await escalation_service.config(session)
    retention = await privacy_service.retention(session)
    current = {
        "auto_close_days": tickets.auto_close_days,
        "second_line": [str(g) for g in escalation.second_line_group_ids],
        "default_minutes": hmm(escalation.default_minutes),
        "category_minutes": "\n".join(
            f"{k} {hmm(v)}" for k, v in sorted(escalation.category_minutes.items())
        ),
        "retention_days": retention.retention_days,
    }
    return render(
        request,
        "admin/ticket_settings.html",
        {
            "v": {**current, **(values or {})},
            "groups": await team_service.list_groups(session),
            "saved": request.query_params.get("saved") == "1",
            "error": error,
        },
        status=status,
    )


@router.get("/admin/ticket-settings")
async def ticket_settings_page(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    staff_with(principal, Perm.SETTINGS_MANAGE)
    return await _page(request, session, None, "")


def _categories(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _CATEGORY_LINE.match(line)
        if match is None:
            raise FieldError("category_minutes", line)
        out[match.group(1).strip()] = parse_duration(match.group(2), "category_minutes")
    return out


@router.post("/admin/ticket-settings")
async def ticket_settings_save(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    auto_close_days: Annotated[str, Form(max_length=6)] = "",
    second_line: Annotated[list[str] | None, Form()] = None,
    default_minutes: Annotated[str, Form(max_length=10)] = "",
    category_minutes: Annotated[str, Form(max_length=8000)] = "",
    retention_days: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    values = {
        "auto_close_days": auto_close_days,
        "second_line": second_line or [],
        "default_minutes": default_minutes,
        "category_minutes": category_minutes,
        "retention_days": retention_days,
    }
    _ = translations(request_locale(request)).gettext
    try:
        tickets = TicketSettings.model_validate({"auto_close_days": auto_close_days.strip() or None})
        escalation = EscalationConfig.model_validate(
            {
                "second_line_group_ids": second_line or [],
                "default_minutes": parse_duration(default_minutes.strip() or "12", "default_minutes"),
                "category_minutes": _categories(category_minutes),
            }
        )
        retention = RetentionSettings.model_validate({"retention_days": retention_days.strip() or "0"})
    except ValidationError as exc:
        return await _page(request, session, values, form_error(request, exc, LABELS), status=422)
    except FieldError as exc:
        if exc.field == "category_minutes":  # the message is the line that could not be read
            text = _("Line “{line}”: write the category, then h:mm, e.g. 售后/维修 8:00.").format(
                line=exc.message
            )
        else:
            text = _(exc.message)
        return await _page(request, session, values, f"{_(LABELS[exc.field])}: {text}", status=422)
    await ticket_service.save_settings(session, me, tickets)
    await escalation_service.save_config(session, me, escalation)
    await privacy_service.save_retention(session, me, retention)
    return RedirectResponse("/admin/ticket-settings?saved=1", status_code=303)
