"""Browser tests for live chat: a customer chats in the widget on a shop's page, asks for a
human, the online agent answers in the workspace, and after a reload the customer sees the
whole history exactly once; the widget fills a phone's screen."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.async_api import Browser, FrameLocator, Page, Route, WebSocketRoute, expect

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

FRAME = "iframe[src*='/chat?embed=1']"
TIMEOUT = 15_000


async def login(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", "kefu-demo")
    await page.click("form button[type=submit]")


@pytest.fixture(scope="module")
def open_all_hours(demo_server: LiveServer) -> LiveServer:
    """The demo's chat hours are 9:00–21:00; the widget must be open whenever the suite
    runs, so a round-the-clock default schedule replaces them."""
    with httpx.Client(base_url=demo_server.url) as http:
        auth = http.post("/api/v1/auth/token", json={"email": "admin@kefu.demo", "password": "kefu-demo"})
        h = {"Authorization": f"Bearer {auth.json()['access_token']}"}
        r = http.post(
            "/api/v1/schedules",
            headers=h,
            json={
                "name": "全天候",
                "timezone": "Asia/Shanghai",
                "intervals": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
                "is_default": True,
            },
        )
        assert r.status_code == 201, r.text
        # The demo's chat groups keep 9:00–21:00 of their own: make them follow the default.
        for group in http.get("/api/v1/groups", headers=h).json()["items"]:
            rule = http.get(f"/api/v1/routing/rules/{group['id']}", headers=h).json()
            rule.pop("group_id")
            put = http.put(
                f"/api/v1/routing/rules/{group['id']}", headers=h, json={**rule, "schedule_id": None}
            )
            assert put.status_code == 200, put.text
        assert http.get("/api/v1/widget/status").json()["open"] is True
    return demo_server


@pytest.fixture(scope="module")
def shop(open_all_hours: LiveServer) -> Iterator[str]:
    """Another company site (its own origin and site: localhost, not 127.0.0.1) that embeds
    the widget with one tag. Served from loopback: Chromium refuses public pages loading
    scripts from a loopback address."""
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width"><title>星辰商城</title></head>'
        f'<body><h1>星辰商城</h1><script src="{open_all_hours.url}/static/widget.js" async></script>'
        "</body></html>"
    ).encode()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


async def open_widget(page: Page, shop: str) -> FrameLocator:
    await page.goto(shop)
    await page.click("[data-testid=kefu-widget-button]")
    return page.frame_locator(FRAME)


@pytest.fixture
async def agent_page(open_all_hours: LiveServer, browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    page = await context.new_page()
    await login(page, open_all_hours.url, "agent1@kefu.demo")
    await page.wait_for_url(f"{open_all_hours.url}/agent")
    yield page
    await context.close()


class TestLiveChat:
    async def test_customer_hands_off_agent_replies_and_a_reload_shows_the_history_once(
        self, shop: str, browser: Browser, agent_page: Page
    ) -> None:
        agent = agent_page
        await agent.click("[data-testid=go-online]")
        await expect(agent.locator("[data-testid=presence-label]")).to_have_text("在线", timeout=TIMEOUT)
        await expect(agent.locator("[data-testid=go-online]")).to_be_hidden()

        customer = await (await browser.new_context()).new_page()
        chat = await open_widget(customer, shop)
        await chat.locator("[data-testid=prechat] input[name=name]").fill("王小明")
        await chat.locator("[data-testid=prechat] input[name=phone]").fill("13800001111")
        await chat.locator("[data-testid=start-chat]").click()
        box = chat.locator("[data-testid=chat-input]")
        await box.fill("你好，我想买一台平板")
        await box.press("Enter")
        messages = chat.locator("[data-testid=messages]")
        await expect(messages.locator(".chat-msg.from-customer.sent")).to_have_count(1, timeout=TIMEOUT)

        await chat.locator("[data-testid=handoff]").click()
        await expect(chat.locator("[data-testid=chat-banner]")).to_contain_text("李小青", timeout=TIMEOUT)

        # The agent is told, opens the conversation, sees why it came to them, and answers.
        item = agent.locator("[data-testid=conv-item]", has_text="王小明")
        await expect(item).to_have_count(1, timeout=TIMEOUT)
        await item.click()
        view = agent.locator("[data-testid=conv-view]:visible")
        await expect(view.locator("[data-testid=conv-messages]")).to_contain_text(
            "你好，我想买一台平板", timeout=TIMEOUT
        )
        await expect(view.locator("[data-testid=assign-reason]")).to_contain_text("分配原因")
        await expect(view.locator("[data-testid=assign-reason]")).to_contain_text("已等待")
        # The customer panel names identities in Chinese ("手机：…", not "phone: …").
        await expect(agent.locator("#cust-identities")).to_contain_text("手机：", timeout=TIMEOUT)
        assert "phone" not in await agent.locator("#cust-identities").inner_text()
        reply = view.locator("[data-testid=reply-input]")
        await reply.fill("王小明您好，我是李小青，请问您看中的是哪一款？")
        await reply.press("Enter")
        await expect(view.locator(".chat-msg.from-agent.sent, .chat-msg.from-agent.read")).to_have_count(
            1, timeout=TIMEOUT
        )

        await expect(messages).to_contain_text("请问您看中的是哪一款", timeout=TIMEOUT)
        await expect(messages.locator(".chat-msg.from-agent .chat-who").first).to_have_text("李小青")

        # While the customer's page reloads the agent writes again: the resumed socket
        # delivers what was missed, and nothing twice.
        await customer.reload()
        await view.locator("[data-testid=reply-input]").fill("Pad 11 现在有活动价。")
        await view.locator("[data-testid=reply-input]").press("Enter")
        await customer.click("[data-testid=kefu-widget-button]")
        chat = customer.frame_locator(FRAME)
        messages = chat.locator("[data-testid=messages]")
        await expect(messages).to_contain_text("Pad 11 现在有活动价。", timeout=TIMEOUT)
        for text in ("你好，我想买一台平板", "请问您看中的是哪一款", "Pad 11 现在有活动价。"):
            await expect(messages.locator(".chat-msg", has_text=text)).to_have_count(1)
        seqs = await messages.locator(".chat-msg").evaluate_all(
            "els => els.map(e => e.getAttribute('data-seq'))"
        )
        assert None not in seqs and len(seqs) == len(set(seqs)), seqs
        assert [int(s) for s in seqs] == sorted(int(s) for s in seqs)

        # The customer's reply after the reload reaches the agent (same conversation).
        await chat.locator("[data-testid=chat-input]").fill("好的，谢谢")
        await chat.locator("[data-testid=chat-input]").press("Enter")
        await expect(view.locator("[data-testid=conv-messages]")).to_contain_text(
            "好的，谢谢", timeout=TIMEOUT
        )
        await expect(agent.locator("[data-testid=conv-item]", has_text="王小明")).to_have_count(1)

        # The agent ends the chat; the customer rates it.
        await view.locator("[data-testid=close-conv]").click()
        await agent.click("[data-testid=close-confirm]")
        await expect(view.locator("[data-testid=reply-form]")).to_be_hidden(timeout=TIMEOUT)
        rating = chat.locator("[data-testid=rating]")
        await expect(rating).to_be_visible(timeout=TIMEOUT)
        await rating.locator(".star[data-score='5']").click()
        await rating.locator("textarea[name=comment]").fill("回复很快")
        await rating.locator("button[type=submit]").click()
        await expect(chat.locator("#chat-ended-text")).to_have_text("感谢您的反馈！", timeout=TIMEOUT)
        await expect(rating).to_be_hidden()

    async def test_a_message_whose_ack_was_lost_is_resent_with_its_client_id_and_stored_once(
        self, open_all_hours: LiveServer, browser: Browser
    ) -> None:
        """The first socket drops once the customer's message is stored (its ack is lost on
        the way); the page reconnects, re-sends it with the same client_id, and the
        conversation holds it once."""
        page = await (await browser.new_context()).new_page()
        sent: list[list[dict[str, object]]] = []
        tasks: list[asyncio.Task[None]] = []

        async def route(ws: WebSocketRoute) -> None:
            server = ws.connect_to_server()
            frames: list[dict[str, object]] = []
            sent.append(frames)
            first = len(sent) == 1
            cut = {"done": False}

            def from_page(message: str | bytes) -> None:
                frames.append(json.loads(message))
                if not cut["done"]:
                    server.send(message)

            def from_server(message: str | bytes) -> None:
                if cut["done"]:
                    return
                if first and json.loads(message).get("type") == "ack":  # stored, ack lost
                    cut["done"] = True
                    tasks.append(asyncio.ensure_future(ws.close(code=1012)))
                    tasks.append(asyncio.ensure_future(server.close()))
                    return
                ws.send(message)

            ws.on_message(from_page)
            server.on_message(from_server)

        await page.route_web_socket(re.compile(r"/ws/chat"), route)
        await page.goto(f"{open_all_hours.url}/chat")
        await page.fill("#prechat input[name=name]", "断线测试")
        await page.click("[data-testid=start-chat]")
        await page.fill("[data-testid=chat-input]", "订单 20261123 什么时候发货？")
        await page.press("[data-testid=chat-input]", "Enter")

        mine = page.locator(".chat-msg.from-customer", has_text="订单 20261123")
        await expect(mine.and_(page.locator(".sent, .read"))).to_have_count(1, timeout=TIMEOUT)
        await expect(mine).to_have_count(1)

        def client_ids(frames: list[dict[str, object]]) -> list[object]:
            return [f["client_id"] for f in frames if f.get("type") == "message"]

        for _ in range(100):  # the page reconnects after a back-off of about a second
            if len(sent) >= 2 and client_ids(sent[1]):
                break
            await asyncio.sleep(0.1)
        assert client_ids(sent[0]) and client_ids(sent[0])[0] in client_ids(sent[1]), sent
        await expect(page.locator(".chat-msg.from-customer.pending")).to_have_count(0, timeout=TIMEOUT)
        await expect(mine).to_have_count(1)
        await page.wait_for_function("JSON.parse(localStorage.getItem('kefu.chat.v1')).outbox.length === 0")

        token = await page.evaluate("JSON.parse(localStorage.getItem('kefu.chat.v1')).token")
        async with httpx.AsyncClient(base_url=open_all_hours.url) as http:
            r = await http.get("/api/v1/widget/messages", headers={"Authorization": f"Bearer {token}"})
        texts = [m["text"] for m in r.json()["items"] if m["sender"] == "customer"]
        assert texts.count("订单 20261123 什么时候发货？") == 1, texts
        await asyncio.gather(*tasks)

    async def test_outside_business_hours_the_widget_takes_a_message_as_a_ticket(
        self, open_all_hours: LiveServer, browser: Browser
    ) -> None:
        page = await (await browser.new_context()).new_page()

        async def closed(route: Route) -> None:
            await route.fulfill(json={"open": False, "agents_online": 0, "greeting": ""})

        await page.route("**/api/v1/widget/status", closed)
        await page.goto(f"{open_all_hours.url}/chat")
        form = page.locator("[data-testid=offline-form]")
        await expect(form).to_be_visible(timeout=TIMEOUT)
        await expect(page.locator("[data-testid=prechat]")).to_be_hidden()
        await form.locator("input[name=name]").fill("赵敏")
        await form.locator("textarea[name=text]").fill("晚上下的单，想改收货地址。")
        await form.locator("button[type=submit]").click()
        await expect(form.locator("#offline-error")).to_have_text("请填写邮箱或手机号，以便我们回复您。")
        await form.locator("input[name=email]").fill("zhaomin@example.cn")
        await form.locator("button[type=submit]").click()
        done = page.locator("[data-testid=offline-done]")
        await expect(done).to_contain_text("工单 #", timeout=TIMEOUT)
        ticket_id = re.search(r"#(\d+)", await done.inner_text())
        assert ticket_id is not None
        async with httpx.AsyncClient(base_url=open_all_hours.url) as http:
            auth = await http.post(
                "/api/v1/auth/token", json={"email": "admin@kefu.demo", "password": "kefu-demo"}
            )
            h = {"Authorization": f"Bearer {auth.json()['access_token']}"}
            ticket = (await http.get(f"/api/v1/tickets/{ticket_id.group(1)}", headers=h)).json()
        assert ticket["description"] == "晚上下的单，想改收货地址。" and ticket["channel"] == "chat"

    async def test_the_widget_fills_a_phone_screen_and_closes_from_inside(
        self, shop: str, browser: Browser
    ) -> None:
        context = await browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        page = await context.new_page()
        chat = await open_widget(page, shop)
        await expect(chat.locator("[data-testid=start-chat]")).to_be_visible(timeout=TIMEOUT)
        box = await page.locator(FRAME).bounding_box()
        assert box is not None and box["width"] == 390 and box["height"] == 844, box
        await chat.locator("#chat-close").click()
        await expect(page.locator(FRAME)).to_be_hidden()
        await expect(page.locator("[data-testid=kefu-widget-button]")).to_be_visible()

    async def test_supervisor_sees_agents_and_queues_live(
        self, open_all_hours: LiveServer, browser: Browser
    ) -> None:
        page = await (await browser.new_context()).new_page()
        await login(page, open_all_hours.url, "supervisor@kefu.demo")
        await page.wait_for_url(f"{open_all_hours.url}/supervisor")
        await expect(page.locator("#live-updated")).to_contain_text(re.compile(r"更新于"), timeout=TIMEOUT)
        await expect(page.locator("[data-testid=queues]")).to_be_visible()


class TestBotInTheWidget:
    async def test_article_answer_buttons_and_an_angry_customer_reaches_an_agent_with_the_facts(
        self, shop: str, browser: Browser, agent_page: Page
    ) -> None:
        agent = agent_page
        # Presence belongs to the person: still online from the test before, or going online.
        label = agent.locator("[data-testid=presence-label]")
        await expect(label).not_to_have_text("…", timeout=TIMEOUT)
        if await agent.locator("[data-testid=go-online]").is_visible():
            await agent.click("[data-testid=go-online]")
        await expect(label).to_have_text("在线", timeout=TIMEOUT)

        customer = await (await browser.new_context()).new_page()
        chat = await open_widget(customer, shop)
        await chat.locator("[data-testid=prechat] input[name=name]").fill("赵先生")
        await chat.locator("[data-testid=start-chat]").click()
        box = chat.locator("[data-testid=chat-input]")
        bot = chat.locator(".chat-msg.from-bot")
        await expect(bot).to_have_count(1, timeout=TIMEOUT)  # the greeting

        # A routine question in Chinese: the answer, with the help-center article behind it.
        await box.fill("请问退款一般多久能到账？")
        await box.press("Enter")
        await expect(bot).to_have_count(2, timeout=TIMEOUT)
        answer = bot.nth(1)
        await expect(answer.locator(".chat-text")).to_contain_text("1–3 个工作日")
        link = answer.locator("[data-testid=chat-articles] a")
        await expect(link.first).to_contain_text("退款多久到账")
        assert (await link.first.get_attribute("href") or "").startswith("/help/articles/")

        # An ambiguous question: the bot asks which, with buttons; a button answers it.
        await box.fill("耳机有问题")
        await box.press("Enter")
        await expect(bot).to_have_count(3, timeout=TIMEOUT)
        choice = bot.nth(2)
        await expect(choice.locator(".chat-text")).to_have_text(
            re.compile("您想咨询的是以下哪个问题|您是想咨询")
        )
        buttons = choice.locator(".chat-quick button")
        assert await buttons.count() >= 2
        picked = (await buttons.first.text_content()) or ""
        await buttons.first.click()
        await expect(chat.locator(".chat-msg.from-customer", has_text=picked)).to_have_count(
            1, timeout=TIMEOUT
        )
        await expect(bot).to_have_count(4, timeout=TIMEOUT)

        # An angry customer: one question (the order number was in the message), then a human.
        await box.fill("你们这是什么破服务！！！订单XC1234567890到现在还没发货，气死我了！")
        await box.press("Enter")
        await expect(bot).to_have_count(5, timeout=TIMEOUT)
        ask = bot.nth(4)
        await expect(ask.locator(".chat-text")).to_contain_text("哪类问题")
        await ask.locator(".chat-quick button", has_text="订单问题").click()
        await expect(chat.locator("[data-testid=chat-banner]")).to_contain_text("李小青", timeout=TIMEOUT)

        # The agent gets it, with what the bot collected and the customer's mood.
        item = agent.locator("[data-testid=conv-item]", has_text="赵先生")
        await expect(item).to_have_count(1, timeout=TIMEOUT)
        await item.click()
        view = agent.locator("[data-testid=conv-view]:visible")
        note = view.locator(".chat-msg.internal", has_text="转人工前收集的信息")
        await expect(note).to_contain_text("订单号：XC1234567890", timeout=TIMEOUT)
        await expect(note).to_contain_text("问题类型：购买/订单")
        await expect(note).to_contain_text("客户情绪：不满")
        angry = view.locator(".chat-msg.from-customer[data-emotion=negative]")
        await expect(angry).to_contain_text("破服务")
        # Agent assist: the bot's draft goes into the reply box with one click.
        await expect(agent.locator("[data-testid=assist-panel]")).to_be_visible(timeout=TIMEOUT)
        await agent.click("[data-testid=assist-use]")
        draft = await agent.locator("[data-testid=assist-draft]").text_content()
        assert draft and await view.locator("[data-testid=reply-input]").input_value() == draft
