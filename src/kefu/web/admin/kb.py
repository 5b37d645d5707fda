"""The knowledge-base editor (admin/supervisor): the article list with the search gaps, the
article form. The public help center is web/public/help.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm, Principal, require
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unauthorized
from kefu.kb.schemas import ArticleCreate, ArticleUpdate
from kefu.kb.service import kb_service
from kefu.kit.schemas import Id
from kefu.models.kb import ArticleStatus, Visibility
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


def _editor(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, Perm.KB_MANAGE)
    return principal


@router.get("/admin/kb")
async def admin_kb(
    request: Request, session: Session, principal: OptionalPrincipal, status: str | None = None
) -> Response:
    editor = _editor(principal)
    if status not in {None, "draft", "published", "archived"}:
        status = None
    articles = await kb_service.list_articles(session, editor, status=status, limit=500)
    gaps = await kb_service.gaps(session, editor, limit=20)
    return render(request, "admin/kb_list.html", {"articles": articles, "gaps": gaps, "status": status})


def _form_context(article: object | None, error: str | None) -> dict[str, object]:
    return {
        "article": article,
        "error": error,
        "statuses": list(ArticleStatus),
        "visibilities": list(Visibility),
    }


@router.get("/admin/kb/new")
async def admin_kb_new(request: Request, principal: OptionalPrincipal) -> Response:
    _editor(principal)
    return render(request, "admin/kb_edit.html", _form_context(None, None))


@router.get("/admin/kb/{article_id}/edit")
async def admin_kb_edit(
    request: Request, article_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    editor = _editor(principal)
    article = await kb_service.read(session, editor, article_id)
    return render(request, "admin/kb_edit.html", _form_context(article, None))


@router.post("/admin/kb/save")
async def admin_kb_save(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    title: Annotated[str, Form(max_length=400)],
    body: Annotated[str, Form(max_length=200_000)],
    category: Annotated[str, Form(max_length=200)] = "",
    tags: Annotated[str, Form(max_length=1000)] = "",
    locale: Annotated[str, Form(max_length=10)] = "zh_CN",
    visibility: Annotated[str, Form(max_length=10)] = "public",
    status: Annotated[str, Form(max_length=10)] = "draft",
    article_id: Annotated[int | None, Form()] = None,
) -> Response:
    editor = _editor(principal)
    tag_list = [t.strip() for t in tags.replace("，", ",").split(",") if t.strip()]
    fields = {
        "title": title,
        "body": body,
        "category": category,
        "tags": tag_list,
        "visibility": visibility,
        "status": status,
    }
    try:
        if article_id is None:
            article = await kb_service.create(
                session, editor, ArticleCreate.model_validate({**fields, "locale": locale})
            )
        else:
            article = await kb_service.update(
                session, editor, article_id, ArticleUpdate.model_validate(fields)
            )
    except ValidationError as exc:
        message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        draft = {**fields, "id": article_id, "locale": locale, "tags": tag_list}
        return render(request, "admin/kb_edit.html", _form_context(draft, message), status=422)
    return RedirectResponse(f"/admin/kb/{article.id}/edit?saved=1", status_code=303)
