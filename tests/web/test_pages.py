"""Pages: sign-in with CSRF, role areas, language switch, admin forms, portal."""

from __future__ import annotations

import re

import httpx
import sqlalchemy as sa

from kefu.customer.service import customer_service
from kefu.kit.db import Database
from kefu.models import AuditEntry, Group
from kefu.models.user import Role
from tests.factories import PASSWORD, make_customer, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login", headers={"accept": "text/html"})
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    return await client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None
    return match.group(1)


class TestLogin:
    async def test_login_page_is_chinese_by_default(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/login", headers={"accept": "text/html"})
        assert r.status_code == 200
        assert '<html lang="zh-CN">' in r.text
        assert "登录 kefu 客服" in r.text

    async def test_agent_signs_in_and_reaches_the_workspace(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_user(s, email="li@example.com", name="李小青")
        r = await _login(client, "li@example.com")
        assert r.status_code == 303
        assert r.headers["location"] == "/agent"
        cookie = r.headers["set-cookie"]
        assert "kefu_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        page = await client.get("/agent", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "李小青" in page.text and "工作台" in page.text

    async def test_wrong_password_shows_the_form_again_with_401(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_user(s, email="li@example.com")
        r = await _login(client, "li@example.com", "wrong-password")
        assert r.status_code == 401
        assert "邮箱或密码错误" in r.text
        async with db.session() as s:
            actions = list((await s.execute(sa.select(AuditEntry.action))).scalars())
        assert "denied.invalid_credentials" in actions

    async def test_login_without_csrf_token_is_refused(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="li@example.com")
        r = await client.post(
            "/login",
            data={"email": "li@example.com", "password": PASSWORD},
            headers={"accept": "text/html"},
        )
        assert r.status_code == 403
        assert "kefu_session" not in r.headers.get("set-cookie", "")

    async def test_pages_need_a_session(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/agent", headers={"accept": "text/html"})
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")

    async def test_open_redirects_are_ignored(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="li@example.com")
        page = await client.get("/login", headers={"accept": "text/html"})
        r = await client.post(
            "/login",
            data={
                "email": "li@example.com",
                "password": PASSWORD,
                "csrf_token": _csrf(page.text),
                "next": "//evil.example/x",
            },
        )
        assert r.headers["location"] == "/agent"


class TestLanguage:
    async def test_switching_to_english_sticks(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/lang/en?next=/login")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        page = await client.get("/login", headers={"accept": "text/html"})
        assert '<html lang="en">' in page.text
        assert "Sign in to kefu" in page.text
        await client.get("/lang/zh_CN")
        assert "登录 kefu 客服" in (await client.get("/login", headers={"accept": "text/html"})).text


class TestRoleAreas:
    async def test_agent_cannot_open_admin_pages(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="li@example.com")
        await _login(client, "li@example.com")
        r = await client.get("/admin/users", headers={"accept": "text/html"})
        assert r.status_code == 403
        r = await client.get("/supervisor", headers={"accept": "text/html"})
        assert r.status_code == 403

    async def test_admin_creates_a_group_and_a_user_with_the_form(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_user(s, email="boss@example.com", role=Role.ADMIN)
        await _login(client, "boss@example.com")
        page = await client.get("/admin/groups", headers={"accept": "text/html"})
        r = await client.post("/admin/groups", data={"name": "售后维修", "csrf_token": _csrf(page.text)})
        assert r.status_code == 303
        async with db.session() as s:
            group_id = (await s.execute(sa.select(Group.id).where(Group.name == "售后维修"))).scalar_one()
        page = await client.get("/admin/users", headers={"accept": "text/html"})
        r = await client.post(
            "/admin/users",
            data={
                "email": "new@example.com",
                "password": "password-123",
                "role": "agent",
                "name": "新人",
                "group_ids": str(group_id),
                "csrf_token": _csrf(page.text),
            },
        )
        assert r.status_code == 303
        listing = await client.get("/admin/users", headers={"accept": "text/html"})
        assert "new@example.com" in listing.text and "售后维修" in listing.text

    async def test_admin_form_without_csrf_is_refused(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="boss@example.com", role=Role.ADMIN)
        await _login(client, "boss@example.com")
        r = await client.post("/admin/groups", data={"name": "x"}, headers={"accept": "text/html"})
        assert r.status_code == 403
        async with db.session() as s:
            assert (await s.execute(sa.select(Group).where(Group.name == "x"))).first() is None

    async def test_admin_form_errors_are_shown_not_500(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="boss@example.com", role=Role.ADMIN)
        await _login(client, "boss@example.com")
        page = await client.get("/admin/users", headers={"accept": "text/html"})
        r = await client.post(
            "/admin/users",
            data={
                "email": "boss@example.com",
                "password": "password-123",
                "role": "agent",
                "csrf_token": _csrf(page.text),
            },
        )
        assert r.status_code == 409
        assert "已存在" in r.text

    async def test_logout_ends_the_session(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_user(s, email="li@example.com")
        await _login(client, "li@example.com")
        page = await client.get("/agent", headers={"accept": "text/html"})
        r = await client.post("/logout", data={"csrf_token": _csrf(page.text)})
        assert r.status_code == 303
        assert (await client.get("/agent", headers={"accept": "text/html"})).status_code == 303


class TestPortal:
    async def test_customer_signs_in_to_the_portal_and_not_to_staff_pages(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            c = await make_customer(s, name="王丽", email="wangli@example.cn")
            await customer_service.set_password(s, c, PASSWORD)
        page = await client.get("/portal/login", headers={"accept": "text/html"})
        r = await client.post(
            "/portal/login",
            data={
                "email": "wangli@example.cn",
                "password": PASSWORD,
                "csrf_token": _csrf(page.text),
            },
        )
        assert r.status_code == 303
        home = await client.get("/portal", headers={"accept": "text/html"}, follow_redirects=True)
        assert "王丽" in home.text
        assert (await client.get("/agent", headers={"accept": "text/html"})).status_code == 403


class TestBulkActions:
    async def test_bulk_update_applies_to_each_and_reports_refusals(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from tests.factories import make_group, make_ticket

        async with db.transaction() as s:
            group = await make_group(s, name="售前", is_default=True)
            await make_user(s, email="li@example.com", group_ids=[group.id])
            a, b = await make_ticket(s), await make_ticket(s)
            closed = await make_ticket(s)
            closed.status = "closed"
        await _login(client, "li@example.com")
        page = await client.get("/agent/tickets?view=groups", headers={"accept": "text/html"})
        r = await client.post(
            "/agent/tickets/bulk",
            data={
                "csrf_token": _csrf(page.text),
                "ticket_ids": [str(a.id), str(b.id), str(closed.id)],
                "priority": "high",
                "assign_to_me": "on",
            },
            headers={"accept": "text/html"},
        )
        assert r.status_code == 200 and f"#{closed.id}" in r.text  # the closed one is refused, visibly
        api = await client.get(f"/api/v1/tickets/{a.id}", headers={"X-CSRF-Token": _csrf(page.text)})
        assert api.json()["priority"] == "high" and api.json()["assignee_id"] is not None
        assert (await client.get(f"/api/v1/tickets/{b.id}")).json()["priority"] == "high"


class TestPortalTickets:
    async def test_portal_form_asks_for_custom_fields_and_takes_an_attachment(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from kefu.ticket.schemas import FieldDefCreate
        from kefu.ticket.service import ticket_service

        async with db.transaction() as s:
            c = await make_customer(s, name="王丽", email="wangli@example.cn")
            await customer_service.set_password(s, c, PASSWORD)
            await ticket_service.create_field_def(
                s,
                None,
                FieldDefCreate(
                    key="model", label="机型", kind="dropdown", options=["X5", "Pad 11"], required=True
                ),
            )
        page = await client.get("/portal/login", headers={"accept": "text/html"})
        await client.post(
            "/portal/login",
            data={"email": "wangli@example.cn", "password": PASSWORD, "csrf_token": _csrf(page.text)},
        )
        form = await client.get("/portal/tickets/new", headers={"accept": "text/html"})
        assert 'name="cf_model"' in form.text and "机型 *" in form.text
        token = _csrf(form.text)
        missing = await client.post(
            "/portal/tickets",
            headers={"accept": "text/html"},
            data={
                "csrf_token": token,
                "subject": "屏幕亮点",
                "description": "右上角有亮点",
                "category": "售后/维修",
            },
        )
        assert missing.status_code == 422 and "model" in missing.text and "屏幕亮点" in missing.text
        ok = await client.post(
            "/portal/tickets",
            data={
                "csrf_token": token,
                "subject": "屏幕亮点",
                "description": "右上角有亮点",
                "category": "售后/维修",
                "cf_model": "Pad 11",
            },
            files={"file": ("photo.png", b"\x89PNG\r\n\x1a\n1234", "image/png")},
        )
        assert ok.status_code == 303
        ticket_id = int(ok.headers["location"].rsplit("/", 1)[1])
        detail = (await client.get(f"/api/v1/tickets/{ticket_id}", headers={"X-CSRF-Token": token})).json()
        assert detail["custom_fields"] == {"model": "Pad 11"}
        assert [a["filename"] for c in detail["comments"] for a in c["attachments"]] == ["photo.png"]


class TestNoRawMessageIds:
    async def test_ticket_pages_show_words_not_message_ids_in_both_languages(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        import re as _re

        from tests.factories import make_customer as _customer
        from tests.factories import make_group, make_ticket

        async with db.transaction() as s:
            group = await make_group(s, name="售前", is_default=True)
            await make_user(s, email="li@example.com", group_ids=[group.id])
            c = await _customer(s, name="周杰", email="zj@example.cn")
            t = await make_ticket(s, customer_id=c.id)
        await _login(client, "li@example.com")
        raw = _re.compile(r"\b(status|priority|view|sla|tier|metric)_[a-z_]+\b")
        for lang in ("zh_CN", "en"):
            await client.get(f"/lang/{lang}")
            for url in ("/agent/tickets?view=groups", f"/agent/tickets/{t.id}"):
                text = (await client.get(url, headers={"accept": "text/html"})).text
                assert not raw.findall(text), (lang, url, raw.findall(text))
        await client.get("/lang/zh_CN")
        zh = (await client.get(f"/agent/tickets/{t.id}", headers={"accept": "text/html"})).text
        assert "新建" in zh and "工单" in zh


class TestPortalAccount:
    async def test_customer_sees_tier_points_and_a_compensation_coupon(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from decimal import Decimal

        from kefu.authz import SYSTEM
        from kefu.kit.time import utcnow
        from kefu.loyalty.schemas import OrderCreate
        from kefu.loyalty.service import loyalty_service

        async with db.transaction() as s:
            c = await make_customer(s, name="王丽", email="wangli@example.cn")
            await customer_service.set_password(s, c, PASSWORD)
            await loyalty_service.record_order(
                s,
                SYSTEM,
                c.id,
                OrderCreate(external_id="A-1", amount=Decimal("12000"), currency="CNY", placed_at=utcnow()),
            )
            await loyalty_service.issue(s, c.id, reason="compensation", amount=Decimal(20), validity_days=30)
        page = await client.get("/portal/login", headers={"accept": "text/html"})
        await client.post(
            "/portal/login",
            data={"email": "wangli@example.cn", "password": PASSWORD, "csrf_token": _csrf(page.text)},
        )
        text = (await client.get("/portal/account", headers={"accept": "text/html"})).text
        assert "中价值" in text and 'id="points-balance">12000<' in text and "服务补偿" in text


class TestCustomer360:
    async def test_agent_sees_masked_360_and_admin_unmasks_with_an_audit_entry(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        import sqlalchemy as _sa

        from kefu.models import AuditEntry as _Audit

        async with db.transaction() as s:
            c = await make_customer(s, name="何静", email="hejing@example.cn", phone="18800188006")
            await make_user(s, email="agent@example.com")
            await make_user(s, email="boss@example.com", role=Role.ADMIN)
        await _login(client, "agent@example.com")
        found = await client.get(
            "/agent/customers", params={"q": "18800188006"}, headers={"accept": "text/html"}
        )
        assert f"/agent/customers/{c.id}" in found.text
        page = await client.get(f"/agent/customers/{c.id}", headers={"accept": "text/html"})
        assert "188****8006" in page.text and "18800188006" not in page.text
        assert "查看完整联系方式" not in page.text  # agents cannot unmask
        client.cookies.clear()
        await _login(client, "boss@example.com")
        page = await client.get(f"/agent/customers/{c.id}", headers={"accept": "text/html"})
        shown = await client.post(
            f"/agent/customers/{c.id}/unmask",
            data={"csrf_token": _csrf(page.text)},
            headers={"accept": "text/html"},
        )
        assert "+8618800188006" in shown.text
        async with db.session() as s:
            actions = list((await s.execute(_sa.select(_Audit.action))).scalars())
        assert "customer.unmasked" in actions

    async def test_profile_fields_and_consent_are_recorded(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from tests.factories import bearer, staff_token

        async with db.transaction() as s:
            c = await make_customer(s, name="企业客户", email="buyer@corp.cn")
        _agent, token = await staff_token(db)
        r = await client.patch(
            f"/api/v1/customers/{c.id}",
            headers=bearer(token),
            json={
                "organization": "星河科技有限公司",
                "tags": ["B2B", "批量采购"],
                "attributes": {"seats": 50},
                "consents": {"marketing": False},
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["organization"] == "星河科技有限公司" and body["tags"] == ["B2B", "批量采购"]
        assert body["consents"]["marketing"]["granted"] is False
        r = await client.patch(
            f"/api/v1/customers/{c.id}", headers=bearer(token), json={"attributes": {"x": [1]}}
        )
        assert r.status_code == 422


class TestPrivacyActions:
    async def test_admin_exports_and_erases_from_the_360_page(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            c = await make_customer(s, name="孙悦", email="sunyue@example.cn")
            await make_user(s, email="boss@example.com", role=Role.ADMIN)
        await _login(client, "boss@example.com")
        page = await client.get(f"/agent/customers/{c.id}", headers={"accept": "text/html"})
        exported = await client.get(f"/agent/customers/{c.id}/export")
        assert exported.headers["content-disposition"].startswith("attachment")
        assert exported.json()["customer"]["name"] == "孙悦"
        r = await client.post(f"/agent/customers/{c.id}/erase", data={"csrf_token": _csrf(page.text)})
        assert r.status_code == 303
        after = await client.get(f"/agent/customers/{c.id}", headers={"accept": "text/html"})
        idx = after.text.find("孙悦")
        assert idx == -1, after.text[max(0, idx - 300) : idx + 50]
        assert "个人数据已删除" in after.text
