"""Knowledge base: articles with versions, votes and views; searches that found nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.time import utcnow


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Article(TimestampMixin, Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown source
    body_html: Mapped[str] = mapped_column(sa.Text)  # rendered and sanitised
    category: Mapped[str] = mapped_column(sa.String(120), default="", index=True)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")
    # Articles that are translations of each other share a group id (the first one's id).
    translation_group: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.PUBLIC)
    status: Mapped[str] = mapped_column(sa.String(10), default=ArticleStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    views: Mapped[int] = mapped_column(default=0)
    helpful: Mapped[int] = mapped_column(default=0)
    not_helpful: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (sa.Index("ix_kb_articles_status_visibility", "status", "visibility"),)


class ArticleVersion(Base):
    __tablename__ = "kb_article_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    editor_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("article_id", "version"),)


class SearchMiss(Base):
    """A search that found nothing: the content-gaps report counts them by query."""

    __tablename__ = "kb_search_misses"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(sa.String(200), unique=True)
    count: Mapped[int] = mapped_column(default=1)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
