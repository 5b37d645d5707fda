"""Browser test (Playwright, Debian chromium, the demo) for 首问负责制 and timed escalation: an
agent answers a ticket first and owns it; the ticket is transferred to 售后维修 (a second-line
group in the demo); the owner gets the notice as a live pop-up on the page they are on,
finds the ticket under 我负责的, and the ticket page shows the 12-hour specialist clock; in the
workspace the next notice pops up too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


async def api(server: LiveServer, method: str, path: str, **kw: Any) -> Any:
    """A call as the demo admin; the decoded JSON body."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        auth = await http.post(
            "/api/v1/auth/token", json={"email": "admin@kefu.demo", "password": "kefu-demo"}
        )
        r = await http.request(
            method, path, headers={"Authorization": f"Bearer {auth.json()['access_token']}"}, **kw
        )
    assert r.status_code < 300, r.text
    return r.json()


async def login(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", "kefu-demo")
    await page.click("form button[type=submit]")


class TestOwnershipAndEscalation:
    async def test_first_answer_owns_transfer_notifies_owner_and_starts_the_12h_clock(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        base = demo_server.url
        groups = {g["name"]: g["id"] for g in (await api(demo_server, "GET", "/api/v1/groups"))["items"]}
        # A fresh demo already treats 售后维修 as the second line (12 h by default).
        escalation = await api(demo_server, "GET", "/api/v1/ticket-escalation")
        assert groups["售后维修"] in escalation["second_line_group_ids"]
        assert escalation["default_minutes"] == 720
        ticket = await api(
            demo_server,
            "POST",
            "/api/v1/tickets",
            json={
                "subject": "耳机左耳没声音",
                "description": "买了一个月，左耳突然没声音了。",
                "channel": "web",
                "requester": {"name": "郑磊", "email": "zhenglei@example.cn"},
                "group_id": groups["售前咨询"],
            },
        )
        tid = ticket["id"]

        # 李小青 (agent1, 售前咨询) answers first: she owns it.
        agent = await (await browser.new_context()).new_page()
        await login(agent, base, "agent1@kefu.demo")
        await agent.wait_for_url(f"{base}/agent")
        await agent.goto(f"{base}/agent/tickets/{tid}")
        await agent.fill("#reply-body", "您好，请先试试重新配对，不行我们安排检测。")
        await agent.click("#reply-form button[type=submit]")
        await expect(agent.locator("[data-testid=ticket-owner]")).to_contain_text("李小青", timeout=TIMEOUT)

        # She works on in the ticket list (its light socket brings notices).
        async with agent.expect_websocket() as socket_info:
            await agent.goto(f"{base}/agent/tickets")
        socket = await socket_info.value
        await socket.wait_for_event("framereceived")  # hello: the socket is subscribed

        # The supervisor's side: transferred to 售后维修.
        moved = await api(
            demo_server, "PATCH", f"/api/v1/tickets/{tid}", json={"group_id": groups["售后维修"]}
        )
        assert moved["group_id"] == groups["售后维修"] and moved["owner_id"] is not None

        toast = agent.locator("[data-testid=ticket-notice-toast]")
        await expect(toast).to_be_visible(timeout=TIMEOUT)
        await expect(toast).to_contain_text("售后维修")
        await expect(toast).to_have_attribute("data-kind", "group_changed")
        await expect(toast.locator("[data-testid=ticket-notice-link]")).to_have_attribute(
            "href", f"/agent/tickets/{tid}"
        )

        # 我负责的: the ticket is there although it left her group, with the notice above.
        await agent.click("[data-view=owned]")
        await agent.wait_for_url(f"{base}/agent/tickets?view=owned")
        await expect(agent.locator("#ticket-list")).to_contain_text("耳机左耳没声音")
        notices = agent.locator("[data-testid=ticket-notices]")
        await expect(notices.locator("li[data-kind=group_changed]")).to_contain_text(f"#{tid}")

        # The ticket page: the specialist-engaged clock runs, due 12 hours after the transfer.
        await agent.click(f"#ticket-list a[href='/agent/tickets/{tid}']")
        clock = agent.locator(".sla-list li", has_text="专家介入")
        await expect(clock).to_have_count(1, timeout=TIMEOUT)
        await expect(clock).to_have_class("sla sla-active")
        detail = await api(demo_server, "GET", f"/api/v1/tickets/{tid}")
        [entry] = [c for c in detail["sla"] if c["metric"] == "specialist_engaged"]
        due = datetime.fromisoformat(entry["due_at"])
        expected = datetime.now(UTC) + timedelta(hours=12)
        assert entry["status"] == "active" and abs((due - expected).total_seconds()) < 300

        # In the workspace (its own socket) the next notice pops up the same way.
        async with agent.expect_websocket() as socket_info:
            await agent.goto(f"{base}/agent")
        socket = await socket_info.value
        await socket.wait_for_event("framereceived")
        users = {u["name"]: u["user_id"] for u in (await api(demo_server, "GET", "/api/v1/agents"))["items"]}
        await api(demo_server, "PATCH", f"/api/v1/tickets/{tid}", json={"assignee_id": users["陈静"]})
        toast = agent.locator("[data-testid=ticket-notice-toast][data-kind=assignee_changed]")
        await expect(toast).to_be_visible(timeout=TIMEOUT)
        await expect(toast).to_contain_text("陈静")
