"""Reading surveys, part of the survey service: low scores for quality sampling, a customer's
open surveys, staff search (agents see their own), response rates with CSAT and NPS, and the
scores the training dashboard and improvement items read. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require_staff
from kefu.errors import KefuError, NotFound
from kefu.kit.time import utcnow
from kefu.models import Survey
from kefu.models.survey import SurveyKind
from kefu.survey import scoring
from kefu.survey.repository import survey_repository as repo
from kefu.survey.schemas import ResponseRate
from kefu.survey.service.base import SurveyBase


class ReadingMixin(SurveyBase):
    async def low_score_for(
        self, session: AsyncSession, *, conversation_id: int | None, ticket_id: int | None
    ) -> bool:
        """Whether the customer gave this chat/ticket a low score (quality samples it)."""
        for key in (
            f"chat:{conversation_id}" if conversation_id else None,
            f"ticket:{ticket_id}" if ticket_id else None,
        ):
            survey = await repo.by_key(session, key) if key else None
            if (
                survey is not None
                and survey.score is not None
                and await self.is_low_score(session, survey.kind, survey.score)
            ):
                return True
        return False

    async def for_customer(self, session: AsyncSession, customer_id: int) -> Sequence[Survey]:
        return await repo.for_customer(session, customer_id, open_at=utcnow())

    async def get(self, session: AsyncSession, principal: Principal, survey_id: int) -> Survey:
        require_staff(principal)
        survey = await repo.get(session, survey_id)
        if survey is None or not self._may_read(principal, survey.agent_id):
            raise NotFound("问卷不存在 / survey not found")
        return survey

    @staticmethod
    def _may_read(principal: Principal, agent_id: int | None) -> bool:
        return principal.can(Perm.REPORTS_READ) or agent_id == principal.id

    async def search(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        kind: str | None = None,
        answered: bool | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        agent_id: int | None = None,
        group_id: int | None = None,
        limit: int = 100,
    ) -> Sequence[Survey]:
        require_staff(principal)
        if not principal.can(Perm.REPORTS_READ):
            agent_id = principal.id  # agents read their own feedback
        return await repo.search(
            session,
            kind=kind,
            answered=answered,
            start=start,
            end=end,
            agent_id=agent_id,
            group_id=group_id,
            limit=limit,
        )

    async def response_rate(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        kind: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        agent_id: int | None = None,
        group_id: int | None = None,
    ) -> ResponseRate:
        require_staff(principal)
        if not principal.can(Perm.REPORTS_READ):
            agent_id = principal.id
        if start is not None and end is not None and end <= start:
            raise KefuError("结束时间须晚于开始时间 / `to` must be after `from`", 422, code="bad_range")
        args: dict[str, Any] = {"start": start, "end": end, "agent_id": agent_id, "group_id": group_id}
        sent, answered = await repo.counts(session, kind=kind, **args)
        out = ResponseRate(
            kind=kind, sent=sent, answered=answered, rate=round(answered / sent, 4) if sent else None
        )
        if kind in (None, "csat"):
            csat = await repo.scores(session, kind="csat", **args)
            out.csat_percent = scoring.csat_percent(csat)
            out.csat_100 = round(sum((s - 1) * 25 for s in csat) / len(csat), 1) if csat else None
        if kind in (None, "nps"):
            out.nps = scoring.nps(await repo.scores(session, kind="nps", **args))
        return out

    async def agent_csat(self, session: AsyncSession, agent_ids: list[int]) -> dict[int, list[int]]:
        """Every answered CSAT score (1..5) per agent: the training dashboard sets it beside the
        agent's exam results."""
        return {
            a: await repo.scores(
                session, kind=SurveyKind.CSAT, start=None, end=None, agent_id=a, group_id=None
            )
            for a in agent_ids
        }

    async def improvement_scores(self, session: AsyncSession, item_id: int) -> tuple[int, list[int]]:
        """(follow-up surveys sent, their answered scores 1..5) of one improvement item."""
        surveys = await repo.by_key_prefix(session, f"improvement:{item_id}:")
        return len(surveys), [s.score for s in surveys if s.score is not None]
