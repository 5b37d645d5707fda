"""The survey rows every path shares: creating one survey (once per dedupe key, announced by
`survey.sent`), its public link, and recording an answer (a low score opens a follow-up for
the group's supervisor). Part of the survey service; never commits."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.errors import KefuError
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import FollowUp, Survey
from kefu.models.survey import FollowUpStatus
from kefu.survey import scoring
from kefu.survey.events import FollowUpCreated, SurveyAnswered, SurveySent
from kefu.survey.repository import survey_repository as repo


class Gone(KefuError):
    status_code = 410
    code = "survey_expired"


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
        settings = current_settings()
        if scoring.is_low(
            survey.kind, score, csat_low=settings.survey_csat_low, nps_low=settings.survey_nps_low
        ):
            await self._open_followup(session, survey)

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
