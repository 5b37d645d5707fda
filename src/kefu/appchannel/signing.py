"""User identity signatures (pure): the company's server computes
hex(HMAC-SHA256(secret, user_id)) and hands it to its app, so an app can speak only for the
user its server vouched for."""

from __future__ import annotations

import hashlib
import hmac


def user_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def check_user_hash(secret: str, user_id: str, given: str) -> bool:
    return hmac.compare_digest(user_hash(secret, user_id), given.strip().lower())
