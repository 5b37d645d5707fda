"""Survey events: sent, answered (webhooks and the wallboard subscribe), follow-ups."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit import channels, notice_frames
from kefu.kit.events import DomainEvent, on_commit, register
from kefu.kit.realtime import get_bus


class _SurveyEvent(DomainEvent):
    aggregate: ClassVar[str] = "survey"
    survey_id: int

    def aggregate_id(self) -> int | None:
        return self.survey_id


@register
class SurveySent(_SurveyEvent):
    name: ClassVar[str] = "survey.sent"
    kind: str
    channel: str
    customer_id: int | None = None
    ticket_id: int | None = None
    conversation_id: int | None = None
    campaign_id: int | None = None
    agent_id: int | None = None
    group_id: int | None = None


@register
class SurveyAnswered(_SurveyEvent):
    name: ClassVar[str] = "survey.answered"
    kind: str
    score: int
    score_100: int | None = None
    comment: str = ""
    customer_id: int | None = None
    ticket_id: int | None = None
    conversation_id: int | None = None
    campaign_id: int | None = None
    agent_id: int | None = None
    group_id: int | None = None
    channel: str = ""


class _FollowUpEvent(DomainEvent):
    aggregate: ClassVar[str] = "survey_followup"
    followup_id: int
    survey_id: int

    def aggregate_id(self) -> int | None:
        return self.followup_id


@register
class FollowUpCreated(_FollowUpEvent):
    name: ClassVar[str] = "followup.created"
    assignee_id: int | None = None
    group_id: int | None = None
    score: int
    kind: str


@register
class FollowUpClosed(_FollowUpEvent):
    name: ClassVar[str] = "followup.closed"
    closed_by: int | None = None
    outcome: str = ""


@on_commit(SurveyAnswered)
async def _push_answered(event: SurveyAnswered) -> None:
    # Supervisors' screens (wallboard) refresh today's CSAT/NPS on this hint.
    await get_bus().publish(
        channels.SUPERVISORS,
        notice_frames.SurveyAnswered(
            type="survey_answered", kind=event.kind, score=event.score, score_100=event.score_100
        ),
    )


@on_commit(FollowUpCreated)
async def _push_followup(event: FollowUpCreated) -> None:
    frame = notice_frames.FollowUp(
        type="followup", followup_id=event.followup_id, score=event.score, kind=event.kind
    )
    if event.assignee_id is not None:
        await get_bus().publish(channels.user(event.assignee_id), frame)
    await get_bus().publish(channels.SUPERVISORS, frame)
