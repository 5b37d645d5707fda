"""Admin pages for business hours, SLA policies, macros and triggers."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm, Principal, require
from kefu.automation.schemas import MacroIn, TriggerIn
from kefu.automation.service import automation_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unauthorized, Unprocessable
from kefu.sla.calendar import cn_statutory_years
from kefu.sla.schemas import PolicyIn, ScheduleIn
from kefu.sla.service import sla_service
from kefu.team.service import team_service
from kefu.web.forms import error_text
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6}


def _admin(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, Perm.SETTINGS_MANAGE)
    return principal


def parse_intervals(text: str) -> list[dict[str, Any]]:
    """Lines like "0-4 09:00 12:00" or "5 10:00 16:00" (0 = Monday)."""
    out: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise Unprocessable(f"第 {n} 行应为“星期 开始 结束” / line {n}: expected 'weekday start end'")
        days, start, end = parts
        lo, _, hi = days.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError as exc:
            raise Unprocessable(f"line {n}: weekday must be 0–6 or a range like 0-4") from exc
        out.extend({"weekday": d, "start": start, "end": end} for d in range(first, last + 1))
    return out


def _dates(text: str) -> list[str]:
    return [d for d in text.replace(",", " ").split() if d]


async def _sla_context(session: Any, error: str | None = None) -> dict[str, Any]:
    return {
        "schedules": await sla_service.list_schedules(session),
        "policies": await sla_service.list_policies(session),
        "years": cn_statutory_years(),
        "groups": await team_service.list_groups(session),
        "error": error,
    }


@router.get("/admin/sla")
async def admin_sla(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    _admin(principal)
    return render(request, "admin/sla.html", await _sla_context(session))


@router.post("/admin/sla/schedules")
async def admin_sla_schedule(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    name: Annotated[str, Form(max_length=120)],
    intervals: Annotated[str, Form(max_length=5000)],
    timezone: Annotated[str, Form(max_length=64)] = "Asia/Shanghai",
    holidays: Annotated[str, Form()] = "",
    workdays: Annotated[str, Form()] = "",
    cn_statutory: Annotated[str, Form()] = "",
    is_default: Annotated[str, Form()] = "",
) -> Response:
    me = _admin(principal)
    try:
        data = ScheduleIn.model_validate(
            {
                "name": name,
                "timezone": timezone,
                "intervals": parse_intervals(intervals),
                "holidays": _dates(holidays),
                "workdays": _dates(workdays),
                "cn_statutory": cn_statutory == "on",
                "is_default": is_default == "on",
            }
        )
        await sla_service.create_schedule(session, me, data)
    except (KefuError, ValidationError, ValueError) as exc:
        return render(request, "admin/sla.html", await _sla_context(session, error_text(exc)), status=422)
    return RedirectResponse("/admin/sla", status_code=303)


@router.post("/admin/sla/policies")
async def admin_sla_policy(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    name: Annotated[str, Form(max_length=120)],
    position: Annotated[int, Form()] = 0,
    schedule_id: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    type: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    tier: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
    acknowledge: Annotated[str, Form()] = "",
    first_reply: Annotated[str, Form()] = "",
    next_reply: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
) -> Response:
    me = _admin(principal)
    filter_ = {
        k: v
        for k, v in {
            "priority": priority,
            "type": type,
            "channel": channel,
            "tier": tier,
            "category": category,
        }.items()
        if v
    }
    if tags.strip():
        filter_["tags"] = [t.strip() for t in tags.replace("，", ",").split(",") if t.strip()]  # type: ignore[assignment]
    targets = {
        k: int(v)
        for k, v in {
            "acknowledge": acknowledge,
            "first_reply": first_reply,
            "next_reply": next_reply,
            "resolution": resolution,
        }.items()
        if v.strip().isdigit()
    }
    try:
        data = PolicyIn.model_validate(
            {
                "name": name,
                "position": position,
                "schedule_id": int(schedule_id) if schedule_id.isdigit() else None,
                "filter": filter_,
                "targets": targets,
                "business_hours": schedule_id.isdigit(),
            }
        )
        if not targets:
            raise Unprocessable("至少设置一个时限 / set at least one target")
        await sla_service.create_policy(session, me, data)
    except (KefuError, ValidationError, ValueError) as exc:
        return render(request, "admin/sla.html", await _sla_context(session, error_text(exc)), status=422)
    return RedirectResponse("/admin/sla", status_code=303)


async def _automation_context(session: Any, me: Principal, error: str | None = None) -> dict[str, Any]:
    return {
        "macros": await automation_service.all_macros(session, me),
        "triggers": await automation_service.list_triggers(session, me),
        "error": error,
    }


@router.get("/admin/automation")
async def admin_automation(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = _admin(principal)
    return render(request, "admin/automation.html", await _automation_context(session, me))


@router.post("/admin/automation/macros")
async def admin_macro(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    title: Annotated[str, Form(max_length=120)],
    body: Annotated[str, Form(max_length=20_000)] = "",
    status: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    add_tags: Annotated[str, Form()] = "",
    public: Annotated[str, Form()] = "on",
) -> Response:
    me = _admin(principal)
    actions: dict[str, Any] = {k: v for k, v in {"status": status, "priority": priority}.items() if v}
    if add_tags.strip():
        actions["add_tags"] = [t.strip() for t in add_tags.replace("，", ",").split(",") if t.strip()]
    try:
        await automation_service.create_macro(
            session,
            me,
            MacroIn.model_validate(
                {"title": title, "body": body, "actions": actions, "public": public == "on"}
            ),
        )
    except (KefuError, ValidationError) as exc:
        return render(
            request,
            "admin/automation.html",
            await _automation_context(session, me, error_text(exc)),
            status=422,
        )
    return RedirectResponse("/admin/automation", status_code=303)


@router.post("/admin/automation/triggers")
async def admin_trigger(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    name: Annotated[str, Form(max_length=120)],
    on: Annotated[str, Form(max_length=24)],
    conditions: Annotated[str, Form(max_length=10_000)] = "[]",
    actions: Annotated[str, Form(max_length=10_000)] = "[]",
    hours: Annotated[str, Form()] = "",
    position: Annotated[int, Form()] = 0,
) -> Response:
    me = _admin(principal)
    try:
        data = TriggerIn.model_validate(
            {
                "name": name,
                "on": on,
                "position": position,
                "hours": float(hours) if hours.strip() else None,
                "conditions": json.loads(conditions or "[]"),
                "actions": json.loads(actions or "[]"),
            }
        )
        await automation_service.create_trigger(session, me, data)
    except (KefuError, ValidationError, ValueError) as exc:
        return render(
            request,
            "admin/automation.html",
            await _automation_context(session, me, error_text(exc)),
            status=422,
        )
    return RedirectResponse("/admin/automation", status_code=303)
