"""A customer's message and the bot's answer are written together (one INSERT for the lines,
one for their events) — what the customer and the agents see must not change: both lines
stored in seq order, both events stored in that order and pushed after the commit, and a
message whose answer comes later (or never) still stored on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from kefu.conversation import bot_slot, intake
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.sessions import widget_sessions
from kefu.conversation.tokens import ChatTicket
from kefu.kit import channels
from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.kit.realtime import InProcessBus, set_bus
from kefu.models import Message
from tests.factories import make_group


@pytest.fixture(autouse=True)
def wiring() -> Iterator[InProcessBus]:
    bus = InProcessBus()
    set_bus(bus)
    yield bus
    bot_slot.set_bot(bot_slot.RuleBot())
    set_bus(None)


class _LaterBot:
    """Answers only after the commit (as a bot that calls a business system does)."""

    inline = False

    async def greet(self, ctx: bot_slot.BotContext) -> bot_slot.BotTurn:
        return bot_slot.BotTurn(replies=["您好"])

    async def respond(self, ctx: bot_slot.BotContext) -> bot_slot.BotTurn:
        return bot_slot.BotTurn(replies=["查到了"])

    async def respond_in(self, session: object, ctx: bot_slot.BotContext) -> None:
        return None


async def _chat(db: Database) -> ChatTicket:
    async with db.transaction() as s:
        await make_group(s, name="售前咨询", is_default=True)
    conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="测试"))
    return ChatTicket(conv_id, customer_id)


async def _lines(db: Database, conv_id: int) -> list[tuple[int, str, str]]:
    async with db.read() as s:
        rows = await s.execute(
            sa.select(Message.seq, Message.sender, Message.text)
            .where(Message.conversation_id == conv_id)
            .order_by(Message.seq)
        )
        return [(r.seq, r.sender, r.text) for r in rows]


async def _events(db: Database, conv_id: int) -> list[tuple[int, str]]:
    async with db.read() as s:
        rows = await s.execute(
            sa.select(EventRecord.payload)
            .where(EventRecord.name == "message.created", EventRecord.aggregate_id == conv_id)
            .order_by(EventRecord.id)
        )
        return [(p["seq"], p["sender"]) for (p,) in rows]


class TestHeldLine:
    async def test_message_and_answer_stored_and_pushed_in_seq_order(
        self, db: Database, wiring: InProcessBus
    ) -> None:
        chat = await _chat(db)
        sub = await wiring.subscribe(channels.conversation(chat.conversation_id))
        accepted = await intake.customer_message(db, chat, "c1", "你们几点上班")
        assert accepted.is_new and accepted.bot is None
        lines = await _lines(db, chat.conversation_id)
        seq = accepted.seq
        assert [(s, who) for s, who, _ in lines[-2:]] == [(seq, "customer"), (seq + 1, "bot")]
        assert lines[-2][2] == "你们几点上班" and "9:00" in lines[-1][2]  # the rule bot's hours
        assert (await _events(db, chat.conversation_id))[-2:] == [(seq, "customer"), (seq + 1, "bot")]
        pushed = []
        async for frame in sub:  # the frames were published after the commit, in order
            pushed.append((frame["seq"], frame["sender"]))
            if len(pushed) == 2:
                break
        assert pushed == [(seq, "customer"), (seq + 1, "bot")]
        await wiring.unsubscribe(sub)

    async def test_a_resend_is_not_stored_twice(self, db: Database) -> None:
        chat = await _chat(db)
        first = await intake.customer_message(db, chat, "c1", "发货要多久")
        again = await intake.customer_message(db, chat, "c1", "发货要多久")
        assert not again.is_new and again.seq == first.seq
        senders = [who for _, who, _ in await _lines(db, chat.conversation_id)]
        assert senders.count("customer") == 1

    async def test_a_message_answered_later_is_stored_on_its_own_first(self, db: Database) -> None:
        chat = await _chat(db)
        bot_slot.set_bot(_LaterBot())
        accepted = await intake.customer_message(db, chat, "c1", "帮我查订单")
        assert accepted.bot is not None  # the answer runs after the commit
        assert (await _lines(db, chat.conversation_id))[-1] == (accepted.seq, "customer", "帮我查订单")
        await intake.run_bot(db, accepted.bot)
        assert (await _lines(db, chat.conversation_id))[-1] == (accepted.seq + 1, "bot", "查到了")
        assert (await _events(db, chat.conversation_id))[-2:] == [
            (accepted.seq, "customer"),
            (accepted.seq + 1, "bot"),
        ]


class TestSessionCheck:
    async def test_a_socket_re_check_does_not_wait_for_the_writer(self, db: Database) -> None:
        """Every open chat socket re-checks its session once a minute: on a read snapshot,
        not behind the writer's lock (a waiting check blocked the socket and a connection)."""
        chat = await _chat(db)
        token = await widget_sessions.issue_in(db, chat.conversation_id, chat.customer_id)
        async with db.transaction() as s:  # a write unit holds the writer (and SQLite's lock)
            await s.execute(sa.text("UPDATE conversations SET locale = locale"))
            checked = await asyncio.wait_for(widget_sessions.verify_in(db, token), timeout=10)
        assert checked == chat
