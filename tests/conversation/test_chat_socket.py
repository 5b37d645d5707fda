"""The chat protocol against a real `kefu serve` (SQLite and PostgreSQL): acks after commit,
idempotent client ids, resume after a forced disconnect, hand-off to an online agent, the
agent's reply reaching the customer, and bad frames answered without killing the socket."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
import websockets.exceptions  # a lazy submodule: imported by name, not by attribute access

from tests.conftest import LiveServer, free_port, fresh_pg_database, quick_demo, run_cli

Frame = dict[str, Any]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if request.param == "sqlite":
        copy = quick_demo(tmp_path_factory.mktemp("chat"), tmp_path_factory.getbasetemp())
        yield from _server("sqlite", copy)
        return
    with fresh_pg_database() as url:  # the worker's shared database holds other modules' chats
        data = str(tmp_path_factory.mktemp("data"))
        yield from _server("postgresql", {"KEFU_DATABASE_URL": url, "KEFU_DATA_DIR": data})


def _server(backend: str, where: dict[str, str]) -> Iterator[LiveServer]:
    env = {
        **where,
        "KEFU_RATE_LIMIT": "off",
        "KEFU_ANONYMOUS_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
    }
    if backend != "sqlite":
        assert run_cli("demo", env=env).returncode == 0
    live = LiveServer(env, free_port())
    try:
        yield live
    finally:
        live.stop()


_buffers: dict[int, list[Frame]] = {}


async def recv(ws: websockets.ClientConnection, kind: str, timeout: float = 10, **match: Any) -> Frame:
    """The next frame of this kind (others stay buffered for later calls)."""
    buf = _buffers.setdefault(id(ws), [])

    def matches(frame: Frame) -> bool:
        return frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items())

    for i, frame in enumerate(buf):
        if matches(frame):
            return buf.pop(i)
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if matches(frame):
                return dict(frame)
            buf.append(frame)


async def drain(ws: websockets.ClientConnection, seconds: float = 0.5) -> list[Frame]:
    """Buffered frames plus whatever arrives within `seconds`."""
    frames = _buffers.pop(id(ws), [])
    try:
        async with asyncio.timeout(seconds):
            while True:
                frames.append(json.loads(await ws.recv()))
    except TimeoutError:
        return frames


async def widget_session(server: LiveServer, **fields: Any) -> tuple[str, int]:
    # The first session loads the bot's model: slack for a loaded machine.
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        r = await http.post("/api/v1/widget/sessions", json=fields)
    assert r.status_code == 201, r.text
    body = r.json()
    return body["session_token"], body["conversation_id"]


async def staff_token(server: LiveServer, email: str) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:
        r = await http.post("/api/v1/auth/token", json={"email": email, "password": "kefu-demo"})
    r.raise_for_status()
    return str(r.json()["access_token"])


async def say(ws: websockets.ClientConnection, text: str, client_id: str | None = None) -> Frame:
    cid = client_id or str(uuid.uuid4())
    await ws.send(json.dumps({"type": "message", "client_id": cid, "text": text}))
    return await recv(ws, "ack", client_id=cid)


class TestCustomerSocket:
    async def test_greeting_ack_and_bot_reply(self, server: LiveServer) -> None:
        token, conv_id = await widget_session(server, name="陈晨")
        async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as ws:
            hello = await recv(ws, "hello")
            assert hello["conversation_id"] == conv_id and hello["status"] == "bot"
            assert hello["last_seq"] == 1  # the bot's greeting
            ack = await say(ws, "请问怎么退货？")
            assert ack["seq"] == 2
            own = await recv(ws, "message", seq=2)
            assert own["sender"] == "customer" and own["text"] == "请问怎么退货？"
            bot = await recv(ws, "message", seq=3)
            # The demo bot's return answer: how to apply, or the 7-day policy.
            assert bot["sender"] == "bot" and ("申请售后" in bot["text"] or "7 天" in bot["text"]), bot

    async def test_an_open_socket_closes_as_soon_as_its_session_is_revoked(self, server: LiveServer) -> None:
        """Revocation is pushed to the open sockets, which re-read their own token then; it
        used to wait for the socket's next frame after a minute."""
        token, _conv_id = await widget_session(server, name="周舟")
        async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as ws:
            await recv(ws, "hello")
            async with httpx.AsyncClient(base_url=server.url) as http:
                r = await http.delete(
                    "/api/v1/widget/sessions/current", headers={"Authorization": f"Bearer {token}"}
                )
                assert r.status_code == 204
            await asyncio.wait_for(ws.wait_closed(), timeout=15)
            assert ws.close_code == 4401

    async def test_repeated_client_id_is_acked_with_the_same_seq_and_stored_once(
        self, server: LiveServer
    ) -> None:
        token, _ = await widget_session(server)
        async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as ws:
            await recv(ws, "hello")
            first = await say(ws, "发货要多久", client_id="same-id-1")
            second = await say(ws, "发货要多久", client_id="same-id-1")
            assert first["seq"] == second["seq"]
        async with httpx.AsyncClient(base_url=server.url) as http:
            r = await http.get("/api/v1/widget/messages", headers={"Authorization": f"Bearer {token}"})
        texts = [m["text"] for m in r.json()["items"] if m["sender"] == "customer"]
        assert texts == ["发货要多久"]

    async def test_resume_after_a_forced_disconnect_returns_exactly_the_missed_messages(
        self, server: LiveServer
    ) -> None:
        token, _ = await widget_session(server)
        async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as ws:
            await recv(ws, "hello")
            await say(ws, "营业时间是几点")
            seen = (await recv(ws, "message", seq=3))["seq"]  # the bot's answer
        # Offline, more happens: two customer messages through REST, each answered by the bot.
        async with httpx.AsyncClient(base_url=server.url) as http:
            for text in ("保修多久", "发票怎么开"):
                r = await http.post(
                    "/api/v1/widget/messages",
                    json={"client_id": str(uuid.uuid4()), "text": text},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert r.status_code == 200
        async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as ws:
            hello = await recv(ws, "hello")
            assert hello["last_seq"] == seen + 4
            await ws.send(json.dumps({"type": "resume", "after_seq": seen}))
            frames = [f for f in await drain(ws, 5.0) if f["type"] == "message"]  # slack: loaded box
            assert [f["seq"] for f in frames] == [seen + 1, seen + 2, seen + 3, seen + 4]
            assert [f["sender"] for f in frames] == ["customer", "bot", "customer", "bot"]

    async def test_bad_frames_get_error_frames_and_the_socket_keeps_working(self, server: LiveServer) -> None:
        token, _ = await widget_session(server)
        async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as ws:
            await recv(ws, "hello")
            await ws.send("not json")
            assert (await recv(ws, "error"))["code"] == "invalid_json"
            await ws.send(json.dumps({"type": "dance"}))
            assert (await recv(ws, "error"))["code"] == "unknown_type"
            too_long = {"type": "message", "client_id": "x", "text": "长" * 4001}
            await ws.send(json.dumps(too_long, ensure_ascii=False))
            assert (await recv(ws, "error"))["code"] == "text_too_long"
            await ws.send(json.dumps({**too_long, "text": "x" * 20_000}))
            assert (await recv(ws, "error"))["code"] == "frame_too_large"
            await ws.send(json.dumps({"type": "message", "client_id": "x", "text": "   "}))
            assert (await recv(ws, "error"))["code"] == "empty_text"
            await ws.send(json.dumps({"type": "resume", "after_seq": 999}))
            assert (await recv(ws, "error"))["code"] == "future_seq"
            await ws.send(json.dumps({"type": "ping"}))
            await recv(ws, "pong")
            assert (await say(ws, "还在吗"))["seq"] >= 2

    async def test_bad_tokens_and_foreign_origins_are_refused(self, server: LiveServer) -> None:
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(f"{server.ws_url}/ws/chat?token=forged"):
                pass
        token, _ = await widget_session(server)
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(
                f"{server.ws_url}/ws/chat?token={token}", origin=websockets.Origin("https://evil.example")
            ):
                pass


class TestHandoffToAgent:
    async def test_customer_asks_for_a_human_agent_gets_it_replies_and_customer_sees_it(
        self, server: LiveServer
    ) -> None:
        agent_token = await staff_token(server, "agent1@kefu.demo")
        async with websockets.connect(f"{server.ws_url}/ws/agent?token={agent_token}") as agent:
            await recv(agent, "hello")
            await agent.send(json.dumps({"type": "presence", "status": "online"}))
            await recv(agent, "presence", status="online")
            token, conv_id = await widget_session(server, name="周杰", email="zhoujie@example.cn")
            async with websockets.connect(f"{server.ws_url}/ws/chat?token={token}") as customer:
                await recv(customer, "hello")
                await say(customer, "我的耳机左边没声音")
                await say(customer, "转人工")
                assigned = await recv(agent, "assigned", timeout=15, conversation_id=conv_id)
                assert assigned["ticket_id"] is not None
                assert assigned["reason"]["rule"] in {"least_loaded", "sticky_owner"}
                notice = await recv(customer, "assigned", timeout=15)
                assert notice["agent_name"] == "李小青"

                # Another agent cannot write into it; the assignee can.
                other = await staff_token(server, "agent2@kefu.demo")
                async with websockets.connect(f"{server.ws_url}/ws/agent?token={other}") as intruder:
                    await recv(intruder, "hello")
                    await intruder.send(
                        json.dumps(
                            {"type": "message", "conversation_id": conv_id, "client_id": "i1", "text": "hi"}
                        )
                    )
                    assert (await recv(intruder, "error"))["code"] == "not_assigned"
                    await intruder.send(json.dumps({"type": "message", "conversation_id": "x"}))
                    assert (await recv(intruder, "error"))["code"] == "invalid_frame"

                await agent.send(
                    json.dumps(
                        {
                            "type": "message",
                            "conversation_id": conv_id,
                            "client_id": "a1",
                            "text": "您好，请问耳机型号？",
                        }
                    )
                )
                ack = await recv(agent, "ack", client_id="a1")
                assert ack["conversation_id"] == conv_id
                reply = await recv(customer, "message", sender="agent")
                assert reply["text"] == "您好，请问耳机型号？" and reply["seq"] == ack["seq"]
                # Internal notes never reach the customer.
                await agent.send(
                    json.dumps(
                        {
                            "type": "message",
                            "conversation_id": conv_id,
                            "client_id": "n1",
                            "text": "老客户，优先处理",
                            "internal": True,
                        }
                    )
                )
                await recv(agent, "ack", client_id="n1")
                await say(customer, "Buds 2")
                got = await recv(agent, "message", conversation_id=conv_id, sender="customer", text="Buds 2")
                assert got["seq"] == ack["seq"] + 2
                frames = await drain(customer, 0.5)
                assert all("老客户" not in json.dumps(f, ensure_ascii=False) for f in frames)

        async with httpx.AsyncClient(base_url=server.url) as http:
            r = await http.get(
                f"/api/v1/conversations/{conv_id}", headers={"Authorization": f"Bearer {agent_token}"}
            )
            detail = r.json()
            assert detail["status"] == "assigned" and detail["assign_reason"]["capacity"] == 5
            ticket = await http.get(
                f"/api/v1/tickets/{detail['ticket_id']}", headers={"Authorization": f"Bearer {agent_token}"}
            )
            # The ticket follows the conversation: same agent, first reply recorded (SLA).
            assert ticket.json()["assignee_id"] == detail["assignee_id"]
            assert ticket.json()["status"] == "open"
