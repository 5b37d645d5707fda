"""Queries for quality rules, inspections, scorecards and reviews."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import QaInspection, QaReview, QaRule, QaScorecard, User


class QualityRepository:
    async def rules(self, session: AsyncSession, *, active_only: bool = False) -> Sequence[QaRule]:
        stmt = sa.select(QaRule).order_by(QaRule.id)
        if active_only:
            stmt = stmt.where(QaRule.active.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def rule(self, session: AsyncSession, rule_id: int) -> QaRule | None:
        return await session.get(QaRule, rule_id)

    async def count_rules(self, session: AsyncSession) -> int:
        return int((await session.execute(sa.select(sa.func.count(QaRule.id)))).scalar_one())

    async def inspection(self, session: AsyncSession, inspection_id: int) -> QaInspection | None:
        return await session.get(QaInspection, inspection_id)

    async def inspection_for(
        self, session: AsyncSession, *, conversation_id: int | None = None, ticket_id: int | None = None
    ) -> QaInspection | None:
        if conversation_id is not None:
            stmt = sa.select(QaInspection).where(QaInspection.conversation_id == conversation_id)
        else:
            stmt = sa.select(QaInspection).where(QaInspection.ticket_id == ticket_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def inspections(
        self, session: AsyncSession, *, agent_id: int | None, max_score: int | None, limit: int
    ) -> Sequence[QaInspection]:
        stmt = sa.select(QaInspection)
        if agent_id is not None:
            stmt = stmt.where(QaInspection.agent_id == agent_id)
        if max_score is not None:
            stmt = stmt.where(QaInspection.score <= max_score)
        stmt = stmt.order_by(QaInspection.created_at.desc(), QaInspection.id.desc()).limit(limit)
        return (await session.execute(stmt)).scalars().all()

    async def scorecards(self, session: AsyncSession) -> Sequence[QaScorecard]:
        return (await session.execute(sa.select(QaScorecard).order_by(QaScorecard.id))).scalars().all()

    async def scorecard(self, session: AsyncSession, scorecard_id: int) -> QaScorecard | None:
        return await session.get(QaScorecard, scorecard_id)

    async def active_scorecard(self, session: AsyncSession) -> QaScorecard | None:
        stmt = sa.select(QaScorecard).where(QaScorecard.active.is_(True)).order_by(QaScorecard.id.desc())
        return (await session.execute(stmt.limit(1))).scalar_one_or_none()

    async def review(self, session: AsyncSession, review_id: int, *, lock: bool = False) -> QaReview | None:
        if lock:
            stmt = sa.select(QaReview).where(QaReview.id == review_id).with_for_update()
            return (await session.execute(stmt)).scalar_one_or_none()
        return await session.get(QaReview, review_id)

    async def review_for(self, session: AsyncSession, inspection_id: int) -> QaReview | None:
        stmt = sa.select(QaReview).where(QaReview.inspection_id == inspection_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def reviews(
        self, session: AsyncSession, *, statuses: list[str] | None, agent_id: int | None, limit: int
    ) -> Sequence[tuple[QaReview, QaInspection]]:
        stmt = sa.select(QaReview, QaInspection).join(QaInspection, QaInspection.id == QaReview.inspection_id)
        if statuses:
            stmt = stmt.where(QaReview.status.in_(statuses))
        if agent_id is not None:
            stmt = stmt.where(QaReview.agent_id == agent_id)
        stmt = stmt.order_by(QaReview.created_at.desc(), QaReview.id.desc()).limit(limit)
        return [(r, i) for r, i in (await session.execute(stmt)).all()]

    async def user_names(self, session: AsyncSession, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await session.execute(sa.select(User.id, User.name).where(User.id.in_(ids)))
        return {int(i): str(n) for i, n in rows.all()}


quality_repository = QualityRepository()
