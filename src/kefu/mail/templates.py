"""Outgoing reply texts in zh-CN and English (pure): the subject carries the [#123] token
that threads the customer's answer back into the ticket."""

from __future__ import annotations

import re

from kefu.mail.compose import MAX_SUBJECT

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
_TOKEN = re.compile(r"\s*\[(?:kefu)?#\d{1,12}\]")

FOOTERS = {
    "zh": "——\n直接回复此邮件即可继续沟通（工单 #{id}），请保留主题中的 [#{id}]。",
    "en": "--\nReply to this email to continue (ticket #{id}); please keep [#{id}] in the subject.",
}


def language(locale: str | None) -> str:
    return "en" if (locale or "").lower().startswith("en") else "zh"


def reply_subject(subject: str, ticket_id: int, locale: str | None = None) -> str:
    """'Re: <subject> [#123]' with one prefix and one token, whatever the thread did to it."""
    core = _TOKEN.sub("", _REPLY_PREFIX.sub("", subject.replace("\r", " ").replace("\n", " "))).strip()
    prefix = "Re: " if language(locale) == "en" or core.isascii() else "回复："
    token = f" [#{ticket_id}]"
    return prefix + core[: MAX_SUBJECT - len(prefix) - len(token)] + token


def reply_body(text: str, ticket_id: int, *, signature: str = "", locale: str | None = None) -> str:
    parts = [text.strip()]
    if signature.strip():
        parts.append(signature.strip())
    parts.append(FOOTERS[language(locale)].format(id=ticket_id))
    return "\n\n".join(parts) + "\n"
