"""An agent's own numbers (/me/stats): today, the last 7 and 30 days."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.analytics.metrics import SUMMARY_FIELDS, format_value
from kefu.analytics.service import analytics_service, timezone
from kefu.analytics.windows import day_start
from kefu.deps import OptionalPrincipal, Session
from kefu.web.access import staff
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)


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


@router.get("/me/stats")
async def my_stats(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    actor = staff(principal)
    tz = timezone()
    today = datetime.now(tz).date()
    only = {"agent": str(actor.id)}
    periods = []
    for name, days in (("Today", 0), ("Last 7 days", 6), ("Last 30 days", 29)):
        frm = day_start(today - timedelta(days=days), tz)
        end = day_start(today + timedelta(days=1), tz)
        periods.append((name, await analytics_service.summary(session, actor, frm, end, only)))
    return render(
        request,
        "analytics/me.html",
        {
            "periods": [(name, _rows(d, request_locale(request))) for name, d in periods],
            "fields": [n for n, _ in SUMMARY_FIELDS if n in MY_FIELDS],
        },
    )


MY_FIELDS = {
    "tickets_solved",
    "first_reply_seconds_p50",
    "next_reply_seconds_p50",
    "resolution_seconds_p50",
    "handle_time_seconds_avg",
    "fcr_rate",
    "reopen_rate",
    "sla_compliance",
    "csat",
    "csat_responses",
    "occupancy",
}
