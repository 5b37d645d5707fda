"""Knowledge base: authoring with versions, help-center reading, search, content gaps.

The search index lives in process memory and is rebuilt when the articles' stamp (count,
newest update, highest id) changes, so every `kefu serve` process sees edits made through
any other one without a message bus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.errors import NotFound, Unprocessable
from kefu.kb.events import ArticlePublished, ArticleUpdated
from kefu.kb.render import plain_text, render_markdown
from kefu.kb.repository import kb_repository
from kefu.kb.schemas import ArticleCreate, ArticleUpdate, SearchResponse, SearchResult
from kefu.kb.search import Doc, Index, highlight
from kefu.kit.db import write_soon
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.kb import Article, ArticleStatus, ArticleVersion, SearchMiss, Visibility


@dataclass
class _Cached:
    stamp: tuple[object, ...]
    index: Index
    articles: dict[int, tuple[str, str, str, str]]  # id -> (title, category, text, locale)


class KbService:
    def __init__(self) -> None:
        self._cache: dict[bool, _Cached] = {}
        self._lock = asyncio.Lock()

    @staticmethod
    def can_manage(principal: Principal | None) -> bool:
        return principal is not None and principal.can(Perm.KB_MANAGE)

    @staticmethod
    def sees_internal(principal: Principal | None) -> bool:
        return principal is not None and principal.is_staff

    # --- authoring ---------------------------------------------------------------------
    async def create(self, session: AsyncSession, principal: Principal, data: ArticleCreate) -> Article:
        require(principal, Perm.KB_MANAGE)
        group: int | None = None
        if data.translation_of is not None:
            original = await self._get(session, data.translation_of)
            group = original.translation_group or original.id
            original.translation_group = group
        now = utcnow()
        article = Article(
            title=data.title,
            body=data.body,
            body_html=render_markdown(data.body),
            category=data.category.strip("/"),
            tags=data.tags,
            locale=data.locale,
            translation_group=group,
            visibility=data.visibility,
            status=data.status,
            version=1,
            author_id=principal.user_id or None,
            updated_at=now,
            published_at=now if data.status == ArticleStatus.PUBLISHED else None,
        )
        session.add(article)
        await session.flush()
        session.add(
            ArticleVersion(
                article_id=article.id,
                version=1,
                title=data.title,
                body=data.body,
                editor_id=principal.user_id,
            )
        )
        if data.status == ArticleStatus.PUBLISHED:
            await publish(
                session,
                ArticlePublished(article_id=article.id, version=1),
                actor_id=principal.user_id,
            )
        return article

    async def update(
        self, session: AsyncSession, principal: Principal, article_id: int, data: ArticleUpdate
    ) -> Article:
        require(principal, Perm.KB_MANAGE)
        article = await self._get(session, article_id)
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        if not changes:
            raise Unprocessable("没有要修改的字段 / nothing to change", code="empty_update")
        content_changed = "title" in changes or "body" in changes
        for key, value in changes.items():
            setattr(article, key, value.strip("/") if key == "category" else value)
        if "body" in changes:
            article.body_html = render_markdown(article.body)
        if content_changed:
            article.version += 1
            session.add(
                ArticleVersion(
                    article_id=article.id,
                    version=article.version,
                    title=article.title,
                    body=article.body,
                    editor_id=principal.user_id,
                )
            )
        article.updated_at = utcnow()
        became_published = changes.get("status") == ArticleStatus.PUBLISHED
        if became_published:
            article.published_at = article.updated_at
            await publish(
                session,
                ArticlePublished(article_id=article.id, version=article.version),
                actor_id=principal.user_id,
            )
        await publish(
            session,
            ArticleUpdated(article_id=article.id, version=article.version, fields=sorted(changes)),
            actor_id=principal.user_id,
        )
        return article

    async def versions(
        self, session: AsyncSession, principal: Principal, article_id: int
    ) -> Sequence[ArticleVersion]:
        require(principal, Perm.KB_MANAGE)
        await self._get(session, article_id)
        return await kb_repository.versions(session, article_id)

    # --- reading -----------------------------------------------------------------------
    async def _get(self, session: AsyncSession, article_id: int) -> Article:
        article = await kb_repository.get(session, article_id)
        if article is None:
            raise NotFound("文章不存在 / article not found")
        return article

    async def read(
        self,
        session: AsyncSession,
        principal: Principal | None,
        article_id: int,
        *,
        count_view: bool = False,
    ) -> Article:
        """Customers and visitors see only published public articles; staff also internal
        ones; editors also drafts. Anything else is a 404, so drafts cannot be probed."""
        article = await self._get(session, article_id)
        if not self.can_manage(principal):
            visible = article.status == ArticleStatus.PUBLISHED and (
                article.visibility == Visibility.PUBLIC or self.sees_internal(principal)
            )
            if not visible:
                raise NotFound("文章不存在 / article not found")
        if count_view:
            article_id_ = article.id
            await write_soon(session, lambda s: kb_repository.bump(s, article_id_, "views"))
        return article

    async def list_articles(
        self,
        session: AsyncSession,
        principal: Principal | None,
        *,
        status: str | None = None,
        category: str | None = None,
        locale: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Sequence[Article]:
        visibility: str | None = None
        if not self.can_manage(principal):
            status = ArticleStatus.PUBLISHED
            if not self.sees_internal(principal):
                visibility = Visibility.PUBLIC
        return await kb_repository.list_articles(
            session,
            status=status,
            visibility=visibility,
            category=category,
            locale=locale,
            limit=limit,
            offset=offset,
        )

    async def categories(self, session: AsyncSession, locale: str | None = None) -> list[tuple[str, int]]:
        return await kb_repository.categories(session, locale)

    async def feedback(
        self, session: AsyncSession, principal: Principal | None, article_id: int, helpful: bool
    ) -> None:
        await self.read(session, principal, article_id)
        await kb_repository.bump(session, article_id, "helpful" if helpful else "not_helpful")

    async def translations(self, session: AsyncSession, article: Article) -> list[Article]:
        if article.translation_group is None:
            return []
        rows = await kb_repository.list_articles(
            session,
            status=ArticleStatus.PUBLISHED,
            visibility=None,
            category=None,
            locale=None,
            limit=20,
            offset=0,
        )
        return [a for a in rows if a.translation_group == article.translation_group and a.id != article.id]

    # --- search ------------------------------------------------------------------------
    async def _index(self, session: AsyncSession, include_internal: bool) -> _Cached:
        stamp = await kb_repository.stamp(session)
        cached = self._cache.get(include_internal)
        if cached is not None and cached.stamp == stamp:
            return cached
        async with self._lock:
            cached = self._cache.get(include_internal)
            if cached is not None and cached.stamp == stamp:
                return cached
            rows = await kb_repository.published(session, include_internal=include_internal)
            texts = {a.id: (a.title, a.category, plain_text(a.body), a.locale) for a in rows}
            docs = [
                Doc(i, t[0], t[2] + " " + t[1].replace("/", " ") + " " + " ".join(a.tags))
                for a in rows
                for i, t in [(a.id, texts[a.id])]
            ]
            index = await asyncio.to_thread(Index.build, docs)
            cached = _Cached(stamp, index, texts)
            self._cache[include_internal] = cached
            return cached

    async def search(
        self,
        session: AsyncSession,
        principal: Principal | None,
        query: str,
        *,
        locale: str | None = None,
        limit: int = 10,
        log_miss: bool = True,
    ) -> SearchResponse:
        query = query.strip()[:200]
        if not query:
            return SearchResponse(query=query, items=[])
        cached = await self._index(session, self.sees_internal(principal))
        allowed = None
        if locale:
            allowed = {i for i, t in cached.articles.items() if t[3] == locale}
        hits = cached.index.search(query, limit=limit, allowed=allowed)
        items = [
            SearchResult(
                id=h.id,
                title=cached.articles[h.id][0],
                category=cached.articles[h.id][1],
                snippet=highlight(cached.articles[h.id][2], h.matched),
                score=round(h.score, 3),
            )
            for h in hits
        ]
        if not items and log_miss:
            missed, at = query.lower(), utcnow()
            await write_soon(session, lambda s: kb_repository.record_miss(s, missed, at))
        return SearchResponse(query=query, items=items)

    async def gaps(
        self, session: AsyncSession, principal: Principal, limit: int = 50
    ) -> Sequence[SearchMiss]:
        require(principal, Perm.KB_MANAGE)
        return await kb_repository.gaps(session, limit)

    async def by_title(self, session: AsyncSession, title: str, locale: str = "zh_CN") -> Article | None:
        return await kb_repository.by_title(session, title, locale)


kb_service = KbService()
