"""/wfm: next week's staffing curve against the agents' shifts, and a small shift editor."""

from __future__ import annotations

import json
from datetime import date
from itertools import pairwise
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm, Principal, require
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unauthorized
from kefu.kit.i18n import gettext
from kefu.kit.schemas import Id
from kefu.web.templates import render, request_locale
from kefu.wfm import heatmap
from kefu.wfm.heatmap import Slot
from kefu.wfm.schemas import ShiftIn
from kefu.wfm.service import wfm_service

router = APIRouter(include_in_schema=False)
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _planner(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, Perm.REPORTS_READ)
    return principal


async def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    start: date | None,
    error: str = "",
    status: int = 200,
) -> Response:
    plan = await wfm_service.staffing(session, principal, start, 7)
    forecast = await wfm_service.forecast(session, principal, plan.start, 7)
    tz = ZoneInfo(plan.timezone)
    slots = []
    for i in plan.intervals:
        local = i.start.astimezone(tz)
        minute = local.hour * 60 + local.minute
        slots.append(Slot(local.date(), minute, i.volume, i.required, i.scheduled))
    opening = await wfm_service.opening_hours(session, plan.start, plan.days)
    heat = heatmap.build(slots, opening, plan.interval_minutes)
    chart = {
        "x": [i.start.strftime("%m-%d %H:%M") for i in plan.intervals],
        "volume": [i.volume for i in plan.intervals],
        "required": [i.required for i in plan.intervals],
        "scheduled": [i.scheduled for i in plan.intervals],
    }
    return render(
        request,
        "wfm/staffing.html",
        {
            "plan": plan,
            "forecast": forecast,
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "shifts": await wfm_service.list_shifts(session, principal),
            "staff": await wfm_service.staff_choices(session),
            "weekdays": WEEKDAY_NAMES,
            "error": error,
            "peak_required": max((i.required for i in plan.intervals), default=0),
            "heat": heat,
            "hhmm": heatmap.hhmm,
            "days_text": lambda days: _days_text(days, request_locale(request)),
            "channels": ["chat", "wechat", "phone", "email", "portal", "web"],
        },
        status=status,
    )


def _days_text(days: tuple[date, ...], locale: str) -> str:
    """周一至周五 / 周一、周三 / Mon–Fri: the days an action line covers."""
    names = [gettext(locale, WEEKDAY_NAMES[d.weekday()]) for d in days]
    consecutive = all((b - a).days == 1 for a, b in pairwise(days))
    if len(days) >= 3 and consecutive:
        return f"{names[0]}至{names[-1]}" if locale == "zh_CN" else f"{names[0]}–{names[-1]}"
    if len(days) == 1:
        return f"{names[0]} {days[0]:%m-%d}"
    return ("、" if locale == "zh_CN" else ", ").join(names)


@router.get("/wfm")
async def wfm_home(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    start: Annotated[date | None, None] = None,
) -> Response:
    return await _page(request, session, _planner(principal), start=start)


@router.post("/wfm/shifts")
async def wfm_add_shift(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    user_id: Annotated[int, Form()],
    weekdays: Annotated[list[int], Form()],
    start: Annotated[str, Form()],
    end: Annotated[str, Form()],
    channel: Annotated[str, Form()] = "",
) -> Response:
    actor = _planner(principal)
    try:
        items = [ShiftIn(user_id=user_id, weekday=w, start=start, end=end, channel=channel) for w in weekdays]
        for item in items:
            await wfm_service.create_shift(session, actor, item)
    except (KefuError, ValidationError) as exc:
        await session.rollback()
        message = exc.message if isinstance(exc, KefuError) else "; ".join(e["msg"] for e in exc.errors())
        return await _page(request, session, actor, start=None, error=message, status=422)
    return RedirectResponse("/wfm", status_code=303)


@router.post("/wfm/shifts/{shift_id}/delete")
async def wfm_delete_shift(shift_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    await wfm_service.delete_shift(session, _planner(principal), shift_id)
    return RedirectResponse("/wfm", status_code=303)
