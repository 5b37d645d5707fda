"""Noisy copies of Chinese test questions, as customers type them (fixed seed, no I/O):
- `pinyin`: the question in toneless pinyin, syllables apart ("我要退货" → "wo yao tui huo");
  Latin letters, digits and punctuation kept as they were;
- `homophone`: one character replaced by another common character read the same (toneless),
  the way a pinyin input method slips ("退货" → "退或"); a question without such a character is
  kept unchanged.
"Common" is GB2312 level 1 (the 3,755 most used characters): an IME offers those first.
Usage: .venv/bin/python bench/zh_noisy.py IN.csv {pinyin|homophone} > OUT.csv
"""

from __future__ import annotations

import csv
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from kefu.nlp.evaluation import Row, read_rows
from kefu.nlp.pinyin import readings

SEED = 22


def _common(ch: str) -> bool:
    try:
        code = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0xB0A1 <= int.from_bytes(code, "big") <= 0xD7FE


@cache
def _homophones() -> dict[str, list[str]]:
    """Common characters by their first toneless reading."""
    out: dict[str, list[str]] = defaultdict(list)
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if r := readings(ch):
                out[r[0]].append(ch)
    return dict(out)


def pinyin(text: str) -> str:
    parts: list[str] = []
    for ch in text:
        r = readings(ch)
        parts.append(f" {r[0]} " if r else ch)
    return " ".join("".join(parts).split())


def homophone(text: str, rng: random.Random) -> str:
    spots = [
        (i, others)
        for i, ch in enumerate(text)
        if (r := readings(ch)) and (others := [c for c in _homophones().get(r[0], []) if c != ch])
    ]
    if not spots:
        return text
    i, others = rng.choice(spots)
    return text[:i] + rng.choice(others) + text[i + 1 :]


def noisy(rows: Sequence[Row], kind: str, seed: int = SEED) -> list[Row]:
    """The rows with their text transformed (`kind`: pinyin or homophone), labels kept."""
    rng = random.Random(seed)
    if kind == "pinyin":
        return [Row(pinyin(r.text), r.label) for r in rows]
    if kind == "homophone":
        return [Row(homophone(r.text, rng), r.label) for r in rows]
    raise ValueError(f"unknown kind {kind!r}")


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    out = csv.writer(sys.stdout)
    out.writerow(["text", "label"])
    for row in noisy(read_rows(Path(sys.argv[1])), sys.argv[2]):
        out.writerow([row.text, row.label])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
