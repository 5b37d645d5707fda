"""Passwords (argon2), opaque tokens stored as hashes, constant-time comparison."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_STANDARD = PasswordHasher()
# Test runs only (Settings.password_hash_cost="test", refused in production): argon2 at its
# minimum cost. The standard cost is ~1 s of CPU per hash on a loaded 2-core box, which made
# user set-up dominate the test suite. Stored hashes carry their own parameters, so either
# hasher verifies both.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_hasher = _STANDARD
# Verified against when the user does not exist, so timing does not reveal who is registered;
# made on first use (not at import: every CLI run and server start would pay for it).
_dummy_hash: str | None = None


def configure_password_hashing(*, cheap: bool) -> None:
    global _hasher, _dummy_hash
    _hasher = _CHEAP if cheap else _STANDARD
    _dummy_hash = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("kefu-dummy-password")
    return _dummy_hash


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def hash_password_async(password: str) -> str:
    """Argon2 takes tens of milliseconds of CPU: off the event loop, so a burst of sign-ins
    never stalls every open chat socket."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "kf") -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """Tokens are high-entropy, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
