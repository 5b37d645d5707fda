"""Where improvement items come from: a pain point (the report's button), a QA review's
finding (限期整改), an SLA breach pattern (a report row), a low-CSAT answer attributed to a
responsible party or supplier. Creating twice from the same source gives the existing open
item back. Never commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.painpoints import painpoint_service
from kefu.analytics.service import timezone
from kefu.analytics.windows import day_start
from kefu.authz import Perm, Principal, require
from kefu.errors import NotFound, Unprocessable
from kefu.improvement.patterns import Breach, Pattern, patterns
from kefu.improvement.repository import improvement_repository as repo
from kefu.improvement.schemas import FromPainPoint, FromQaReview, FromSlaPattern, FromSurvey, ItemIn
from kefu.improvement.service.common import today
from kefu.improvement.service.items import improvement_service
from kefu.kit.humanize import label
from kefu.models.improvement import ImprovementItem, ItemSource
from kefu.quality.service import quality_service
from kefu.sla.service import sla_service
from kefu.survey.service import survey_service
from kefu.team.service import team_service

DEFAULT_DAYS = 14  # a corrective action is due two weeks out unless the supervisor says otherwise
REPORT_DAYS = 30


def _due(given: date | None) -> date:
    return given or today() + timedelta(days=DEFAULT_DAYS)


class SourceService:
    async def from_painpoint(
        self, session: AsyncSession, principal: Principal, data: FromPainPoint
    ) -> tuple[ImprovementItem, bool]:
        """An item for a pain-point topic; its tickets are the affected customers'."""
        require(principal, Perm.IMPROVEMENT_MANAGE)
        existing = await repo.by_source(session, ItemSource.PAINPOINT, data.topic)
        if existing is not None:
            return existing, False
        tz = timezone()
        end = data.end or today()
        first = data.start or end - timedelta(days=REPORT_DAYS - 1)
        if end < first:
            raise Unprocessable("`to` must be after `from`", code="invalid_range")
        ranked = await painpoint_service.ranked(
            session, principal, day_start(first, tz), day_start(end + timedelta(days=1), tz), limit=50
        )
        topic = next((p for p in ranked if p["topic"] == data.topic), None)
        title = data.title or (topic["title"] if topic else data.topic.partition(":")[2])
        description = ""
        if topic is not None:
            description = (
                f"痛点：{topic['title']}，{first.isoformat()} 至 {end.isoformat()} "
                f"共 {topic['volume']} 次咨询，"
                f"投诉率 {round(topic['complaint_rate'] * 100)}%。"
            )
        item = await improvement_service.create(
            session,
            principal,
            ItemIn(
                source="painpoint",
                source_ref=data.topic,
                title=f"痛点整改：{title}"[:200],
                description=description,
                topic=data.topic,
                ticket_ids=list(topic["ticket_ids"]) if topic else [],
                due_date=_due(None),
            ),
        )
        return item, True

    async def from_qa_review(
        self, session: AsyncSession, principal: Principal, data: FromQaReview
    ) -> tuple[ImprovementItem, bool]:
        """限期整改 for a QA review: owned by the reviewed agent, due by the given date."""
        require(principal, Perm.IMPROVEMENT_MANAGE)
        review = await quality_service.review_out(session, principal, data.review_id)  # 404
        ref = str(review.id)
        existing = await repo.by_source(session, ItemSource.QA, ref)
        if existing is not None:
            return existing, False
        score = f"{review.total} 分" if review.total is not None else "未评分"
        item = await improvement_service.create(
            session,
            principal,
            ItemIn(
                source="qa",
                source_ref=ref,
                title=f"质检限期整改：{review.agent_name or '坐席'}（质检 #{review.id}）"[:200],
                description=f"质检得分 {score}。{review.comment}".strip(),
                owner_id=review.agent_id,
                action_plan=data.action_plan,
                due_date=_due(data.due_date),
                ticket_ids=[review.ticket_id] if review.ticket_id else [],
            ),
        )
        return item, True

    async def sla_patterns(
        self, session: AsyncSession, principal: Principal, first: date, end: date
    ) -> list[Pattern]:
        """The breaches of the local days [first, end) grouped into patterns."""
        require(principal, Perm.REPORTS_READ)
        if end <= first or (end - first).days > 366:
            raise Unprocessable("the period must be one day to one year", code="invalid_range")
        tz = timezone()
        groups = {g.id: g.name for g in await team_service.list_groups(session)}
        rows = await sla_service.breaches(session, day_start(first, tz), day_start(end, tz))
        return patterns(Breach(t, m, c, groups.get(g or 0, "")) for t, m, c, g in rows)

    async def from_sla_pattern(
        self, session: AsyncSession, principal: Principal, data: FromSlaPattern
    ) -> tuple[ImprovementItem, bool]:
        require(principal, Perm.IMPROVEMENT_MANAGE)
        found = next(
            (
                p
                for p in await self.sla_patterns(session, principal, data.start, data.end + timedelta(days=1))
                if p.key == data.key
            ),
            None,
        )
        if found is None:
            raise NotFound("no such SLA breach pattern in this period", code="pattern_not_found")
        existing = await repo.by_source(session, ItemSource.SLA, found.key)
        if existing is not None:
            return existing, False
        metric = label("metric", found.metric, "zh_CN")
        where = found.value or "未分类"
        item = await improvement_service.create(
            session,
            principal,
            ItemIn(
                source="sla",
                source_ref=found.key,
                title=f"SLA 限期整改：{where} {metric}超时"[:200],
                description=(
                    f"{data.start.isoformat()} 至 {data.end.isoformat()}，{where} 的{metric}"
                    f"共超时 {found.count} 单。"
                ),
                due_date=_due(data.due_date),
                ticket_ids=found.ticket_ids[:200],
            ),
        )
        return item, True

    async def from_survey(
        self, session: AsyncSession, principal: Principal, data: FromSurvey
    ) -> tuple[ImprovementItem, bool]:
        """A low-CSAT answer's reason, attributed to a responsible party or supplier."""
        require(principal, Perm.IMPROVEMENT_MANAGE)
        survey = await survey_service.get(session, principal, data.survey_id)  # 404
        if survey.score is None:
            raise Unprocessable("this survey has no answer yet", code="survey_unanswered")
        ref = str(survey.id)
        existing = await repo.by_source(session, ItemSource.CSAT, ref)
        if existing is not None:
            return existing, False
        reason = survey.comment or "（客户未填写原因）"
        item = await improvement_service.create(
            session,
            principal,
            ItemIn(
                source="csat",
                source_ref=ref,
                title=f"低满意度原因：{reason}"[:200],
                description=f"客户评分 {survey.score} 分。原因：{reason}",
                department_id=data.department_id,
                due_date=_due(data.due_date),
                ticket_ids=[survey.ticket_id] if survey.ticket_id else [],
            ),
        )
        return item, True


source_service = SourceService()
