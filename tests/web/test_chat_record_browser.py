"""Browser tests (Playwright, Debian chromium) for presence, the chat record on the ticket
and the bot around the clock: an online agent who opens a ticket page and comes back is
still online and gets the next chat; chat → hand-off → agent reply → customer reply →
rating all show on the ticket page with their authors; outside agent hours the bot still
answers and asking for a person leaves a message that carries the chat."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, expect

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


async def default_schedule(server: LiveServer, name: str, intervals: list[dict[str, Any]]) -> None:
    """Every demo group's agents follow a new default schedule (the demo gives the chat groups
    9:00–21:00 of their own, which would make the test depend on the time it runs)."""
    body = {"name": name, "timezone": "Asia/Shanghai", "intervals": intervals, "is_default": True}
    await api(server, "POST", "/api/v1/schedules", json=body)
    for group in (await api(server, "GET", "/api/v1/groups"))["items"]:
        rule = await api(server, "GET", f"/api/v1/routing/rules/{group['id']}")
        rule.pop("group_id")
        await api(server, "PUT", f"/api/v1/routing/rules/{group['id']}", json={**rule, "schedule_id": None})


async def login(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", "kefu-demo")
    await page.click("form button[type=submit]")


async def start_chat(browser: Browser, base: str, name: str) -> Page:
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{base}/chat")
    await page.fill("#prechat input[name=name]", name)
    await page.click("[data-testid=start-chat]")
    await expect(page.locator(".chat-msg.from-bot")).to_have_count(1, timeout=TIMEOUT)  # greeting
    return page


async def say(page: Page, text: str) -> None:
    await page.fill("[data-testid=chat-input]", text)
    await page.press("[data-testid=chat-input]", "Enter")
    await expect(
        page.locator(".chat-msg.from-customer.sent, .chat-msg.from-customer.read").filter(has_text=text)
    ).to_have_count(1, timeout=TIMEOUT)


class TestPresenceAndRecord:
    async def test_agent_stays_online_across_pages_gets_the_chat_and_the_ticket_keeps_it_all(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        base = demo_server.url
        await default_schedule(
            demo_server, "全天候", [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
        )
        agent = await (await browser.new_context()).new_page()
        await login(agent, base, "agent1@kefu.demo")
        await agent.wait_for_url(f"{base}/agent")
        await agent.click("[data-testid=go-online]")
        await expect(agent.locator("[data-testid=presence-label]")).to_have_text("在线", timeout=TIMEOUT)

        # Another page (its own light socket), the header says 在线; then back.
        await agent.goto(f"{base}/agent/tickets")
        await expect(agent.locator("[data-testid=header-presence]")).to_have_attribute(
            "data-status", "online", timeout=TIMEOUT
        )
        await agent.locator("[data-testid=header-presence-select]").is_enabled()
        await agent.go_back()
        await agent.wait_for_url(f"{base}/agent")
        await expect(agent.locator("[data-testid=presence-label]")).to_have_text("在线", timeout=TIMEOUT)

        # The next chat reaches them.
        customer = await start_chat(browser, base, "周小云")
        await say(customer, "你好，我想买一台平板")
        await customer.click("[data-testid=handoff]")
        item = agent.locator("[data-testid=conv-item]", has_text="周小云")
        await expect(item).to_have_count(1, timeout=TIMEOUT)
        await item.click()
        view = agent.locator("[data-testid=conv-view]:visible")
        reply = view.locator("[data-testid=reply-input]")
        await reply.fill("周小云您好，我是李小青，想看哪一款？")
        await reply.press("Enter")
        await expect(customer.locator("[data-testid=messages]")).to_contain_text(
            "想看哪一款", timeout=TIMEOUT
        )
        await say(customer, "Pad 11，订单号 E20261202001")
        await expect(view.locator("[data-testid=conv-messages]")).to_contain_text(
            "E20261202001", timeout=TIMEOUT
        )
        await view.locator("[data-testid=close-conv]").click()
        await agent.click("[data-testid=close-confirm]")
        rating = customer.locator("[data-testid=rating]")
        await expect(rating).to_be_visible(timeout=TIMEOUT)
        await rating.locator(".star[data-score='5']").click()
        await rating.locator("button[type=submit]").click()
        await expect(customer.locator("#chat-ended-text")).to_have_text("感谢您的反馈！", timeout=TIMEOUT)

        # The ticket page: the bot part as a transcript, then each message with its author.
        conv_id = await customer.evaluate("JSON.parse(localStorage.getItem('kefu.chat.v1')).conversation_id")
        conv = await api(demo_server, "GET", f"/api/v1/conversations/{conv_id}")
        await agent.goto(f"{base}/agent/tickets/{conv['ticket_id']}")
        timeline = agent.locator("#timeline")
        transcript = timeline.locator("[data-testid=transcript]")
        await expect(transcript).to_have_count(1)
        await transcript.locator("summary").click()
        await expect(transcript.locator("li[data-sender=customer]").first).to_contain_text(
            "你好，我想买一台平板"
        )
        await expect(transcript.locator("li[data-sender=bot]").first).to_be_visible()
        agent_line = timeline.locator("[data-author-type=agent]", has_text="想看哪一款")
        await expect(agent_line.locator(".meta")).to_contain_text("李小青")
        customer_line = timeline.locator("[data-author-type=customer]", has_text="E20261202001")
        await expect(customer_line.locator(".meta")).to_contain_text("周小云")
        await expect(customer_line.locator(".meta")).to_contain_text("在线客服")  # the channel
        await expect(timeline.locator("[data-testid=rating]")).to_contain_text("★★★★★")
        await expect(agent.locator("[data-testid=conversation-rating]")).to_contain_text("5/5")
        # Still online after all these pages.
        await expect(agent.locator("[data-testid=header-presence]")).to_have_attribute(
            "data-status", "online"
        )


class TestBotAroundTheClock:
    async def test_outside_agent_hours_the_bot_answers_and_a_hand_off_leaves_a_message(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        base = demo_server.url
        today = datetime.now(ZoneInfo("Asia/Shanghai")).weekday()
        await default_schedule(
            demo_server, "另一天", [{"weekday": (today + 3) % 7, "start": "09:00", "end": "10:00"}]
        )
        status = await api(demo_server, "GET", "/api/v1/widget/status")
        assert status["open"] is False and status["bot"] is True

        customer = await start_chat(browser, base, "夜猫子")
        await say(customer, "请问退款一般多久能到账？")
        bot = customer.locator(".chat-msg.from-bot")
        await expect(bot).to_have_count(2, timeout=TIMEOUT)
        await expect(bot.nth(1).locator(".chat-text")).to_contain_text("1–3 个工作日")

        await customer.click("[data-testid=handoff]")
        form = customer.locator("[data-testid=offline-form]")
        await expect(form).to_be_visible(timeout=TIMEOUT)
        await form.locator("input[name=name]").fill("夜猫子")
        await form.locator("input[name=phone]").fill("13800138000")
        await form.locator("textarea[name=text]").fill("退款还没到，明天请回电")
        await form.locator("button[type=submit]").click()
        done = customer.locator("[data-testid=offline-done]")
        await expect(done).to_contain_text("工单 #", timeout=TIMEOUT)
        found = re.search(r"#(\d+)", await done.inner_text())
        assert found is not None
        items = (await api(demo_server, "GET", f"/api/v1/tickets/{found.group(1)}/comments"))["items"]
        transcript = next(c for c in items if c["author_type"] == "bot")["data"]["transcript"]
        assert ("customer", "请问退款一般多久能到账？") in [(t["sender"], t["text"]) for t in transcript]
        await customer.click("#offline-done-back")
        await expect(customer.locator("[data-testid=messages]")).to_be_visible()


class TestIdlePresence:
    async def test_an_idle_agent_goes_away_and_the_next_input_brings_them_back(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        base = demo_server.url
        context = await browser.new_context()
        await context.clock.install()  # the page's clock: 16 idle minutes pass in an instant
        page = await context.new_page()
        await login(page, base, "agent5@kefu.demo")
        await page.wait_for_url(f"{base}/agent")
        await page.goto(f"{base}/agent/tickets")
        header = page.locator("#hdr-presence")
        select = page.locator("[data-testid=header-presence-select]")
        await expect(select).to_be_enabled(timeout=TIMEOUT)
        await select.select_option("online")
        await expect(header).to_have_attribute("data-status", "online", timeout=TIMEOUT)

        await page.clock.fast_forward("16:00")  # the demo's idle time is 15 minutes
        await expect(header).to_have_attribute("data-status", "away", timeout=TIMEOUT)
        agents = (await api(demo_server, "GET", "/api/v1/agents"))["items"]
        me = next(a for a in agents if a["name"] == "赵敏")
        assert me["chosen_status"] == "away" and me["away_reason"] == "idle"

        await page.mouse.move(40, 40)
        await page.mouse.move(80, 120)
        await expect(header).to_have_attribute("data-status", "online", timeout=TIMEOUT)
        await context.close()

    async def test_a_slow_status_read_never_undoes_a_newer_choice(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        """The header reads the agent's status when a page opens; an agent who picks 在线
        before that read answers (a busy server) stays online — the read is older."""
        base = demo_server.url
        context = await browser.new_context()
        page = await context.new_page()
        await login(page, base, "agent4@kefu.demo")
        await page.wait_for_url(f"{base}/agent")
        chose = asyncio.Event()
        was_read = asyncio.Event()
        held: list[asyncio.Task[None]] = []
        read: list[str] = []

        async def answer_late(route: Route) -> None:
            response = await route.fetch()  # read now, before the choice
            read.append((await response.json())["chosen_status"])
            was_read.set()
            await chose.wait()  # answer only after the agent has chosen
            await route.fulfill(response=response)

        async def hold_reads(route: Route) -> None:
            if route.request.method == "GET" and not chose.is_set():
                held.append(asyncio.create_task(answer_late(route)))
            else:
                await route.continue_()

        await page.route("**/api/v1/agents/me", hold_reads)
        await page.goto(f"{base}/agent/tickets")
        header = page.locator("#hdr-presence")
        select = page.locator("[data-testid=header-presence-select]")
        await expect(select).to_be_enabled(timeout=TIMEOUT)  # the socket's hello
        # The page's read has its answer from the server (a busy one: it can come after the
        # socket's hello) and is held from the page until the agent has chosen.
        await asyncio.wait_for(was_read.wait(), TIMEOUT / 1000)
        async with page.expect_response("**/api/v1/agents/me/presence"):
            await select.select_option("online")
        assert "online" not in read, "the held reads must carry the older status"
        chose.set()
        await asyncio.wait_for(asyncio.gather(*held), TIMEOUT / 1000)
        await page.wait_for_timeout(300)  # the page has the old answers in hand
        await expect(header).to_have_attribute("data-status", "online")
        await context.close()
