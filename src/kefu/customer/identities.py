"""Normalising identity values (pure): E.164 phones, lower-case e-mails."""

from __future__ import annotations

import phonenumbers

from kefu.errors import Unprocessable


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise Unprocessable(f"无效的电话号码 / invalid phone number: {raw!r}", code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise Unprocessable(f"无效的电话号码 / invalid phone number: {raw!r}", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    return raw.strip().lower()
