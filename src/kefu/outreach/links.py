"""Signed one-click unsubscribe links: the token names the customer, is keyed by the secret
key (itsdangerous) and never expires (an old mail's link must still work); ids are not
guessable without the key."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from kefu.config import get_settings
from kefu.errors import NotFound

SALT = "kefu.outreach.unsubscribe"
PATH = "/outreach/unsubscribe/"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt=SALT)


def unsubscribe_token(customer_id: int) -> str:
    return str(_serializer().dumps({"c": customer_id}))


def unsubscribe_url(customer_id: int) -> str:
    return get_settings().public_url.rstrip("/") + PATH + unsubscribe_token(customer_id)


def customer_of(token: str) -> int:
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise NotFound("invalid unsubscribe link", code="bad_link") from exc
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise NotFound("invalid unsubscribe link", code="bad_link")
    return int(data["c"])
