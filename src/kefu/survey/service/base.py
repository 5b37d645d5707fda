"""The survey rows every path shares: creating one survey (once per dedupe key, announced by
`survey.sent`), its public link, and recording an answer (a low score opens a follow-up for
the group's supervisor). Part of the survey service; never commits."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.errors import KefuError
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import FollowUp, Survey
from kefu.models.survey import FollowUpStatus
from kefu.survey import scoring
from kefu.survey.events import FollowUpCreated, SurveyAnswered, SurveySent
from kefu.survey.repository import survey_repository as repo
from kefu.survey.schemas import LowScores


class Gone(KefuError):
    status_code = 410
    code = "survey_expired"


LOW_SCORES_KEY = "survey.low_scores"


class SurveyBase:
    async def _create(
        self,
        session: AsyncSession,
        *,
        key: str,
        kind: str,
        channel: str,
        customer_id: int | None,
        expires_days: int | None = None,
        ticket_id: int | None = None,
        conversation_id: int | None = None,
        campaign_id: int | None = None,
        campaign_run: int | None = None,
        agent_id: int | None = None,
        group_id: int | None = None,
        locale: str | None = None,
        token: str | None = None,
    ) -> tuple[Survey, bool]:
        existing = await repo.by_key(session, key)
        if existing is not None:
            return existing, False
        now = utcnow()
        days = expires_days or current_settings().survey_expire_days
        survey = Survey(
            kind=kind,
            dedupe_key=key,
            token=token or new_token(),
            channel=channel,
            customer_id=customer_id,
            ticket_id=ticket_id,
            conversation_id=conversation_id,
            campaign_id=campaign_id,
            campaign_run=campaign_run,
            agent_id=agent_id,
            group_id=group_id,
            locale=locale or "zh_CN",
            sent_at=now,
            expires_at=now + timedelta(days=days),
            comment="",
            answers={},
        )
        session.add(survey)
        await session.flush()
        await publish(
            session,
            SurveySent(
                survey_id=survey.id,
                kind=kind,
                channel=channel,
                customer_id=customer_id,
                ticket_id=ticket_id,
                conversation_id=conversation_id,
                campaign_id=campaign_id,
                agent_id=agent_id,
                group_id=group_id,
            ),
        )
        return survey, True

    def link(self, survey: Survey) -> str:
        return link_of(survey.token)

    async def _record(
        self, session: AsyncSession, survey: Survey, score: int, comment: str, answers: dict[str, Any]
    ) -> None:
        scoring.check_score(survey.kind, score)
        survey.score = score
        survey.score_100 = scoring.score_100(survey.kind, score)
        survey.comment = comment.strip()
        survey.answers = answers
        survey.answered_at = utcnow()
        await session.flush()
        await publish(
            session,
            SurveyAnswered(
                survey_id=survey.id,
                kind=survey.kind,
                score=score,
                score_100=survey.score_100,
                comment=survey.comment[:500],
                customer_id=survey.customer_id,
                ticket_id=survey.ticket_id,
                conversation_id=survey.conversation_id,
                campaign_id=survey.campaign_id,
                agent_id=survey.agent_id,
                group_id=survey.group_id,
                channel=survey.channel,
            ),
        )
        if await self.is_low_score(session, survey.kind, score):
            await self._open_followup(session, survey)

    async def low_scores(self, session: AsyncSession) -> LowScores:
        stored = await repo.setting(session, LOW_SCORES_KEY)
        data = LowScores.model_validate(stored) if stored else LowScores()
        server = current_settings()  # what an admin has not saved yet
        return LowScores(
            csat_low=data.csat_low if data.csat_low is not None else server.survey_csat_low,
            nps_low=data.nps_low if data.nps_low is not None else server.survey_nps_low,
        )

    async def save_low_scores(
        self, session: AsyncSession, principal: Principal, data: LowScores
    ) -> LowScores:
        require(principal, Perm.SETTINGS_MANAGE)
        await repo.save_setting(session, LOW_SCORES_KEY, data.model_dump(mode="json"))
        audit_service.record(session, "survey.low_scores_changed", actor=principal, detail=data.model_dump())
        return data

    async def is_low_score(self, session: AsyncSession, kind: str, score: int) -> bool:
        """At or below the admin's threshold for its kind (opens a follow-up, samples QA)."""
        low = await self.low_scores(session)
        server = current_settings()
        return scoring.is_low(
            kind,
            score,
            csat_low=server.survey_csat_low if low.csat_low is None else low.csat_low,
            nps_low=server.survey_nps_low if low.nps_low is None else low.nps_low,
        )

    async def _open_followup(self, session: AsyncSession, survey: Survey) -> FollowUp:
        existing = await repo.followup_for(session, survey.id)
        if existing is not None:
            return existing
        followup = FollowUp(
            survey_id=survey.id,
            ticket_id=survey.ticket_id,
            conversation_id=survey.conversation_id,
            group_id=survey.group_id,
            assignee_id=await repo.supervisor_for(session, survey.group_id),
            status=FollowUpStatus.OPEN,
            outcome="",
            created_at=utcnow(),
        )
        session.add(followup)
        await session.flush()
        await publish(
            session,
            FollowUpCreated(
                followup_id=followup.id,
                survey_id=survey.id,
                assignee_id=followup.assignee_id,
                group_id=followup.group_id,
                score=survey.score or 0,
                kind=survey.kind,
            ),
        )
        return followup


def new_token() -> str:
    return secrets.token_urlsafe(24)


def link_of(token: str) -> str:
    """The survey's public page (the customer answers there, no sign-in)."""
    return f"{current_settings().public_url.rstrip('/')}/s/{token}"
