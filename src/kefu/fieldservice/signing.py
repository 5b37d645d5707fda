"""Partner API signatures (pure): HMAC-SHA256 over "<timestamp>.<nonce>.<METHOD>.<path>.<body>"
with the partner's secret, hex, sent as X-Kefu-Signature with X-Kefu-Key, X-Kefu-Timestamp and
X-Kefu-Nonce. The timestamp bounds a replay to a short window and the stored nonce refuses
a replay inside it."""

from __future__ import annotations

import hashlib
import hmac

WINDOW_SECONDS = 300


def sign(secret: str, timestamp: int, nonce: str, method: str, path: str, body: bytes) -> str:
    head = f"{timestamp}.{nonce}.{method.upper()}.{path}.".encode()
    return hmac.new(secret.encode(), head + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int, nonce: str, method: str, path: str, body: bytes, given: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, nonce, method, path, body), given.strip().lower())


def fresh(timestamp: int, now: float) -> bool:
    return abs(now - timestamp) <= WINDOW_SECONDS
