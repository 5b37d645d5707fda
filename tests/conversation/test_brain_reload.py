"""A changed bot (a retrain, an intent edit) loads before the message's write unit, on a
reader: while a large model loads, the other chats' writes go on. Inside the unit the load
held SQLite's only writer, and every other chat of the process waited for it."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa

from kefu.bot.engine import NluBot
from kefu.bot.service import bot_service
from kefu.conversation import bot_slot, intake
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.tokens import ChatTicket
from kefu.kit.db import Database
from kefu.models import Message
from tests.factories import make_group

pytestmark = pytest.mark.usefixtures("chat_wiring")


async def test_other_writes_go_on_while_a_changed_bot_loads(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as s:
        await make_group(s, name="售前咨询", is_default=True)
    bot_slot.set_bot(NluBot(db))
    conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="测试"))
    chat = ChatTicket(conv_id, customer_id)

    # The admin changed the bot elsewhere: this process's brain is out of date.
    brain = bot_service.cached_brain()
    assert brain is not None
    monkeypatch.setattr(bot_service, "_brain", dataclasses.replace(brain, version=("before the edit",)))
    monkeypatch.setattr(bot_service, "_checked", 0.0)
    loading, loaded = asyncio.Event(), asyncio.Event()
    build = bot_service._build

    async def slow_build(*args: Any) -> Any:  # a large model takes seconds to load
        loading.set()
        await loaded.wait()
        return await build(*args)

    monkeypatch.setattr(bot_service, "_build", slow_build)
    message = asyncio.create_task(intake.customer_message(db, chat, "c1", "你们几点上班"))
    async with asyncio.timeout(10):
        await loading.wait()
    async with asyncio.timeout(5):  # another chat's write, while the new bot loads
        async with db.transaction() as s:
            await make_group(s, name="另一组")
    loaded.set()
    accepted = await message
    async with db.read() as s:
        mine = Message.conversation_id == conv_id
        after = sa.select(Message.sender).where(mine, Message.seq > accepted.seq)
        senders = list((await s.execute(after)).scalars())
    assert "bot" in senders  # and the message was answered by the reloaded bot
