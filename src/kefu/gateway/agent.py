"""The agent socket `/ws/agent?token=`: everything a staff member's screen must hear."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from kefu.auth.service import auth_service
from kefu.authz import Perm, Principal
from kefu.errors import KefuError
from kefu.gateway.common import (
    CLOSE_FORBIDDEN_ORIGIN,
    CLOSE_UNAUTHORIZED,
    origin_allowed,
    parse_frame,
    relay,
    run_until_first_done,
    send_json,
)
from kefu.kit.db import Database
from kefu.kit.realtime import Bus
from kefu.middleware import WS_CONNECTIONS

router = APIRouter()


async def _authenticate(db: Database, token: str) -> Principal | None:
    try:
        async with db.transaction() as session:
            principal = await auth_service.principal_from_token(session, token)
    except KefuError:
        return None
    return principal if principal.is_staff else None


@router.websocket("/ws/agent")
async def agent_socket(ws: WebSocket, token: str = "") -> None:
    app = ws.app
    if not origin_allowed(ws, app.state.settings.allowed_origins):
        await ws.close(code=CLOSE_FORBIDDEN_ORIGIN)
        return
    principal = await _authenticate(app.state.db, token) if token else None
    if principal is None:
        await ws.close(code=CLOSE_UNAUTHORIZED)
        return
    await ws.accept()
    bus: Bus = app.state.bus
    channels = [
        "staff",
        f"user:{principal.id}",
        *(f"group:{g}" for g in sorted(principal.group_ids)),
    ]
    if principal.can(Perm.REPORTS_READ):
        channels.append("supervisors")  # escalations raised by triggers
    sub = await bus.subscribe(*channels)
    WS_CONNECTIONS.labels("agent").inc()
    try:
        await send_json(ws, {"type": "hello", "user_id": principal.id, "name": principal.name})
        await run_until_first_done(relay(ws, sub), _receive(ws, principal))
    finally:
        WS_CONNECTIONS.labels("agent").dec()
        await bus.unsubscribe(sub)


async def _receive(ws: WebSocket, principal: Principal) -> None:
    while True:
        try:
            text = await ws.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return
        frame = parse_frame(text)
        if isinstance(frame, str):
            await send_json(ws, {"type": "error", "code": frame})
            continue
        kind = frame["type"]
        if kind == "ping":
            await send_json(ws, {"type": "pong"})
        elif kind == "presence" and frame.get("status") in {"online", "away", "offline"}:
            await send_json(ws, {"type": "presence", "status": frame["status"]})
        else:
            await send_json(ws, {"type": "error", "code": "unknown_type"})
