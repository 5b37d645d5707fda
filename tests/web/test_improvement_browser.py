"""Browser test (Playwright, Debian chromium) for the improvement loop on the demo company: a
supervisor turns the top pain point into an improvement item, sets it due today and to be
verified on the follow-up survey, moves it to fixed; an affected customer answers the
follow-up survey; after the verification job the item shows 已验证 and the 痛点解决率 moves
from 0% to 100%."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.conftest import LiveServer
from tests.web.test_chat_record_browser import TIMEOUT, api, login

pytestmark = pytest.mark.browser


def _followup_tokens(server: LiveServer, item_id: int) -> list[str]:
    """The follow-up surveys' links, as the customers' mails carry them (read from the demo's
    SQLite file, whose address is in the server process's environment)."""
    with open(f"/proc/{server.proc.pid}/environ", "rb") as f:
        env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
    path = env[b"KEFU_DATABASE_URL"].decode().removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT token FROM surveys WHERE dedupe_key LIKE ? ORDER BY id", (f"improvement:{item_id}:%",)
        ).fetchall()
    return [r[0] for r in rows]


class TestImprovementLoop:
    async def test_pain_point_to_verified_item_and_the_kpi(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        base = demo_server.url
        page = await (await browser.new_context()).new_page()
        await login(page, base, "supervisor@kefu.demo")
        await page.wait_for_url(lambda url: "/login" not in url)
        await page.goto(f"{base}/improvements")
        await expect(page.locator("[data-testid=solve-rate-value]")).to_have_text("—")

        # The top pain point becomes an improvement item.
        await page.goto(f"{base}/reports/pain-points")
        first = page.locator("[data-testid=pain-points] tbody tr").first
        title = (await first.locator("td").nth(1).inner_text()).split("(")[0].strip()
        await first.locator("[data-testid=to-improvement] button").click()
        await page.wait_for_url(f"{base}/improvements/*")
        item_id = int(page.url.rsplit("/", 1)[1])
        await expect(page.locator("h1")).to_contain_text(title)
        await expect(page.locator("[data-testid=item-status]")).to_have_text("待处理")

        # Due today, verified on the follow-up survey (no topic to watch for weeks).
        await page.click("text=编辑")
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        await page.fill("input[name=due_date]", today)
        await page.fill("input[name=topic]", "")
        await page.select_option("select[name=department_id]", label="产品研发部")
        await page.fill("textarea[name=action_plan]", "固件更新修复并在帮助中心发布说明")
        await page.click("[data-testid=item-form] button[type=submit]")
        await page.wait_for_url(f"{base}/improvements/{item_id}")
        await page.click("[data-testid=move-in_progress]")
        await expect(page.locator("[data-testid=item-status]")).to_have_text("整改中", timeout=TIMEOUT)
        await page.click("[data-testid=move-fixed]")
        await expect(page.locator("[data-testid=item-status]")).to_have_text("已整改", timeout=TIMEOUT)
        await expect(page.locator("[data-testid=timeline] li")).to_have_count(4)

        await page.goto(f"{base}/improvements")
        await expect(page.locator("[data-testid=solve-rate-value]")).to_have_text("0%")
        row = page.locator(f"[data-testid=improvement-row][data-id='{item_id}']")
        await expect(row.locator("[data-testid=status]")).to_have_text("已整改")

        # An affected customer says the problem is gone.
        tokens = _followup_tokens(demo_server, item_id)
        assert tokens, "the fix sends a follow-up survey to the affected customers"
        async with httpx.AsyncClient(base_url=base) as http:
            r = await http.post(f"/api/v1/s/{tokens[0]}", json={"score": 5, "comment": "已经好了"})
            assert r.status_code == 200, r.text

        # The verification job (hourly; run now).
        checks = (await api(demo_server, "POST", "/api/v1/improvements/verify"))["items"]
        assert [c["verified"] for c in checks if c["item_id"] == item_id] == [True]

        await page.reload()
        await expect(row.locator("[data-testid=status]")).to_have_text("已验证")
        await expect(page.locator("[data-testid=solve-rate-value]")).to_have_text("100%")
        await page.goto(f"{base}/improvements/{item_id}")
        await expect(page.locator("[data-testid=item-status]")).to_have_text("已验证")
        await expect(page.locator("[data-testid=timeline]")).to_contain_text("系统")
        await page.goto(f"{base}/reports")
        await expect(page.locator("[data-testid=solve-rate] [data-testid=solve-rate-value]")).to_have_text(
            "100%"
        )
