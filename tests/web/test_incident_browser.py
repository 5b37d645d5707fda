"""Browser test for major-incident mode: a supervisor declares a P1, the chat widget shows
the banner and the bot gives the outage answer; after resolution the banner is gone."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

TIMEOUT = 15_000
OUTAGE = "支付功能暂时不可用，工程师正在抢修，恢复后会通知您。"


async def supervisor(http: httpx.AsyncClient) -> dict[str, str]:
    auth = await http.post(
        "/api/v1/auth/token", json={"email": "supervisor@kefu.demo", "password": "kefu-demo"}
    )
    assert auth.status_code == 200, auth.text
    return {"Authorization": f"Bearer {auth.json()['access_token']}"}


async def test_p1_banner_and_outage_answer_in_the_widget(demo_server: LiveServer, browser: Browser) -> None:
    async with httpx.AsyncClient(base_url=demo_server.url) as http:
        h = await supervisor(http)
        r = await http.post(
            "/api/v1/incidents",
            headers=h,
            json={"title": "支付通道故障", "severity": "P1", "keywords": ["支付", "付款"], "message": OUTAGE},
        )
        assert r.status_code == 201, r.text
        incident_id = r.json()["id"]

    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{demo_server.url}/chat")
    banner = page.locator("[data-testid=incident-banner]")
    await expect(banner).to_have_text(OUTAGE, timeout=TIMEOUT)
    await page.locator("[data-testid=prechat] input[name=name]").fill("王小明")
    await page.locator("[data-testid=start-chat]").click()
    box = page.locator("[data-testid=chat-input]")
    await box.fill("付款一直失败怎么办")
    await box.press("Enter")
    messages = page.locator("[data-testid=messages]")
    await expect(messages).to_contain_text(OUTAGE, timeout=TIMEOUT)

    async with httpx.AsyncClient(base_url=demo_server.url) as http:
        r = await http.post(f"/api/v1/incidents/{incident_id}/resolve", headers=await supervisor(http))
        assert r.status_code == 200, r.text
    await context.close()
    # A new visitor (no stored chat session) after resolution: the greeting, no banner.
    context = await browser.new_context()
    fresh = await context.new_page()
    await fresh.goto(f"{demo_server.url}/chat")
    await expect(fresh.locator("[data-testid=prechat]")).to_be_visible(timeout=TIMEOUT)
    await expect(fresh.locator("[data-testid=incident-banner]")).to_be_hidden()
    await context.close()
