"""Statement budget of the chat hot path: a customer's message, acked, and the bot's reply.

Each statement is a round trip inside the writer's critical section (SQLite) or a pooled
connection (PostgreSQL). The budget fails when a change adds one; lower it when a change
saves one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kefu.bot.engine import NluBot
from kefu.conversation import bot_slot, intake
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.tokens import ChatTicket
from kefu.kit.db import Database
from kefu.kit.realtime import InProcessBus, set_bus
from tests.factories import make_group
from tests.statements import count_statements

# Message: conversation + client-id check (2), event, conversation update, message (3).
# Bot turn: snapshot read, conversation (2), event, bot turn row, conversation update,
# reply message (4).
BUDGET_MESSAGE_AND_REPLY = 11


@pytest.fixture(autouse=True)
def wiring() -> Iterator[None]:
    set_bus(InProcessBus())
    yield
    bot_slot.set_bot(bot_slot.RuleBot())
    set_bus(None)


class TestChatMessageBudget:
    async def test_message_and_bot_reply_stay_within_budget(self, db: Database) -> None:
        async with db.transaction() as s:
            await make_group(s, name="售前咨询", is_default=True)
        bot_slot.set_bot(NluBot(db))
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="测试"))
        chat = ChatTicket(conv_id, customer_id)
        for i in range(2):  # the second message runs with warm caches, as in steady state
            with count_statements(db) as counter:
                accepted = await intake.customer_message(db, chat, f"c{i}", "你们几点上班")
                assert accepted.is_new and accepted.bot is not None
                await intake.run_bot(db, accepted.bot)
        assert "INSERT INTO messages" in counter.report()  # the reply was stored
        assert counter.count <= BUDGET_MESSAGE_AND_REPLY, counter.report()
