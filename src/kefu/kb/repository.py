"""Knowledge-base queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.kb import Article, ArticleStatus, ArticleVersion, SearchMiss, Visibility


class KbRepository:
    async def get(self, session: AsyncSession, article_id: int) -> Article | None:
        return await session.get(Article, article_id)

    async def list_articles(
        self,
        session: AsyncSession,
        *,
        status: str | None,
        visibility: str | None,
        category: str | None,
        locale: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[Article]:
        stmt = sa.select(Article).order_by(Article.category, Article.id).limit(limit).offset(offset)
        if status:
            stmt = stmt.where(Article.status == status)
        if visibility:
            stmt = stmt.where(Article.visibility == visibility)
        if category:
            stmt = stmt.where(
                sa.or_(Article.category == category, Article.category.startswith(category + "/"))
            )
        if locale:
            stmt = stmt.where(Article.locale == locale)
        return (await session.execute(stmt)).scalars().all()

    async def published(self, session: AsyncSession, *, include_internal: bool) -> Sequence[Article]:
        stmt = sa.select(Article).where(Article.status == ArticleStatus.PUBLISHED)
        if not include_internal:
            stmt = stmt.where(Article.visibility == Visibility.PUBLIC)
        return (await session.execute(stmt.order_by(Article.id))).scalars().all()

    async def stamp(self, session: AsyncSession) -> tuple[int, datetime | None, int]:
        """Changes whenever any article changes: count, newest update, highest id."""
        row = (
            await session.execute(
                sa.select(sa.func.count(), sa.func.max(Article.updated_at), sa.func.max(Article.id))
            )
        ).one()
        return int(row[0]), row[1], int(row[2] or 0)

    async def categories(self, session: AsyncSession, locale: str | None) -> list[tuple[str, int]]:
        stmt = (
            sa.select(Article.category, sa.func.count())
            .where(Article.status == ArticleStatus.PUBLISHED, Article.visibility == Visibility.PUBLIC)
            .group_by(Article.category)
            .order_by(Article.category)
        )
        if locale:
            stmt = stmt.where(Article.locale == locale)
        return [(c, int(n)) for c, n in (await session.execute(stmt)).all()]

    async def versions(self, session: AsyncSession, article_id: int) -> Sequence[ArticleVersion]:
        stmt = (
            sa.select(ArticleVersion)
            .where(ArticleVersion.article_id == article_id)
            .order_by(ArticleVersion.version.desc())
        )
        return (await session.execute(stmt)).scalars().all()

    async def bump(self, session: AsyncSession, article_id: int, column: str) -> None:
        col = getattr(Article, column)
        await session.execute(sa.update(Article).where(Article.id == article_id).values({column: col + 1}))

    async def record_miss(self, session: AsyncSession, query: str, now: datetime) -> None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(SearchMiss).values(query=query, count=1, last_seen_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["query"], set_={"count": SearchMiss.count + 1, "last_seen_at": now}
        )
        await session.execute(stmt)

    async def gaps(self, session: AsyncSession, limit: int) -> Sequence[SearchMiss]:
        stmt = sa.select(SearchMiss).order_by(SearchMiss.count.desc(), SearchMiss.last_seen_at.desc())
        return (await session.execute(stmt.limit(limit))).scalars().all()

    async def by_title(self, session: AsyncSession, title: str, locale: str) -> Article | None:
        stmt = sa.select(Article).where(Article.title == title, Article.locale == locale).limit(1)
        return (await session.execute(stmt)).scalar_one_or_none()


kb_repository = KbRepository()
