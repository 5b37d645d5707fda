"""Which text belongs to an incident: a case-insensitive keyword rule (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable


def normalize_keywords(keywords: Iterable[str]) -> list[str]:
    """Trimmed, lower-cased, de-duplicated in order; blanks dropped."""
    out: list[str] = []
    for k in keywords:
        k = k.strip().lower()
        if k and k not in out:
            out.append(k)
    return out


def matches(keywords: Iterable[str], *texts: str) -> bool:
    """True when any keyword occurs in any text. Substring matching suits Chinese, which has
    no spaces between words ("支付" matches "支付失败了")."""
    hay = "\n".join(texts).lower()
    return any(k and k in hay for k in keywords)
