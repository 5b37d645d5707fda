"""The notice frames domains put on staff channels (pure): pop-ups and refresh hints that the
agent's socket (`/ws/agent`) and the supervisors' screens show beside the chat frames of
`kefu.conversation.frames`. TypedDicts told apart by `type`; plain dicts at run time, so the
wire is exactly what the pages' scripts read.

They live in `kit` because many domains send them (ticket, automation, phone, notice, goals,
survey) and the socket shows them all; each domain builds its frame with the type named here,
so mypy checks the keys where the frame is made."""

# No `from __future__ import annotations`: TypedDict reads NotRequired[...] at class creation.
from typing import Literal, TypedDict


class Announcement(TypedDict):
    """A supervisor's announcement, on `staff` or one group's channel."""

    type: Literal["announcement"]
    text: str
    author_name: str
    group_id: int | None


class TicketNotice(TypedDict):
    """Something happened on a ticket the agent owns or follows (`user:<id>`)."""

    type: Literal["ticket_notice"]
    ticket_id: int
    kind: str  # what happened (docs/ownership.md)
    text: str  # one Chinese sentence for the pop-up
    subject: str  # the ticket's subject, at most 120 characters


class Escalation(TypedDict):
    """An automation rule notified the supervisors (`supervisors`)."""

    type: Literal["escalation"]
    ticket_id: int
    trigger: str  # the rule's name
    group_id: int | None
    subject: str


class ScreenPop(TypedDict):
    """An answered call: the agent's screen opens the caller (`user:<id>`)."""

    type: Literal["screen_pop"]
    call_id: int
    conversation_id: int | None
    customer_id: int | None
    customer_name: str
    caller: str  # masked for agents without the unmask permission
    tier: str  # loyalty tier, "none" without one


class FollowUp(TypedDict):
    """A low survey score opened a follow-up (the assignee and `supervisors`)."""

    type: Literal["followup"]
    followup_id: int
    score: int
    kind: str  # csat | nps


class SurveyAnswered(TypedDict):
    """A survey was answered: wallboards refresh today's CSAT/NPS (`supervisors`)."""

    type: Literal["survey_answered"]
    kind: str
    score: int
    score_100: int | None


class GoalMissed(TypedDict):
    """A team goal was missed (`supervisors`)."""

    type: Literal["goal_missed"]
    goal_id: int
    label: str
    text: str


NoticeFrame = Announcement | TicketNotice | Escalation | ScreenPop | FollowUp | SurveyAnswered | GoalMissed
