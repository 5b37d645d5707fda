"""General-domain questions a company's service bot must decline (weather, shopping for
other goods, stocks, chit-chat ...). They train the out-of-scope class of every company's
intent model, which otherwise only sees its own intents. The lists ship with the package:
`background.txt` (built by `scripts/nlp/build_background.py`; sources and licences there) and
`background_general.txt` (written by hand for kefu, edited in place).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from kefu.nlp.calibration import IntArray

_FILES = ("background.txt", "background_general.txt")


@cache
def background() -> tuple[str, ...]:
    lines: list[str] = []
    for name in _FILES:
        text = resources.files("kefu.nlp").joinpath(name).read_text(encoding="utf-8")
        lines.extend(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple(dict.fromkeys(lines))  # in order, each question once


# kept for callers that want a short list
OUT_OF_SCOPE: tuple[str, ...] = ()


BACKGROUND_MAX_SIM = 0.5  # a background question this close to an example is not a negative


def background_negatives(x_in: Any, x_neg: Any, n_given: int) -> IntArray:
    """Rows of `x_neg` the out-of-scope class learns from: every given out-of-scope row, and
    the background rows not too close to any of the company's own examples (a seller of
    fridges keeps "我想买一台冰箱" out of its negatives)."""
    if x_neg.shape[0] == 0:
        return np.zeros(0, np.int32)
    keep = np.ones(x_neg.shape[0], bool)
    if x_neg.shape[0] > n_given:
        bg = x_neg[n_given:]
        nearest = np.zeros(bg.shape[0], np.float32)
        for lo in range(0, x_in.shape[0], 4096):  # bounded memory on large training sets
            block = (bg @ x_in[lo : lo + 4096].T).toarray()
            nearest = np.maximum(nearest, block.max(axis=1))
        keep[n_given:] = nearest < BACKGROUND_MAX_SIM
    return np.flatnonzero(keep).astype(np.int32)
