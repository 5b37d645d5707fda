"""The outreach settings form (Chinese, no JSON) and the 服务升级报告 editor pages: admins
save quiet hours, caps, the SMS gateway (key write-only), the app push webhook and tracking;
mistakes show next to the form, not a 500; a report goes draft → approved → published."""

from __future__ import annotations

import httpx

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models.outreach import ServiceReport
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

    async def test_figures_read_in_the_pages_language(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            s.add(
                ServiceReport(
                    period="2026-09",
                    title="9 月服务升级报告",
                    status="published",
                    published_at=utcnow(),
                    items=[],
                    figures={
                        "first_reply_seconds_p50": {"now": 7500, "before": 9000},
                        "resolution_seconds_p50": {"now": 90000, "before": None},
                        "csat": {"now": 4.5, "before": 4.25},
                        "fcr_rate": {"now": 0.82, "before": 0.75},
                    },
                )
            )
        codes = ("first_reply_seconds_p50", "resolution_seconds_p50", "fcr_rate", "csat", "report_figure")
        zh = (await client.get("/service-report/2026-09", headers=HTML)).text
        assert "首次回复时间（中位数）" in zh and "一次解决率" in zh and "满意度（1–5 分）" in zh
        assert "2小时5分钟" in zh and "1天1小时" in zh and "82%" in zh and "4.5" in zh
        assert not any(code in zh for code in codes)
        en = (await client.get("/service-report/2026-09?lang=en", headers=HTML)).text
        assert "First reply time (median)" in en and "First-contact resolution" in en
        assert "2 h 5 min" in en and "首次回复" not in en
        assert not any(code in en for code in codes)
