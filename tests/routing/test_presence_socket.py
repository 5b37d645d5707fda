"""Presence against a real `kefu serve` (SQLite and PostgreSQL), with a short grace period:
closing the agent's socket and opening another keeps them online and routed; with no
socket past the grace period they become away and a waiting chat is not given to them;
their next socket makes them online again and the chat reaches them. `GET /api/v1/agents`
lists every demo agent, offline ones and their last seen included."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import LiveServer, free_port, fresh_pg_database, quick_demo, run_cli
from tests.conversation.test_chat_socket import recv, say, staff_token

GRACE = 2


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # PostgreSQL: a database of its own, not the session's, where an earlier module's
    # server may have left the demo agents online.
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            where = quick_demo(tmp_path_factory.mktemp("presence"), tmp_path_factory.getbasetemp())
        else:
            where = {
                "KEFU_DATABASE_URL": stack.enter_context(fresh_pg_database()),
                "KEFU_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            }
        env = {
            **where,
            "KEFU_RATE_LIMIT": "off",
            "KEFU_ANONYMOUS_RATE_LIMIT": "off",
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_DEMO_HISTORY_DAYS": "0",
            "KEFU_PRESENCE_GRACE_SECONDS": str(GRACE),
            "KEFU_PRESENCE_HEARTBEAT_SECONDS": "0.5",
        }
        if request.param != "sqlite":
            assert run_cli("demo", env=env).returncode == 0
        live = LiveServer(env, free_port())
        try:
            yield live
        finally:
            live.stop()


async def widget_session(server: LiveServer, **fields: Any) -> tuple[str, int]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:  # a loaded machine
        r = await http.post("/api/v1/widget/sessions", json=fields)
    assert r.status_code == 201, r.text
    return r.json()["session_token"], r.json()["conversation_id"]


async def get(server: LiveServer, path: str, token: str) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        r = await http.get(path, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


async def wait_for_chosen(server: LiveServer, token: str, status: str, seconds: float = 40) -> dict[str, Any]:
    """The presence sweep runs every 10 s on a loaded machine: poll with slack."""
    for _ in range(int(seconds * 2)):
        me: dict[str, Any] = await get(server, "/api/v1/agents/me", token)
        if me["chosen_status"] == status:
            return me
        await asyncio.sleep(0.5)
    raise AssertionError(f"still {me['chosen_status']!r}, expected {status!r}")


class TestPresenceOverSockets:
    async def test_page_changes_keep_presence_absence_makes_away_and_coming_back_gets_the_chat(
        self, server: LiveServer
    ) -> None:
        agent = await staff_token(server, "agent1@kefu.demo")
        supervisor = await staff_token(server, "supervisor@kefu.demo")
        url = f"{server.ws_url}/ws/agent?token={agent}"
        async with websockets.connect(url) as ws:
            assert (await recv(ws, "hello"))["status"] == "offline"
            await ws.send(json.dumps({"type": "presence", "status": "online"}))
            await recv(ws, "presence", status="online")
        # A page change: the socket closed, another opens (a light one), longer than a beat.
        await asyncio.sleep(1)
        async with websockets.connect(f"{url}&feed=presence") as ws:
            assert (await recv(ws, "hello"))["status"] == "online"
            await asyncio.sleep(GRACE + 1)  # heartbeats keep the agent present meanwhile
            assert (await get(server, "/api/v1/agents/me", agent))["status"] == "online"

        # No socket at all past the grace period: away, and not routed.
        me = await wait_for_chosen(server, agent, "away")
        assert me["status"] == "away" and me["last_seen_at"] is not None
        token, conv_id = await widget_session(server, name="孙丽", email="sunli@example.cn")
        async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as customer:
            await recv(customer, "hello")
            await say(customer, "转人工")
            await asyncio.sleep(2)
            conv = await get(server, f"/api/v1/conversations/{conv_id}", supervisor)
            assert conv["status"] == "queued" and conv["assignee_id"] is None

            # Back: the next socket makes the agent online again, and the chat reaches them.
            async with websockets.connect(url) as ws:
                assert (await recv(ws, "hello"))["status"] == "online"
                assigned = await recv(ws, "assigned", timeout=20, conversation_id=conv_id)
                assert assigned["ticket_id"] is not None

        team = (await get(server, "/api/v1/agents", supervisor))["items"]
        names = {a["name"]: a for a in team}
        assert len(team) >= 5  # every demo agent, not only those who opened /agent
        never = [a for a in team if a["last_seen_at"] is None]
        assert never and all(a["status"] == "offline" for a in never)
        assert any(a["status"] == "offline" for a in names.values())
