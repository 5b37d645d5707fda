"""Training queries: paths and progress, exams, attempts, certificates, mentorships, cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.training import (
    CaseNote,
    Certificate,
    Exam,
    ExamAttempt,
    ExamQuestion,
    LearningItem,
    LearningPath,
    LearningProgress,
    Mentorship,
    TrainingCase,
)


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class TrainingRepository:
    # --- paths and progress ------------------------------------------------------------------
    async def paths(self, session: AsyncSession, *, active_only: bool = False) -> Sequence[LearningPath]:
        stmt = sa.select(LearningPath).order_by(LearningPath.level, LearningPath.id)
        if active_only:
            stmt = stmt.where(LearningPath.active.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def path(self, session: AsyncSession, path_id: int) -> LearningPath | None:
        return await session.get(LearningPath, path_id)

    async def items(self, session: AsyncSession, path_ids: Sequence[int]) -> Sequence[LearningItem]:
        if not path_ids:
            return []
        stmt = (
            sa.select(LearningItem)
            .where(LearningItem.path_id.in_(path_ids))
            .order_by(LearningItem.path_id, LearningItem.position, LearningItem.id)
        )
        return (await session.execute(stmt)).scalars().all()

    async def all_items(self, session: AsyncSession) -> Sequence[LearningItem]:
        stmt = sa.select(LearningItem).order_by(LearningItem.path_id, LearningItem.position, LearningItem.id)
        return (await session.execute(stmt)).scalars().all()

    async def item(self, session: AsyncSession, item_id: int) -> LearningItem | None:
        return await session.get(LearningItem, item_id)

    async def done_item_ids(self, session: AsyncSession, user_id: int) -> set[int]:
        stmt = sa.select(LearningProgress.item_id).where(LearningProgress.user_id == user_id)
        return set((await session.execute(stmt)).scalars().all())

    async def mark_done(self, session: AsyncSession, item_id: int, user_id: int) -> None:
        stmt = (
            _insert(session)(LearningProgress)
            .values(item_id=item_id, user_id=user_id)
            .on_conflict_do_nothing(index_elements=["item_id", "user_id"])
        )
        await session.execute(stmt)

    async def unmark_done(self, session: AsyncSession, item_id: int, user_id: int) -> None:
        await session.execute(
            sa.delete(LearningProgress).where(
                LearningProgress.item_id == item_id, LearningProgress.user_id == user_id
            )
        )

    # --- exams ------------------------------------------------------------------------------
    async def exams(self, session: AsyncSession, *, active_only: bool = False) -> Sequence[Exam]:
        stmt = sa.select(Exam).order_by(Exam.id)
        if active_only:
            stmt = stmt.where(Exam.active.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def exam(self, session: AsyncSession, exam_id: int) -> Exam | None:
        return await session.get(Exam, exam_id)

    async def questions(self, session: AsyncSession, exam_id: int) -> Sequence[ExamQuestion]:
        stmt = (
            sa.select(ExamQuestion)
            .where(ExamQuestion.exam_id == exam_id)
            .order_by(ExamQuestion.position, ExamQuestion.id)
        )
        return (await session.execute(stmt)).scalars().all()

    async def all_questions(self, session: AsyncSession) -> Sequence[ExamQuestion]:
        stmt = sa.select(ExamQuestion).order_by(ExamQuestion.exam_id, ExamQuestion.position, ExamQuestion.id)
        return (await session.execute(stmt)).scalars().all()

    async def question(self, session: AsyncSession, question_id: int) -> ExamQuestion | None:
        return await session.get(ExamQuestion, question_id)

    async def question_counts(self, session: AsyncSession) -> dict[int, int]:
        stmt = sa.select(ExamQuestion.exam_id, sa.func.count(ExamQuestion.id)).group_by(ExamQuestion.exam_id)
        return {e: int(n) for e, n in (await session.execute(stmt)).all()}

    async def gated_skills(self, session: AsyncSession) -> set[str]:
        """Skills some exam certifies: only a certificate gives them."""
        stmt = sa.select(Exam.grants_skill).where(Exam.grants_skill != "").distinct()
        return set((await session.execute(stmt)).scalars().all())

    # --- attempts ---------------------------------------------------------------------------
    async def attempts(
        self, session: AsyncSession, *, user_id: int | None = None, exam_id: int | None = None
    ) -> Sequence[ExamAttempt]:
        stmt = sa.select(ExamAttempt).order_by(ExamAttempt.id)
        if user_id is not None:
            stmt = stmt.where(ExamAttempt.user_id == user_id)
        if exam_id is not None:
            stmt = stmt.where(ExamAttempt.exam_id == exam_id)
        return (await session.execute(stmt)).scalars().all()

    async def attempts_by_status(self, session: AsyncSession, status: str) -> Sequence[ExamAttempt]:
        stmt = sa.select(ExamAttempt).where(ExamAttempt.status == status).order_by(ExamAttempt.submitted_at)
        return (await session.execute(stmt)).scalars().all()

    async def attempt(
        self, session: AsyncSession, attempt_id: int, *, lock: bool = False
    ) -> ExamAttempt | None:
        stmt = sa.select(ExamAttempt).where(ExamAttempt.id == attempt_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def passed_pairs(self, session: AsyncSession) -> set[tuple[int, int]]:
        """(exam id, user id) of every pass."""
        stmt = (
            sa.select(ExamAttempt.exam_id, ExamAttempt.user_id).where(ExamAttempt.passed.is_(True)).distinct()
        )
        return {(e, u) for e, u in (await session.execute(stmt)).all()}

    # --- certificates ---------------------------------------------------------------------------
    async def certificates(
        self, session: AsyncSession, *, user_id: int | None = None, active_only: bool = False
    ) -> Sequence[Certificate]:
        stmt = sa.select(Certificate).order_by(Certificate.id)
        if user_id is not None:
            stmt = stmt.where(Certificate.user_id == user_id)
        if active_only:
            stmt = stmt.where(Certificate.revoked_at.is_(None))
        return (await session.execute(stmt)).scalars().all()

    async def certificate(self, session: AsyncSession, certificate_id: int) -> Certificate | None:
        return await session.get(Certificate, certificate_id)

    async def certificate_of(self, session: AsyncSession, user_id: int, exam_id: int) -> Certificate | None:
        stmt = sa.select(Certificate).where(Certificate.user_id == user_id, Certificate.exam_id == exam_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    # --- mentorships -----------------------------------------------------------------------------
    async def mentorships(self, session: AsyncSession) -> Sequence[Mentorship]:
        return (await session.execute(sa.select(Mentorship).order_by(Mentorship.id))).scalars().all()

    async def mentorship(self, session: AsyncSession, mentorship_id: int) -> Mentorship | None:
        return await session.get(Mentorship, mentorship_id)

    async def mentorship_of(self, session: AsyncSession, mentee_id: int, path_id: int) -> Mentorship | None:
        stmt = sa.select(Mentorship).where(Mentorship.mentee_id == mentee_id, Mentorship.path_id == path_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    # --- cases -------------------------------------------------------------------------------
    async def cases(self, session: AsyncSession) -> Sequence[TrainingCase]:
        stmt = sa.select(TrainingCase).order_by(TrainingCase.month.desc(), TrainingCase.id.desc())
        return (await session.execute(stmt)).scalars().all()

    async def case(self, session: AsyncSession, case_id: int) -> TrainingCase | None:
        return await session.get(TrainingCase, case_id)

    async def notes(self, session: AsyncSession, case_id: int) -> Sequence[CaseNote]:
        stmt = sa.select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
        return (await session.execute(stmt)).scalars().all()


training_repository = TrainingRepository()
