"""Browser tests for the admin area: an admin edits business hours in the weekly grid, an
SLA policy with pickers, edits and deactivates a staff member, and builds the trigger
"分类 包含 售后 且 标题 包含 故障 → 优先级 紧急" without typing JSON — then a new ticket gets it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


async def _token(base: str, email: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(f"{base}/api/v1/auth/token", json={"email": email, "password": "kefu-demo"})


@pytest.fixture
async def admin(demo_server: LiveServer, browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{demo_server.url}/login")
    await page.fill("input[name=email]", "admin@kefu.demo")
    await page.fill("input[name=password]", "kefu-demo")
    await page.click("form button[type=submit]")
    await page.wait_for_url(f"{demo_server.url}/admin/users")
    yield page
    await context.close()


def _row(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("#objects tbody tr", has_text=text)


class TestAdminBrowser:
    async def test_admin_edits_business_hours_in_the_weekly_grid(
        self, admin: Page, demo_server: LiveServer
    ) -> None:
        await admin.goto(f"{demo_server.url}/admin/schedules")
        row = _row(admin, "工作时间（含法定节假日与调休）")
        await expect(row).to_contain_text("周一至周五 09:00–12:00、13:30–18:00")
        await row.locator("[data-testid=edit]").click()
        await admin.fill("input[name=d5s0_start]", "10:00")  # Saturday morning
        await admin.fill("input[name=d5s0_end]", "16:00")
        await admin.fill("input[name=d4s1_end]", "17:00")  # Friday ends earlier
        await admin.click("[data-testid=save]")
        await expect(admin.locator("[data-testid=flash]")).to_contain_text(
            "已保存：工作时间（含法定节假日与调休）"
        )
        row = _row(admin, "工作时间（含法定节假日与调休）")
        await expect(row).to_contain_text("周一至周四 09:00–12:00、13:30–18:00")
        await expect(row).to_contain_text("周五 09:00–12:00、13:30–17:00")
        await expect(row).to_contain_text("周六 10:00–16:00")
        # The edit page previews the next 30 days, statutory holidays and 调休 included.
        await row.locator("[data-testid=edit]").click()
        await expect(admin.locator("#preview tbody tr")).to_have_count(30)
        # An end before the start is explained next to the grid, in Chinese.
        await admin.fill("input[name=d0s0_end]", "08:00")
        await admin.click("[data-testid=save]")
        await expect(admin.locator("[data-error-for=intervals]")).to_contain_text(
            "结束时间 08:00 必须晚于开始时间 09:00"
        )

    async def test_admin_adds_and_edits_an_sla_policy_with_pickers(
        self, admin: Page, demo_server: LiveServer
    ) -> None:
        await admin.goto(f"{demo_server.url}/admin/sla-policies")
        await admin.click("[data-testid=new]")
        await admin.fill("input[name=name]", "VIP 邮件加急")
        await admin.fill("input[name=position]", "1")
        await admin.select_option("select[name=schedule_id]", label="客服在线时间 9:00–21:00")
        await admin.check("input[name=priority][value=urgent]")
        await admin.check("input[name=priority][value=high]")
        await admin.check("input[name=channel][value=email]")
        await admin.check("input[name=tier][value=high]")
        await admin.fill("input[name=first_reply]", "0:30")
        await admin.fill("input[name=resolution]", "4:00")
        await admin.click("[data-testid=save]")
        await expect(admin.locator("[data-testid=flash]")).to_contain_text("已创建：VIP 邮件加急")
        row = _row(admin, "VIP 邮件加急")
        await expect(row).to_contain_text("优先级：紧急、高；渠道：邮件；客户等级：高价值")
        await expect(row).to_contain_text("首次回复 0:30 · 解决 4:00")
        await expect(row).to_contain_text("客服在线时间 9:00–21:00")
        await row.locator("[data-testid=edit]").click()
        await expect(admin.locator("input[name=first_reply]")).to_have_value("0:30")
        await admin.fill("input[name=first_reply]", "1:15")
        await admin.uncheck("input[name=priority][value=high]")
        await admin.click("[data-testid=save]")
        row = _row(admin, "VIP 邮件加急")
        await expect(row).to_contain_text("优先级：紧急；渠道：邮件")
        await expect(row).to_contain_text("首次回复 1:15")

    async def test_admin_edits_and_deactivates_a_staff_member(
        self, admin: Page, demo_server: LiveServer
    ) -> None:
        assert (await _token(demo_server.url, "agent2@kefu.demo")).status_code == 200
        await admin.goto(f"{demo_server.url}/admin/users")
        row = _row(admin, "agent2@kefu.demo")
        await row.locator("[data-testid=edit]").click()
        await admin.fill("input[name=name]", "周敏（夜班）")
        await admin.fill("input[name=chat_capacity]", "3")
        await admin.click("[data-testid=save]")
        await expect(admin.locator("[data-testid=flash]")).to_contain_text("已保存：周敏（夜班）")
        row = _row(admin, "agent2@kefu.demo")
        await expect(row).to_contain_text("周敏（夜班）")
        await expect(row).to_contain_text("会话 3")
        await row.locator("[data-testid=remove]").click()
        await expect(admin.locator("h1")).to_contain_text("停用")
        await admin.click("[data-testid=confirm]")
        await expect(admin.locator("[data-testid=flash]")).to_contain_text("已停用：周敏（夜班）")
        await expect(_row(admin, "agent2@kefu.demo")).to_contain_text("已停用")
        assert (await _token(demo_server.url, "agent2@kefu.demo")).status_code == 401
        # New staff default to agent.
        await admin.click("[data-testid=new]")
        await expect(admin.locator("select[name=role]")).to_have_value("agent")

    async def test_admin_builds_a_trigger_without_json_and_it_fires(
        self, admin: Page, demo_server: LiveServer
    ) -> None:
        token = (await _token(demo_server.url, "admin@kefu.demo")).json()["access_token"]
        api = httpx.AsyncClient(
            base_url=demo_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        ticket = {
            "subject": "耳机故障，无法开机",
            "description": "买了两周就坏了",
            "channel": "email",
            "category": "售后",
            "requester": {"name": "王女士", "email": "wang.nvshi@example.cn"},
        }
        before = await api.post("/api/v1/tickets", json=ticket)
        assert before.status_code == 201, before.text
        assert before.json()["priority"] != "urgent"

        await admin.goto(f"{demo_server.url}/admin/triggers/new")
        await admin.fill("input[name=name]", "售后故障升为紧急")
        await admin.select_option("select[name=on]", label="工单创建时")
        await admin.select_option("select[name=cond-0-field]", label="分类")
        await admin.select_option("select[name=cond-0-op]", label="包含")
        await admin.fill("input[name=cond-0-v-text]", "售后")
        await admin.select_option("select[name=cond-1-field]", label="标题")
        await admin.select_option("select[name=cond-1-op]", label="包含")
        await admin.fill("input[name=cond-1-v-text]", "故障")
        await admin.select_option("select[name=act-0-action]", label="设置优先级")
        await admin.select_option("select[name=act-0-v-priority]", label="紧急")
        await expect(admin.locator("#rule-preview")).to_have_text(
            "分类 包含 售后 且 标题 包含 故障 → 优先级 紧急"
        )
        assert await admin.locator("textarea").count() == 0  # nothing to type JSON into
        await admin.click("[data-testid=save]")
        await expect(admin.locator("[data-testid=flash]")).to_contain_text("已创建：售后故障升为紧急")
        await expect(_row(admin, "售后故障升为紧急")).to_contain_text(
            "分类 包含 售后 且 标题 包含 故障 → 优先级 紧急"
        )

        created = await api.post("/api/v1/tickets", json={**ticket, "subject": "音箱故障，没有声音"})
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + 20
        priority = created.json()["priority"]
        while priority != "urgent" and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            priority = (await api.get(f"/api/v1/tickets/{created.json()['id']}")).json()["priority"]
        assert priority == "urgent"
        other = await api.post("/api/v1/tickets", json={**ticket, "subject": "音箱怎么连蓝牙"})
        await asyncio.sleep(2)
        assert (await api.get(f"/api/v1/tickets/{other.json()['id']}")).json()["priority"] != "urgent"
        await api.aclose()
