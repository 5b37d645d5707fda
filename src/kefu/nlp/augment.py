"""Synonym and template copies of few-shot Chinese intent examples (pure, no I/O but the
shipped table).

With 8 examples an intent the word features know only the words those 8 use: "多长时间能到"
shares no word with "几天能到". Each example is written again with one word of a synonym group
(`synonyms_zh.txt`, written for kefu) swapped for another of its group, or with a polite
opening ("请问"), and the copies train the word and character features beside the original.
The copies of an example always fall on the same side of a validation split as the example
(`nlu.py`): a validation row never meets its own copies in training.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np
import rjieba

from kefu.nlp.calibration import IntArray
from kefu.nlp.text import has_cjk

_SPAN = 3  # consecutive segmenter tokens joined to look a word up ("能"+"不能" → 能不能)
# Openings a customer puts before the question; never two. None says anything an intent
# could be about ("客服" is the hand-off intent's word, "我想" an everyday one).
OPENINGS = ("请问", "你好，", "您好，", "麻烦问下，")
_OPENED = tuple(o.rstrip("，") for o in OPENINGS)


@cache
def groups() -> dict[str, tuple[str, ...]]:
    """Each word of the table → the words of its group (the first group a word is in)."""
    text = resources.files("kefu.nlp").joinpath("synonyms_zh.txt").read_text(encoding="utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = tuple(dict.fromkeys(line.split()))
        for word in group:
            out.setdefault(word, group)
    return out


def _spans(tokens: Sequence[str]) -> list[tuple[int, int, str]]:
    """(first token, end token, word) of each table word in the text, longest first,
    left to right, not overlapping."""
    table = groups()
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        for n in range(min(_SPAN, len(tokens) - i), 0, -1):
            word = "".join(tokens[i : i + n])
            if word in table and len(table[word]) > 1:
                out.append((i, i + n, word))
                i += n
                break
        else:
            i += 1
    return out


def variants(text: str) -> list[str]:
    """Every copy of `text` with one table word swapped for another of its group, then the
    text behind each opening (unless it has one); the text itself never."""
    if not has_cjk(text):
        return []
    tokens = list(rjieba.cut(text))
    out: list[str] = []
    for start, end, word in _spans(tokens):
        head, tail = "".join(tokens[:start]), "".join(tokens[end:])
        out.extend(head + other + tail for other in groups()[word] if other != word)
    if not text.startswith(_OPENED):
        out.extend(opening + text for opening in OPENINGS)
    return [v for v in dict.fromkeys(out) if v != text]


def expand(
    texts: Sequence[str], labels: Sequence[str], per_text: int, per_intent: int, seed: int = 0
) -> tuple[list[str], list[int]]:
    """Copies of the texts, drawn at random (seeded) from their `variants`: at most `per_text`
    of each and `per_intent` of each label (an intent with many examples needs few), none
    equal to a given text. Returns the copies and the index of the text each one copies."""
    rng = random.Random(seed)
    given = set(texts)
    count = Counter(labels)
    copies: list[str] = []
    origin: list[int] = []
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        pool = [v for v in variants(text) if v not in given]
        rng.shuffle(pool)
        for v in pool[: min(per_text, per_intent // count[label])]:
            copies.append(v)
            origin.append(i)
    return copies, origin


def with_copies(
    plan: tuple[IntArray, IntArray, IntArray], origin: Sequence[int], n_base: int
) -> tuple[IntArray, IntArray, IntArray]:
    """A validation plan over the given rows, with each copy (row n_base + j of text
    origin[j]) training where its text trains: a held-out row never meets its own copies."""
    train, val, pseudo = plan
    if not origin:
        return plan
    keep = np.isin(np.asarray(origin, np.int64), train)
    extra = (n_base + np.flatnonzero(keep)).astype(np.int32)
    return np.concatenate([train, extra]).astype(np.int32), val, pseudo
