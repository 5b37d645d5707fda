"""Widget session tokens: opaque random strings; the server keeps only their hash in a
`widget_sessions` row (see conversation.sessions), so a token cannot be forged with the
secret key, is revoked with its row and lapses after inactivity."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

PREFIX = "kw_"


@dataclass(frozen=True)
class ChatTicket:
    conversation_id: int
    customer_id: int


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def looks_like_token(raw: str) -> bool:
    return raw.startswith(PREFIX) and 20 < len(raw) < 100
