"""Reports: the historical summary with goals, owners and customer value, the monthly
服务升级报告 and pain points. Every number comes from the same service call as the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kefu.analytics.customer_value import cny, cohort_label
from kefu.analytics.metrics import SUMMARY_FIELDS, format_value
from kefu.analytics.owners import owner_report_service
from kefu.analytics.painpoints import painpoint_service
from kefu.analytics.schemas import PainPointAddressed
from kefu.analytics.service import analytics_service, resolve_range, timezone
from kefu.analytics.value_service import customer_value_service
from kefu.analytics.windows import month_periods
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unprocessable
from kefu.goals.service import goal_service
from kefu.improvement.service import improvement_service
from kefu.kit.humanize import duration, label, percent
from kefu.kit.time import utcnow
from kefu.models.ticket import Channel
from kefu.team.service import team_service
from kefu.web.access import staff
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=40)]
KINDS = dict(SUMMARY_FIELDS)


def _inputs(frm: datetime, to: datetime) -> dict[str, str]:
    """Date-input values: `to` is exclusive in the API, the inclusive last day on screen."""
    tz = timezone()
    last = (to - timedelta(microseconds=1)).astimezone(tz).date()
    return {"from": frm.astimezone(tz).date().isoformat(), "to": last.isoformat()}


def _rows(data: dict[str, Any], locale: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "kind": kind,
            "value": data.get(name),
            "text": format_value(data.get(name), kind, locale),
        }
        for name, kind in SUMMARY_FIELDS
    ]


@router.get("/reports")
async def reports(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Text = None,
) -> Response:
    actor = staff(principal, "supervisor", "admin")
    try:
        frm, end = resolve_range(start, to)
        data = await analytics_service.summary(session, actor, frm, end, {})
    except KefuError as exc:
        if exc.status_code != 422:
            raise
        return render(
            request,
            "reports/index.html",
            {"error": exc.message, "data": None, "rows": [], "inputs": {"from": start or "", "to": to or ""}},
            status=422,
        )
    groups = {str(g.id): g.name for g in await team_service.list_groups(session)}
    goals = await goal_service.attainment(session, actor, frm, end, locale=request_locale(request))
    # 痛点解决率 = verified ÷ due improvement items over the same days (docs/improvement.md).
    tz = timezone()
    solve_rate = await improvement_service.kpi(
        session,
        actor,
        frm.astimezone(tz).date(),
        (end - timedelta(microseconds=1)).astimezone(tz).date() + timedelta(days=1),
    )
    owners = _owner_rows(await owner_report_service.report(session, actor, frm, end), request_locale(request))
    value = _value_rows(
        await customer_value_service.report(session, actor, frm, end), request_locale(request)
    )
    return render(
        request,
        "reports/index.html",
        {
            "error": None,
            "goals": goals,
            "solve_rate": solve_rate,
            "owners": owners,
            "value": value,
            "data": data,
            "rows": _rows(data, request_locale(request)),
            "inputs": _inputs(frm, end),
            "query": f"from={frm.isoformat()}&to={end.isoformat()}".replace("+", "%2B"),
            "channels": {c.value: label("channel", c.value, request_locale(request)) for c in Channel},
            "groups": groups,
        },
    )


def _owner_rows(rows: list[dict[str, Any]], locale: str) -> list[dict[str, Any]]:
    """The owner report in units people read (percentages, 2天3小时)."""
    return [
        {
            **r,
            "fcr_text": percent(r["fcr_rate"]),
            "solve_text": duration(
                r["median_hours_to_solve"] * 3600 if r["median_hours_to_solve"] is not None else None,
                locale,
            ),
            "accepted_text": percent(r["accepted_rate"]),
            "specialist_text": percent(r["specialist_compliance"]),
        }
        for r in rows
    ]


def _value_rows(data: dict[str, Any], locale: str) -> dict[str, Any]:
    """The customer-value report with amounts in yuan (¥12,345) and readable tiers and quarters."""

    def money(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "ltv_text": cny(r["lifetime_value_cny"]), "revenue_text": cny(r["revenue_cny"])}

    return {
        "total": money(data["total"]),
        "tiers": [{**money(r), "name": label("tier", r["tier"], locale)} for r in data["tiers"]],
        "cohorts": [{**money(r), "name": cohort_label(r["cohort"], locale)} for r in data["cohorts"]],
    }


@router.get("/reports/monthly")
async def monthly(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    month: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    actor = staff(principal, "supervisor", "admin")
    tz = timezone()
    locale = request_locale(request)
    try:
        first = date.fromisoformat(f"{month}-01") if month else datetime.now(tz).date().replace(day=1)
        if not 1900 <= first.year <= 2200:
            raise ValueError(month)
    except ValueError as exc:
        raise Unprocessable("month must look like 2026-11", code="invalid_month") from exc
    nxt = (first + timedelta(days=32)).replace(day=1)
    prev = (first - timedelta(days=1)).replace(day=1)
    periods = month_periods(first, utcnow(), tz)
    frm, end = periods.start, periods.end
    data = await analytics_service.summary(session, actor, frm, end, {})
    before = await analytics_service.summary(session, actor, periods.before_start, periods.before_end, {})
    by_group = await analytics_service.breakdown(session, actor, frm, end, "group")
    by_channel = await analytics_service.breakdown(session, actor, frm, end, "channel")
    pains = await painpoint_service.ranked(session, actor, frm, end, limit=10)
    groups = {str(g.id): g.name for g in await team_service.list_groups(session)}
    goals = await goal_service.attainment(
        session, actor, frm, end, before=(periods.before_start, periods.before_end), locale=locale
    )
    return render(
        request,
        "reports/monthly.html",
        {
            "month": first.strftime("%Y-%m"),
            "prev_month": prev.strftime("%Y-%m"),
            "next_month": nxt.strftime("%Y-%m"),
            "current_label": _period_label(periods.start, periods.end, tz, locale),
            "before_label": _period_label(periods.before_start, periods.before_end, tz, locale),
            "to_date": periods.to_date,
            "rows": [
                {**r, "before": format_value(before.get(r["name"]), r["kind"], locale)}
                for r in _rows(data, locale)
            ],
            "data": data,
            "goals": goals,
            "by_group": [{**g, "name": groups.get(g["key"], g["key"])} for g in by_group],
            "by_channel": [{**c, "name": label("channel", c["key"], locale)} for c in by_channel],
            "pains": pains,
        },
    )


def _period_label(start: datetime, end: datetime, tz: ZoneInfo, locale: str) -> str:
    """`11月1日–11月2日 10:00` / `Nov 1 – Nov 2 10:00`: the stretch a column covers."""
    a = start.astimezone(tz)
    b = (end - timedelta(seconds=1)).astimezone(tz)
    ends_at_midnight = end.astimezone(tz).time() == time()
    if locale == "zh_CN":
        text = f"{a.month}月{a.day}日–{b.month}月{b.day}日"
    else:
        text = f"{a:%b} {a.day} – {b:%b} {b.day}"
    return text if ends_at_midnight else f"{text} {end.astimezone(tz):%H:%M}"


@router.get("/reports/pain-points")
async def pain_points(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Text = None,
) -> Response:
    actor = staff(principal, "supervisor", "admin")
    frm, end = resolve_range(start, to)
    items = await painpoint_service.ranked(session, actor, frm, end, limit=30)
    return render(request, "reports/painpoints.html", {"items": items, "inputs": _inputs(frm, end)})


@router.post("/reports/pain-points/addressed")
async def pain_point_addressed(
    session: Session,
    principal: OptionalPrincipal,
    topic: Annotated[str, Form(min_length=1, max_length=200)],
    title: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    actor = staff(principal, "supervisor", "admin")
    await painpoint_service.mark_addressed(session, actor, PainPointAddressed(topic=topic, title=title))
    return RedirectResponse("/reports/pain-points", status_code=303)
