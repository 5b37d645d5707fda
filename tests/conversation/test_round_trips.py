"""Statement budget of the chat hot path: a customer's message, acked, and the bot's reply.

Each statement is a round trip inside the writer's critical section (SQLite) or a pooled
connection (PostgreSQL). The budget fails when a change adds one; lower it when a change
saves one.
"""

from __future__ import annotations

import asyncio

import pytest

from kefu.bot.engine import NluBot
from kefu.conversation import bot_slot, intake
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.tokens import ChatTicket
from kefu.kit.db import Database
from tests.factories import make_group
from tests.statements import count_statements

# One write unit for both: the conversation read with its client-id check (1), the
# customer's message and the reply in one INSERT (1), their two events in one INSERT (1),
# the bot turn row (1) and the conversation's update (1). Was 8 before the lines and events
# of a unit were batched and the client-id check joined the conversation read.
BUDGET_MESSAGE_AND_REPLY = 5


pytestmark = pytest.mark.usefixtures("chat_wiring")


class TestChatMessageBudget:
    async def test_message_and_bot_reply_stay_within_budget(self, db: Database) -> None:
        async with db.transaction() as s:
            await make_group(s, name="售前咨询", is_default=True)
        bot_slot.set_bot(NluBot(db))
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="测试"))
        chat = ChatTicket(conv_id, customer_id)
        counted = []
        for i in range(4):  # after the first, messages run with warm caches, as in steady state
            with count_statements(db) as counter:
                accepted = await intake.customer_message(db, chat, f"c{i}", "你们几点上班")
                # The NLU bot answered inside the message's own unit: nothing left to run.
                assert accepted.is_new and accepted.bot is None
            counted.append(counter)
        # The fewest of the warm ones: the bot brain re-checks its version every 2 s (4 reads
        # and an autoflush), which on a loaded machine can fall inside any one message.
        counter = min(counted[1:], key=lambda c: c.count)
        assert "INSERT INTO messages" in counter.report()  # message and reply (one batch on PG)
        assert counter.count <= BUDGET_MESSAGE_AND_REPLY, counter.report()


class _Bot:
    """A bot that answers in the message's unit unless told it must call out."""

    inline = False

    def __init__(self, answer: bool, fail: bool = False) -> None:
        self.answer, self.fail, self.calls = answer, fail, 0

    async def greet(self, ctx: bot_slot.BotContext) -> bot_slot.BotTurn:
        return bot_slot.BotTurn(replies=["您好"])

    async def respond(self, ctx: bot_slot.BotContext) -> bot_slot.BotTurn:
        return bot_slot.BotTurn(replies=["稍后"])

    async def respond_in(self, session: object, ctx: bot_slot.BotContext) -> bot_slot.BotTurn | None:
        self.calls += 1
        if self.fail:
            raise RuntimeError("model gone")
        return bot_slot.BotTurn(replies=["好的"]) if self.answer else None


class TestInlineTurn:
    """Which turns share the customer's message's commit, and which run after it."""

    CTX = bot_slot.BotContext(conversation_id=424242, customer_id=1, text="查一下订单", locale="zh-CN")

    async def test_a_computed_answer_is_stored_with_the_message(self) -> None:
        turn = await intake._turn_in(_Bot(answer=True), None, self.CTX, greet=False)  # type: ignore[arg-type]
        assert turn is not None and turn.replies == ["好的"]

    async def test_a_turn_that_calls_a_business_system_runs_after_the_commit(self) -> None:
        assert await intake._turn_in(_Bot(answer=False), None, self.CTX, greet=False) is None  # type: ignore[arg-type]

    async def test_a_failing_bot_leaves_the_turn_to_the_apologising_path(self) -> None:
        assert await intake._turn_in(_Bot(answer=True, fail=True), None, self.CTX, greet=False) is None  # type: ignore[arg-type]

    async def test_no_inline_answer_while_an_earlier_turn_waits_on_a_call(self) -> None:
        bot = _Bot(answer=True)
        lock = intake._turn_locks[self.CTX.conversation_id] = asyncio.Lock()
        async with lock:  # an out-of-band turn of this conversation is waiting on the network
            assert await intake._turn_in(bot, None, self.CTX, greet=False) is None  # type: ignore[arg-type]
        assert bot.calls == 0
        assert await intake._turn_in(bot, None, self.CTX, greet=False) is not None  # type: ignore[arg-type]
