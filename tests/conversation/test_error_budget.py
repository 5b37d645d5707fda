"""A socket that sends nothing but bad frames is closed after MAX_ERRORS error frames; the
server's own refusals (`overloaded` while the database is busy, `internal_error`) do not
count against the client, so a customer retrying through a busy minute stays connected."""

from __future__ import annotations

import json
import warnings

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

with warnings.catch_warnings():  # Starlette asks for httpx2 on import; httpx does the job here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from kefu.errors import Conflict, Overloaded
from kefu.gateway.common import CLOSE_TOO_MANY_ERRORS, MAX_ERRORS, ErrorBudget

# What the handler raises for each frame: the server's failures and a client's mistake.
RAISED = {
    "overloaded": Overloaded("服务繁忙，请稍后重试 / the server is busy, retry shortly"),
    "internal_error": RuntimeError("a bug"),
    "conflict": Conflict("会话已关闭 / the conversation is closed"),
}


async def _echo_errors(ws: WebSocket) -> None:
    """Answers each frame {"code"} as the chat socket answers a frame its handler refused."""
    await ws.accept()
    errors = ErrorBudget(ws)
    while True:
        try:
            frame = json.loads(await ws.receive_text())
        except WebSocketDisconnect:
            return
        await errors.refused(RAISED[frame["code"]], client_id=None)
        if errors.left <= 0:
            return


def _client() -> TestClient:
    return TestClient(Starlette(routes=[WebSocketRoute("/ws", _echo_errors)]))


def test_the_servers_refusals_never_close_the_socket() -> None:
    with _client().websocket_connect("/ws") as ws:
        for _ in range(MAX_ERRORS * 3):
            ws.send_text(json.dumps({"code": "overloaded"}))
            assert json.loads(ws.receive_text())["code"] == "overloaded"
        ws.send_text(json.dumps({"code": "internal_error"}))
        assert json.loads(ws.receive_text())["code"] == "internal_error"
        # Still open, and still counting the client's own mistakes from the full budget.
        for _ in range(MAX_ERRORS - 1):
            ws.send_text(json.dumps({"code": "conflict"}))
            assert json.loads(ws.receive_text())["code"] == "conflict"


def test_a_client_sending_only_bad_frames_is_closed() -> None:
    with _client().websocket_connect("/ws") as ws:
        for _ in range(MAX_ERRORS):
            ws.send_text(json.dumps({"code": "conflict"}))
            assert json.loads(ws.receive_text())["code"] == "conflict"
        assert ws.receive()["code"] == CLOSE_TOO_MANY_ERRORS
