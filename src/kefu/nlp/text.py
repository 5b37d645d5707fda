"""Text normalisation and tokenisation shared by the bot's models (pure, no I/O).

Chinese is segmented with rjieba; every text also yields character n-grams so that typos,
unsegmented product names and mixed Chinese/English still share features.
"""

from __future__ import annotations

import re
import unicodedata

import rjieba

_SPACE = re.compile(r"\s+")
_HTML_TAG = re.compile(r"<[^>]{0,200}>")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, tags dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _HTML_TAG.sub(" ", text)
    return _SPACE.sub(" ", text).strip().lower()


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def words(text: str) -> list[str]:
    """Segmented words of an already normalised text (rjieba handles Latin words too)."""
    return [w for w in rjieba.cut(text) if w.strip()]


def char_ngrams(text: str, n_min: int = 1, n_max: int = 3) -> list[str]:
    """Character n-grams of an already normalised text, spaces kept as boundaries."""
    padded = f" {text} "
    grams: list[str] = []
    for n in range(n_min, n_max + 1):
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return [g for g in grams if g.strip()]
