"""Referral codes (pure): every customer has one without storing it — the customer id in
base 32 and a keyed check (HMAC with the secret key), so a code cannot be guessed from
another customer's or made up, and stays the same for life."""

from __future__ import annotations

import base64
import hashlib
import hmac

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read aloud and typed
CHECK = 6


def _b32(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 32)
        out = ALPHABET[r] + out
        if n == 0:
            return out


def _check(secret: str, body: str) -> str:
    mac = hmac.new(secret.encode(), f"referral:{body}".encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[b % 32] for b in base64.b32encode(mac)[:CHECK])


def code_for(secret: str, customer_id: int) -> str:
    body = _b32(customer_id)
    return f"{body}{_check(secret, body)}"


def customer_of(secret: str, code: str) -> int | None:
    """The customer a code names, or None for a code that is not one of ours."""
    code = code.strip().upper()
    if len(code) <= CHECK or len(code) > 20 or any(ch not in ALPHABET for ch in code):
        return None
    body, check = code[:-CHECK], code[-CHECK:]
    if not hmac.compare_digest(_check(secret, body), check):
        return None
    n = 0
    for ch in body:
        n = n * 32 + ALPHABET.index(ch)
    return n
