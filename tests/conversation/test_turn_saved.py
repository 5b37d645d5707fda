"""A chat turn's changes to its conversation are stored: by one Core UPDATE when they are
the unit's only changes (the hot path skips the ORM flush), by the flush otherwise."""

from __future__ import annotations

import pytest

from kefu.bot.engine import NluBot
from kefu.conversation import bot_slot, intake
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.service import conversation_service
from kefu.conversation.tokens import ChatTicket
from kefu.kit.db import Database
from kefu.models import Conversation
from kefu.models.conversation import ConversationStatus
from tests.factories import make_group

pytestmark = pytest.mark.usefixtures("chat_wiring")


async def _conversation(db: Database, conv_id: int) -> Conversation:
    async with db.read() as s:
        conv = await conversation_service.get(s, conv_id)
    assert conv is not None
    return conv


class TestTurnSaved:
    async def test_seq_misses_and_hand_off_are_stored(self, db: Database) -> None:
        async with db.transaction() as s:
            await make_group(s, name="售前咨询", is_default=True)
        bot_slot.set_bot(NluBot(db))
        conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="测试"))
        chat = ChatTicket(conv_id, customer_id)
        start = (await _conversation(db, conv_id)).last_seq

        await intake.customer_message(db, chat, "c1", "你们几点上班")  # answered
        conv = await _conversation(db, conv_id)
        assert (conv.last_seq, conv.bot_misses, conv.status) == (start + 2, 0, ConversationStatus.BOT)
        assert conv.last_customer_at is not None and conv.updated_at >= conv.last_customer_at

        await intake.customer_message(db, chat, "c2", "嗯嗯嗯")  # not understood: a miss
        conv = await _conversation(db, conv_id)
        assert (conv.last_seq, conv.bot_misses) == (start + 4, 1)

        await intake.customer_message(db, chat, "c2", "嗯嗯嗯")  # a resend changes nothing
        assert (await _conversation(db, conv_id)).last_seq == start + 4

        await intake.customer_message(db, chat, "c3", "转人工")  # more than the turn: the flush
        conv = await _conversation(db, conv_id)
        assert conv.status != ConversationStatus.BOT and conv.last_seq > start + 5
