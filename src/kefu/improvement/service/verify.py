"""Verifying a fix (整改后回访): when an item becomes fixed, the topic's baseline is taken and
the affected customers get a follow-up survey; the periodic check then reads the topic's
weekly volume and the survey answers (rules in improvement/verification.py). Never commits."""

from __future__ import annotations

import contextlib
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.painpoints import painpoint_service
from kefu.errors import NotFound
from kefu.improvement import verification as ver
from kefu.improvement.verification import Check, Week
from kefu.kit.time import ensure_utc
from kefu.models.improvement import ImprovementItem
from kefu.survey.service import survey_service
from kefu.ticket.service import ticket_service

MAX_SURVEYS = 200  # one item's follow-up reaches at most this many customers


class VerifyService:
    async def weekly(self, session: AsyncSession, topic: str, start: datetime, weeks: int) -> list[Week]:
        out = []
        for i in range(weeks):
            a = start + ver.WEEK * i
            volume, complaints = await painpoint_service.topic_counts(session, topic, a, a + ver.WEEK)
            out.append(Week(volume, complaints))
        return out

    async def on_fixed(self, session: AsyncSession, item: ImprovementItem) -> int:
        """Take the baseline (the 4 weeks before the item was created) and survey the affected
        customers. Returns the surveys created."""
        if item.topic:
            created = ensure_utc(item.created_at)
            weeks = await self.weekly(
                session, item.topic, created - ver.WEEK * ver.BASELINE_WEEKS, ver.BASELINE_WEEKS
            )
            item.baseline_weekly, item.baseline_complaint_rate = ver.baseline(weeks)
        sent = 0
        seen: set[int] = set()
        for ticket_id in item.ticket_ids or []:
            if len(seen) >= MAX_SURVEYS:
                break
            try:
                ticket = await ticket_service.get(session, None, ticket_id)
            except NotFound:
                continue
            if ticket.customer_id is None or ticket.customer_id in seen:
                continue
            seen.add(ticket.customer_id)
            with contextlib.suppress(NotFound):
                survey = await survey_service.improvement_followup(
                    session, item_id=item.id, customer_id=ticket.customer_id, subject=item.title
                )
                sent += survey is not None
        return sent

    async def survey_scores(self, session: AsyncSession, item_id: int) -> tuple[int, list[int]]:
        return await survey_service.improvement_scores(session, item_id)

    async def check(self, session: AsyncSession, item: ImprovementItem, now: datetime) -> tuple[Check, Check]:
        """(volume check, survey check) of a fixed item at `now`."""
        volume = Check.NONE
        if item.topic and item.fixed_at is not None and item.baseline_weekly is not None:
            spans = ver.windows(ensure_utc(item.fixed_at), now, item.verify_weeks)
            seen = [Week(*await painpoint_service.topic_counts(session, item.topic, a, b)) for a, b in spans]
            volume = ver.volume_check(
                seen, item.verify_weeks, item.baseline_weekly, item.baseline_complaint_rate, item.verify_ratio
            )
        sent, scores = await self.survey_scores(session, item.id)
        return volume, ver.survey_check(scores, sent, item.survey_threshold)


verify_service = VerifyService()
