"""Who may open a page, shared by the audience packages: the staff check, the anonymous
forms' CSRF check and the session cookie the sign-in pages set."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import Depends, Request
from fastapi.responses import Response

from kefu.authz import Perm, Principal
from kefu.config import Settings
from kefu.deps import SESSION_COOKIE, get_settings_dep
from kefu.errors import Forbidden, Unauthorized
from kefu.kit.security import same
from kefu.web.templates import CSRF_COOKIE

SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

HOME_BY_ROLE = {"admin": "/admin", "supervisor": "/supervisor", "agent": "/agent", "partner": "/partner"}


def safe_next(value: str | None, default: str) -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if not value:
        return default
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value


def staff(principal: Principal | None, *roles: str) -> Principal:
    """Signed-in staff (of one of `roles`, when given), else 401/403."""
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    if not principal.is_staff or (roles and principal.role not in roles):
        raise Forbidden("无权访问 / you may not open this page")
    return principal


def staff_with(principal: Principal | None, perm: Perm) -> Principal:
    """Signed-in staff holding `perm`, else 401/403."""
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    if not principal.is_staff or not principal.can(perm):
        raise Forbidden("无权访问 / you may not open this page")
    return principal


def check_anon_csrf(request: Request, sent: str) -> None:
    """Double-submit check for forms posted before sign-in (the session checks the rest)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not same(cookie, sent):
        raise Forbidden("CSRF 校验失败 / CSRF token missing or invalid", code="csrf_failed")


def set_session_cookie(response: Response, key: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        key,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_days * 86400,
        path="/",
    )
