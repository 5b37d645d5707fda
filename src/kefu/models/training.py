"""Training (培训与认证): learning paths of KB articles and videos with per-agent progress,
exams with question banks, attempts and the certificates that grant routing skills, mentors
who sign off a new hire's path, and the case library of the monthly 案例复盘."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.time import utcnow


class PathLevel(StrEnum):
    NEW_HIRE = "new_hire"
    ADVANCED = "advanced"
    PRODUCT_LINE = "product_line"


class QuestionKind(StrEnum):
    SINGLE = "single"  # one right option, auto-graded
    MULTIPLE = "multiple"  # exactly the right options, auto-graded
    SHORT = "short"  # free text, graded by a supervisor


class AttemptStatus(StrEnum):
    STARTED = "started"
    SUBMITTED = "submitted"  # waiting for a supervisor to grade the short answers
    GRADED = "graded"


def _user_fk(ondelete: str = "CASCADE") -> Any:
    return sa.ForeignKey("users.id", ondelete=ondelete)


class LearningPath(TimestampMixin, Base):
    __tablename__ = "training_paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    role: Mapped[str] = mapped_column(sa.String(20), default="agent")  # agent | supervisor | all
    level: Mapped[str] = mapped_column(sa.String(20), default=PathLevel.NEW_HIRE)
    product_line: Mapped[str] = mapped_column(sa.String(80), default="")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LearningItem(TimestampMixin, Base):
    """One step of a path: an internal KB article or a video link."""

    __tablename__ = "training_path_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(sa.ForeignKey("training_paths.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))  # article | video
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="SET NULL"), nullable=True
    )
    url: Mapped[str] = mapped_column(sa.String(500), default="")


class LearningProgress(Base):
    __tablename__ = "training_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("training_path_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(_user_fk(), index=True)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("item_id", "user_id"),)


class Exam(TimestampMixin, Base):
    __tablename__ = "training_exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    pass_mark: Mapped[int] = mapped_column(default=80)  # percent of the points
    max_attempts: Mapped[int] = mapped_column(default=3)  # 0 = no limit
    available_from: Mapped[datetime | None] = mapped_column(nullable=True)
    available_until: Mapped[datetime | None] = mapped_column(nullable=True)
    # The routing skill a pass certifies ("售后维修"); "" = no certificate.
    grants_skill: Mapped[str] = mapped_column(sa.String(60), default="", index=True)
    # Who must pass (the pass-rate report): a group's members; None = every agent.
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExamQuestion(TimestampMixin, Base):
    __tablename__ = "training_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("training_exams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))
    text: Mapped[str] = mapped_column(sa.Text)
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    correct: Mapped[list[int]] = mapped_column(sa.JSON, default=list)  # option indexes (0-based)
    points: Mapped[int] = mapped_column(default=1)


class ExamAttempt(Base):
    __tablename__ = "training_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("training_exams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(_user_fk(), index=True)
    number: Mapped[int] = mapped_column(default=1)  # 1st, 2nd ... attempt of this person
    status: Mapped[str] = mapped_column(sa.String(10), default=AttemptStatus.STARTED, index=True)
    # {question id: [option indexes] | "text"}; {question id: points} once marked.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    marks: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    score: Mapped[float] = mapped_column(default=0.0)
    max_score: Mapped[int] = mapped_column(default=0)
    percent: Mapped[float | None] = mapped_column(nullable=True)
    passed: Mapped[bool | None] = mapped_column(nullable=True)
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    graded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    graded_by: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), nullable=True)

    # Two tabs starting "the next attempt" at once: one row, the other a conflict.
    __table_args__ = (sa.UniqueConstraint("exam_id", "user_id", "number"),)


class Certificate(TimestampMixin, Base):
    """A pass of an exam that grants a skill; revoking it takes the skill away."""

    __tablename__ = "training_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk(), index=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("training_exams.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(sa.String(60))
    attempt_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_attempts.id", ondelete="SET NULL"), nullable=True
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), nullable=True)
    revoke_reason: Mapped[str] = mapped_column(sa.String(400), default="")

    __table_args__ = (sa.UniqueConstraint("user_id", "exam_id"),)


class Mentorship(TimestampMixin, Base):
    """A mentor (带教老师) for a new hire on one path; the mentor signs the path off."""

    __tablename__ = "training_mentorships"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(_user_fk(), index=True)
    mentor_id: Mapped[int] = mapped_column(_user_fk(), index=True)
    path_id: Mapped[int] = mapped_column(sa.ForeignKey("training_paths.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    signed_off_at: Mapped[datetime | None] = mapped_column(nullable=True)
    signed_off_by: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), nullable=True)

    __table_args__ = (sa.UniqueConstraint("mentee_id", "path_id"),)


class TrainingCase(TimestampMixin, Base):
    """A ticket or QA review picked for the monthly case review (案例复盘)."""

    __tablename__ = "training_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    month: Mapped[str] = mapped_column(sa.String(7), index=True)  # "2026-12"
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    qa_review_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("qa_reviews.id", ondelete="SET NULL"), nullable=True
    )
    # A chat picked for emotion-recognition training: its customer lines carry the emotion marks.
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), nullable=True)


class CaseNote(TimestampMixin, Base):
    __tablename__ = "training_case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("training_cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(_user_fk("SET NULL"), nullable=True)
    body: Mapped[str] = mapped_column(sa.Text)
