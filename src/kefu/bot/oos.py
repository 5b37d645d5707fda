"""General-domain questions a company's service bot must decline (weather, shopping for
other goods, stocks, chit-chat ...). They train the out-of-scope class of every company's
intent model, which otherwise only sees its own intents. The list ships with the package
(`background.txt`, built by `scripts/bot/build_background.py`; sources and licences there).
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def background() -> tuple[str, ...]:
    text = resources.files("kefu.bot").joinpath("background.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


# kept for callers that want a short list
OUT_OF_SCOPE: tuple[str, ...] = ()
