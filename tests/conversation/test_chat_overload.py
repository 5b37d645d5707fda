"""The customer socket when the process has no database connection free in time (PostgreSQL,
one pooled connection, no queue): a refused message gets an `overloaded` error frame with
its client id, never `internal_error`; sent again with the same client id it is acked and
stored once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import LiveServer, free_port, fresh_pg_database

pytestmark = pytest.mark.pg
SOCKETS = 12
# Clients wait before trying again (Retry-After: 1 in earnest; shorter here). Each refused
# handshake is one error line in uvicorn's log (it logs a denial response as a handshake not
# completed), and the test server's output pipe is not read: thousands would fill it.
AGAIN_SECONDS = 0.25


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with fresh_pg_database() as url:  # migrated, no demo: a bare install answers chats too
        env = {
            "KEFU_DATABASE_URL": url,
            "KEFU_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            "KEFU_RATE_LIMIT": "off",
            "KEFU_ANONYMOUS_RATE_LIMIT": "off",
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_DB_POOL_SIZE": "1",
            "KEFU_DB_MAX_OVERFLOW": "2",
            "KEFU_DB_QUEUE_MAX": "0",  # a unit that finds the slot taken is refused at once
        }
        live = LiveServer(env, free_port())
        try:
            yield live
        finally:
            live.stop()


async def open_session(http: httpx.AsyncClient) -> str:
    for _ in range(100):  # refused too (503 overloaded) while the others' units run
        r = await http.post("/api/v1/widget/sessions", json={})
        if r.status_code == 201:
            return str(r.json()["session_token"])
        assert r.status_code == 503 and r.json()["error"]["code"] == "overloaded", r.text
        assert r.headers["retry-after"] == "1"
        await asyncio.sleep(0.05)
    raise AssertionError("no widget session")


async def connect(server: LiveServer, token: str) -> websockets.ClientConnection:
    """The handshake's own reads may be refused too: HTTP 503, try again."""
    for _ in range(100):
        try:
            return await websockets.connect(f"{server.ws_url}/ws/chat?token={token}", open_timeout=120)
        except websockets.InvalidStatus as refused:
            assert refused.response.status_code == 503
            await asyncio.sleep(AGAIN_SECONDS)
    raise AssertionError("no socket")


async def chat(server: LiveServer, token: str, refusals: list[dict[str, Any]]) -> dict[str, int]:
    """Send one message, again (same client id) each time it is refused; its ack seqs."""
    cid = str(uuid.uuid4())
    acks: dict[str, int] = {}
    async with await connect(server, token) as ws:
        for _ in range(200):
            await ws.send(json.dumps({"type": "message", "client_id": cid, "text": "在吗"}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if frame["type"] == "ack" and frame["client_id"] == cid:
                    acks[cid] = frame["seq"]
                    return acks
                if frame["type"] == "error":
                    refusals.append(frame)
                    break
            await asyncio.sleep(AGAIN_SECONDS)
    return acks


class TestRefusedMessages:
    async def test_are_answered_overloaded_and_stored_once_when_sent_again(self, server: LiveServer) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            tokens = [await open_session(http) for _ in range(SOCKETS + 1)]
        refusals: list[dict[str, Any]] = []
        # One chat alone first: the first message loads the bot's models (seconds, on a
        # loaded machine), which is not what this test is about.
        await chat(server, tokens.pop(), refusals)
        refusals.clear()
        rounds = 0
        while not refusals and rounds < 10:  # a loaded machine may spread one round out
            rounds += 1
            acked = await asyncio.gather(*(chat(server, t, refusals) for t in tokens))
            assert all(len(a) == 1 for a in acked)  # every message acked in the end
        assert {f["code"] for f in refusals} <= {"overloaded"}, refusals
        assert all("client_id" in f for f in refusals)
        assert refusals, "12 messages at once on one connection, 10 times: some must be refused"
        # Stored once each: the resumed history holds the one customer line.
        for token in tokens[:5]:
            async with await connect(server, token) as ws:
                await ws.send(json.dumps({"type": "resume", "after_seq": 0}))
                lines: list[dict[str, Any]] = []
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    if frame["type"] == "resumed":
                        break
                    if frame["type"] == "message" and frame["sender"] == "customer":
                        lines.append(frame)
            assert [m["text"] for m in lines] == ["在吗"] * rounds
