"""Training payloads: paths and their items, exams and questions, attempts and grading,
certificates, mentorships, the case library and the pass-rate report."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from kefu.kit.schemas import BoundedAwareDatetime, Id, OutSchema, Schema

Level = Literal["new_hire", "advanced", "product_line"]
Audience = Literal["agent", "supervisor", "all"]
Kind = Literal["single", "multiple", "short"]
Skill = Field(default="", max_length=60)


# --- learning paths --------------------------------------------------------------------------
class PathIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    role: Audience = "agent"
    level: Level = "new_hire"
    product_line: str = Field(default="", max_length=80)
    active: bool = True


class PathPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=4000)
    role: Audience | None = None
    level: Level | None = None
    product_line: str | None = Field(default=None, max_length=80)
    active: bool | None = None


class ItemIn(Schema):
    """An internal KB article (by id) or a video link."""

    kind: Literal["article", "video"]
    article_id: Id | None = None
    url: str = Field(default="", max_length=500)
    title: str = Field(default="", max_length=200)
    position: int = Field(default=0, ge=0, le=10_000)

    @model_validator(mode="after")
    def _target(self) -> ItemIn:
        if self.kind == "article" and self.article_id is None:
            raise ValueError("An article step needs the article.")
        if self.kind == "video":
            if not self.url.startswith(("https://", "http://")):
                raise ValueError("A video step needs a link starting with https://.")
            if not self.title:
                raise ValueError("A video step needs a title.")
        return self


class ItemOut(OutSchema):
    id: int
    path_id: int
    position: int
    kind: str
    title: str
    article_id: int | None
    url: str
    done: bool = False


class PathOut(OutSchema):
    id: int
    name: str
    description: str
    role: str
    level: str
    product_line: str
    active: bool
    created_at: datetime
    items: list[ItemOut] = Field(default_factory=list)
    done: int = 0  # the caller's finished steps (my learning)
    total: int = 0
    signed_off: bool = False  # a mentor signed this path off for the caller
    mentor_name: str = ""


# --- exams -----------------------------------------------------------------------------------
class ExamIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    pass_mark: int = Field(default=80, ge=0, le=100)
    max_attempts: int = Field(default=3, ge=0, le=100)  # 0 = no limit
    available_from: BoundedAwareDatetime | None = None
    available_until: BoundedAwareDatetime | None = None
    grants_skill: str = Skill
    group_id: Id | None = None
    active: bool = True

    @model_validator(mode="after")
    def _window(self) -> ExamIn:
        if self.available_from and self.available_until and self.available_until <= self.available_from:
            raise ValueError("The exam closes before it opens.")
        return self


class ExamPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=4000)
    pass_mark: int | None = Field(default=None, ge=0, le=100)
    max_attempts: int | None = Field(default=None, ge=0, le=100)
    available_from: BoundedAwareDatetime | None = None
    available_until: BoundedAwareDatetime | None = None
    grants_skill: str | None = Field(default=None, max_length=60)
    group_id: Id | None = None
    active: bool | None = None


class QuestionIn(Schema):
    kind: Kind
    text: str = Field(min_length=1, max_length=4000)
    options: list[str] = Field(default_factory=list, max_length=12)
    correct: list[int] = Field(default_factory=list, max_length=12)  # 0-based option indexes
    points: int = Field(default=1, ge=1, le=100)
    position: int = Field(default=0, ge=0, le=10_000)

    @model_validator(mode="after")
    def _consistent(self) -> QuestionIn:
        if self.kind == "short":
            self.options, self.correct = [], []
            return self
        self.options = [o.strip() for o in self.options if o.strip()]
        if len(self.options) < 2:
            raise ValueError("A choice question needs at least two options.")
        if not self.correct or any(not 0 <= c < len(self.options) for c in self.correct):
            raise ValueError("Mark the right option(s) among the options.")
        self.correct = sorted(set(self.correct))
        if self.kind == "single" and len(self.correct) != 1:
            raise ValueError("A single-choice question has exactly one right option.")
        return self


class QuestionOut(OutSchema):
    id: int
    exam_id: int
    position: int
    kind: str
    text: str
    options: list[str]
    points: int


class QuestionAdminOut(QuestionOut):
    correct: list[int]


class ExamOut(OutSchema):
    id: int
    name: str
    description: str
    pass_mark: int
    max_attempts: int
    available_from: datetime | None
    available_until: datetime | None
    grants_skill: str
    group_id: int | None
    active: bool
    created_at: datetime
    question_count: int = 0
    # For the caller (my learning): open now, attempts used and left, best result.
    window: str | None = None  # None (open) | "not_open" | "closed"
    attempts_used: int = 0
    attempts_left: int | None = None
    passed: bool = False
    open_attempt_id: int | None = None


class ExamDetailOut(ExamOut):
    questions: list[QuestionAdminOut] = Field(default_factory=list)


# --- attempts ------------------------------------------------------------------------------
class SubmitIn(Schema):
    """{question id: option index | [option indexes] | "short answer"}."""

    answers: dict[str, int | list[int] | str] = Field(default_factory=dict, max_length=200)


class GradeIn(Schema):
    """Points for each short answer ({question id: points}) and a word for the agent."""

    marks: dict[str, float] = Field(default_factory=dict, max_length=200)
    feedback: str = Field(default="", max_length=4000)


class AttemptOut(OutSchema):
    id: int
    exam_id: int
    user_id: int
    number: int
    status: str
    answers: dict[str, Any]
    marks: dict[str, Any]
    score: float
    max_score: int
    percent: float | None
    passed: bool | None
    feedback: str
    started_at: datetime
    submitted_at: datetime | None
    graded_at: datetime | None
    exam_name: str = ""
    user_name: str = ""
    pass_mark: int = 0
    questions: list[QuestionOut] = Field(default_factory=list)
    certificate_skill: str = ""  # the skill this attempt's pass granted


# --- certificates ----------------------------------------------------------------------------
class CertificateOut(OutSchema):
    id: int
    user_id: int
    exam_id: int
    skill: str
    granted_at: datetime
    revoked_at: datetime | None
    revoke_reason: str
    user_name: str = ""
    exam_name: str = ""


class RevokeIn(Schema):
    reason: str = Field(default="", max_length=400)


# --- mentors -------------------------------------------------------------------------------
class MentorshipIn(Schema):
    mentee_id: Id
    mentor_id: Id
    path_id: Id
    note: str = Field(default="", max_length=4000)


class SignOffIn(Schema):
    note: str = Field(default="", max_length=4000)


class MentorshipOut(OutSchema):
    id: int
    mentee_id: int
    mentor_id: int
    path_id: int
    note: str
    signed_off_at: datetime | None
    created_at: datetime
    mentee_name: str = ""
    mentor_name: str = ""
    path_name: str = ""
    done: int = 0
    total: int = 0


# --- case library ----------------------------------------------------------------------------
class CaseIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    ticket_id: Id | None = None
    qa_review_id: Id | None = None
    # A chat for emotion-recognition training: its customer lines show the emotion marks.
    conversation_id: Id | None = None
    summary: str = Field(default="", max_length=8000)

    @model_validator(mode="after")
    def _source(self) -> CaseIn:
        if self.ticket_id is None and self.qa_review_id is None and self.conversation_id is None:
            raise ValueError("A case comes from a ticket, a quality review or a conversation.")
        return self


class NoteIn(Schema):
    body: str = Field(min_length=1, max_length=8000)


class CaseNoteOut(OutSchema):
    id: int
    author_id: int | None
    body: str
    created_at: datetime
    author_name: str = ""


class CaseLine(Schema):
    """One line of the anonymised record: who (role) and what was said."""

    author_type: str  # customer | agent | bot | system
    author: str
    text: str
    at: datetime
    internal: bool = False
    # Customer lines of a chat: the emotion model's mark (negative / neutral / positive) and
    # its anger intensity 0..1, for emotion-recognition training.
    emotion: str | None = None
    anger: float | None = None


class CaseOut(OutSchema):
    id: int
    title: str
    month: str
    ticket_id: int | None
    qa_review_id: int | None
    conversation_id: int | None = None
    summary: str
    created_at: datetime
    subject: str = ""  # the ticket's subject, anonymised
    qa_total: int | None = None
    qa_comment: str = ""
    lines: list[CaseLine] = Field(default_factory=list)
    notes: list[CaseNoteOut] = Field(default_factory=list)


# --- the pass-rate report ----------------------------------------------------------------------
class PersonOut(Schema):
    user_id: int
    name: str


class RateOut(Schema):
    expected: int  # who must pass
    passed: int
    rate: float | None  # passed / expected (0..1)


class ExamReportOut(RateOut):
    exam_id: int
    exam_name: str
    goal_met: bool  # the plan: 考核通过率需达100%
    not_passed: list[PersonOut]
    groups: list[GroupRateOut]


class GroupRateOut(RateOut):
    group_id: int
    group_name: str


class ReportOut(Schema):
    exams: list[ExamReportOut]
    groups: list[GroupRateOut]  # every exam its members must pass, together
    goal: float = 1.0


ExamReportOut.model_rebuild()


# --- the training dashboard ------------------------------------------------------------------------
class AgentTrainingOut(Schema):
    """One agent's training beside their service quality."""

    user_id: int
    name: str
    paths_assigned: int
    paths_completed: int
    exams_passed: int
    latest_score: float | None  # percent of the latest graded attempt
    latest_exam: str = ""
    qa_average: float | None  # 0..100, scored quality reviews
    qa_reviews: int = 0
    csat_average: float | None  # 1..5 stars
    csat_answers: int = 0


class DashboardOut(Schema):
    agents: list[AgentTrainingOut]
    coverage: float | None  # agents who finished every path assigned to them ÷ agents with a path
    covered: int
    with_paths: int
    pass_rate: float | None  # passes ÷ (agent, exam) pairs that must pass, over active exams
    passed: int
    expected: int
