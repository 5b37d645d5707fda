"""The frames the chat sockets send are the declared ones (conversation.frames): the message
frame's exact wire shape, what the customer's socket leaves out, every frame a whole chat
puts on the bus (both backends) matching `CustomerFrame` / `AgentFrame` key for key, and a
read receipt reaching the customer's widget."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from starlette.websockets import WebSocketState

from kefu.authz import Principal
from kefu.conversation import bot_slot, frames, intake
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.service import conversation_service
from kefu.conversation.tokens import ChatTicket
from kefu.gateway.chat import SeqFeed
from kefu.kit import channels
from kefu.kit.db import Database
from kefu.kit.realtime import InProcessBus, Subscription, set_bus
from kefu.models.conversation import Presence
from kefu.models.user import Role
from kefu.routing.service import routing_service
from tests.factories import make_group, make_user
from tests.framecheck import conforms

AT = "2026-03-02T09:30:00+00:00"


# --- the message frame ----------------------------------------------------------------------
class TestMessageFrame:
    def test_a_customer_message_carries_its_emotion_for_staff(self) -> None:
        frame = frames.message(7, 3, "customer", "耳机没声音", AT, emotion="negative", anger=0.8)
        assert list(frame.items()) == [
            ("type", "message"),
            ("conversation_id", 7),
            ("seq", 3),
            ("sender", "customer"),
            ("text", "耳机没声音"),
            ("created_at", AT),
            ("emotion", "negative"),
            ("anger", 0.8),
        ]

    def test_an_agents_internal_note_names_its_author_and_is_marked(self) -> None:
        frame = frames.message(7, 4, "agent", "老客户", AT, user_id=12, internal=True)
        assert frame == {
            "type": "message",
            "conversation_id": 7,
            "seq": 4,
            "sender": "agent",
            "text": "老客户",
            "created_at": AT,
            "user_id": 12,
            "internal": True,
        }

    def test_the_bots_buttons_articles_and_an_attachment_are_shown_other_extras_are_not(self) -> None:
        extra = {
            "buttons": ["查物流"],
            "articles": [{"id": 1, "title": "退货", "url": "/help/1"}],
            "attachment": {"id": 5, "name": "a.png", "size": 10},
            "intent": "refund",
            "confidence": 0.9,
        }
        frame = frames.message(7, 5, "bot", "您可以…", AT, extra=extra)
        assert list(frame)[-3:] == ["attachment", "buttons", "articles"]
        assert "intent" not in frame and "confidence" not in frame and "internal" not in frame

    def test_the_customer_sees_no_staff_only_keys(self) -> None:
        staff = frames.message(
            7, 6, "agent", "您好", AT, user_id=12, extra={"buttons": ["好的"]}, emotion="neutral", anger=0.0
        )
        shown = frames.customer_view(staff)
        assert shown == {
            "type": "message",
            "seq": 6,
            "sender": "agent",
            "text": "您好",
            "created_at": AT,
            "buttons": ["好的"],
        }
        assert conforms(shown, frames.CustomerFrame) == "ChatMessage"
        assert conforms(staff, frames.AgentFrame) == "MessageFrame"

    def test_the_checker_refuses_what_the_protocol_does_not_declare(self) -> None:
        with pytest.raises(AssertionError):
            conforms({"type": "queue", "position": 1}, frames.CustomerFrame)  # no eta_seconds
        with pytest.raises(AssertionError):
            conforms({"type": "closed", "conversation_id": 3}, frames.CustomerFrame)  # staff's shape
        with pytest.raises(AssertionError):
            conforms({"type": "pong", "extra": 1}, frames.AgentFrame)


# --- a whole chat on the bus ----------------------------------------------------------------
@pytest.fixture
def bus() -> Iterator[InProcessBus]:
    b = InProcessBus()
    set_bus(b)
    bot_slot.set_bot(bot_slot.RuleBot())
    yield b
    set_bus(None)


async def _frames(sub: Subscription, seconds: float = 0.3) -> list[Mapping[str, Any]]:
    """What the subscription got so far (after-commit pushes run right after each commit)."""
    got: list[Mapping[str, Any]] = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                got.append(await sub.get())
    except TimeoutError:
        return got


def staff(user: Any, group_ids: list[int]) -> Principal:
    return Principal(kind="staff", id=user.id, name=user.name, role=user.role, group_ids=frozenset(group_ids))


async def test_every_frame_a_chat_puts_on_the_bus_is_a_declared_one(db: Database, bus: InProcessBus) -> None:
    async with db.transaction() as s:
        group = await make_group(s, name="售前咨询", is_default=True)
        agent_user = await make_user(s, name="李小青", group_ids=[group.id])
        boss_user = await make_user(s, name="王主管", role=Role.SUPERVISOR, group_ids=[group.id])
    agent, boss = staff(agent_user, [group.id]), staff(boss_user, [group.id])
    conv_id, customer_id = await intake.start_session(db, WidgetSessionIn(name="周杰", email="zj@example.cn"))
    chat = ChatTicket(conv_id, customer_id)
    customer = await bus.subscribe(channels.conversation(conv_id))
    agent_sub = await bus.subscribe(*channels.workspace(agent.id, agent.group_ids, supervisor=False))
    boss_sub = await bus.subscribe(*channels.workspace(boss.id, boss.group_ids, supervisor=True))

    await intake.customer_message(db, chat, "c1", "你好")  # the bot answers
    await intake.handoff(db, chat)  # nobody online: it waits
    async with db.transaction() as s:
        await routing_service.route(s, group.id)  # its place in the queue
    async with db.transaction() as s:
        await routing_service.set_presence(s, agent, Presence.ONLINE)
    async with db.transaction() as s:
        await routing_service.route(s, group.id)  # now the agent gets it
    await intake.staff_message(db, agent, conv_id, "a1", "您好，我是李小青", internal=False)
    await intake.staff_message(db, agent, conv_id, "n1", "老客户", internal=True)
    await intake.customer_message(db, chat, "c2", "耳机左边没声音，很生气")
    async with db.transaction() as s:
        await conversation_service.takeover(s, boss, conv_id)  # the agent loses it
    async with db.transaction() as s:
        await conversation_service.close(s, boss, conv_id)

    to_customer = [frames.customer_view(f) if f["type"] == "message" else f for f in await _frames(customer)]
    seen = {conforms(f, frames.CustomerFrame) for f in to_customer}
    assert {"ChatMessage", "ChatQueue", "ChatAssigned", "ChatClosed"} <= seen
    assert not any("老客户" in json.dumps(f, ensure_ascii=False) for f in to_customer)

    to_agent = await _frames(agent_sub)
    seen = {conforms(f, frames.AgentFrame) for f in to_agent}
    assert {"MessageFrame", "AgentAssigned", "AgentUnassigned", "AgentPresence"} <= seen
    angry = [f for f in to_agent if f["type"] == "message" and f["sender"] == "customer"]
    assert angry and "emotion" in angry[-1] and "anger" in angry[-1]

    to_boss = await _frames(boss_sub)
    seen = {conforms(f, frames.AgentFrame) for f in to_boss}
    assert {"QueueChanged", "AgentAssigned", "AgentClosed"} <= seen


# --- the customer's feed --------------------------------------------------------------------
class _Socket:
    """A connected socket that keeps what it is sent (the feed under test writes to it)."""

    application_state = WebSocketState.CONNECTED

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))


async def test_the_customer_gets_the_agents_read_receipt_and_each_message_once() -> None:
    ws = _Socket()
    feed = SeqFeed(ws, None, ChatTicket(7, 1), last_sent=5)  # type: ignore[arg-type]
    # The agent read up to the customer's message 3: the widget marks it 已读.
    assert await feed.push(frames.ChatRead(type="read", sender="agent", seq=3))
    reply = frames.message(7, 6, "agent", "您好", AT, user_id=12)
    assert await feed.push(reply)
    assert await feed.push(reply)  # a repeated hint
    assert ws.sent == [
        {"type": "read", "sender": "agent", "seq": 3},
        {"type": "message", "seq": 6, "sender": "agent", "text": "您好", "created_at": AT},
    ]
    assert feed.last_sent == 6
