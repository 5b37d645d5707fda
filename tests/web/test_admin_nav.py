"""The admin navigation reaches every admin page, in sections, in Chinese."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.routing import APIRoute

from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.web.admin_nav import ADMIN_SECTIONS
from kefu.web.crud import ADMIN_NAV
from tests.web.admin.cases import HTML, login

REDIRECTS = {"/admin", "/admin/sla", "/admin/automation"}  # old addresses, not pages
LINKED = {href for _section, links in ADMIN_SECTIONS for href, _label in links}


def _get_paths(routes: list[Any], prefix: str = "") -> set[str]:
    """GET paths of an app's routes, through included routers (kept whole by FastAPI)."""
    out: set[str] = set()
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            context = getattr(r, "include_context", None)
            out |= _get_paths(inner.routes, prefix + str(getattr(context, "prefix", "") or ""))
        elif isinstance(r, APIRoute) and "GET" in r.methods:
            out.add(prefix + r.path)
    return out


def test_every_admin_page_is_in_the_navigation(app: Any) -> None:
    pages = {p for p in _get_paths(app.routes) if re.fullmatch(r"/admin/[a-z-]+", p)}
    assert pages, "no admin pages found"
    assert pages - REDIRECTS <= LINKED, sorted(pages - REDIRECTS - LINKED)
    assert {href for href, _title in ADMIN_NAV} <= LINKED
    assert pages >= LINKED  # and nothing links to a page that does not exist


async def test_the_admin_sees_the_sections_in_chinese_and_every_link_opens(
    db: Database, client: httpx.AsyncClient
) -> None:
    await login(client, db, Role.ADMIN)
    page = await client.get("/admin/phone-lines", headers=HTML)
    assert page.status_code == 200
    nav = page.text[
        page.text.index('<nav class="subnav">') : page.text.index("</nav>", page.text.index('class="subnav"'))
    ]
    for words in ("团队", "渠道", "电话接入", "服务目标", "培训", "研发系统对接"):
        assert words in nav, words
    assert 'href="/admin/phone-lines" aria-current="page"' in nav
    assert not re.search(r">\s*[A-Z][a-z]+( [a-z]+)*\s*<", nav), "an English label in the Chinese navigation"
    for href in sorted(LINKED):
        r = await client.get(href, headers=HTML)
        assert r.status_code == 200, (href, r.status_code)
