"""Real browser (Playwright driving Debian's Chromium) against a real `kefu serve`."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import IN_CI, LiveServer, free_port, run_cli

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("browser") / "kefu.db"
    env = {
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "KEFU_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
    }
    env.pop("KEFU_REDIS_URL", None)
    result = run_cli("demo", env=env)
    assert result.returncode == 0, result.stderr
    server = LiveServer(env, free_port())
    yield server
    server.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - one stat before the test
        if IN_CI:
            pytest.fail("Debian chromium is required in CI (make test installs it)")
        pytest.skip("chromium not installed")
    async with async_playwright() as p:
        b = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        await b.close()


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
