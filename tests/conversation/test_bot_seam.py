"""The bot slot seam: another bot plugs in with `set_bot`; an inline bot's answer shares the
customer's commit; a bot that raises or hangs apologises and hands off, and nothing waits."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from kefu.conversation import bot_slot, intake
from kefu.conversation.bot_slot import BotContext, BotTurn
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.tokens import ChatTicket
from kefu.kit.db import Database
from kefu.models import Conversation, Message
from tests.factories import make_group


class EchoBot:
    inline = False

    async def greet(self, ctx: BotContext) -> BotTurn:
        return BotTurn(replies=["你好，我是测试机器人"])

    async def respond(self, ctx: BotContext) -> BotTurn:
        if ctx.text == "慢":
            await asyncio.sleep(3600)
        if ctx.text == "坏":
            raise RuntimeError("business system returned garbage")
        return BotTurn(replies=[f"回声：{ctx.text}"], buttons=["订单问题", "产品使用"])


pytestmark = pytest.mark.usefixtures("chat_wiring")


async def _texts(db: Database, conv_id: int) -> list[tuple[str, str]]:
    async with db.transaction() as session:
        rows = await session.execute(
            sa.select(Message.sender, Message.text)
            .where(Message.conversation_id == conv_id)
            .order_by(Message.seq)
        )
        return [(s, t) for s, t in rows.all()]


async def _status(db: Database, conv_id: int) -> str:
    async with db.transaction() as session:
        conv = await session.get(Conversation, conv_id)
        assert conv is not None
        return conv.status


class TestPluggedBot:
    async def test_a_plugged_in_bot_greets_and_answers_with_buttons(self, db: Database) -> None:
        bot_slot.set_bot(EchoBot())
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="测试"))
        chat = ChatTicket(conv_id, customer_id)
        accepted = await intake.customer_message(db, chat, "c1", "查订单")
        assert accepted.bot is not None  # not inline: the caller runs the turn after the ack
        await intake.run_bot(db, accepted.bot)
        assert await _texts(db, conv_id) == [
            ("bot", "你好，我是测试机器人"),
            ("customer", "查订单"),
            ("bot", "回声：查订单"),
        ]

    async def test_a_failing_bot_apologises_and_hands_off(self, db: Database) -> None:
        async with db.transaction() as session:
            await make_group(session, name="售前咨询", is_default=True)
        bot_slot.set_bot(EchoBot())
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn())
        accepted = await intake.customer_message(db, ChatTicket(conv_id, customer_id), "c1", "坏")
        assert accepted.bot is not None
        await intake.run_bot(db, accepted.bot)
        assert (await _texts(db, conv_id))[-1] == ("bot", intake.APOLOGY)
        assert await _status(db, conv_id) == "queued"

    async def test_a_hanging_bot_times_out_and_hands_off(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(intake, "BOT_TIMEOUT_SECONDS", 0.2)
        async with db.transaction() as session:
            await make_group(session, name="售前咨询", is_default=True)
        bot_slot.set_bot(EchoBot())
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn())
        accepted = await intake.customer_message(db, ChatTicket(conv_id, customer_id), "c1", "慢")
        assert accepted.bot is not None
        async with asyncio.timeout(5):
            await intake.run_bot(db, accepted.bot)
        assert await _status(db, conv_id) == "queued"


class TestInlineRuleBot:
    async def test_the_rule_bot_answers_in_the_same_commit_and_hands_off_on_request(
        self, db: Database
    ) -> None:
        async with db.transaction() as session:
            await make_group(session, name="售前咨询", is_default=True)
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn())
        chat = ChatTicket(conv_id, customer_id)
        accepted = await intake.customer_message(db, chat, "c1", "发票怎么开")
        assert accepted.bot is None and accepted.seq == 2
        texts = await _texts(db, conv_id)
        assert texts[2][0] == "bot" and "电子发票" in texts[2][1]
        await intake.customer_message(db, chat, "c2", "我要转人工")
        assert await _status(db, conv_id) == "queued"

    async def test_three_misses_in_a_row_hand_off(self, db: Database) -> None:
        async with db.transaction() as session:
            await make_group(session, name="售前咨询", is_default=True)
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn())
        chat = ChatTicket(conv_id, customer_id)
        for i, text in enumerate(["😀😀", "<b>你好</b>", "asdfgh 混合 text"]):
            await intake.customer_message(db, chat, f"m{i}", text)
        assert await _status(db, conv_id) == "queued"
