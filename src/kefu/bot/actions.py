"""Calling the company's business system for an intent's action (e.g. an order lookup).

The endpoint is configured by a supervisor or admin and its answer is shown to a chat
visitor, so every call passes the SSRF guard (`kit.outbound`): an internal address is reached
only when KEFU_OUTBOUND_ALLOW lists it (the company's ERP on its own network).
Anything but a quick 200 with a JSON object — a timeout, an error status,
garbage, a huge body — returns None: the bot apologises and hands off, nothing hangs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
import structlog

from kefu.bot.policy import IntentSpec
from kefu.config import current_settings
from kefu.kit import outbound

log = structlog.get_logger(__name__)
MAX_BODY = 64 * 1024


async def call(spec: IntentSpec, values: Mapping[str, str]) -> dict[str, str] | None:
    url = spec.url
    for name, value in values.items():  # slot values go into the URL percent-encoded
        url = url.replace("{" + name + "}", quote(value, safe=""))
    try:
        policy = outbound.Policy(current_settings().effective_outbound_allow())
        async with outbound.client(policy, timeout=spec.timeout) as client:
            request = client.build_request(
                spec.method, url, json=dict(values) if spec.method == "POST" else None
            )
            response = await client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    log.warning("bot.action_status", intent=spec.name, status=response.status_code)
                    return None
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BODY:
                        log.warning("bot.action_too_large", intent=spec.name)
                        return None
            finally:
                await response.aclose()
    except (httpx.HTTPError, ValueError) as exc:
        refused = outbound.refused_reason(exc)
        log.warning("bot.action_failed", intent=spec.name, error=refused or repr(exc), refused=bool(refused))
        return None
    return _flatten(body, spec.name)


def _flatten(body: bytes, intent: str) -> dict[str, str] | None:
    try:
        data: Any = json.loads(body)
    except ValueError:
        log.warning("bot.action_garbage", intent=intent)
        return None
    if not isinstance(data, dict):
        return None
    out = {
        str(k): str(v)
        for k, v in data.items()
        if isinstance(v, str | int | float) and not isinstance(v, bool)
    }
    return out or None
