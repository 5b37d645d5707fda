"""Browser test of the closed loop: a customer rates a chat 1 star in the widget, and the
supervisor's open follow-up list (already on screen) shows the task without a reload."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Browser, expect

from kefu.kit.db import Database
from kefu.migrate import upgrade
from kefu.models.user import Role
from tests.conftest import LiveServer, free_port
from tests.factories import PASSWORD, make_group, make_user
from tests.web.conftest import browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
TIMEOUT = 20_000


async def _seed(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as session:
            group = await make_group(session, name="售前咨询", is_default=True)
            await make_user(session, role=Role.ADMIN, email="admin@example.com", name="管理员")
            await make_user(
                session, role=Role.SUPERVISOR, email="sup@example.com", name="王主管", group_ids=[group.id]
            )
            await make_user(
                session, role=Role.AGENT, email="agent@example.com", name="李小青", group_ids=[group.id]
            )
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `kefu serve` (embedded worker) with one group, its supervisor and an agent, open
    round the clock so the widget works whenever the suite runs."""
    folder = tmp_path_factory.mktemp("followup")
    url = f"sqlite+aiosqlite:///{folder / 'kefu.db'}"
    upgrade(url)
    asyncio.run(_seed(url))
    env = {
        "KEFU_DATABASE_URL": url,
        "KEFU_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
        "KEFU_DATA_DIR": str(folder),
    }
    live = LiveServer(env, free_port())
    try:
        with httpx.Client(base_url=live.url) as http:
            auth = http.post("/api/v1/auth/token", json={"email": "admin@example.com", "password": PASSWORD})
            r = http.post(
                "/api/v1/schedules",
                headers={"Authorization": f"Bearer {auth.json()['access_token']}"},
                json={
                    "name": "全天候",
                    "timezone": "Asia/Shanghai",
                    "intervals": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
                    "is_default": True,
                },
            )
            assert r.status_code == 201, r.text
        yield live
    finally:
        live.stop()


async def _agent(http: httpx.AsyncClient) -> dict[str, str]:
    r = await http.post("/api/v1/auth/token", json={"email": "agent@example.com", "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


class TestOneStarChat:
    async def test_supervisor_sees_the_followup_without_reload(
        self,
        server: LiveServer,
        browser: Browser,  # noqa: F811
    ) -> None:
        base = server.url
        http = httpx.AsyncClient(base_url=base)
        agent = await _agent(http)
        r = await http.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=agent)
        assert r.status_code == 200

        # The supervisor's follow-up list is open before anything happens.
        sup = await (await browser.new_context()).new_page()
        await sup.goto(f"{base}/login")
        await sup.fill("input[name=email]", "sup@example.com")
        await sup.fill("input[name=password]", PASSWORD)
        await sup.click("form button[type=submit]")
        await sup.wait_for_url(f"{base}/supervisor")
        await sup.click("[data-nav=followups]")
        await expect(sup.locator("[data-testid=followups]")).to_be_visible()
        row = sup.locator("[data-testid=followup-row]", has_text="周小满")
        await expect(row).to_have_count(0)
        # ... and so is the wallboard, in a second tab: no CSAT today yet.
        board = await sup.context.new_page()
        await board.goto(f"{base}/supervisor/wallboard")
        await expect(board.locator("#wb-csat-n")).to_have_text("0", timeout=TIMEOUT)
        await board.evaluate("window.__notReloaded = true")

        # The customer chats in the widget and asks for a human.
        customer = await (await browser.new_context()).new_page()
        await customer.goto(f"{base}/chat")
        await customer.locator("[data-testid=prechat] input[name=name]").fill("周小满")
        await customer.locator("[data-testid=start-chat]").click()
        box = customer.locator("[data-testid=chat-input]")
        await box.fill("我的订单三天了还没发货")
        await box.press("Enter")
        sent = customer.locator("[data-testid=messages] .chat-msg.from-customer.sent")
        await expect(sent).to_have_count(1, timeout=TIMEOUT)  # the socket is up and the message stored
        await customer.locator("[data-testid=handoff]").click()
        await expect(customer.locator("[data-testid=chat-banner]")).to_contain_text("李小青", timeout=TIMEOUT)

        # The agent answers and ends the chat.
        mine = (await http.get("/api/v1/conversations?scope=mine", headers=agent)).json()["items"]
        conv = next(c for c in mine if c["customer"]["name"] == "周小满")
        r = await http.post(
            f"/api/v1/conversations/{conv['id']}/messages",
            json={"client_id": str(uuid.uuid4()), "text": "不清楚，等着吧"},
            headers=agent,
        )
        assert r.status_code == 200
        r = await http.post(f"/api/v1/conversations/{conv['id']}/close", json={}, headers=agent)
        await http.aclose()
        assert r.status_code == 200

        # One star, with a comment.
        rating = customer.locator("[data-testid=rating]")
        await expect(rating).to_be_visible(timeout=TIMEOUT)
        await rating.locator(".star[data-score='1']").click()
        await rating.locator("textarea[name=comment]").fill("客服态度很差")
        await rating.locator("button[type=submit]").click()
        await expect(customer.locator("#chat-ended-text")).to_have_text("感谢您的反馈！", timeout=TIMEOUT)

        # The wallboard's CSAT moves to the one answer (1 star = 0 of 100) without a reload.
        await expect(board.locator("#wb-csat-n")).to_have_text("1", timeout=TIMEOUT)
        await expect(board.locator("[data-testid=csat-today]")).to_have_text("0.0")
        assert await board.evaluate("window.__notReloaded === true")

        # The supervisor's list shows the task (no reload), assigned to the group's supervisor.
        await expect(row).to_have_count(1, timeout=TIMEOUT)
        await expect(row).to_contain_text("客服态度很差")
        await expect(row).to_contain_text("李小青")
        await expect(row).to_contain_text("王主管")
        await row.locator("a").first.click()
        await expect(sup.locator("[data-testid=followup-score]")).to_contain_text("1/5")
        await expect(sup.locator("[data-testid=transcript]")).to_contain_text("我的订单三天了还没发货")
        await sup.fill("textarea[name=outcome]", "已致电道歉并加急发货")
        await sup.click("form button[type=submit] >> text=记录结果并关闭")
        await expect(sup.locator("[data-testid=followup-row]", has_text="周小满")).to_have_count(0)
