"""Browser fixtures: Debian's Chromium driven by Playwright, and a demo `kefu serve`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import IN_CI, LiveServer, free_port, quick_demo

CHROMIUM = "/usr/bin/chromium"
# The flags this workplace's closed network needs (no background connections).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - one stat before the test
        if IN_CI:
            pytest.fail("Debian chromium is required in CI (make test installs it)")
        pytest.skip("chromium not installed")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A demo company on its own SQLite file, served by a real process."""
    folder = tmp_path_factory.mktemp("browser")
    env = {
        **quick_demo(folder, tmp_path_factory.getbasetemp()),
        "KEFU_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
    }
    server = LiveServer(env, free_port())
    yield server
    server.stop()
