"""Cluster mode: two `kefu serve` processes sharing PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
import websockets
import websockets.exceptions  # a lazy submodule: imported by name, not by attribute access

from tests.conftest import REDIS_URL, LiveServer, free_port, fresh_pg_database, need_redis, run_cli


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[LiveServer, LiveServer, dict[str, str]]]:
    need_redis()
    with fresh_pg_database() as url:  # the worker's shared database holds other modules' chats
        yield from _cluster(url)


def _cluster(pg_url: str) -> Iterator[tuple[LiveServer, LiveServer, dict[str, str]]]:
    env = {
        "KEFU_DATABASE_URL": pg_url,
        "KEFU_REDIS_URL": REDIS_URL,
        "KEFU_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
    }
    assert run_cli("demo", env=env).returncode == 0
    a = LiveServer(env, free_port())
    try:
        b = LiveServer(env, free_port())
    except Exception:
        a.stop()
        raise
    try:
        yield a, b, env
    finally:
        a.stop()
        b.stop()


def _token(server: LiveServer, email: str) -> str:
    r = httpx.post(f"{server.url}/api/v1/auth/token", json={"email": email, "password": "kefu-demo"})
    r.raise_for_status()
    return str(r.json()["access_token"])


async def _recv(ws: websockets.ClientConnection, kind: str, timeout: float = 10) -> dict[str, object]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return dict(frame)


class TestCrossProcessDelivery:
    async def test_event_published_on_one_process_reaches_a_socket_on_the_other(
        self, cluster: tuple[LiveServer, LiveServer, dict[str, str]]
    ) -> None:
        a, b, _env = cluster
        agent_token = _token(b, "agent1@kefu.demo")
        supervisor_token = _token(a, "supervisor@kefu.demo")
        async with websockets.connect(f"{b.ws_url}/ws/agent?token={agent_token}") as ws:
            assert (await _recv(ws, "hello"))["name"] == "李小青"
            async with httpx.AsyncClient() as http:
                r = await http.post(
                    f"{a.url}/api/v1/announcements",
                    json={"text": "今晚 20:00 系统维护，请提前保存工作"},
                    headers={"Authorization": f"Bearer {supervisor_token}"},
                )
            assert r.status_code == 201
            got = await _recv(ws, "announcement")
            assert got["text"] == "今晚 20:00 系统维护，请提前保存工作"
            assert got["author_name"] == "王主管"

    async def test_socket_refuses_bad_tokens_and_foreign_origins(
        self, cluster: tuple[LiveServer, LiveServer, dict[str, str]]
    ) -> None:
        a, _b, _env = cluster
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(f"{a.ws_url}/ws/agent?token=kf_nope"):
                pass
        token = _token(a, "agent1@kefu.demo")
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(
                f"{a.ws_url}/ws/agent?token={token}",
                origin=websockets.Origin("https://evil.example"),
            ):
                pass

    async def test_bad_frames_get_error_frames_and_the_socket_lives_on(
        self, cluster: tuple[LiveServer, LiveServer, dict[str, str]]
    ) -> None:
        a, _b, _env = cluster
        token = _token(a, "agent1@kefu.demo")
        async with websockets.connect(f"{a.ws_url}/ws/agent?token={token}") as ws:
            await _recv(ws, "hello")
            await ws.send("not json")
            assert (await _recv(ws, "error"))["code"] == "invalid_json"
            await ws.send(json.dumps({"type": "teleport"}))
            assert (await _recv(ws, "error"))["code"] == "unknown_type"
            await ws.send(json.dumps({"type": "ping"}))
            await _recv(ws, "pong")


class TestEscalationFanOut:
    async def test_trigger_escalation_reaches_a_supervisor_socket_on_another_process(
        self, cluster: tuple[LiveServer, LiveServer, dict[str, str]]
    ) -> None:
        a, b, _env = cluster
        admin = _token(a, "admin@kefu.demo")
        supervisor = _token(b, "supervisor@kefu.demo")
        async with httpx.AsyncClient(base_url=a.url, headers={"Authorization": f"Bearer {admin}"}) as http:
            r = await http.post(
                "/api/v1/triggers",
                json={
                    "name": "集群测试升级",
                    "on": "created",
                    "conditions": [{"field": "subject", "op": "starts_with", "value": "集群"}],
                    "actions": [{"action": "notify_supervisors"}],
                },
            )
            assert r.status_code == 201, r.text
            async with websockets.connect(f"{b.ws_url}/ws/agent?token={supervisor}") as ws:
                await _recv(ws, "hello")
                r = await http.post("/api/v1/tickets", json={"subject": "集群工单", "channel": "web"})
                assert r.status_code == 201
                got = await _recv(ws, "escalation", timeout=20)
                assert got["ticket_id"] == r.json()["id"] and got["trigger"] == "集群测试升级"
