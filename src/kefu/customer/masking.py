"""Masking of personal data for roles without the unmask permission (pure)."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """+8613812345678 → +86138****5678; keeps the first three and last four digits."""
    prefix = ""
    digits = value
    if value.startswith("+86"):
        prefix, digits = "+86", value[3:]
    elif value.startswith("+"):
        prefix, digits = value[:3], value[3:]
    if len(digits) <= 7:
        return prefix + "*" * len(digits)
    return f"{prefix}{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_identity(kind: str, value: str) -> str:
    if kind == "phone":
        return mask_phone(value)
    if kind == "email":
        return mask_email(value)
    if kind in {"wechat_openid", "wechat_unionid"}:
        return value[:4] + "****" if len(value) > 4 else "****"
    return value


def mask_id_card(value: str) -> str:
    """110101199003074578 → 110101********4578."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_address(value: str) -> str:
    """Keep the first six characters (province/city), hide the rest."""
    if not value:
        return ""
    return value[:6] + "****"
