"""The physical reference for bench/chat_load.py: a bare ASGI WebSocket server that answers
every chat frame with an ack and a "bot" reply at once (no database, no bus, no auth).

Run: python bench/support/chat_echo_server.py PORT (bench/chat_load.py starts it)
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})
        return
    seq = 0
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"type": "hello", "last_seq": 0})})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        frame = json.loads(message.get("text") or "{}")
        if frame.get("type") != "message":
            continue
        seq += 1
        await send(
            {
                "type": "websocket.send",
                "text": json.dumps({"type": "ack", "client_id": frame["client_id"], "seq": seq}),
            }
        )
        await send(
            {
                "type": "websocket.send",
                "text": json.dumps(
                    {"type": "message", "seq": seq, "sender": "customer", "text": frame["text"]}
                ),
            }
        )
        seq += 1
        await send(
            {
                "type": "websocket.send",
                "text": json.dumps({"type": "message", "seq": seq, "sender": "bot", "text": "echo"}),
            }
        )


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", backlog=4096)
