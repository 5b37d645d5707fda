"""Knowledge-base events."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class ArticlePublished(DomainEvent):
    name: ClassVar[str] = "kb.article_published"
    aggregate: ClassVar[str] = "kb_article"
    article_id: int
    version: int

    def aggregate_id(self) -> int | None:
        return self.article_id


@register
class ArticleUpdated(DomainEvent):
    name: ClassVar[str] = "kb.article_updated"
    aggregate: ClassVar[str] = "kb_article"
    article_id: int
    version: int
    fields: list[str]

    def aggregate_id(self) -> int | None:
        return self.article_id
