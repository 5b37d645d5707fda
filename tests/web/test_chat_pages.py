"""Live chat pages: the customer chat page (standalone and embedded), the agent workspace and
the supervisor live view render, in Chinese by default, and only for the right people."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html"}


async def _login(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login", headers=HTML)
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


def _i18n(html: str, element_id: str) -> dict[str, str]:
    match = re.search(
        rf'<script (?:nonce="[^"]*" )?type="application/json" id="{element_id}">(.*?)</script>', html, re.S
    )
    assert match is not None, element_id
    data: dict[str, str] = json.loads(match.group(1))
    return data


class TestChatPage:
    async def test_chat_page_is_chinese_with_the_prechat_form(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/chat", headers=HTML)
        assert r.status_code == 200
        assert '<html lang="zh-CN">' in r.text
        assert "在线客服" in r.text and "开始咨询" in r.text and "转人工" in r.text
        for field in ("name", "email", "phone"):
            assert f'name="{field}"' in r.text
        assert "/static/chat.js" in r.text
        assert r.headers["cache-control"] == "no-store"

    async def test_strings_for_the_script_are_translated(self, client: httpx.AsyncClient) -> None:
        zh = _i18n((await client.get("/chat", headers=HTML)).text, "chat-i18n")
        assert zh["sending"] == "发送中…" and "{position}" in zh["queue"]
        # "number 2 in the queue" is one person ahead, not two
        assert zh["queue"].startswith("您当前排在第 {position} 位")
        assert "没有客服在线" in zh["queue_unstaffed"] and "{position}" in zh["queue_unstaffed"]
        en = _i18n((await client.get("/chat?lang=en", headers=HTML)).text, "chat-i18n")
        assert en["sending"] == "Sending…"

    async def test_english_on_request(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/chat?lang=en", headers=HTML)
        assert '<html lang="en">' in r.text and "Start chat" in r.text and "Talk to a human" in r.text

    async def test_standalone_page_may_not_be_framed_by_other_sites(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/chat", headers=HTML)
        assert r.headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
        assert 'class="chat-page"' in r.text and 'id="chat-close"' not in r.text

    async def test_embedded_page_may_be_framed_and_has_no_site_header(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get("/chat?embed=1", headers=HTML)
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert csp.endswith("frame-ancestors *") and "script-src 'self' 'nonce-" in csp
        assert 'class="chat-page embed"' in r.text
        assert 'id="chat-close"' in r.text and 'class="topbar"' not in r.text

    async def test_embedding_is_limited_to_the_allowed_origins(self, app: Any) -> None:
        settings = app.state.settings
        before = list(settings.allowed_origins)
        settings.allowed_origins = ["https://shop.example.cn"]
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as c:
                r = await c.get("/chat?embed=1", headers=HTML)
        finally:
            settings.allowed_origins = before
        assert r.headers["content-security-policy"].endswith("frame-ancestors 'self' https://shop.example.cn")

    async def test_scripts_are_served(self, client: httpx.AsyncClient) -> None:
        for name in ("widget.js", "chat.js", "workspace.js", "supervisor.js"):
            r = await client.get(f"/static/{name}")
            assert r.status_code == 200, name
            assert "innerHTML" not in r.text, name  # text goes through textContent only


class TestWorkspacePage:
    async def test_needs_a_staff_session(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/agent", headers=HTML)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")

    async def test_agent_sees_the_workspace_in_chinese(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            user = await make_user(s, email="li@example.com", name="李小青")
        await _login(client, "li@example.com")
        r = await client.get("/agent", headers=HTML)
        assert r.status_code == 200
        assert "上线" in r.text and "我的会话" in r.text and "转接" in r.text and "内部备注" in r.text
        assert f'data-user-id="{user.id}"' in r.text and "/static/workspace.js" in r.text
        i18n = _i18n(r.text, "ws-i18n")
        assert i18n["presence_online"] == "在线" and i18n["status_queued"] == "排队中"

    async def test_user_names_are_escaped(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="x@example.com", name='<img src=x onerror="alert(1)">')
        await _login(client, "x@example.com")
        r = await client.get("/agent", headers=HTML)
        assert '<img src=x onerror="alert(1)">' not in r.text
        assert "&lt;img src=x" in r.text


class TestSupervisorPage:
    async def test_agents_may_not_open_it(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="li@example.com")
        await _login(client, "li@example.com")
        assert (await client.get("/supervisor", headers=HTML)).status_code == 403

    async def test_supervisor_sees_the_live_view(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="boss@example.com", role=Role.SUPERVISOR)
        await _login(client, "boss@example.com")
        r = await client.get("/supervisor", headers=HTML)
        assert r.status_code == 200
        assert "实时概览" in r.text and "排队" in r.text and "有风险的会话" in r.text
        assert _i18n(r.text, "sv-i18n")["take_over"] == "接管"
        assert "/static/supervisor.js" in r.text
        # The same tabs as the reports: from the live view one click reaches 报表 and 痛点清单.
        assert 'href="/supervisor" aria-current="page"' in r.text
        assert 'href="/reports"' in r.text and 'href="/reports/pain-points"' in r.text
