"""/api/v1/kb — articles, search, feedback, content gaps."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, status

from kefu.deps import CurrentPrincipal, OptionalPrincipal, Session, rate_limited
from kefu.kb.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticleSummary,
    ArticleUpdate,
    Feedback,
    GapOut,
    SearchResponse,
    VersionOut,
)
from kefu.kb.service import kb_service
from kefu.kit.schemas import Id, Page

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])


@router.get("/articles", response_model=Page[ArticleSummary])
async def list_articles(
    principal: OptionalPrincipal,
    session: Session,
    status_: str | None = Query(default=None, alias="status", pattern="^(draft|published|archived)$"),
    category: str | None = Query(default=None, max_length=120),
    locale: str | None = Query(default=None, pattern="^(zh_CN|en)$"),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0),
) -> Page[ArticleSummary]:
    rows = await kb_service.list_articles(
        session,
        principal,
        status=status_,
        category=category,
        locale=locale,
        limit=limit,
        offset=offset,
    )
    return Page(items=[ArticleSummary.model_validate(a) for a in rows])


@router.post("/articles", response_model=ArticleOut, status_code=status.HTTP_201_CREATED)
async def create_article(body: ArticleCreate, principal: CurrentPrincipal, session: Session) -> ArticleOut:
    return ArticleOut.model_validate(await kb_service.create(session, principal, body))


@router.get("/articles/{article_id}", response_model=ArticleOut)
async def get_article(article_id: Id, principal: OptionalPrincipal, session: Session) -> ArticleOut:
    return ArticleOut.model_validate(await kb_service.read(session, principal, article_id))


@router.patch("/articles/{article_id}", response_model=ArticleOut)
async def update_article(
    article_id: Id, body: ArticleUpdate, principal: CurrentPrincipal, session: Session
) -> ArticleOut:
    return ArticleOut.model_validate(await kb_service.update(session, principal, article_id, body))


@router.get("/articles/{article_id}/versions", response_model=Page[VersionOut])
async def article_versions(article_id: Id, principal: CurrentPrincipal, session: Session) -> Page[VersionOut]:
    rows = await kb_service.versions(session, principal, article_id)
    return Page(items=[VersionOut.model_validate(v) for v in rows])


@router.post(
    "/articles/{article_id}/feedback",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(rate_limited("kb_feedback", anonymous=True))],
)
async def article_feedback(
    article_id: Id, body: Feedback, principal: OptionalPrincipal, session: Session
) -> None:
    await kb_service.feedback(session, principal, article_id, body.helpful)


@router.get(
    "/search",
    response_model=SearchResponse,
    dependencies=[Depends(rate_limited("kb_search", anonymous=True))],
)
async def search(
    principal: OptionalPrincipal,
    session: Session,
    q: str = Query(min_length=1, max_length=200),
    locale: str | None = Query(default=None, pattern="^(zh_CN|en)$"),
    limit: int = Query(default=10, ge=1, le=50),
) -> SearchResponse:
    return await kb_service.search(session, principal, q, locale=locale, limit=limit)


@router.get("/gaps", response_model=Page[GapOut])
async def content_gaps(
    principal: CurrentPrincipal, session: Session, limit: int = Query(default=50, ge=1, le=500)
) -> Page[GapOut]:
    rows = await kb_service.gaps(session, principal, limit)
    return Page(items=[GapOut.model_validate(r) for r in rows])
