"""Signed links in messages, keyed by the secret key (itsdangerous): the one-click unsubscribe
(never expires: an old mail's link must still work; it may name the channel and the message,
so "stop SMS" keeps email, and the journey's figures count it), the open pixel and tracked
links (a send id and the original URL). Ids are not guessable without the key."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from kefu.config import current_settings
from kefu.errors import NotFound

SALT = "kefu.outreach.unsubscribe"
PATH = "/outreach/unsubscribe/"
CLICK_SALT = "kefu.outreach.click"
OPEN_SALT = "kefu.outreach.open"
CLICK_PATH = "/o/c/"
OPEN_PATH = "/o/o/"


def _serializer(salt: str = SALT) -> URLSafeSerializer:
    return URLSafeSerializer(current_settings().secret_key, salt=salt)


def _base() -> str:
    return current_settings().public_url.rstrip("/")


@dataclass(frozen=True)
class Unsubscribe:
    customer_id: int
    channel: str | None = None  # None: every channel (links from before per-channel opt-outs)
    send_id: int | None = None


def unsubscribe_token(customer_id: int, *, channel: str | None = None, send_id: int | None = None) -> str:
    data: dict[str, object] = {"c": customer_id}
    if channel:
        data["ch"] = channel
    if send_id:
        data["s"] = send_id
    return str(_serializer().dumps(data))


def unsubscribe_url(customer_id: int, *, channel: str | None = None, send_id: int | None = None) -> str:
    return _base() + PATH + unsubscribe_token(customer_id, channel=channel, send_id=send_id)


def is_unsubscribe_url(url: str) -> bool:
    return url.startswith(_base() + PATH)


def unsubscribe_of(token: str) -> Unsubscribe:
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise NotFound("invalid unsubscribe link", code="bad_link") from exc
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise NotFound("invalid unsubscribe link", code="bad_link")
    channel = data.get("ch") if isinstance(data.get("ch"), str) else None
    send = data.get("s") if isinstance(data.get("s"), int) else None
    return Unsubscribe(int(data["c"]), channel, send)


def customer_of(token: str) -> int:
    return unsubscribe_of(token).customer_id


# --- tracking ------------------------------------------------------------------------------
def click_url(send_id: int, url: str) -> str:
    return _base() + CLICK_PATH + str(_serializer(CLICK_SALT).dumps({"s": send_id, "u": url}))


def open_url(send_id: int) -> str:
    return _base() + OPEN_PATH + str(_serializer(OPEN_SALT).dumps({"s": send_id})) + ".gif"


def click_of(token: str) -> tuple[int, str]:
    try:
        data = _serializer(CLICK_SALT).loads(token)
    except BadSignature as exc:
        raise NotFound("invalid link", code="bad_link") from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("u"), str):
        raise NotFound("invalid link", code="bad_link")
    return int(data["s"]), str(data["u"])


def open_of(token: str) -> int:
    try:
        data = _serializer(OPEN_SALT).loads(token.removesuffix(".gif"))
    except BadSignature as exc:
        raise NotFound("invalid link", code="bad_link") from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise NotFound("invalid link", code="bad_link")
    return int(data["s"])
