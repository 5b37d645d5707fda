"""General-domain questions a company's service bot must decline (weather, shopping for
other goods, stocks, chit-chat ...). They train the out-of-scope class of every company's
intent model, which otherwise only sees its own intents. The lists ship with the package:
`background.txt` (built by `scripts/nlp/build_background.py`; sources and licences there) and
`background_general.txt` (written by hand for kefu, edited in place).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

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
