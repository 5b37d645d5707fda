"""Real browser (Playwright driving Debian's Chromium) against a real `kefu serve`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.conftest import IN_CI, LiveServer
from tests.web.conftest import CHROMIUM

pytestmark = pytest.mark.browser


class TestSignInInTheBrowser:
    async def test_agent_logs_in_and_switches_language(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        page = await browser.new_page()
        await page.goto(f"{demo_server.url}/agent")
        assert page.url.startswith(f"{demo_server.url}/login")
        assert await page.locator("html").get_attribute("lang") == "zh-CN"
        await page.fill("input[name=email]", "agent1@kefu.demo")
        await page.fill("input[name=password]", "kefu-demo")
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{demo_server.url}/agent")
        assert await page.locator("h1").inner_text() == "工作台"
        assert "李小青" in await page.locator("[data-testid=who]").inner_text()

        await page.click("a[data-lang=en]")
        await page.wait_for_url(f"{demo_server.url}/agent")
        assert await page.locator("html").get_attribute("lang") == "en"
        assert await page.locator("h1").inner_text() == "Workspace"

        shots = os.environ.get("KEFU_SCREENSHOTS")
        if shots:
            await page.screenshot(path=str(Path(shots) / "agent-workspace-en.png"), full_page=True)

    async def test_wrong_password_keeps_the_user_on_the_login_page(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        page = await browser.new_page()
        await page.goto(f"{demo_server.url}/login")
        await page.fill("input[name=email]", "agent1@kefu.demo")
        await page.fill("input[name=password]", "wrong")
        await page.click("button[type=submit]")
        assert await page.locator("[role=alert]").inner_text() == "邮箱或密码错误。"


def test_chromium_binary_is_debians() -> None:
    if shutil.which("chromium") is None and not IN_CI:
        pytest.skip("chromium not installed")
    assert Path(CHROMIUM).exists()
