"""Browser tests for tickets: an agent answers with a macro, a customer submits in the
portal and sees the answer, and cannot open someone else's ticket."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def login(page: Page, base: str, path: str, email: str) -> None:
    await page.goto(f"{base}{path}")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", "kefu-demo")
    await page.click("form button[type=submit]")


class TestTicketFlow:
    async def test_customer_submits_agent_replies_with_macro_customer_sees_it(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        customer = await (await browser.new_context()).new_page()
        await login(customer, demo_server.url, "/portal/login", "zhoujie@example.cn")
        await customer.wait_for_url(f"{demo_server.url}/portal/tickets")
        await customer.click("text=提交工单")
        await customer.select_option("select[name=category]", "售后/维修")
        await customer.fill("input[name=subject]", "平板屏幕有亮点")
        await customer.fill("textarea[name=description]", "Pad 11 屏幕右上角有一个亮点。")
        await customer.click("#new-ticket button[type=submit]")
        await customer.wait_for_url(re.compile(r".*/portal/tickets/\d+$"))
        ticket_id = customer.url.rsplit("/", 1)[1]

        agent = await (await browser.new_context()).new_page()
        await login(agent, demo_server.url, "/login", "agent1@kefu.demo")
        await agent.wait_for_url(f"{demo_server.url}/agent")
        await agent.goto(f"{demo_server.url}/agent/tickets/{ticket_id}")
        await agent.select_option("#macro-select", label="寄修指引")
        await expect(agent.locator("#reply-body")).to_have_value(re.compile("寄修"))
        assert "周杰您好" in await agent.input_value("#reply-body")
        await agent.click("#reply-form button[type=submit]")
        await agent.wait_for_selector("#timeline .comment.public >> nth=1")
        assert "寄修" in await agent.locator("#timeline").inner_text()

        await customer.reload()
        timeline = await customer.locator("#timeline").inner_text()
        assert "顺丰免费上门取件" in timeline and f"#{ticket_id}" in timeline

    async def test_customer_cannot_open_another_customers_ticket(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        async with httpx.AsyncClient(base_url=demo_server.url) as http:
            auth = await http.post(
                "/api/v1/auth/token", json={"email": "admin@kefu.demo", "password": "kefu-demo"}
            )
            h = {"Authorization": f"Bearer {auth.json()['access_token']}"}
            others = (await http.get("/api/v1/tickets", params={"limit": 200}, headers=h)).json()["items"]
            me = (
                await http.get("/api/v1/customers", params={"email": "wufang@example.cn"}, headers=h)
            ).json()
        foreign = next(t for t in others if t["customer_id"] != me["items"][0]["id"])
        page = await (await browser.new_context()).new_page()
        await login(page, demo_server.url, "/portal/login", "wufang@example.cn")
        await page.wait_for_url(f"{demo_server.url}/portal/tickets")
        response = await page.goto(f"{demo_server.url}/portal/tickets/{foreign['id']}")
        assert response is not None and response.status == 404
        assert foreign["subject"] not in await page.content()


class TestMasking:
    async def test_supervisor_without_unmask_never_sees_a_full_phone_number(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        page = await (await browser.new_context()).new_page()
        await login(page, demo_server.url, "/login", "supervisor@kefu.demo")
        await page.wait_for_url(f"{demo_server.url}/supervisor")
        seen = ""
        for ticket_id in range(1, 13):  # every demo ticket's customer panel
            await page.goto(f"{demo_server.url}/agent/tickets/{ticket_id}")
            seen += await page.content()
        assert "****" in seen  # the panel is there, masked
        full = re.findall(r"1[3-9]\d{9}", seen)
        assert full == [], full
