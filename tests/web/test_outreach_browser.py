"""Browser test (Playwright, Debian chromium) for issue #16: a customer redeems points for a
voucher in the portal and sees it in 我的优惠券; an admin builds a birthday journey in the
admin form, previews it for the demo customer whose birthday is this month, sends today's
greetings, and the greeting is in her send log (queued to the mail outbox), counted on the
journey's page and listed in 外发消息."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import LiveServer
from tests.web.test_chat_record_browser import TIMEOUT, api, login
from tests.web.test_ticket_browser import login as portal_login

pytestmark = pytest.mark.browser


async def _customer(server: LiveServer, email: str) -> dict[str, Any]:
    items = (await api(server, "GET", f"/api/v1/customers?email={email}"))["items"]
    return dict(items[0])


class TestOutreachAndRewards:
    async def test_voucher_in_my_coupons_and_a_birthday_journey_reaches_the_customer(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        base = demo_server.url
        # --- the portal: points for a voucher ---------------------------------------------
        await api(
            demo_server,
            "POST",
            "/api/v1/rewards",
            json={"name": "8 元代金券", "kind": "voucher", "points": 1, "value_cny": "8"},
        )
        wu = await _customer(demo_server, "wufang@example.cn")
        await api(
            demo_server,
            "POST",
            f"/api/v1/customers/{wu['id']}/orders",
            json={
                "external_id": "BROWSER-1",
                "amount": "100",
                "currency": "CNY",
                "placed_at": datetime.now(ZoneInfo("UTC")).isoformat(),
            },
        )
        customer = await (await browser.new_context()).new_page()
        await portal_login(customer, base, "/portal/login", "wufang@example.cn")
        await customer.wait_for_url(f"{base}/portal/tickets")
        await customer.goto(f"{base}/portal/account")
        store = customer.locator("#rewards-store li", has_text="8 元代金券")
        await store.locator("button[type=submit]").click()
        await customer.wait_for_url(f"{base}/portal/account#coupons")
        await expect(customer.locator("#coupons")).to_contain_text("¥8", timeout=TIMEOUT)
        await customer.goto(f"{base}/portal/referrals")
        await expect(customer.locator("[data-testid=my-redemptions]")).to_contain_text("8 元代金券")
        await customer.click("text=我的优惠券")
        await expect(customer.locator("#coupons")).to_contain_text("积分兑换")

        # --- the admin: a birthday journey, previewed and sent ----------------------------
        await api(
            demo_server,
            "PUT",
            "/api/v1/outreach/settings",
            json={"policy": {"quiet_start": "00:00", "quiet_end": "00:00"}},
        )
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        lin = await _customer(demo_server, "linxiao@example.cn")  # a demo customer with a birthday
        born = today.replace(year=2000, day=min(today.day, 28))
        await api(demo_server, "PATCH", f"/api/v1/customers/{lin['id']}", json={"birthday": born.isoformat()})

        admin = await (await browser.new_context()).new_page()
        await login(admin, base, "admin@kefu.demo")
        await admin.wait_for_url(f"{base}/**")
        await admin.goto(f"{base}/admin/outreach/new")
        await admin.fill("input[name=name]", "本月寿星祝福")
        await admin.select_option("select[name=trigger]", "birthday")
        await admin.select_option("select[name=purpose]", "marketing")
        await admin.select_option("select[name=birthday_month]", str(today.month))
        await admin.fill("input[name=subject_zh]", "{name}，生日快乐")
        await admin.fill("textarea[name=body_zh]", "{name}您好，祝您生日快乐！{benefit}")
        await admin.click("[data-testid=save]")
        await admin.wait_for_url(f"{base}/admin/outreach")
        journeys = (await api(demo_server, "GET", "/api/v1/outreach/journeys"))["items"]
        journey = next(j for j in journeys if j["name"] == "本月寿星祝福")
        await admin.goto(f"{base}/admin/outreach/{journey['id']}")
        await admin.fill("#sample", str(lin["id"]))
        await admin.click("text=预览")
        preview = admin.locator("[data-testid=preview]")
        await expect(preview).to_contain_text("林晓，生日快乐", timeout=TIMEOUT)
        await expect(preview).to_contain_text("生日月购物积分")
        await admin.click("[data-testid=run-now]")
        await expect(admin.locator("[data-testid=run-planned]")).to_be_visible(timeout=TIMEOUT)

        async def sent() -> list[dict[str, Any]]:
            log = (await api(demo_server, "GET", f"/api/v1/outreach/customers/{lin['id']}/sends"))["items"]
            return [x for x in log if x["journey_id"] == journey["id"] and x["status"] == "sent"]

        for _ in range(60):
            if await sent():
                break
            await asyncio.sleep(0.5)
        [send] = await sent()
        assert send["subject"] == "林晓，生日快乐" and send["channel"] == "email"
        # The journey's own page counts it (sent, delivered = held in the outbox without SMTP).
        await admin.goto(f"{base}/admin/outreach/{journey['id']}")
        figures = admin.locator("[data-testid=journey-figures] tbody td")
        await expect(figures.nth(0)).to_have_text("1", timeout=TIMEOUT)
        # And in 外发消息, the outbox page the nav leads to.
        await admin.click("nav.main-nav >> text=外发消息")
        await admin.wait_for_url(f"{base}/supervisor/outbox")
        await admin.select_option("select[name=journey]", str(journey["id"]))
        await admin.click("[data-testid=outbox-filters] button[type=submit]")
        row = admin.locator("[data-testid=outbox-row]", has_text="林晓")
        await expect(row).to_contain_text("本月寿星祝福", timeout=TIMEOUT)
        await expect(row).to_contain_text("林晓，生日快乐")
