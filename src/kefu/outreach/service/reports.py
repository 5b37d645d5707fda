"""服务升级报告 (plan 002), the customer-facing report: what changed because of customers'
feedback (pain points marked addressed, with their contacts a day before and after) and how
response times moved, drafted from the internal monthly report's figures. An editor edits
the draft, an admin approves it, and only a published report is visible (public page) or
sent (the `service_report` journeys, to consenting customers). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.painpoints import painpoint_service
from kefu.analytics.service import analytics_service, timezone
from kefu.analytics.windows import month_periods
from kefu.audit.service import audit_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.config import current_settings
from kefu.errors import Conflict, NotFound
from kefu.kit.time import utcnow
from kefu.models.outreach import ReportStatus, ServiceReport
from kefu.outreach.schemas import ReportEditIn
from kefu.outreach.service import outreach_service

FIGURES = ("first_reply_seconds_p50", "resolution_seconds_p50", "csat", "fcr_rate")
PATH = "/service-report/"


def report_url(period: str) -> str:
    return current_settings().public_url.rstrip("/") + PATH + period


# How each figure reads: a duration, a 0..1 rate or a 1..5 score. The label is the catalog id
# `report_figure_<name>` (the page shows it in the reader's language, never the code).
KINDS = {
    "first_reply_seconds_p50": "duration",
    "resolution_seconds_p50": "duration",
    "csat": "score",
    "fcr_rate": "rate",
}


def _value(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def report_figures(report: ServiceReport) -> list[dict[str, Any]]:
    """The response-time rows, this month and the month before: `name` (labelled with the
    `label("report_figure")` filter), `kind` (duration / rate / score: which filter reads it)
    and the raw values, so the page formats them in its own language (2小时5分 / 2 h 5 min)."""
    rows = []
    for name in FIGURES:
        pair = (report.figures or {}).get(name) or {}
        rows.append(
            {
                "name": name,
                "kind": KINDS[name],
                "now": _value(pair.get("now")),
                "before": _value(pair.get("before")),
            }
        )
    return rows


class ServiceReportService:
    async def _get(self, session: AsyncSession, report_id: int, *, lock: bool = False) -> ServiceReport:
        report = await session.get(ServiceReport, report_id, with_for_update=lock)
        if report is None:
            raise NotFound("report not found", code="report_not_found")
        return report

    async def all_reports(self, session: AsyncSession, principal: Principal) -> Sequence[ServiceReport]:
        require(principal, Perm.REPORTS_READ)
        stmt = select(ServiceReport).order_by(ServiceReport.period.desc())
        return (await session.execute(stmt)).scalars().all()

    async def get(self, session: AsyncSession, principal: Principal, report_id: int) -> ServiceReport:
        require(principal, Perm.REPORTS_READ)
        return await self._get(session, report_id)

    async def draft(self, session: AsyncSession, principal: Principal, period: str) -> ServiceReport:
        """A draft from the month's internal figures (or the draft's figures refreshed; the
        editor's text is kept). An approved or published month is a 409."""
        require(principal, Perm.REPORTS_READ)
        existing = (
            await session.execute(select(ServiceReport).where(ServiceReport.period == period))
        ).scalar_one_or_none()
        if existing is not None and existing.status != ReportStatus.DRAFT:
            raise Conflict("this month's report is already approved", code="report_not_draft")
        figures, items = await self._snapshot(session, period)
        if existing is None:
            existing = ServiceReport(
                period=period,
                title=f"{period} 服务升级报告",
                intro="感谢您的每一条反馈。以下是我们根据大家的意见在本月做出的改进。",
                items=items,
                status=ReportStatus.DRAFT,
                created_at=utcnow(),
            )
            session.add(existing)
        elif not existing.items:
            existing.items = items
        existing.figures = figures
        await session.flush()
        audit_service.record(
            session,
            "service_report.drafted",
            actor=principal,
            target_type="service_report",
            target_id=existing.id,
        )
        return existing

    async def _snapshot(
        self, session: AsyncSession, period: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        tz = timezone()
        periods = month_periods(date.fromisoformat(f"{period}-01"), utcnow(), tz)
        now = await analytics_service.summary(session, SYSTEM, periods.start, periods.end, {})
        before = await analytics_service.summary(
            session, SYSTEM, periods.before_start, periods.before_end, {}
        )
        figures = {name: {"now": now.get(name), "before": before.get(name)} for name in FIGURES}
        pains = await painpoint_service.ranked(session, SYSTEM, periods.start, periods.end, limit=20)
        items = [
            {
                "text": (p.get("note") or p["title"])[:500],
                "per_day_before": p.get("per_day_before"),
                "per_day_after": p.get("per_day_after"),
            }
            for p in pains
            if p.get("addressed_at")
        ]
        return figures, items

    async def edit(
        self, session: AsyncSession, principal: Principal, report_id: int, data: ReportEditIn
    ) -> ServiceReport:
        """The editor's text; an approved report goes back to draft (approve again)."""
        require(principal, Perm.REPORTS_READ)
        report = await self._get(session, report_id, lock=True)
        if report.status == ReportStatus.PUBLISHED:
            raise Conflict("a published report is not changed", code="report_published")
        report.title, report.intro = data.title, data.intro
        report.items = [i.model_dump() for i in data.items]
        report.status, report.approved_at, report.approved_by_id = ReportStatus.DRAFT, None, None
        await session.flush()
        return report

    async def approve(self, session: AsyncSession, principal: Principal, report_id: int) -> ServiceReport:
        require(principal, Perm.SETTINGS_MANAGE)
        report = await self._get(session, report_id, lock=True)
        if report.status != ReportStatus.DRAFT:
            raise Conflict(f"the report is {report.status}", code="report_not_draft")
        report.status, report.approved_at, report.approved_by_id = (
            ReportStatus.APPROVED,
            utcnow(),
            principal.user_id or None,
        )
        audit_service.record(
            session,
            "service_report.approved",
            actor=principal,
            target_type="service_report",
            target_id=report.id,
        )
        return report

    async def publish(
        self, session: AsyncSession, principal: Principal, report_id: int
    ) -> tuple[ServiceReport, int]:
        """The public page, and the sends of the `service_report` journeys (once per month)."""
        require(principal, Perm.SETTINGS_MANAGE)
        report = await self._get(session, report_id, lock=True)
        if report.status != ReportStatus.APPROVED:
            raise Conflict("only an approved report is published", code="report_not_approved")
        report.status, report.published_at = ReportStatus.PUBLISHED, utcnow()
        planned = await outreach_service.report_published(session, report.period, report_url(report.period))
        audit_service.record(
            session,
            "service_report.published",
            actor=principal,
            target_type="service_report",
            target_id=report.id,
            detail={"planned": planned},
        )
        return report, planned

    async def public(self, session: AsyncSession, period: str | None) -> ServiceReport:
        """A published report (the newest when no month is given); anything else is a 404."""
        stmt = select(ServiceReport).where(ServiceReport.status == ReportStatus.PUBLISHED)
        if period:
            stmt = stmt.where(ServiceReport.period == period)
        report = (
            await session.execute(stmt.order_by(ServiceReport.period.desc()).limit(1))
        ).scalar_one_or_none()
        if report is None:
            raise NotFound("report not found", code="report_not_found")
        return report


service_report_service = ServiceReportService()
