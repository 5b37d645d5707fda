"""The help center: articles by category, search and the was-this-helpful vote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from kefu.deps import OptionalPrincipal, Session
from kefu.kb.service import kb_service
from kefu.kit.schemas import Id
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)


@router.get("/help")
async def help_home(
    request: Request, session: Session, principal: OptionalPrincipal, category: str | None = None
) -> Response:
    locale = request_locale(request)
    categories = await kb_service.categories(session, locale)
    articles = await kb_service.list_articles(session, principal, category=category, locale=locale, limit=200)
    return render(
        request,
        "help/home.html",
        {"categories": categories, "articles": articles, "category": category},
    )


@router.get("/help/search")
async def help_search(
    request: Request, session: Session, principal: OptionalPrincipal, q: str = ""
) -> Response:
    result = await kb_service.search(session, principal, q[:200], locale=request_locale(request), limit=20)
    return render(request, "help/search.html", {"q": q, "result": result})


@router.get("/help/articles/{article_id}")
async def help_article(
    request: Request, article_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    article = await kb_service.read(session, principal, article_id, count_view=True)
    translations = await kb_service.translations(session, article)
    return render(
        request,
        "help/article.html",
        {"article": article, "translations": translations, "voted": False},
    )


@router.post("/help/articles/{article_id}/feedback")
async def help_feedback(
    request: Request,
    article_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    helpful: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    await kb_service.feedback(session, principal, article_id, helpful == "yes")
    article = await kb_service.read(session, principal, article_id)
    return render(request, "help/article.html", {"article": article, "translations": [], "voted": True})
