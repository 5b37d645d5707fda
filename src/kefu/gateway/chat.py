"""The customer socket `/ws/chat?token=`: messages with acks after commit, resume by seq,
queue and assignment notices, typing and read receipts. Every pushed message goes through
`SeqFeed`, which fills gaps from the database, so a lost hint never loses a message."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import structlog
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from kefu.auth.service import user_service
from kefu.conversation import frames, intake
from kefu.conversation.schemas import MAX_TEXT
from kefu.conversation.service import conversation_service, message_frame
from kefu.conversation.sessions import widget_sessions
from kefu.conversation.tokens import ChatTicket
from kefu.errors import KefuError
from kefu.gateway.common import (
    CLOSE_FORBIDDEN_ORIGIN,
    CLOSE_UNAUTHORIZED,
    ErrorBudget,
    TokenBucket,
    int_field,
    message_fields,
    origin_allowed,
    parse_frame,
    refused_when_overloaded,
    run_until_first_done,
    send_json,
)
from kefu.kit import channels
from kefu.kit.db import Database
from kefu.kit.realtime import RESYNC, Bus, Message, Subscription, get_bus
from kefu.middleware import WS_CONNECTIONS
from kefu.models.conversation import ConversationStatus
from kefu.routing.service import routing_service

router = APIRouter()
log = structlog.get_logger(__name__)
TYPING_EVERY_SECONDS = 2.0
# An open socket re-reads its widget session this often, to close once it lapses (idle
# hours, lifetime days). A revocation is pushed at once (SessionsRevoked); this is its
# backstop when that hint is lost. Every minute, each re-check (~2 ms of CPU on a reader)
# fell on a third of all messages at 10,000 sockets and 500 messages/s.
RECHECK_SECONDS = 600.0


def next_recheck(now: float) -> float:
    """When a socket re-reads its session next: RECHECK_SECONDS on average, spread over
    0.5-1.5x. Sockets opened together (a restart, a load test: 10,000 in 30 s) re-checked
    together every 10 min, each re-check a read and a session touch: ~20,000 units in ~40 s
    on top of the chat, a 50 s backlog (bot-reply p99 up to 10 s) at 500 messages/s."""
    return now + RECHECK_SECONDS * random.uniform(0.5, 1.5)  # a spread, not a secret


class SeqFeed:
    """Delivers a conversation's messages to one socket in `seq` order, exactly once each."""

    def __init__(self, ws: WebSocket, db: Database, chat: ChatTicket, last_sent: int) -> None:
        self.ws = ws
        self.db = db
        self.chat = chat
        self.last_sent = last_sent
        self.lock = asyncio.Lock()

    async def push(self, frame: Message) -> bool:
        seq = frame.get("seq")
        if frame.get("type") != "message" or not isinstance(seq, int):
            return await send_json(self.ws, frame)  # a read receipt's seq is the agent's, not an order
        async with self.lock:
            if seq <= self.last_sent:
                return True
            if seq > self.last_sent + 1:
                return await self._fill(self.last_sent)
            self.last_sent = seq
            return await send_json(self.ws, frames.customer_view(frame))

    async def resume(self, after_seq: int) -> bool:
        async with self.lock:
            ok = await self._fill(after_seq)
            return ok and await send_json(
                self.ws, frames.ChatResumed(type="resumed", last_seq=self.last_sent)
            )

    async def fill(self) -> bool:
        async with self.lock:
            return await self._fill(self.last_sent)

    async def _fill(self, after_seq: int) -> bool:
        async with self.db.transaction() as session:
            rows = await conversation_service.customer_messages_after(session, self.chat, after_seq)
            shown = [frames.customer_view(message_frame(self.chat.conversation_id, m)) for m in rows]
        for frame in shown:
            if not await send_json(self.ws, frame):
                return False
            self.last_sent = max(self.last_sent, int(frame["seq"]))
        return True


@router.websocket("/ws/chat")
@refused_when_overloaded
async def chat_socket(ws: WebSocket, token: str = "") -> None:
    app = ws.app
    settings = app.state.settings
    if not origin_allowed(ws, settings.allowed_origins):
        await ws.close(code=CLOSE_FORBIDDEN_ORIGIN)
        return
    db: Database = app.state.db
    chat = await widget_sessions.verify_in(db, token) if token else None
    if chat is None:
        await ws.close(code=CLOSE_UNAUTHORIZED)
        return
    bus: Bus = app.state.bus
    sub = await bus.subscribe(channels.conversation(chat.conversation_id))
    try:
        async with db.transaction() as session:
            conv = await conversation_service.get(session, chat.conversation_id)
            if conv is None or conv.customer_id != chat.customer_id:
                conv = None
            else:
                last_seq = conv.last_seq
                hello = frames.ChatHello(
                    type="hello", conversation_id=conv.id, status=conv.status, last_seq=conv.last_seq
                )
                queue = await routing_service.queue_status(session, conv)
                agent = (
                    await _agent_name(session, conv.assignee_id)
                    if conv.status == ConversationStatus.ASSIGNED
                    else None
                )
        if conv is None:
            await ws.close(code=CLOSE_UNAUTHORIZED)
            return
        await ws.accept()
        WS_CONNECTIONS.labels("chat").inc()
        try:
            feed = SeqFeed(ws, db, chat, last_seq)
            await send_json(ws, hello)
            if queue is not None:
                await send_json(
                    ws,
                    frames.ChatQueue(
                        type="queue",
                        position=queue.position,
                        eta_seconds=queue.eta_seconds,
                        staffed=queue.staffed,
                    ),
                )
            if agent is not None:
                await send_json(ws, frames.ChatAssigned(type="assigned", agent_name=agent))
            await run_until_first_done(_pump(feed, sub, token), _receive(ws, db, chat, feed, settings, token))
        finally:
            WS_CONNECTIONS.labels("chat").dec()
    finally:
        await bus.unsubscribe(sub)


async def _agent_name(session: Any, user_id: int | None) -> str | None:
    user = await user_service.get(session, user_id) if user_id is not None else None
    return user.name if user else None


async def _pump(feed: SeqFeed, sub: Subscription, token: str) -> None:
    async for message in sub:
        if message is RESYNC:
            ok = await feed.fill()
        elif message.get("type") == "sessions_revoked":  # a hint for us, not the customer
            ok = await widget_sessions.verify_in(feed.db, token) is not None
            if not ok:
                await feed.ws.close(code=CLOSE_UNAUTHORIZED)
        else:
            ok = await feed.push(message)
        if not ok:
            return


async def _receive(
    ws: WebSocket, db: Database, chat: ChatTicket, feed: SeqFeed, settings: Any, token: str
) -> None:
    bucket = (
        TokenBucket.unlimited()
        if settings.limits_off
        else TokenBucket(settings.chat_messages_per_second, settings.chat_burst)
    )
    errors = ErrorBudget(ws)
    last_typing = 0.0
    recheck_at = next_recheck(time.monotonic())
    while True:
        try:
            text = await ws.receive_text()
        except (WebSocketDisconnect, RuntimeError, KeyError):
            return
        frame = parse_frame(text)
        if isinstance(frame, str):
            if not await errors.error(frame):
                return
            continue
        kind = frame["type"]
        if time.monotonic() > recheck_at:
            # A revoked or lapsed session closes its open socket too.
            if await widget_sessions.verify_in(db, token) is None:
                await ws.close(code=CLOSE_UNAUTHORIZED)
                return
            recheck_at = next_recheck(time.monotonic())
        cid = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        try:
            if kind == "message":
                fields = await message_fields(frame, bucket, errors, MAX_TEXT)
                if fields is not None:
                    client_id, body = fields
                    accepted = await intake.customer_message(db, chat, client_id, body)
                    await send_json(ws, frames.ChatAck(type="ack", client_id=client_id, seq=accepted.seq))
                    if accepted.bot is not None:
                        await intake.run_bot(db, accepted.bot)
            elif kind == "resume":
                after = int_field(frame, "after_seq")
                if after is None or after < 0:
                    await errors.error("invalid_frame", "after_seq must be a non-negative integer")
                else:
                    await feed.resume(after)
            elif kind == "handoff":
                await intake.handoff(db, chat)
            elif kind == "ping":
                await send_json(ws, frames.Pong(type="pong"))
            elif kind == "typing":
                now = time.monotonic()
                if now - last_typing >= TYPING_EVERY_SECONDS:
                    last_typing = now
                    await _to_agent(
                        db, chat, frames.AgentTyping(type="typing", conversation_id=chat.conversation_id)
                    )
            elif kind == "read":
                seq = int_field(frame, "seq")
                if seq is None:
                    await errors.error("invalid_frame", "seq must be an integer")
                else:
                    async with db.transaction() as session:
                        await conversation_service.mark_read(
                            session, chat.conversation_id, seq, by_agent=False
                        )
                    await _to_agent(
                        db, chat, frames.AgentRead(type="read", conversation_id=chat.conversation_id, seq=seq)
                    )
            elif not await errors.error("unknown_type", f"unknown frame type {kind!r}"):
                return
        except KefuError as exc:
            await errors.refused(exc, client_id=cid if kind == "message" else None)
        except Exception as exc:  # never let one bad frame kill the connection handler
            log.exception("chat.frame_failed", conversation_id=chat.conversation_id, error=repr(exc))
            await errors.refused(exc, client_id=cid if kind == "message" else None)


async def _to_agent(db: Database, chat: ChatTicket, frame: frames.AgentTyping | frames.AgentRead) -> None:
    async with db.transaction() as session:
        conv = await conversation_service.get(session, chat.conversation_id)
        assignee = conv.assignee_id if conv is not None else None
    if assignee is not None:
        await get_bus().publish(channels.user(assignee), frame)
