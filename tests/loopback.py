"""A real HTTP server on loopback for channel tests (fake WeChat platform, webhook
receivers): an ASGI app run by uvicorn in the test's event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from tests.conftest import free_port

Handler = Callable[[str, dict[str, str], dict[str, str], bytes], Awaitable[tuple[int, Any]]]


class Loopback:
    """Records every request; `handler(path, query, headers, body)` answers (status, JSON)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[dict[str, Any]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        from urllib.parse import parse_qsl

        query = dict(parse_qsl(scope["query_string"].decode()))
        self.requests.append({"path": scope["path"], "query": query, "headers": headers, "body": body})
        status, payload = await self.handler(scope["path"], query, headers, body)
        data = json.dumps(payload, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": data})


@asynccontextmanager
async def serve(app: Loopback) -> AsyncIterator[Loopback]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=app.port, log_level="error", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    try:
        yield app
    finally:
        server.should_exit = True
        await task
