"""Browser test for field service: a customer books an on-site repair in the portal, the
agent sees it on the ticket, the partner accepts and completes it in the partner portal, and
the customer follows the progress and rates the repair."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import LiveServer, free_port, quick_demo

pytestmark = pytest.mark.browser
TIMEOUT = 45_000  # a shared, loaded machine: fragments can take seconds


@pytest.fixture(scope="module")
def field_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo company (with its service points, partners and devices) on its own file."""
    folder = tmp_path_factory.mktemp("field-browser")
    env = {
        **quick_demo(folder, tmp_path_factory.getbasetemp()),
        "KEFU_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
    }
    # Minutes, not 150 s, to get ready: the demo's first start migrates and warms up on a
    # shared, loaded machine.
    server = LiveServer(env, free_port(), ready_seconds=240)
    yield server
    server.stop()


async def login(page: Page, base: str, path: str, email: str) -> None:
    await page.goto(f"{base}{path}")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", "kefu-demo")
    await page.click("form button[type=submit]")


class TestOnSiteRepair:
    async def test_book_dispatch_accept_complete_and_rate(
        self, field_server: LiveServer, browser: Browser
    ) -> None:
        base = field_server.url
        customer = await (await browser.new_context()).new_page()
        await login(customer, base, "/portal/login", "zhoujie@example.cn")
        await customer.wait_for_url(f"{base}/portal/tickets")
        await customer.click("text=我的维修")
        await customer.click("[data-testid=book-repair]")
        option = customer.locator("#book-form option", has_text="XC5P20260001")
        await customer.select_option(
            "#book-form select[name=device_id]", value=await option.get_attribute("value")
        )
        await customer.fill("#book-form input[name=city]", "东莞")
        await customer.fill("#book-form input[name=address]", "南城区鸿福路 200 号")
        await customer.fill("#book-form textarea[name=fault]", "屏幕摔裂，触摸失灵")
        await customer.click("#book-form button[type=submit]")
        await customer.wait_for_url(re.compile(r".*/portal/repairs/\d+$"))
        order_id = customer.url.rsplit("/", 1)[1]
        await expect(customer.locator("[data-testid=repair-status]")).to_have_text("已创建", timeout=TIMEOUT)
        page_text = await customer.locator("main").inner_text()
        assert "极速快修（东莞）" in page_text  # dispatched to the partner covering 东莞
        assert "保修期内免费" in page_text
        ticket_link = customer.locator("a[href^='/portal/tickets/']")
        ticket_id = (await ticket_link.get_attribute("href") or "").rsplit("/", 1)[1]

        agent = await (await browser.new_context()).new_page()
        await login(agent, base, "/login", "agent1@kefu.demo")
        await agent.wait_for_url(f"{base}/agent")
        await agent.goto(f"{base}/agent/tickets/{ticket_id}")
        order_card = agent.locator(f"[data-testid=service-order][data-order-id='{order_id}']")
        await expect(order_card).to_contain_text("极速快修（东莞）", timeout=TIMEOUT)
        await expect(order_card.locator("[data-testid=service-order-status]")).to_have_text(
            "已创建", timeout=TIMEOUT
        )
        await expect(order_card).to_contain_text("预约确认（24小时内）", timeout=TIMEOUT)

        partner = await (await browser.new_context()).new_page()
        await login(partner, base, "/login", "partner1@kefu.demo")
        await partner.wait_for_url(f"{base}/partner")
        card = partner.locator(f"[data-testid=partner-order][data-order-id='{order_id}']")
        await expect(card).to_contain_text("屏幕摔裂", timeout=TIMEOUT)
        await card.locator("[data-testid=accept]").click()
        for step, label in (
            ("arrived", "工程师已上门"),
            ("diagnosed", "已检测"),
            ("repairing", "维修中"),
            ("quality_check", "质检中"),
            ("done", "已完成"),
        ):
            card = partner.locator(f"[data-testid=partner-order][data-order-id='{order_id}']")
            await card.locator(f"button[data-step={step}]").click()
            status = card.locator("[data-testid=partner-order-status]")
            await expect(status).to_have_text(label, timeout=TIMEOUT)
        # The partner account reaches nothing outside its portal.
        denied = await partner.goto(f"{base}/agent/tickets/{ticket_id}")
        assert denied is not None and denied.status == 403

        await customer.reload()
        await expect(customer.locator("[data-testid=repair-status]")).to_have_text("已完成", timeout=TIMEOUT)
        timeline = await customer.locator("[data-testid=repair-timeline]").inner_text()
        for label in ("已创建", "预约已确认", "工程师已上门", "已检测", "维修中", "质检中", "已完成"):
            assert label in timeline, label
        await customer.check("[data-testid=rate-form] input[name=rating][value='5']")
        await customer.fill("[data-testid=rate-form] input[name=comment]", "师傅很专业")
        await customer.click("[data-testid=rate-form] button[type=submit]")
        await expect(customer.locator("[data-testid=rated]")).to_contain_text("★★★★★", timeout=TIMEOUT)

        await agent.reload()
        await expect(order_card.locator("[data-testid=service-order-status]")).to_have_text(
            "已完成", timeout=TIMEOUT
        )
        await expect(order_card).to_contain_text("★★★★★", timeout=TIMEOUT)
