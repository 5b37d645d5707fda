"""Shared WebSocket plumbing: handshake checks, JSON frames, bus relay."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlparse

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from kefu.kit.realtime import RESYNC, Subscription

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


async def send_json(ws: WebSocket, data: dict[str, Any]) -> bool:
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


async def relay(ws: WebSocket, sub: Subscription) -> None:
    """Forward bus messages to the socket until it closes."""
    async for message in sub:
        payload = {"type": "resync"} if message is RESYNC else message
        if not await send_json(ws, payload):
            return


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
