"""The agent socket `/ws/agent` (API token or the signed-in browser session): assignments,
messages of the agent's conversations (gaps filled from the database by seq), presence,
replies with acks after commit, typing and read receipts."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import structlog
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from kefu.auth.service import auth_service
from kefu.authz import Perm, Principal
from kefu.conversation import frames, intake
from kefu.conversation.schemas import MAX_TEXT
from kefu.conversation.service import conversation_service, message_frame
from kefu.deps import SESSION_COOKIE
from kefu.errors import KefuError, Overloaded
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
from kefu.models.conversation import ConversationStatus, Presence
from kefu.routing.service import routing_service

router = APIRouter()
log = structlog.get_logger(__name__)
TYPING_EVERY_SECONDS = 2.0


async def _authenticate(db: Database, token: str, cookie: str | None) -> Principal | None:
    try:
        async with db.transaction() as session:
            if token:
                principal = await auth_service.principal_from_token(session, token)
            elif cookie:
                resolved = await auth_service.resolve_web_session(session, cookie)
                if resolved is None:
                    return None
                principal = resolved[0]
            else:
                return None
    except Overloaded:
        raise  # no connection free in time, not a bad token: the handshake fails, retried
    except KefuError:
        return None
    # Repair partners are staff accounts without the workspace (fieldservice).
    return principal if principal.is_staff and principal.role != "partner" else None


class AgentFeed:
    """Per-conversation seq tracking for one agent socket: duplicates dropped, gaps filled."""

    def __init__(self, ws: WebSocket, db: Database, principal: Principal) -> None:
        self.ws = ws
        self.db = db
        self.principal = principal
        self.last: dict[int, int] = {}
        self.lock = asyncio.Lock()

    async def push(self, frame: Message) -> bool:
        conv_id, seq = frame.get("conversation_id"), frame.get("seq")
        if frame.get("type") != "message" or not isinstance(conv_id, int) or not isinstance(seq, int):
            return await send_json(self.ws, frame)
        async with self.lock:
            last = self.last.get(conv_id)
            if last is not None and seq <= last:
                return True
            if last is not None and seq > last + 1:
                return await self._fill(conv_id, last)
            self.last[conv_id] = seq
            return await send_json(self.ws, frame)

    async def resume(self, conv_id: int, after_seq: int) -> bool:
        async with self.lock:
            return await self._fill(conv_id, after_seq)

    async def resync(self) -> bool:
        """After a lost hint (Redis reconnect, overflow): every tracked conversation catches
        up, and the page reloads its lists."""
        async with self.lock:
            for conv_id, last in list(self.last.items()):
                with contextlib.suppress(KefuError):
                    if not await self._fill(conv_id, last):
                        return False
        return await send_json(self.ws, frames.Resync(type="resync"))

    async def _fill(self, conv_id: int, after_seq: int) -> bool:
        async with self.db.transaction() as session:
            rows = await conversation_service.staff_messages_after(
                session, self.principal, conv_id, after_seq
            )
            refill = [message_frame(conv_id, m) for m in rows]
        for frame in refill:
            if not await send_json(self.ws, frame):
                return False
            self.last[conv_id] = max(self.last.get(conv_id, 0), int(frame["seq"]))
        self.last.setdefault(conv_id, after_seq)
        return True


@router.websocket("/ws/agent")
@refused_when_overloaded
async def agent_socket(ws: WebSocket, token: str = "", feed: str = "") -> None:
    """`feed=presence` (every staff page but the workspace): the agent's own channel only —
    presence changes and new-chat notices — and the heartbeat that keeps them present."""
    app = ws.app
    if not origin_allowed(ws, app.state.settings.allowed_origins):
        await ws.close(code=CLOSE_FORBIDDEN_ORIGIN)
        return
    db: Database = app.state.db
    principal = await _authenticate(db, token, ws.cookies.get(SESSION_COOKIE))
    if principal is None:
        await ws.close(code=CLOSE_UNAUTHORIZED)
        return
    await ws.accept()
    bus: Bus = app.state.bus
    lite = feed == "presence"
    listens = (
        [channels.user(principal.id)]
        if lite
        else channels.workspace(
            principal.id, principal.group_ids, supervisor=principal.can(Perm.REPORTS_READ)
        )
    )
    sub = await bus.subscribe(*listens)
    WS_CONNECTIONS.labels("agent").inc()
    try:
        status = await _beat(db, principal)
        await send_json(
            ws, frames.AgentHello(type="hello", user_id=principal.id, name=principal.name, status=status)
        )
        agent_feed = AgentFeed(ws, db, principal)
        await run_until_first_done(
            _pump(agent_feed, sub),
            _receive(ws, db, principal, agent_feed, app.state.settings),
            _heartbeat(db, principal, app.state.settings.presence_heartbeat_seconds),
        )
    finally:
        # Closing a socket never changes presence (a page change closes one and opens
        # another): the heartbeat simply stops, and absence past the grace period is away.
        WS_CONNECTIONS.labels("agent").dec()
        await bus.unsubscribe(sub)


async def _beat(db: Database, principal: Principal) -> str:
    """Refresh the agent's heartbeat; their presence status ("" when it could not be read)."""
    if not principal.can(Perm.TICKETS_WORK):
        return ""
    try:
        async with db.transaction() as session:
            return str(await routing_service.heartbeat(session, principal.id))
    except Exception as exc:  # a busy database skips a beat; the next one comes soon
        log.warning("agent_socket.heartbeat_failed", user_id=principal.id, error=repr(exc))
        return ""


async def _heartbeat(db: Database, principal: Principal, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await _beat(db, principal)


async def _pump(feed: AgentFeed, sub: Subscription) -> None:
    async for message in sub:
        ok = await feed.resync() if message is RESYNC else await feed.push(message)
        if not ok:
            return


async def _receive(ws: WebSocket, db: Database, principal: Principal, feed: AgentFeed, settings: Any) -> None:
    bucket = (
        TokenBucket.unlimited()
        if settings.limits_off
        else TokenBucket(settings.chat_messages_per_second * 2, settings.chat_burst * 2)
    )
    errors = ErrorBudget(ws)
    last_typing: dict[int, float] = {}
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
        cid = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        conv_id = int_field(frame, "conversation_id")
        try:
            if kind == "ping":
                await send_json(ws, frames.Pong(type="pong"))
            elif kind == "presence":
                status = frame.get("status")
                if status not in {p.value for p in Presence}:
                    await errors.error("invalid_frame", "status must be online, away or offline")
                    continue
                async with db.transaction() as session:
                    await routing_service.set_presence(session, principal, Presence(status))
                await send_json(ws, frames.AgentPresence(type="presence", status=status))
            elif kind in {"message", "typing", "read", "resume"} and conv_id is None:
                await errors.error("invalid_frame", "conversation_id (integer) is required")
            elif kind == "message":
                assert conv_id is not None
                fields = await message_fields(frame, bucket, errors, MAX_TEXT)
                if fields is not None:
                    client_id, body = fields
                    seq = await intake.staff_message(
                        db, principal, conv_id, client_id, body, internal=frame.get("internal") is True
                    )
                    await send_json(
                        ws, frames.AgentAck(type="ack", client_id=client_id, seq=seq, conversation_id=conv_id)
                    )
            elif kind == "resume":
                assert conv_id is not None
                after = int_field(frame, "after_seq")
                if after is None or after < 0:
                    await errors.error("invalid_frame", "after_seq must be a non-negative integer")
                else:
                    await feed.resume(conv_id, after)
            elif kind == "typing":
                assert conv_id is not None
                now = time.monotonic()
                if now - last_typing.get(conv_id, 0.0) >= TYPING_EVERY_SECONDS:
                    last_typing[conv_id] = now
                    if await _is_mine(db, principal, conv_id):
                        await get_bus().publish(
                            channels.conversation(conv_id), frames.ChatTyping(type="typing", sender="agent")
                        )
            elif kind == "read":
                assert conv_id is not None
                read_seq = int_field(frame, "seq")
                if read_seq is None:
                    await errors.error("invalid_frame", "seq must be an integer")
                elif await _is_mine(db, principal, conv_id):
                    async with db.transaction() as session:
                        await conversation_service.mark_read(session, conv_id, read_seq, by_agent=True)
                    await get_bus().publish(
                        channels.conversation(conv_id),
                        frames.ChatRead(type="read", sender="agent", seq=read_seq),
                    )
                else:
                    await errors.error("not_assigned", "this conversation is not assigned to you")
            elif not await errors.error("unknown_type", f"unknown frame type {kind!r}"):
                return
        except KefuError as exc:
            await errors.refused(exc, client_id=cid if kind == "message" else None)
        except Exception as exc:  # one bad frame never ends the connection handler
            log.exception("agent.frame_failed", user_id=principal.id, error=repr(exc))
            await errors.refused(exc, client_id=cid if kind == "message" else None)


async def _is_mine(db: Database, principal: Principal, conv_id: int) -> bool:
    async with db.transaction() as session:
        conv = await conversation_service.get(session, conv_id)
    return (
        conv is not None and conv.status == ConversationStatus.ASSIGNED and conv.assignee_id == principal.id
    )
