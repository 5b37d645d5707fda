"""Small daily-use pages (both backends): the header's presence switch on every staff page,
a customers list that lists, a default ticket view with something in it, the portal's
category not preselected, an agent's reply on a portal ticket waiting for the customer,
HEAD / and a favicon."""

from __future__ import annotations

import httpx

from kefu.customer.service import customer_service
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import PASSWORD, make_customer, make_group, make_user, staff_token
from tests.web.test_pages import _csrf, _login

HTML = {"accept": "text/html"}


class TestStaffPages:
    async def test_every_staff_page_has_the_presence_switch_and_the_icon(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_user(s, email="agent@example.com", name="李小青")
        await _login(client, "agent@example.com")
        for path in ("/agent", "/agent/tickets", "/agent/customers", "/me/stats"):
            page = await client.get(path, headers=HTML)
            assert page.status_code == 200, path
            assert 'data-testid="header-presence"' in page.text and "/static/presence.js" in page.text, path
            assert ">在线<" in page.text and ">离开<" in page.text, path
        icon = await client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")

    async def test_head_of_the_root_is_not_405(self, client: httpx.AsyncClient) -> None:
        r = await client.head("/")
        assert r.status_code == 303 and r.headers["location"] == "/login"

    async def test_the_customers_page_lists_newest_first_and_finds_by_name(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            older = await make_customer(s, name="何静", email="hejing@example.cn")
            newer = await make_customer(s, name="王芳", phone="18800188006")
            await make_user(s, email="agent@example.com")
        await _login(client, "agent@example.com")
        page = (await client.get("/agent/customers", headers=HTML)).text
        assert page.index(f"/agent/customers/{newer.id}") < page.index(f"/agent/customers/{older.id}")
        assert "188****8006" in page  # masked for agents
        found = (await client.get("/agent/customers", params={"q": "何"}, headers=HTML)).text
        assert f"/agent/customers/{older.id}" in found and f"/agent/customers/{newer.id}" not in found

    async def test_the_default_ticket_view_shows_mine_and_what_waits_in_my_groups(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            mine = await make_group(s, name="售后服务")
            other = await make_group(s, name="大客户")
        agent, token = await staff_token(db, role=Role.AGENT, email="agent@example.com", group_ids=[mine.id])
        h = {"Authorization": f"Bearer {token}"}
        _, admin = await staff_token(db, role=Role.ADMIN)
        a = {"Authorization": f"Bearer {admin}"}
        for subject, group in (("耳机没声音", mine.id), ("大客户合同", other.id)):
            r = await client.post(
                "/api/v1/tickets",
                headers=a,
                json={"subject": subject, "description": "…", "channel": "email", "group_id": group},
            )
            assert r.status_code == 201, r.text
        r = await client.post(
            "/api/v1/tickets",
            headers=a,
            json={"subject": "我的回访", "description": "…", "channel": "phone", "group_id": other.id},
        )
        await client.patch(f"/api/v1/tickets/{r.json()['id']}", headers=a, json={"assignee_id": agent.id})
        me = await client.get("/api/v1/agents/me", headers=h)
        assert me.status_code == 200, me.text
        await _login(client, "agent@example.com")
        page = (await client.get("/agent/tickets", headers=HTML)).text
        assert "耳机没声音" in page and "我的回访" in page and "大客户合同" not in page
        assert 'aria-current="page" data-view="inbox"' in page


class TestPortal:
    async def test_no_category_is_preselected_and_an_agent_reply_waits_for_the_customer(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            c = await make_customer(s, name="赵敏", email="zhaomin@example.cn")
            await customer_service.set_password(s, c, PASSWORD)
        page = await client.get("/portal/login", headers=HTML)
        await client.post(
            "/portal/login",
            data={"email": "zhaomin@example.cn", "password": PASSWORD, "csrf_token": _csrf(page.text)},
        )
        form = (await client.get("/portal/tickets/new", headers=HTML)).text
        assert '<option value="" disabled selected>请选择分类</option>' in form
        assert " selected>" not in form.replace('<option value="" disabled selected>', "")
        _, token = await staff_token(db, role=Role.AGENT)
        h = {"Authorization": f"Bearer {token}"}
        r = await client.post(
            "/api/v1/tickets",
            headers=h,
            json={
                "subject": "改地址",
                "description": "想改收货地址",
                "channel": "portal",
                "requester": {"email": "zhaomin@example.cn"},
            },
        )
        assert r.status_code == 201, r.text
        ticket_id = r.json()["id"]
        r = await client.post(
            f"/api/v1/tickets/{ticket_id}/comments", headers=h, json={"body": "已为您修改", "public": True}
        )
        assert r.status_code == 201
        assert (await client.get(f"/api/v1/tickets/{ticket_id}", headers=h)).json()["status"] == "pending"
        r = await client.post(
            f"/api/v1/tickets/{ticket_id}/comments", headers=h, json={"body": "内部备注", "public": False}
        )
        assert (await client.get(f"/api/v1/tickets/{ticket_id}", headers=h)).json()["status"] == "pending"
