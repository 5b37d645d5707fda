"""UI translations from Babel catalogs: zh_CN first, English second.

Catalogs are read from `.po` files at start-up and compiled in memory, so there is no build
step and no compiled `.mo` to keep in sync. Message ids are English.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

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
