"""Jinja2 environment with per-request translations and the CSRF token in every page."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kefu.kit.i18n import LANGUAGE_NAMES, LOCALES, normalize_locale, translations
from kefu.web import TEMPLATE_DIR, formatting
from kefu.web.admin_nav import ADMIN_SECTIONS

LANG_COOKIE = "kefu_lang"
CSRF_COOKIE = "kefu_csrf"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.autoescape = True
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")


def set_display_timezone(name: str) -> None:
    global DISPLAY_TZ
    DISPLAY_TZ = ZoneInfo(name)


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored instants are UTC; people read them in the company's time zone."""
    if value is None:
        return "—"
    try:
        return value.astimezone(DISPLAY_TZ).strftime(fmt)
    except (OverflowError, ValueError):  # a stored year 9999 must not take the page down
        return value.strftime(fmt)


templates.env.filters["local"] = localtime
templates.env.globals["admin_sections"] = ADMIN_SECTIONS
formatting.install(templates.env)  # duration, clock, pct, num, label


def request_locale(request: Request) -> str:
    return normalize_locale(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def anonymous_csrf(request: Request) -> str:
    """Double-submit token for forms shown before sign-in (login pages)."""
    token: str | None = getattr(request.state, "anon_csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.anon_csrf = token
    return token


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    locale = request_locale(request)
    trans = translations(locale)
    principal = getattr(request.state, "principal", None)
    csrf = getattr(request.state, "csrf_token", None) or anonymous_csrf(request)
    ctx: dict[str, Any] = {
        "_": trans.gettext,
        "gettext": trans.gettext,
        "ngettext": trans.ngettext,
        "locale": locale,
        "html_lang": "zh-CN" if locale == "zh_CN" else "en",
        "locales": [(code, LANGUAGE_NAMES[code]) for code in LOCALES],
        "principal": principal,
        "csrf_token": csrf,
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "path": request.url.path,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if not getattr(request.state, "csrf_token", None) and request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="lax", path="/")
    return response


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status=status)
