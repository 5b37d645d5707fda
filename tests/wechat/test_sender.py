"""Customer-service messages (agents' replies, late bot answers) delivered to a fake WeChat
platform on loopback: token fetched once and cached, refreshed when the platform says it
is invalid, failures retried by the durable job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.conversation import bot_slot
from kefu.conversation.bot_slot import BotContext, BotTurn
from kefu.kit.db import Database
from kefu.kit.jobs import Job, Worker
from kefu.kit.time import utcnow
from kefu.models import Conversation, WechatAccount
from kefu.models.user import Role
from kefu.wechat import callback
from tests.factories import bearer, staff_token
from tests.loopback import Loopback, serve
from tests.wechat.test_callback import event_xml, make_account, post_plain, text_xml

# Loopback fakes stand in for outside services: the SSRF guard's test allow-list.
pytestmark = pytest.mark.usefixtures("allow_loopback")


class Platform:
    """The token and custom-send endpoints; `fail` queues errcodes for the next sends."""

    def __init__(self) -> None:
        self.tokens = 0
        self.fail: list[int] = []
        self.http_fail = 0
        self.sent: list[dict[str, Any]] = []

    async def __call__(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if path == "/cgi-bin/token":
            assert query["appid"] and query["secret"] == "s3cret-app-secret"
            self.tokens += 1
            return 200, {"access_token": f"TOKEN-{self.tokens}", "expires_in": 7200}
        if path == "/cgi-bin/message/custom/send":
            if self.http_fail:
                self.http_fail -= 1
                return 503, {}
            if self.fail:
                return 200, {"errcode": self.fail.pop(0), "errmsg": "simulated"}
            assert query["access_token"].startswith("TOKEN-")
            self.sent.append({"token": query["access_token"], **json.loads(body)})
            return 200, {"errcode": 0, "errmsg": "ok"}
        return 404, {}


@pytest.fixture
async def platform() -> AsyncIterator[tuple[Platform, Loopback]]:
    fake = Platform()
    async with serve(Loopback(fake)) as server:
        yield fake, server


async def _make_due(db: Database) -> None:
    async with db.transaction() as s:
        await s.execute(sa.update(Job).where(Job.status == "queued").values(run_at=utcnow()))


async def _agent_on_it(db: Database, client: httpx.AsyncClient, path: str, openid: str) -> tuple[int, str]:
    """A follower asks for a human; a supervisor takes the conversation."""
    r = await post_plain(client, path, text_xml(openid, "转人工", 7001))
    assert r.status_code == 200
    async with db.session() as s:
        conv = (await s.execute(sa.select(Conversation))).scalar_one()
    _sup, token = await staff_token(db, role=Role.SUPERVISOR, name="王小蕾")
    r = await client.post(f"/api/v1/conversations/{conv.id}/takeover", headers=bearer(token))
    assert r.status_code == 200, r.text
    return conv.id, token


class TestCustomerServiceMessages:
    async def test_agent_replies_are_sent_with_one_token(
        self, db: Database, client: httpx.AsyncClient, platform: tuple[Platform, Loopback]
    ) -> None:
        fake, server = platform
        path = await make_account(client, db, api_base=server.url)
        conv_id, token = await _agent_on_it(db, client, path, "o-agent-1")
        for i, text in enumerate(["您好，我是王小蕾", "请提供订单号"]):
            r = await client.post(
                f"/api/v1/conversations/{conv_id}/messages",
                headers=bearer(token),
                json={"client_id": f"c{i}", "text": text},
            )
            assert r.status_code == 200
        await Worker(db).run_until_idle()
        texts = [m["text"]["content"] for m in fake.sent]
        assert texts[-2:] == ["您好，我是王小蕾", "请提供订单号"]
        assert all(m["touser"] == "o-agent-1" and m["msgtype"] == "text" for m in fake.sent)
        assert fake.tokens == 1  # cached for the second send
        # Nothing is sent twice, however often the job runs.
        await _make_due(db)
        await Worker(db).run_until_idle()
        assert [m["text"]["content"] for m in fake.sent] == texts
        r = await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            headers=bearer(token),
            json={"client_id": "note", "text": "内部备注", "internal": True},
        )
        await Worker(db).run_until_idle()
        assert "内部备注" not in [m["text"]["content"] for m in fake.sent]  # internal notes stay inside

    @pytest.mark.parametrize("errcode", [40001, 42001])
    async def test_invalid_token_is_refreshed_and_the_send_repeated(
        self, db: Database, client: httpx.AsyncClient, platform: tuple[Platform, Loopback], errcode: int
    ) -> None:
        fake, server = platform
        path = await make_account(client, db, api_base=server.url)
        conv_id, token = await _agent_on_it(db, client, path, "o-agent-2")
        await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            headers=bearer(token),
            json={"client_id": "a", "text": "第一条"},
        )
        await Worker(db).run_until_idle()
        assert fake.tokens == 1
        fake.fail = [errcode]  # the platform revoked the token meanwhile
        await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            headers=bearer(token),
            json={"client_id": "b", "text": "第二条"},
        )
        await Worker(db).run_until_idle()
        assert fake.tokens == 2
        assert fake.sent[-1]["text"]["content"] == "第二条" and fake.sent[-1]["token"] == "TOKEN-2"
        async with db.session() as s:
            account = (await s.execute(sa.select(WechatAccount))).scalar_one()
        assert account.access_token == "TOKEN-2"

    async def test_platform_outage_is_retried_and_undeliverable_is_dropped(
        self, db: Database, client: httpx.AsyncClient, platform: tuple[Platform, Loopback]
    ) -> None:
        fake, server = platform
        path = await make_account(client, db, api_base=server.url)
        conv_id, token = await _agent_on_it(db, client, path, "o-agent-3")
        await Worker(db).run_until_idle()
        before = len(fake.sent)
        fake.http_fail = 1
        await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            headers=bearer(token),
            json={"client_id": "x", "text": "稍等"},
        )
        await Worker(db).run_until_idle()
        assert len(fake.sent) == before  # failed; the job waits for its retry
        await _make_due(db)
        await Worker(db).run_until_idle()
        assert fake.sent[-1]["text"]["content"] == "稍等"
        # 45015: the follower's 48-hour window closed; retrying would not help.
        fake.fail = [45015]
        await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            headers=bearer(token),
            json={"client_id": "y", "text": "过期"},
        )
        await Worker(db).run_until_idle()
        async with db.session() as s:
            dead = (await s.execute(sa.select(Job).where(Job.status.in_(["queued", "dead"])))).scalars().all()
        assert [j.name for j in dead if j.name == "wechat.send"] == []


class SlowBot:
    inline = False

    async def greet(self, ctx: BotContext) -> BotTurn:
        return BotTurn(replies=["您好"])

    async def respond(self, ctx: BotContext) -> BotTurn:
        await asyncio.sleep(0.5)
        return BotTurn(replies=[f"慢答：{ctx.text}"])


class TestLateBotAnswer:
    async def test_a_bot_slower_than_the_window_answers_through_the_api(
        self,
        db: Database,
        client: httpx.AsyncClient,
        platform: tuple[Platform, Loopback],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        fake, server = platform
        path = await make_account(client, db, api_base=server.url)
        monkeypatch.setattr(callback, "PASSIVE_BUDGET_SECONDS", 0.05)
        previous = bot_slot.get_bot()
        bot_slot.set_bot(SlowBot())
        try:
            r = await post_plain(client, path, event_xml("o-late-1", "subscribe"))
            assert r.status_code == 200
            r = await post_plain(client, path, text_xml("o-late-1", "查订单", 8001))
            assert r.status_code == 200 and r.text == "success"  # not ready within the window
            await asyncio.sleep(0.8)  # the bot finishes in the background
        finally:
            bot_slot.set_bot(previous)
        await _make_due(db)
        await Worker(db).run_until_idle()
        assert [m["text"]["content"] for m in fake.sent] == ["慢答：查订单"]
