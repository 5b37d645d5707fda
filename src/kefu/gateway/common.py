"""Shared WebSocket plumbing: handshake checks, JSON frames, running a socket's tasks."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from fastapi import WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from kefu.conversation import frames
from kefu.errors import KefuError, Overloaded

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
MAX_FRAME_CHARS = 16_384


def origin_allowed(ws: WebSocket, allowed: list[str]) -> bool:
    """Browsers always send Origin: it must be this site or an allowed one. Non-browser
    clients (no Origin) authenticate by token alone."""
    origin = ws.headers.get("origin")
    if not origin:
        return True
    host = ws.headers.get("host", "")
    parsed = urlparse(origin)
    return parsed.netloc == host or origin in allowed or "*" in allowed


async def send_json(ws: WebSocket, data: Mapping[str, Any]) -> bool:
    if ws.application_state != WebSocketState.CONNECTED:
        return False
    try:
        await ws.send_text(json.dumps(data, ensure_ascii=False, default=str))
    except (WebSocketDisconnect, RuntimeError, OSError):
        return False
    return True


def parse_frame(text: str) -> dict[str, Any] | str:
    """The frame as a dict, or an error code string."""
    if len(text) > MAX_FRAME_CHARS:
        return "frame_too_large"
    try:
        data = json.loads(text)
    except ValueError:
        return "invalid_json"
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "invalid_frame"
    return data


async def run_until_first_done(*coros: Any) -> None:
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t


CLOSE_TOO_MANY_ERRORS = 4408
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455: the server is overloaded
MAX_ERRORS = 50
SocketEndpoint = Callable[..., Awaitable[None]]


def refused_when_overloaded(endpoint: SocketEndpoint) -> SocketEndpoint:
    """A socket whose database work was refused for want of a free connection
    (kit.admission) outside a message frame (those get an `overloaded` error frame): before
    the handshake is accepted, a 503 in the error envelope with Retry-After; after, close
    1013 (try again later). Otherwise it would surface in the server as an unhandled ASGI
    exception with a traceback per refused socket."""

    @functools.wraps(endpoint)
    async def guarded(ws: WebSocket, *args: Any, **kwargs: Any) -> None:
        try:
            await endpoint(ws, *args, **kwargs)
        except Overloaded as refused:
            if ws.application_state == WebSocketState.CONNECTING:
                body = {"error": {"code": refused.code, "message": refused.message}}
                denial = JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
                with contextlib.suppress(Exception):
                    await ws.send_denial_response(denial)
                    return
            with contextlib.suppress(Exception):
                await ws.close(code=CLOSE_TRY_AGAIN_LATER)

    return guarded


class TokenBucket:
    """Per-connection message rate limit: `rate` per second with bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    @classmethod
    def unlimited(cls) -> TokenBucket:
        """KEFU_RATE_LIMIT=off: never refuses."""
        return cls(float("inf"), 1 << 30)

    def take(self) -> bool:
        if self.rate == float("inf"):
            return True
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class ErrorBudget:
    """Bad frames get error frames; a client that sends nothing else is closed."""

    def __init__(self, ws: WebSocket, limit: int = MAX_ERRORS) -> None:
        self.ws = ws
        self.left = limit

    async def error(
        self, code: str, message: str = "", *, client_id: str | None = None, counts: bool = True
    ) -> bool:
        """Send the error frame (with the refused message's client id, when there is one);
        False once the budget is spent (the socket is closed). The server's own failures
        (`counts=False`: `overloaded`, `internal_error`) are not the client's to pay for: a
        customer retrying through a busy minute must not be closed as a bad client."""
        frame = frames.ErrorFrame(type="error", code=code, message=message or code)
        if client_id is not None:
            frame["client_id"] = client_id
        await send_json(self.ws, frame)
        if not counts:
            return True
        self.left -= 1
        if self.left <= 0:
            with contextlib.suppress(Exception):
                await self.ws.close(code=CLOSE_TOO_MANY_ERRORS)
            return False
        return True

    async def refused(self, exc: Exception, *, client_id: str | None) -> None:
        """A frame the handler could not carry out: a KefuError as its code says (the client's
        mistake, 4xx, spends the budget; the server's, 5xx such as `overloaded`, does not),
        anything else as `internal_error` (logged by the caller)."""
        if isinstance(exc, KefuError):
            await self.error(exc.code, exc.message, client_id=client_id, counts=exc.status_code < 500)
        else:
            await self.error("internal_error", "please retry", client_id=client_id, counts=False)


def int_field(frame: dict[str, Any], key: str) -> int | None:
    value = frame.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def text_field(frame: dict[str, Any], key: str, max_len: int) -> str | None:
    value = frame.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        return None
    return value


async def message_fields(
    frame: dict[str, Any], bucket: TokenBucket, errors: ErrorBudget, max_text: int
) -> tuple[str, str] | None:
    """(client_id, text) of a `message` frame, or None after sending the error frame."""
    cid = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
    if not bucket.take():
        await errors.error("rate_limited", "发送太快了，请稍后 / slow down", client_id=cid)
        return None
    client_id = text_field(frame, "client_id", 64)
    body = frame.get("text")
    if client_id is None:
        await errors.error("invalid_frame", "client_id (1–64 characters) is required")
    elif not isinstance(body, str) or not body.strip():
        await errors.error("empty_text", "text is required", client_id=cid)
    elif len(body) > max_text:
        await errors.error("text_too_long", f"at most {max_text} characters", client_id=cid)
    else:
        return client_id, body
    return None
