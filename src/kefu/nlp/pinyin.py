"""Pinyin for the intent model (pure, no I/O): customers type "tui huo", "tuihuo" or a
homophone ("退或", "发漂", "快第") for 退货, 发票, 快递.

- `readings(ch)`: the toneless readings of one Chinese character (pypinyin's table, MIT).
- `parse(text)`: the syllables of Latin-letter text that segments *fully* into pinyin
  syllables ("wo yao tuikuan" → wo yao tui kuan), else None: an English sentence is never
  read as pinyin ("I want a refund" has "i", "want", "refund", which are no syllables).
- `tokens(text)`: the pinyin features of a text: every reading of each Chinese character
  (or each parsed syllable) and the bigrams of consecutive syllables.
- `Lexicon`: the words of an intent set keyed by their pinyin, to rewrite pinyin input and
  homophone typos into the words the examples use, so every head (the encoder's too) reads
  Chinese.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from itertools import pairwise, product

import rjieba

from kefu.nlp.text import has_cjk, normalize, words

_MARK = "\x1e"  # marks pinyin features apart from character n-grams and words
_MAX_SYLLABLE = 6  # zhuang, shuang
_MAX_WORD = 4  # longest lexicon word (characters) a rewrite looks for
_MAX_COMBOS = 16
_CORRECT_MAX = (
    200  # longer texts are not searched for homophone typos (cost)  # polyphonic words: keys tried per word
)
_TONE = re.compile(r"([a-z])[1-5](?![0-9])")  # tui4 huo4


def _toneless(reading: str) -> str:
    reading = (
        reading.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v").replace("ǚ", "v").replace("ǜ", "v")
    )
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))


@cache
def _table() -> dict[int, str]:
    """pypinyin's character table, loaded on first use (a second of CPU to import)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict  # type: ignore[no-any-return]


@cache
def readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one character, the most common first; () for anything else."""
    raw = _table().get(ord(ch))
    if not raw:
        return ()
    return tuple(dict.fromkeys(_toneless(r) for r in raw.split(",")))


@cache
def _syllables() -> frozenset[str]:
    """Every toneless syllable with a vowel (the table's interjections m, n, ng, hm would let
    stray English letters through)."""
    return frozenset(
        r
        for raw in _table().values()
        for r in (_toneless(x) for x in raw.split(","))
        if any(v in r for v in "aeiouv")
    )


def _split(word: str) -> list[str] | None:
    """Fewest-syllable segmentation of one run of letters (xian, not xi an), or None."""
    known = _syllables()
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        head = best[i]
        if head is None:
            continue
        for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
            if word[i:j] in known:
                cand = [*head, word[i:j]]
                old = best[j]
                if old is None or len(cand) < len(old):
                    best[j] = cand
    return best[n]


def parse(text: str) -> list[str] | None:
    """Syllables of text made only of pinyin (tone digits or marks allowed, spaces and
    apostrophes optional), at least two of them; None for anything else."""
    norm = _toneless(unicodedata.normalize("NFKC", text.strip().lower()))
    norm = "".join(" " if unicodedata.category(c).startswith("P") else c for c in norm)  # tui'huo, "tui huo?"
    parts = _TONE.sub(r"\1", norm).split()
    if not parts or not all(p.isascii() and p.isalpha() for p in parts):
        return None
    out: list[str] = []
    for part in parts:
        syl = _split(part)
        if syl is None:
            return None
        out.extend(syl)
    return out if len(out) >= 2 else None


def _runs(text: str) -> list[list[tuple[str, ...]]]:
    """Readings of each maximal run of Chinese characters (or of the parsed pinyin)."""
    syl = parse(text) if text.isascii() else None
    if syl is not None:
        return [[(s,) for s in syl]]
    runs: list[list[tuple[str, ...]]] = [[]]
    for ch in text:
        r = readings(ch)
        if r:
            runs[-1].append(r)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def tokens(text: str) -> list[str]:
    """Pinyin features of an already normalised text (marked with a leading _MARK)."""
    out: list[str] = []
    for run in _runs(text):
        out.extend(_MARK + r for rs in run for r in rs)
        out.extend(f"{_MARK}{a[0]} {b[0]}" for a, b in pairwise(run))
    return out


def _keys(word: str) -> list[tuple[str, ...]]:
    per = [readings(ch) for ch in word]
    if not all(per):
        return []
    keys: list[tuple[str, ...]] = []
    for combo in product(*per):
        keys.append(combo)
        if len(keys) >= _MAX_COMBOS:
            break
    return keys


class Lexicon:
    """The intents' own words keyed by pinyin: the most used word wins a shared key."""

    def __init__(self, units: Iterable[str]) -> None:
        """`units`: the words and character bigrams of the intents' examples."""
        units = list(units)
        self.known = frozenset(w for w in units if w and all(readings(ch) for ch in w))
        self.latin = frozenset(w for w in units if w.isascii())
        self.chars = frozenset(ch for w in self.known for ch in w)
        self.by_key: dict[tuple[str, ...], str] = {}  # every reading: pinyin input
        self.by_first: dict[tuple[str, ...], str] = {}  # first readings, dictionary words: typos
        for word in sorted(self.known, key=lambda w: (len(w), w)):
            for key in _keys(word):
                self.by_key.setdefault(key, word)
            if len(word) >= 2 and rjieba.has_word(word):
                self.by_first.setdefault(tuple(readings(ch)[0] for ch in word), word)

    def rewrite(self, text: str) -> str:
        """Pinyin input in the intents' words, homophone typos corrected, anything else (English
        included) as it was."""
        if not self.by_key:
            return text
        if not has_cjk(text):
            # "you can", "long men" parse as pinyin too: English the examples use stays English
            ws = words(normalize(text))
            if sum(w in self.latin for w in ws) * 2 >= len(ws):
                return text
            return self.from_pinyin(text) or text
        return self.correct(text) if len(text) <= _CORRECT_MAX else text

    def from_pinyin(self, text: str) -> str | None:
        """Pinyin input rewritten into the intents' words (fewest pieces; a syllable no word
        covers stays as it was), or None when the text is not pinyin or nothing matched."""
        syl = parse(text) if self.by_key else None
        if syl is None:
            return None
        n = len(syl)
        # best[i] = (cost, pieces) for syl[:i]; a syllable left as Latin costs three words
        best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, [])
        for i in range(n):
            head = best[i]
            if head is None:
                continue
            for j in range(i + 1, min(n, i + _MAX_WORD) + 1):
                word = self.by_key.get(tuple(syl[i:j]))
                step = (1, word) if word is not None else (3, f" {syl[i]} ") if j == i + 1 else None
                if step is None:
                    continue
                cand = (head[0] + step[0], [*head[1], step[1]])
                old = best[j]
                if old is None or cand[0] < old[0]:
                    best[j] = cand
        done = best[n]
        if done is None or all(p.startswith(" ") for p in done[1]):
            return None
        return " ".join("".join(done[1]).split())

    def correct(self, text: str) -> str:
        """Homophone typos replaced: a two-to-four character span that is neither a word of
        the intents nor of the segmenter's dictionary, read (first readings) exactly like an
        intents' word that is a dictionary word, replaced when the segmenter then cuts that
        word out of the sentence ("我想退或" → "我想退货"). Two checks because the intents' own
        character bigrams cross word boundaries ("子吗" would turn "被子吗" into "被字吗")."""
        if not self.by_first:
            return text
        chars = list(text)
        i = 0
        while i < len(chars):
            fixed = False
            for size in range(min(_MAX_WORD, len(chars) - i), 1, -1):
                span = "".join(chars[i : i + size])
                if span in self.known or rjieba.has_word(span) or not all(readings(ch) for ch in span):
                    continue
                word = self.by_first.get(tuple(readings(ch)[0] for ch in span))
                if word is None or len(word) != size:
                    continue
                if all(a == b or a in self.chars for a, b in zip(span, word, strict=True)):
                    continue  # every changed character is one the intents use: no slip
                cur = "".join(chars)
                if any(_breaks(cur, seg, i, size, span, word) for seg in _cuts(cur)):
                    continue
                new = cur[:i] + word + cur[i + size :]
                if (i, i + size) not in _cuts(new):
                    continue
                chars[i : i + size] = list(word)
                i += size
                fixed = True
                break
            if not fixed:
                i += 1
        return "".join(chars)


def _breaks(text: str, seg: tuple[int, int], i: int, size: int, span: str, word: str) -> bool:
    """Whether replacing span by word changes a character of a dictionary word that reaches
    out of the span ("唐朝是" is no slip for "超时")."""
    a, b = seg
    if b - a < 2 or (i <= a and b <= i + size) or b <= i or a >= i + size:
        return False
    changed = any(span[k - i] != word[k - i] for k in range(max(a, i), min(b, i + size)))
    return changed and rjieba.has_word(text[a:b])


def _cuts(text: str) -> set[tuple[int, int]]:
    """(start, end) of every segment of `text`."""
    out: set[tuple[int, int]] = set()
    at = 0
    for w in rjieba.cut(text):
        out.add((at, at + len(w)))
        at += len(w)
    return out
