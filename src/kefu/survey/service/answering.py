"""Answering a survey through its link, part of the survey service: 404 unknown, 403 another
customer's, 410 expired, 409 answered twice; the campaign's own questions are checked.
Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.errors import Conflict, Forbidden, NotFound
from kefu.kit.time import utcnow
from kefu.models import Survey
from kefu.survey import scoring
from kefu.survey.questions import check_answers
from kefu.survey.repository import survey_repository as repo
from kefu.survey.schemas import SurveyAnswer
from kefu.survey.service.base import Gone, SurveyBase


class AnsweringMixin(SurveyBase):
    async def _for_token(
        self, session: AsyncSession, token: str, principal: Principal | None, *, lock: bool
    ) -> Survey:
        survey = await repo.by_token(session, token[:64], lock=lock) if token else None
        if survey is None:
            raise NotFound("问卷不存在或链接无效 / this survey link is not valid", code="survey_not_found")
        if (
            principal is not None
            and principal.kind == "customer"
            and principal.customer_id != survey.customer_id
        ):
            raise Forbidden(
                "这份问卷不属于当前登录的账户 / this survey belongs to another customer",
                code="survey_foreign",
            )
        return survey

    async def questions_of(self, session: AsyncSession, survey: Survey) -> list[dict[str, Any]]:
        if survey.campaign_id is None:
            return []
        campaign = await repo.campaign(session, survey.campaign_id)
        return list(campaign.questions) if campaign else []

    async def open(self, session: AsyncSession, token: str, principal: Principal | None) -> Survey:
        """The survey behind a link, for the answer page: 404 unknown, 403 foreign, 410 expired
        (an answered survey is returned; the page thanks instead of asking again)."""
        survey = await self._for_token(session, token, principal, lock=False)
        if survey.answered_at is None and survey.expires_at <= utcnow():
            raise Gone("问卷已过期 / this survey has expired")
        return survey

    async def answer(
        self, session: AsyncSession, token: str, data: SurveyAnswer, principal: Principal | None
    ) -> Survey:
        survey = await self._for_token(session, token, principal, lock=True)
        if survey.answered_at is not None:
            raise Conflict(
                "您已经提交过这份问卷，感谢！/ this survey was already answered", code="survey_answered"
            )
        if survey.expires_at <= utcnow():
            raise Gone("问卷已过期 / this survey has expired")
        scoring.check_score(survey.kind, data.score)
        answers = check_answers(await self.questions_of(session, survey), data.answers)
        await self._record(session, survey, data.score, data.comment, answers)
        return survey
