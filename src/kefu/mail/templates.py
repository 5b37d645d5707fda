"""Outgoing reply texts in zh-CN and English (pure): the subject carries the [#123] token
that threads the customer's answer back into the ticket."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo

from kefu.mail.compose import MAX_SUBJECT

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
_TOKEN = re.compile(r"\s*\[(?:kefu)?#\d{1,12}\]")

FOOTERS = {
    "zh": "——\n直接回复此邮件即可继续沟通（工单 #{id}），请保留主题中的 [#{id}]。",
    "en": "--\nReply to this email to continue (ticket #{id}); please keep [#{id}] in the subject.",
}


TRANSCRIPT_HEADERS = {"zh": "———— 会话记录 ————", "en": "---- Conversation ----"}
SENDERS = {
    "zh": {"customer": "客户", "bot": "机器人", "agent": "客服"},
    "en": {"customer": "Customer", "bot": "Bot", "agent": "Agent"},
}


def language(locale: str | None) -> str:
    return "en" if (locale or "").lower().startswith("en") else "zh"


def reply_subject(subject: str, ticket_id: int, locale: str | None = None) -> str:
    """'Re: <subject> [#123]' with one prefix and one token, whatever the thread did to it."""
    core = _TOKEN.sub("", _REPLY_PREFIX.sub("", subject.replace("\r", " ").replace("\n", " "))).strip()
    prefix = "Re: " if language(locale) == "en" or core.isascii() else "回复："
    token = f" [#{ticket_id}]"
    return prefix + core[: MAX_SUBJECT - len(prefix) - len(token)] + token


def transcript_text(
    lines: Sequence[tuple[datetime | None, str, str, str]], tz: tzinfo, locale: str | None = None
) -> str:
    """A conversation below a reply: one line per message (time, who, text), continuation
    lines indented. `lines` are (time, sender customer/bot/agent, name, text)."""
    if not lines:
        return ""
    lang = language(locale)
    colon = "：" if lang == "zh" else ": "
    out = [TRANSCRIPT_HEADERS[lang]]
    for at, sender, name, text in lines:
        when = f"[{at.astimezone(tz):%Y-%m-%d %H:%M}] " if at is not None else ""
        who = SENDERS[lang].get(sender, sender) + (f" {name}" if name else "")
        body = "\n  ".join(text.strip().splitlines()) or "—"
        out.append(f"{when}{who}{colon}{body}")
    return "\n".join(out)


def reply_body(
    text: str, ticket_id: int, *, signature: str = "", locale: str | None = None, transcript: str = ""
) -> str:
    parts = [text.strip()]
    if signature.strip():
        parts.append(signature.strip())
    if transcript.strip():
        parts.append(transcript.strip())
    parts.append(FOOTERS[language(locale)].format(id=ticket_id))
    return "\n\n".join(parts) + "\n"
