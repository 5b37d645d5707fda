"""Knowledge-base payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kefu.kit.schemas import OutSchema, Schema
from kefu.models.kb import ArticleStatus, Visibility


class ArticleCreate(Schema):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=200_000)
    category: str = Field(default="", max_length=120)
    tags: list[str] = Field(default_factory=list, max_length=30)
    locale: str = Field(default="zh_CN", pattern="^(zh_CN|en)$")
    visibility: Visibility = Visibility.PUBLIC
    status: ArticleStatus = ArticleStatus.DRAFT
    translation_of: int | None = None


class ArticleUpdate(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=200_000)
    category: str | None = Field(default=None, max_length=120)
    tags: list[str] | None = Field(default=None, max_length=30)
    visibility: Visibility | None = None
    status: ArticleStatus | None = None


class ArticleOut(OutSchema):
    id: int
    title: str
    body: str
    body_html: str
    category: str
    tags: list[str]
    locale: str
    translation_group: int | None
    visibility: str
    status: str
    version: int
    views: int
    helpful: int
    not_helpful: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class ArticleSummary(OutSchema):
    id: int
    title: str
    category: str
    locale: str
    visibility: str
    status: str
    version: int
    views: int
    helpful: int
    not_helpful: int
    updated_at: datetime


class VersionOut(OutSchema):
    version: int
    title: str
    body: str
    editor_id: int | None
    created_at: datetime


class Feedback(Schema):
    helpful: bool


class SearchResult(OutSchema):
    id: int
    title: str
    category: str
    snippet: str  # HTML: escaped text with <mark> around matches
    score: float


class SearchResponse(OutSchema):
    query: str
    items: list[SearchResult]


class GapOut(OutSchema):
    query: str
    count: int
    last_seen_at: datetime
