"""Shared by the server-rendered admin forms."""

from __future__ import annotations

from pydantic import ValidationError

from kefu.errors import KefuError


def error_text(exc: Exception) -> str:
    """The message a form shows for a rejected submission (anything else propagates)."""
    if isinstance(exc, KefuError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, ValueError):
        return str(exc)
    raise exc
