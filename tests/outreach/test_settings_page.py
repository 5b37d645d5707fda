"""The outreach settings form (Chinese, no JSON) and the 服务升级报告 editor pages: admins
save quiet hours, caps, the SMS gateway (key write-only), the app push webhook and tracking;
mistakes show next to the form, not a 500; a report goes draft → approved → published."""

from __future__ import annotations

import httpx

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.outreach.service import outreach_service
from tests.web.admin.cases import CJK, HTML, csrf, login

FORM = {
    "company": "星辰电子",
    "timezone": "Asia/Shanghai",
    "quiet_start": "22:00",
    "quiet_end": "07:30",
    "cap_email_max": "3",
    "cap_email_days": "7",
    "cap_sms_max": "1",
    "cap_sms_days": "30",
    "cap_wechat_max": "2",
    "cap_wechat_days": "7",
    "cap_app_max": "2",
    "cap_app_days": "7",
    "sms_url": "https://sms.example.cn/send",
    "sms_key": "gateway-secret-key",
    "sms_sign": "星辰电子",
    "sms_active": "on",
}


class TestSettingsPage:
    async def test_admin_saves_the_form(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.ADMIN)
        page = await client.get("/admin/outreach-settings", headers=HTML)
        assert page.status_code == 200 and "免打扰" in page.text
        r = await client.post("/admin/outreach-settings", data={**FORM, "csrf_token": csrf(page.text)})
        assert r.status_code == 303, r.text
        async with db.session() as s:
            saved = await outreach_service.settings(s, SYSTEM)
        assert (saved.policy.quiet_start, saved.policy.quiet_end) == ("22:00", "07:30")
        assert saved.policy.cap("sms").max_sends == 1 and saved.policy.cap("sms").per_days == 30
        assert saved.policy.tracking is False  # the box was not ticked
        assert saved.sms is not None and saved.sms.has_api_key
        page = await client.get("/admin/outreach-settings", headers=HTML)
        assert "gateway-secret-key" not in page.text  # write-only
        # Saving again without the key keeps it.
        form = {**FORM, "sms_key": "", "tracking": "on", "csrf_token": csrf(page.text)}
        assert (await client.post("/admin/outreach-settings", data=form)).status_code == 303
        async with db.session() as s:
            again = await outreach_service.settings(s, SYSTEM)
        assert again.sms is not None and again.sms.has_api_key and again.policy.tracking

    async def test_mistakes_are_shown_in_chinese(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.ADMIN)
        page = await client.get("/admin/outreach-settings", headers=HTML)
        bad = {**FORM, "quiet_start": "25:99", "csrf_token": csrf(page.text)}
        r = await client.post("/admin/outreach-settings", data=bad)
        assert r.status_code == 422 and 'data-testid="form-error"' in r.text and CJK.search(r.text)
        bad = {**FORM, "sms_url": "http://127.0.0.1:8/send", "csrf_token": csrf(page.text)}
        r = await client.post("/admin/outreach-settings", data=bad)
        assert r.status_code == 422

    async def test_agents_may_not(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.AGENT)
        assert (await client.get("/admin/outreach-settings", headers=HTML)).status_code == 403


class TestReportPages:
    async def test_draft_approve_publish(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.ADMIN)
        page = await client.get("/admin/service-reports", headers=HTML)
        assert page.status_code == 200
        r = await client.post(
            "/admin/service-reports", data={"period": "2026-10", "csrf_token": csrf(page.text)}
        )
        assert r.status_code == 303
        url = r.headers["location"]
        page = await client.get(url, headers=HTML)
        assert "草稿" in page.text and "draft" not in page.text
        form = {
            "title": "10 月服务升级报告",
            "intro": "谢谢",
            "items": "客服热线等待缩短一半\n退款更快",
            "action": "save",
        }
        assert (await client.post(url, data={**form, "csrf_token": csrf(page.text)})).status_code == 303
        assert (await client.get("/service-report/2026-10")).status_code == 404
        page = await client.get(url, headers=HTML)
        r = await client.post(url, data={"action": "approve", "csrf_token": csrf(page.text)})
        assert r.status_code == 303
        page = await client.get(url, headers=HTML)
        r = await client.post(url, data={"action": "publish", "csrf_token": csrf(page.text)})
        assert r.status_code == 303
        public = await client.get("/service-report/2026-10")
        assert (
            public.status_code == 200 and "客服热线等待缩短一半" in public.text and "退款更快" in public.text
        )
        assert (await client.get("/service-report")).status_code == 200
