"""Webhook signatures (pure): HMAC-SHA256 over "<timestamp>.<body>".

Receivers recompute the HMAC with their secret and compare in constant time; the timestamp
in the signed string lets them refuse replays older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, timestamp, body), header)
