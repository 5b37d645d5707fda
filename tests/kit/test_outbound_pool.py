"""Kept-alive outbound connections (kit.outbound.keep_alive, the job worker's run): one
connection serves many deliveries to a host, and the SSRF guard still decides per allow-list."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kefu.kit import outbound
from tests.loopback import serve


class Receiver:
    """A loopback endpoint that notes from which client port (which connection) each request came."""

    def __init__(self) -> None:
        from tests.conftest import free_port

        self.port = free_port()
        self.client_ports: list[int] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.client_ports.append(scope["client"][1])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _post_twice(policy: outbound.Policy, url: str) -> None:
    for _ in range(2):  # a new client each time, as each webhook delivery makes one
        async with outbound.client(policy, timeout=5) as http:
            assert (await http.post(url, content=b"{}")).status_code == 204


class TestKeepAlive:
    async def test_deliveries_inside_the_block_share_one_connection(self) -> None:
        receiver = Receiver()
        async with serve(receiver):  # type: ignore[arg-type]
            policy = outbound.Policy([f"127.0.0.1:{receiver.port}"])
            url = f"http://127.0.0.1:{receiver.port}/hook"
            await _post_twice(policy, url)
            assert len(set(receiver.client_ports)) == 2  # outside: a connection each
            receiver.client_ports.clear()
            async with outbound.keep_alive():
                await _post_twice(policy, url)
            assert len(set(receiver.client_ports)) == 1

    async def test_a_policy_that_refuses_the_host_gets_no_kept_connection(self) -> None:
        receiver = Receiver()
        async with serve(receiver), outbound.keep_alive():  # type: ignore[arg-type]
            url = f"http://127.0.0.1:{receiver.port}/hook"
            await _post_twice(outbound.Policy([f"127.0.0.1:{receiver.port}"]), url)
            async with outbound.client(outbound.Policy(), timeout=5) as http:
                with pytest.raises(httpx.ConnectError) as caught:
                    await http.post(url, content=b"{}")
            assert outbound.refused_reason(caught.value)
            assert len(receiver.client_ports) == 2
