"""Browser test (Playwright, Debian chromium) for certification gating routing: a chat for a
group that requires the 售后维修 skill waits while the only online agent lacks it; she takes
the 售后维修 certification exam in 我的学习, passes, and the chat reaches her workspace."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import LiveServer
from tests.web.test_chat_record_browser import TIMEOUT, api, default_schedule, login, say, start_chat

pytestmark = pytest.mark.browser


async def _group_id(server: LiveServer, name: str) -> int:
    groups = (await api(server, "GET", "/api/v1/groups"))["items"]
    return int(next(g["id"] for g in groups if g["name"] == name))


class TestCertificationGatesRouting:
    async def test_an_agent_passes_the_exam_and_starts_receiving_the_gated_chats(
        self, demo_server: LiveServer, browser: Browser
    ) -> None:
        base = demo_server.url
        await default_schedule(
            demo_server, "全天候", [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
        )
        # 售后维修 takes the unclassified hand-offs and only agents certified in 售后维修.
        repair = await _group_id(demo_server, "售后维修")
        await api(demo_server, "PATCH", f"/api/v1/groups/{repair}", json={"is_default": True})
        rule: dict[str, Any] = await api(demo_server, "GET", f"/api/v1/routing/rules/{repair}")
        rule.pop("group_id")
        await api(
            demo_server,
            "PUT",
            f"/api/v1/routing/rules/{repair}",
            json={**rule, "required_skills": ["售后维修"]},
        )
        exams = (await api(demo_server, "GET", "/api/v1/training/exams"))["items"]
        exam = next(e for e in exams if e["grants_skill"] == "售后维修")

        context = await browser.new_context()
        agent = await context.new_page()
        await login(agent, base, "agent3@kefu.demo")  # 陈静, in 售后维修, not certified
        await agent.wait_for_url(f"{base}/agent")
        await agent.click("[data-testid=go-online]")
        await expect(agent.locator("[data-testid=presence-label]")).to_have_text("在线", timeout=TIMEOUT)

        customer = await start_chat(browser, base, "吴小梅")
        await say(customer, "你好，耳机左耳没有声音了")
        await customer.click("[data-testid=handoff]")
        conv_id = await customer.evaluate("JSON.parse(localStorage.getItem('kefu.chat.v1')).conversation_id")
        conv = await _handed_off(demo_server, conv_id)
        assert conv["group_id"] == repair and conv["assignee_id"] is None, conv
        await expect(agent.locator("[data-testid=conv-item]", has_text="吴小梅")).to_have_count(0)

        # The exam, in another tab of the same sign-in.
        learning = await context.new_page()
        await learning.goto(f"{base}/training")
        row = learning.locator(f"[data-testid=exam][data-exam='{exam['id']}']")
        await expect(row).to_contain_text("售后维修认证考试")
        await row.locator("[data-testid=start-exam]").click()
        questions = learning.locator("[data-testid=question]")
        await expect(questions).to_have_count(3, timeout=TIMEOUT)
        await questions.nth(0).locator("input[value='1']").check()
        for value in ("0", "1", "3"):
            await questions.nth(1).locator(f"input[value='{value}']").check()
        await questions.nth(2).locator("input[value='0']").check()
        await learning.click("[data-testid=submit-exam]")
        result = learning.locator("[data-testid=result]")
        await expect(result).to_have_attribute("data-passed", "yes", timeout=TIMEOUT)
        await expect(result).to_contain_text("售后维修")

        # Certified: the waiting chat reaches her workspace.
        item = agent.locator("[data-testid=conv-item]", has_text="吴小梅")
        await expect(item).to_have_count(1, timeout=TIMEOUT)
        await item.click()
        view = agent.locator("[data-testid=conv-view]:visible")
        reply = view.locator("[data-testid=reply-input]")
        await reply.fill("您好，我是陈静，请问耳机是哪个型号？")
        await reply.press("Enter")
        await expect(customer.locator("[data-testid=messages]")).to_contain_text("哪个型号", timeout=TIMEOUT)
        me = next(
            a for a in (await api(demo_server, "GET", "/api/v1/agents"))["items"] if a["name"] == "陈静"
        )
        assert "售后维修" in me["skills"]
        await context.close()


async def _handed_off(server: LiveServer, conv_id: int) -> dict[str, Any]:
    """The conversation once the hand-off has given it a ticket (polled: a server-side state)."""
    for _ in range(75):
        conv: dict[str, Any] = await api(server, "GET", f"/api/v1/conversations/{conv_id}")
        if conv.get("ticket_id") and conv.get("group_id"):
            return conv
        await asyncio.sleep(0.2)
    raise AssertionError(f"not handed off: {conv}")
