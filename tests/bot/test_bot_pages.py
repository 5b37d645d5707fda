"""The bot's admin pages: a supervisor creates an intent with the form, trains, tries a
sentence; bad forms come back with the reason and nothing saved; agents are kept out."""

from __future__ import annotations

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import make_group, make_user
from tests.web.test_pages import _csrf, _login


async def test_supervisor_creates_trains_and_tries_an_intent(db: Database, client: httpx.AsyncClient) -> None:
    async with db.transaction() as session:
        await make_group(session, name="售前咨询", is_default=True)
        await make_user(session, role=Role.SUPERVISOR, email="boss@example.cn")
        await make_user(session, role=Role.AGENT, email="agent@example.cn")
    await _login(client, "boss@example.cn")
    page = await client.get("/admin/bot/intents/new?examples=积分怎么用", headers={"accept": "text/html"})
    assert page.status_code == 200 and "积分怎么用" in page.text  # a cluster's questions prefill the form
    form = {
        "csrf_token": _csrf(page.text),
        "name": "points_use",
        "title": "积分使用",
        "examples": "积分怎么用\n积分可以抵现吗\n积分能换什么\n怎么用积分",
        "answer": "积分可在下单时抵扣，100 积分抵 1 元。",
        "action": "answer",
        "enabled": "on",
    }
    bad = await client.post("/admin/bot/intents", data={**form, "name": "Bad Name"})
    assert bad.status_code == 422 and "name" in bad.text
    bad = await client.post(
        "/admin/bot/intents",
        data={**form, "http_url": "https://erp.example.cn/o/{order_no}", "slot-0-name": "order_no",
              "slot-0-prompt": "请提供订单号", "slot-0-pattern": "XC("},
    )  # fmt: skip
    # an invalid format comes back with the rows as typed, nothing saved
    assert bad.status_code == 422 and 'value="XC("' in bad.text and 'value="order_no"' in bad.text
    r = await client.post("/admin/bot/intents", data=form)
    assert r.status_code == 303
    home = await client.get("/admin/bot", headers={"accept": "text/html"})
    assert "积分使用" in home.text and "尚未训练模型" in home.text
    r = await client.post("/admin/bot/train", data={"csrf_token": _csrf(home.text)})
    assert r.status_code == 303
    home = await client.get("/admin/bot", headers={"accept": "text/html"})
    assert "1 个意图，4 条例句" in home.text
    tried = await client.post("/admin/bot/try", data={"csrf_token": _csrf(home.text), "text": "积分能抵现吗"})
    assert tried.status_code == 200
    shown = tried.text.split('data-testid="bot-tried"', 1)[1].split("</section>", 1)[0]
    # the exact reply the customer would get, and the intent's title (not its code)
    assert "积分可在下单时抵扣，100 积分抵 1 元。" in shown and "积分使用" in shown
    assert "points_use" not in shown
    tried = await client.post(
        "/admin/bot/try", data={"csrf_token": _csrf(home.text), "text": "明天天气怎么样"}
    )
    shown = tried.text.split('data-testid="bot-tried"', 1)[1].split("</section>", 1)[0]
    assert "已婉拒" in shown and "抱歉，这个问题不在我能解答的范围内" in shown and "转人工" in shown
    # Settings are the admin's: a supervisor sees no settings form, and posting one is refused.
    assert "对话设置" not in home.text
    r = await client.post("/admin/bot/settings", data={"csrf_token": _csrf(home.text), "questions": "[]"})
    assert r.status_code == 403
    await client.post("/logout", data={"csrf_token": _csrf(home.text)})
    await _login(client, "agent@example.cn")
    assert (await client.get("/admin/bot", headers={"accept": "text/html"})).status_code == 403


async def test_admin_edits_hand_off_questions_as_rows(db: Database, client: httpx.AsyncClient) -> None:
    async with db.transaction() as session:
        await make_user(session, role=Role.ADMIN, email="admin@example.cn")
    await _login(client, "admin@example.cn")
    home = await client.get("/admin/bot", headers={"accept": "text/html"})
    assert "JSON" not in home.text and 'name="q-0-prompt"' in home.text
    token = _csrf(home.text)
    r = await client.post("/admin/bot/settings", data={"csrf_token": token, "max_misses": "0"})
    assert r.status_code == 422
    # explained in Chinese next to the setting's name, not as pydantic's English
    assert "连续未理解几次后自动转人工：" in r.text and "Input should" not in r.text
    form = {
        "csrf_token": token,
        "max_misses": "2",
        "handoff_tiers": ["high", "mid"],
        "q-0-label": "订单号",
        "q-0-prompt": "请提供订单号",
        "q-0-pattern": "XC\\d{10}",
        "q-1-label": "问题类型",
        "q-1-prompt": "请选择问题类型",
        "q-1-options": "退货，换货、维修",
    }
    r = await client.post("/admin/bot/settings", data=form)
    assert r.status_code == 303
    home = await client.get("/admin/bot", headers={"accept": "text/html"})
    assert "已保存：对话设置" in home.text
    assert 'value="请提供订单号"' in home.text and 'value="退货，换货，维修"' in home.text
    assert 'value="high" checked' in home.text and 'value="potential" checked' not in home.text
    again = await client.get("/admin/bot", headers={"accept": "text/html"})
    assert "已保存" not in again.text
    # Keys stay stable across saves (the answers are stored under them on tickets).
    r = await client.post(
        "/admin/bot/settings", data={**form, "q-0-field": "q1", "q-1-field": "q2", "q-0-label": "订单编号"}
    )
    assert r.status_code == 303
    assert (
        'name="q-0-field" value="q1"'
        in (await client.get("/admin/bot", headers={"accept": "text/html"})).text
    )


async def test_ticket_page_suggests_articles_and_fills_the_draft(
    db: Database, client: httpx.AsyncClient
) -> None:
    from tests.factories import make_customer, make_ticket

    async with db.transaction() as session:
        await make_group(session, name="售前咨询", is_default=True)
        await make_user(session, role=Role.ADMIN, email="admin@example.cn")
        customer = await make_customer(session, email="c@example.cn")
        ticket = await make_ticket(session, subject="电子发票怎么开", customer_id=customer.id)
    await _login(client, "admin@example.cn")
    page = await client.get(f"/agent/tickets/{ticket.id}", headers={"accept": "text/html"})
    r = await client.post(
        "/api/v1/kb/articles",
        json={
            "title": "如何开具发票？",
            "body": "订单完成后可在我的订单开具电子发票。",
            "status": "published",
        },
        headers={"x-csrf-token": _csrf(page.text)},
    )
    assert r.status_code == 201, r.text
    assert f'hx-get="/agent/tickets/{ticket.id}/assist"' in page.text
    panel = await client.get(f"/agent/tickets/{ticket.id}/assist", headers={"accept": "text/html"})
    assert panel.status_code == 200 and "如何开具发票？" in panel.text
    draft = await client.get(f"/agent/tickets/{ticket.id}/assist/draft", headers={"accept": "text/html"})
    assert draft.status_code == 200 and '<textarea name="body" id="reply-body"' in draft.text
    assert "如何开具发票" in draft.text  # no intents: the top article is the draft
    assert (
        await client.get("/agent/tickets/999999/assist", headers={"accept": "text/html"})
    ).status_code == 404


async def test_a_business_system_intent_is_set_up_without_json(
    db: Database, client: httpx.AsyncClient
) -> None:
    async with db.transaction() as session:
        await make_user(session, role=Role.ADMIN, email="admin@example.cn")
    await _login(client, "admin@example.cn")
    page = await client.get("/admin/bot/intents/new", headers={"accept": "text/html"})
    assert "JSON" not in page.text and 'name="slot-0-pattern"' in page.text
    form = {
        "csrf_token": _csrf(page.text),
        "name": "order_status",
        "title": "查询订单",
        "examples": "查订单\n我的订单到哪了",
        "answer": "订单 {order_no}：{status}",
        "action": "http",
        "http_url": "https://erp.example.cn/orders/{order_no}",
        "http_method": "POST",
        "http_timeout": "2.5",
        "slot-0-name": "order_no",
        "slot-0-prompt": "请提供订单号（XC 开头）",
        "slot-0-pattern": "XC\\d{10}",
        "enabled": "on",
    }
    r = await client.post("/admin/bot/intents", data=form)
    assert r.status_code == 303, r.text
    intent_id = int(r.headers["location"].rsplit("-", 1)[1])
    edit = (await client.get(f"/admin/bot/intents/{intent_id}", headers={"accept": "text/html"})).text
    assert 'value="https://erp.example.cn/orders/{order_no}"' in edit and 'value="2.5"' in edit
    assert '<option value="POST" selected>' in edit and 'value="XC\\d{10}"' in edit
    assert "JSON" not in edit
    from kefu.models.bot import Intent

    async with db.read() as session:
        saved = await session.get(Intent, intent_id)
        assert saved is not None
        assert saved.config["url"] == "https://erp.example.cn/orders/{order_no}"
        assert saved.config["method"] == "POST" and saved.config["timeout"] == 2.5
        assert saved.config["slots"] == [
            {"name": "order_no", "prompt": "请提供订单号（XC 开头）", "pattern": "XC\\d{10}"}
        ]
