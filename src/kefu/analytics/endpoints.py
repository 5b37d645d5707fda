"""/api/v1/analytics: summary (JSON and CSV), breakdowns, live numbers, pain points."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from kefu.analytics.metrics import SUMMARY_FIELDS, format_value
from kefu.analytics.owners import owner_report_service
from kefu.analytics.painpoints import painpoint_service
from kefu.analytics.schemas import PainPointAddressed
from kefu.analytics.service import analytics_service, parse_only, resolve_range, timezone
from kefu.analytics.value_export import customer_value_csv
from kefu.analytics.value_service import customer_value_service
from kefu.deps import CurrentPrincipal, Session
from kefu.kit.i18n import normalize_locale, translations
from kefu.kit.schemas import MAX_ID

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

From = Annotated[str | None, Query(alias="from", max_length=40, description="ISO 8601; default 30 days ago")]
To = Annotated[str | None, Query(max_length=40, description="ISO 8601 (exclusive); a bare date is inclusive")]
Text = Annotated[str | None, Query(max_length=120)]
Id = Annotated[int | None, Query(ge=1, le=MAX_ID)]
EXTRA_FIELDS = ("backlog", "backlog_age_seconds_p50", "backlog_age_seconds_p90", "percentiles_exact")


def slice_of(
    channel: str | None, group_id: Id | None, agent_id: Id | None, category: str | None, tier: str | None
) -> dict[str, str]:
    return parse_only(
        {"channel": channel, "group": group_id, "agent": agent_id, "category": category, "tier": tier}
    )


@dataclass(frozen=True)
class SummaryQuery:
    frm: datetime
    end: datetime
    only: dict[str, str]


def summary_query(
    start: From = None,
    to: To = None,
    channel: Text = None,
    group_id: Id = None,
    agent_id: Id = None,
    category: Text = None,
    tier: Text = None,
) -> SummaryQuery:
    """The range and slice filters shared by the summary and its CSV export."""
    frm, end = resolve_range(start, to)
    return SummaryQuery(frm, end, slice_of(channel, group_id, agent_id, category, tier))


Summary = Annotated[SummaryQuery, Depends(summary_query)]


def summary_csv(data: dict[str, Any], lang: str | None = None) -> str:
    """metric,value rows with the very values of the JSON summary (for integrations), or,
    with `lang`, a sheet for people: translated names and readable values first, the
    machine key last (`指标,数值,指标代码`), with a BOM so spreadsheet programs read UTF-8."""
    if lang:
        return _people_csv(data, normalize_locale(lang))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "value"])
    writer.writerow(["from", data["from"].isoformat()])
    writer.writerow(["to", data["to"].isoformat()])
    for name in [f for f, _ in SUMMARY_FIELDS] + list(EXTRA_FIELDS):
        value = data.get(name)
        writer.writerow(
            [name, "" if value is None else str(value).lower() if isinstance(value, bool) else value]
        )
    return out.getvalue()


def _people_csv(data: dict[str, Any], locale: str) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    _ = translations(locale).gettext
    writer.writerow([_("Metric"), _("Value"), _("Metric id")])
    tz = timezone()
    writer.writerow([_("From"), f"{data['from'].astimezone(tz):%Y-%m-%d %H:%M}", "from"])
    writer.writerow([_("To"), f"{data['to'].astimezone(tz):%Y-%m-%d %H:%M}", "to"])
    for name, kind in SUMMARY_FIELDS:
        writer.writerow([_(f"metric.{name}"), format_value(data.get(name), kind, locale), name])
    return out.getvalue()


@router.get("/summary")
async def summary(
    principal: CurrentPrincipal,
    session: Session,
    q: Summary,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    data = await analytics_service.summary(session, principal, q.frm, q.end, q.only)
    if format == "csv":
        return _csv_response(data, None)
    return data


Lang = Annotated[
    str | None,
    Query(pattern="^(zh|zh_CN|zh-CN|en)$", description="a sheet for people in this language"),
]


@router.get("/summary.csv")
async def summary_export(
    principal: CurrentPrincipal, session: Session, q: Summary, lang: Lang = None
) -> Response:
    return _csv_response(await analytics_service.summary(session, principal, q.frm, q.end, q.only), lang)


def _csv_response(data: dict[str, Any], lang: str | None) -> Response:
    name = f"kefu-summary-{data['from']:%Y%m%d}-{data['to']:%Y%m%d}.csv"
    return Response(
        summary_csv(data, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/breakdown")
async def breakdown(
    principal: CurrentPrincipal,
    session: Session,
    by: Annotated[str, Query(pattern="^(channel|group|agent|category|tier|day|week)$")],
    start: From = None,
    to: To = None,
) -> dict[str, Any]:
    frm, end = resolve_range(start, to)
    return {"by": by, "items": await analytics_service.breakdown(session, principal, frm, end, by)}


@router.get("/me")
async def my_stats(principal: CurrentPrincipal, session: Session, start: From = None, to: To = None) -> Any:
    frm, end = resolve_range(start, to)
    return await analytics_service.summary(session, principal, frm, end, {"agent": str(principal.id)})


@router.get("/live")
async def live(principal: CurrentPrincipal, session: Session) -> dict[str, Any]:
    return await analytics_service.live(session, principal)


@router.get("/owners")
async def owners(
    principal: CurrentPrincipal, session: Session, start: From = None, to: To = None
) -> dict[str, Any]:
    """首问负责制 by owner: solved, first-contact resolution, time to solve, acceptance and
    the specialist-engaged clocks of their tickets."""
    frm, end = resolve_range(start, to)
    return {"items": await owner_report_service.report(session, principal, frm, end)}


@router.get("/customer-value")
async def customer_value(
    principal: CurrentPrincipal, session: Session, start: From = None, to: To = None
) -> dict[str, Any]:
    """Repurchase, churn, lifetime value and the high tier's revenue share, by loyalty tier
    and first-purchase quarter (docs/customer-value.md)."""
    frm, end = resolve_range(start, to)
    return await customer_value_service.report(session, principal, frm, end)


@router.get("/customer-value.csv")
async def customer_value_export(
    principal: CurrentPrincipal, session: Session, start: From = None, to: To = None, lang: Lang = None
) -> Response:
    frm, end = resolve_range(start, to)
    data = await customer_value_service.report(session, principal, frm, end)
    name = f"kefu-customer-value-{frm:%Y%m%d}-{end:%Y%m%d}.csv"
    return Response(
        customer_value_csv(data, normalize_locale(lang or "zh_CN")),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/pain-points")
async def pain_points(
    principal: CurrentPrincipal,
    session: Session,
    start: From = None,
    to: To = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    frm, end = resolve_range(start, to)
    return {"items": await painpoint_service.ranked(session, principal, frm, end, limit=limit)}


@router.post("/pain-points/addressed")
async def mark_addressed(
    body: PainPointAddressed, principal: CurrentPrincipal, session: Session
) -> dict[str, Any]:
    return await painpoint_service.mark_addressed(session, principal, body)
