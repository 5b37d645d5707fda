"""Numbers for people: durations, percentages and enum labels in the reader's language.

One place, so every page, report, chart and CSV says `2天3小时` or `1:25:10` the same way
and no English code or raw seconds reaches a Chinese reader. Jinja filters wrapping these
live in `kefu.web.formatting`; API responses keep machine values (seconds, codes).
"""

from __future__ import annotations

import math
from decimal import Decimal

from kefu.kit.i18n import gettext, normalize_locale

# (seconds per unit, zh, en) largest first.
_UNITS: tuple[tuple[int, str, str], ...] = (
    (86_400, "天", " d"),
    (3_600, "小时", " h"),
    (60, "分钟", " min"),
    (1, "秒", " s"),
)
EMPTY = "—"


def _whole_seconds(seconds: float | int | None) -> int | None:
    if seconds is None:
        return None
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return round(value)


def duration_parts(seconds: float | int, parts: int = 2) -> list[tuple[int, int]]:
    """The non-zero counts among the `parts` units from the largest one used, as (count, unit seconds).

    Units below the last shown one are cut off (never rounded up), so a shown value never
    claims more time than there was; a zero unit is skipped ("2天" not "2天0小时").
    """
    rest = max(0, int(seconds))
    sizes = [size for size, _zh, _en in _UNITS]
    lead = next((i for i, size in enumerate(sizes) if rest >= size), len(sizes) - 1)
    out: list[tuple[int, int]] = []
    for size in sizes[lead : lead + parts]:
        count, rest = divmod(rest, size)
        if count:
            out.append((count, size))
    return out or [(0, 1)]


def duration(seconds: float | int | None, locale: str = "zh_CN", parts: int = 2) -> str:
    """`2天3小时`, `12分钟5秒`, `45秒` (en: `2 d 3 h`); `—` when there is no value."""
    whole = _whole_seconds(seconds)
    if whole is None:
        return EMPTY
    zh = normalize_locale(locale) == "zh_CN"
    sign = "-" if whole < 0 else ""
    names = {size: (z if zh else e) for size, z, e in _UNITS}
    shown = duration_parts(abs(whole), parts)
    text = ("" if zh else " ").join(f"{count}{names[size]}" for count, size in shown)
    return sign + text


def clock(seconds: float | int | None, with_seconds: bool = True) -> str:
    """`1:25:10` (hours may exceed 24: a stopwatch, not a time of day); `h:mm` without seconds."""
    whole = _whole_seconds(seconds)
    if whole is None:
        return EMPTY
    sign = "-" if whole < 0 else ""
    hours, rest = divmod(abs(whole), 3600)
    minutes, secs = divmod(rest, 60)
    if with_seconds:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{hours}:{minutes:02d}"


def percent(rate: float | None, digits: int = 1) -> str:
    """A 0..1 rate as `95.3%`; `—` when unknown."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return EMPTY
    text = f"{rate * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def number(value: float | int | None, digits: int = 1) -> str:
    """At most `digits` decimals, trailing zeros dropped: 3.0 → `3`, 2.456 → `2.5`."""
    if value is None:
        return EMPTY
    if isinstance(value, int):
        return str(value)
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_CURRENCY_SIGNS = {"CNY": "¥", "RMB": "¥", "USD": "US$", "HKD": "HK$", "EUR": "€", "GBP": "£", "JPY": "JP¥"}


def money(amount: Decimal | float | int | None, currency: str = "CNY", digits: int = 2) -> str:
    """An amount as people write it: `¥1,860.00`, `US$12.50`; other currencies keep their
    code after the number (`1,200.00 SGD`). `digits=0` for round sums (`¥158,873`)."""
    if amount is None:
        return EMPTY
    text = f"{Decimal(str(amount)):,.{digits}f}"
    code = (currency or "CNY").upper()
    sign = _CURRENCY_SIGNS.get(code)
    if text.startswith("-"):
        return f"-{sign}{text[1:]}" if sign else f"{text} {code}"
    return f"{sign}{text}" if sign else f"{text} {code}"


def label_id(kind: str, value: object) -> str:
    """The catalog id of an enum value: `status_open`, `channel_chat`, `emotion_negative`."""
    return f"{kind}_{value}"


def label(kind: str, value: object, locale: str = "zh_CN") -> str:
    """The reader's word for an enum value, from the catalog id `<kind>_<value>`.

    A value without a translation comes back as itself, so a missing catalog entry is
    visible (the page-walk test looks for raw codes) rather than hidden behind a blank.
    """
    if value is None or value == "":
        return EMPTY
    value = getattr(value, "value", value)
    mid = label_id(kind, value)
    text = gettext(locale, mid)
    return str(value) if text == mid else text
