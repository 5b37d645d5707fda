"""UI translations from Babel catalogs: zh_CN first, English second.

Catalogs are read from `.po` files at start-up and compiled in memory, so there is no build
step and no compiled `.mo` to keep in sync. Message ids are English.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def normalize_locale(value: str | None) -> str:
    if not value:
        return DEFAULT_LOCALE
    v = value.replace("-", "_").strip()
    if v.lower().startswith("zh"):
        return "zh_CN"
    if v.lower().startswith("en"):
        return "en"
    return DEFAULT_LOCALE


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def gettext(locale: str, message: str) -> str:
    return translations(normalize_locale(locale)).gettext(message)


# --- error messages in the request's language -------------------------------------------
LANG_COOKIE = "kefu_lang"
# The language of the request being served (set by LocaleMiddleware); None outside a
# request (CLI, jobs), where messages stay as written.
current_locale: ContextVar[str | None] = ContextVar("kefu_locale", default=None)
_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def split_bilingual(message: str) -> tuple[str, str] | None:
    """`"工单不存在 / ticket not found"` → ("工单不存在", "ticket not found"): the legacy way
    errors were written. The split is the first "/" with Chinese before it and none after."""
    for i, ch in enumerate(message):
        if ch != "/":
            continue
        zh, en = message[:i].strip(), message[i + 1 :].strip()
        if zh and en and _CJK.search(zh) and not _CJK.search(en) and re.search(r"[A-Za-z]", en):
            return zh, en
    return None


def accept_language(header: str) -> str | None:
    """The preferred supported language of an Accept-Language header, if any."""
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        low = tag.strip().lower()
        if low.startswith(("zh", "en")) and (best is None or weight > best[0]):
            best = (weight, normalize_locale(low))
    return best[1] if best else None


def error_text(message: str, params: Mapping[str, object] | None = None, locale: str | None = None) -> str:
    """An error message in `locale` (default: the current request's): the catalog's
    translation of the message id, else the matching half of a "中文 / English" message;
    `{name}` placeholders are filled from `params` after translation."""
    loc = locale or current_locale.get()
    text = message
    if loc is not None:
        text = gettext(loc, message)
        if text == message:
            parts = split_bilingual(message)
            if parts:
                text = parts[0] if normalize_locale(loc) == "zh_CN" else parts[1]
    if params:
        # A translation with a wrong placeholder still shows, unformatted.
        with contextlib.suppress(KeyError, IndexError, ValueError):
            text = text.format(**params)
    return text


def request_language(query: str, headers: Mapping[bytes, bytes]) -> str:
    """`?lang=` → the `kefu_lang` cookie → (API clients: no cookies, no HTML wanted)
    Accept-Language → zh_CN. Browsers follow the UI language, never their Accept-Language,
    so a message never switches language inside a page."""
    for key, _, value in (p.partition("=") for p in query.split("&")):
        if key == "lang" and value:
            return normalize_locale(value)
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    if cookie:
        for item in cookie.split(";"):
            name, _, value = item.strip().partition("=")
            if name == LANG_COOKIE and value:
                return normalize_locale(value)
        return DEFAULT_LOCALE
    if b"text/html" in headers.get(b"accept", b""):
        return DEFAULT_LOCALE  # a page (even a browser's first one) is in the UI language
    return accept_language(headers.get(b"accept-language", b"").decode("latin-1")) or DEFAULT_LOCALE


class LocaleMiddleware:
    """Sets `current_locale` for each HTTP request and WebSocket."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        token = current_locale.set(request_language(query, dict(scope.get("headers") or [])))
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)
