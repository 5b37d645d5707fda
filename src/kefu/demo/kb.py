"""Loads the demo knowledge base (idempotent by title and language)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.demo.kb_articles import ARTICLES, ENGLISH, INTERNAL, TRANSLATION_OF
from kefu.kb.schemas import ArticleCreate
from kefu.kb.service import kb_service
from kefu.models.kb import ArticleStatus, Visibility


async def load(session: AsyncSession, author_id: int | None) -> int:
    editor = Principal(kind="staff", id=author_id or 0, name="demo", role="admin")
    created = 0
    batches = [
        (ARTICLES, "zh_CN", Visibility.PUBLIC),
        (INTERNAL, "zh_CN", Visibility.INTERNAL),
        (ENGLISH, "en", Visibility.PUBLIC),
    ]
    for articles, locale, visibility in batches:
        for category, title, body, tags in articles:
            if await kb_service.by_title(session, title, locale) is not None:
                continue
            original = TRANSLATION_OF.get(title)
            translation_of = None
            if original is not None:
                source = await kb_service.by_title(session, original, "zh_CN")
                translation_of = source.id if source else None
            data = ArticleCreate(
                title=title,
                body=body,
                category=category,
                tags=tags,
                locale=locale,
                visibility=visibility,
                status=ArticleStatus.PUBLISHED,
                translation_of=translation_of,
            )
            await kb_service.create(session, editor, data)
            created += 1
    return created
