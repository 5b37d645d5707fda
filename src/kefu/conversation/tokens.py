"""Widget session tokens: signed (conversation, customer) pairs, no database lookup needed."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_AGE_SECONDS = 30 * 86400


@dataclass(frozen=True)
class ChatTicket:
    conversation_id: int
    customer_id: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="kefu.widget-session")


def issue(secret: str, conversation_id: int, customer_id: int) -> str:
    return _serializer(secret).dumps([conversation_id, customer_id])


def verify(secret: str, token: str) -> ChatTicket | None:
    try:
        value = _serializer(secret).loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    return ChatTicket(conversation_id=value[0], customer_id=value[1])
