"""Tracked messages (pure): the links a message contains, the message with each link
replaced by its tracked address, and the HTML alternative of a mail with its open pixel.

A tracked link is a signed token naming the send and the original URL (see `links`); the
redirect refuses a token whose URL is not among the URLs of that send's stored text, so a
signed link can never be turned into an open redirect to somewhere the message did not point.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

# http(s) URLs up to whitespace, quotes, brackets or CJK punctuation (a link followed by "。").
URL = re.compile(r"https?://[^\s<>\"'()\[\]{}，。；、！？）（】【「」]+")
TRAILING = ".,;:!?"


def urls_in(text: str) -> list[str]:
    """Every link of the text, in order, without duplicates."""
    out: list[str] = []
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        if url not in out:
            out.append(url)
    return out


def rewrite(text: str, tracked: Callable[[str], str | None]) -> str:
    """The text with each link replaced by `tracked(url)` (kept when it returns None)."""

    def swap(match: re.Match[str]) -> str:
        whole = match.group(0)
        url = whole.rstrip(TRAILING)
        new = tracked(url)
        return (new if new is not None else url) + whole[len(url) :]

    return URL.sub(swap, text)


def html_body(text: str, pixel_url: str | None) -> str:
    """A plain HTML rendering of the text (escaped, links clickable, line breaks kept) with
    the 1-pixel open image at the end."""
    parts: list[str] = []
    last = 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        last = match.start() + len(url)
    parts.append(html.escape(text[last:]))
    body = "".join(parts).replace("\n", "<br>\n")
    pixel = (
        f'<img src="{html.escape(pixel_url)}" width="1" height="1" alt="" style="display:none">'
        if pixel_url
        else ""
    )
    return f'<!doctype html><html><body><div style="font-family:sans-serif">{body}</div>{pixel}</body></html>'
