"""The bot's timeout covers its inference, not the database work of the message's unit: a
turn whose reads outlast the timeout is still answered in the message's commit (before, the
timeout cancelled the read mid-statement and the message failed), and inference that runs
out of time leaves the turn to after the commit instead of holding the writer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.conversation import bot_slot, intake
from kefu.conversation.bot_slot import BotContext, BotTurn
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.tokens import ChatTicket
from kefu.kit.db import Database
from kefu.kit.realtime import InProcessBus, set_bus
from kefu.models import Message

TIMEOUT = 0.1
SLOW_READ = 0.4  # seconds: longer than the bot's timeout


class SlowReadBot:
    """Answers inside the message's unit after a database read slower than the timeout."""

    inline = False

    async def greet(self, ctx: BotContext) -> BotTurn:
        return BotTurn(replies=["您好"])

    async def respond(self, ctx: BotContext) -> BotTurn:
        return BotTurn(replies=["稍后回复"])

    async def respond_in(self, session: AsyncSession, ctx: BotContext) -> BotTurn:
        if session.bind.dialect.name == "postgresql":
            await session.execute(sa.text(f"SELECT pg_sleep({SLOW_READ})"))
        else:  # the writer's SQLite statements do not wait: the unit's own slow await instead
            await asyncio.sleep(SLOW_READ)
        count = (await session.execute(sa.select(sa.func.count()).select_from(Message))).scalar_one()
        return BotTurn(replies=[f"第{count}条"])


class SlowInferenceBot(SlowReadBot):
    """Its prediction (made ahead of the unit) never comes back."""

    async def prefetch(self, text: str) -> None:
        await asyncio.sleep(3600)

    async def respond_in(self, session: AsyncSession, ctx: BotContext) -> BotTurn:
        raise AssertionError("no turn in the unit without the prediction")


@pytest.fixture(autouse=True)
def wiring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(intake, "BOT_TIMEOUT_SECONDS", TIMEOUT)
    set_bus(InProcessBus())
    yield
    bot_slot.set_bot(bot_slot.RuleBot())
    set_bus(None)


async def _lines(db: Database, conv_id: int) -> list[tuple[str, str]]:
    async with db.read() as session:
        rows = await session.execute(
            sa.select(Message.sender, Message.text)
            .where(Message.conversation_id == conv_id)
            .order_by(Message.seq)
        )
        return [(s, t) for s, t in rows.all()]


async def _chat(db: Database) -> ChatTicket:
    bot_slot.set_bot(bot_slot.RuleBot())  # greets without the slow bot
    conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="测试"))
    return ChatTicket(conv_id, customer_id)


class TestBotTimeout:
    async def test_slow_reads_in_the_unit_are_not_cut_off(self, db: Database) -> None:
        chat = await _chat(db)
        bot_slot.set_bot(SlowReadBot())
        async with asyncio.timeout(30):
            accepted = await intake.customer_message(db, chat, "c1", "订单到哪了")
        assert accepted.is_new and accepted.bot is None  # answered in the message's own commit
        lines = await _lines(db, chat.conversation_id)
        assert lines[-2] == ("customer", "订单到哪了")
        assert lines[-1][0] == "bot" and lines[-1][1].startswith("第")

    async def test_inference_out_of_time_leaves_the_turn_to_after_the_commit(self, db: Database) -> None:
        chat = await _chat(db)
        bot_slot.set_bot(SlowInferenceBot())
        async with asyncio.timeout(30):
            accepted = await intake.customer_message(db, chat, "c1", "订单到哪了")
            assert accepted.is_new and accepted.bot is not None  # stored and acked meanwhile
            assert (await _lines(db, chat.conversation_id))[-1] == ("customer", "订单到哪了")
            await intake.run_bot(db, accepted.bot)
        assert (await _lines(db, chat.conversation_id))[-1] == ("bot", "稍后回复")
