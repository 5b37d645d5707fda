"""Signed quote links: the customer approves or declines a repair quote without signing in.
The token names the order and expires after 7 days (itsdangerous, keyed by the secret key)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from kefu.config import current_settings
from kefu.errors import NotFound

MAX_AGE = 7 * 86400
SALT = "kefu.fieldservice.quote"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_settings().secret_key, salt=SALT)


def quote_token(order_id: int) -> str:
    return str(_serializer().dumps({"o": order_id}))


def quote_link(order_id: int) -> str:
    return f"/service/quote/{quote_token(order_id)}"


def order_of(token: str) -> int:
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except BadSignature as exc:  # expired links are a BadSignature subclass too
        raise NotFound("链接无效或已过期 / invalid or expired link", code="bad_link") from exc
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        raise NotFound("链接无效或已过期 / invalid or expired link", code="bad_link")
    return int(data["o"])
