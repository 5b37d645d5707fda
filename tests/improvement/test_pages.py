"""改进事项 pages (both backends): the supervisor's form (errors next to the field), the
suggestion form for any staff, the detail with Chinese labels and move buttons, the filters,
the 痛点解决率 on the list and on /reports, the SLA pattern report and the admin list."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.improvement.conftest import SH
from tests.web.admin.cases import HTML, csrf, login


async def _form(client: httpx.AsyncClient, url: str, **fields: str) -> httpx.Response:
    page = await client.get(url, headers=HTML)
    assert page.status_code == 200, page.text
    return await client.post(url, data={**fields, "csrf_token": csrf(page.text)}, headers=HTML)


class TestPages:
    async def test_supervisor_creates_moves_and_sees_the_kpi(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.SUPERVISOR)
        today = datetime.now(SH).date()
        bad = await _form(client, "/improvements/new", source="sla", title="", verify_ratio="500")
        assert bad.status_code == 422
        assert "必填" in bad.text or "不能" in bad.text or "至多" in bad.text
        r = await _form(
            client,
            "/improvements/new",
            source="sla",
            title="物流超时整改",
            due_date=today.isoformat(),
            verify_ratio="50",
            verify_weeks="2",
            survey_threshold="4",
        )
        assert r.status_code == 303
        url = r.headers["location"]
        detail = await client.get(url, headers=HTML)
        assert "待处理" in detail.text and "SLA 超时" in detail.text and "开始整改" in detail.text
        token = csrf(detail.text)
        for to in ("in_progress", "fixed"):
            r = await client.post(f"{url}/move", data={"to": to, "csrf_token": token}, headers=HTML)
            assert r.status_code == 303
        r = await client.post(f"{url}/move", data={"to": "open", "csrf_token": token}, headers=HTML)
        assert r.status_code == 409
        detail = await client.get(url, headers=HTML)
        assert "已整改" in detail.text and "变更状态" in detail.text
        listing = await client.get("/improvements?status=fixed", headers=HTML)
        assert "物流超时整改" in listing.text and 'data-testid="solve-rate-value">0%<' in listing.text
        empty = await client.get("/improvements?status=verified", headers=HTML)
        assert "物流超时整改" not in empty.text
        reports = await client.get("/reports", headers=HTML)
        assert 'data-testid="solve-rate"' in reports.text and "痛点解决率" in reports.text
        first = (today - timedelta(days=1)).isoformat()
        sla = await client.get(
            f"/improvements/sla-patterns?from={first}&to={today.isoformat()}", headers=HTML
        )
        assert sla.status_code == 200 and "该时段没有 SLA 超时" in sla.text
        admin = await client.get("/admin/improvement-departments", headers=HTML)
        assert admin.status_code == 200 and "责任部门" in admin.text

    async def test_any_agent_suggests_but_cannot_manage(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.AGENT)
        r = await _form(client, "/improvements/suggest", title="", description="")
        assert r.status_code == 422
        r = await _form(
            client, "/improvements/suggest", title="知识库搜索不到退款政策", description="加同义词"
        )
        assert r.status_code == 303
        detail = await client.get(r.headers["location"], headers=HTML)
        assert "员工建议" in detail.text and "知识库搜索不到退款政策" in detail.text
        assert "开始整改" not in detail.text  # the agent is not the owner
        assert (await client.get("/improvements/new", headers=HTML)).status_code == 403
        nav = await client.get("/improvements", headers=HTML)
        assert 'data-nav="improvements"' in nav.text and "新建改进事项" not in nav.text
