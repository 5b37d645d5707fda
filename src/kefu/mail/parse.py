"""Parsing inbound mail (pure): hostile input in, a plain record out, or MailParseError.

What the rest of kefu needs from a message: who sent it (the real address, never one hidden
in a display name), how it threads (Message-ID, In-Reply-To, References, our [#123] subject
token or support+123@ plus address), whether a human wrote it (auto-replies, bounces and bulk
mail must never open tickets or get answers), the text with quoted history removed, safe
HTML, and attachments within limits. Chinese charsets are decoded leniently: GB2312 labels
are read as GB18030 (mislabelled GBK is common), unknown labels fall back to GB18030/UTF-8.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3

MAX_RAW_BYTES = 30 * 1024 * 1024
MAX_HEADER_BYTES = 256 * 1024
MAX_DEPTH = 30
MAX_PARTS = 500
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

# compat32 keeps header values as the text they arrived as and parses them only when asked:
# the default policy's header registry parsed Content-Type and friends again on every access
# (a quarter of the CPU of processing a mail). Encoded words and raw 8-bit bytes are decoded
# here (`_text`), as the default policy did.
_POLICY = email.policy.compat32
_TOKEN_SUBJECT = re.compile(r"\[(?:kefu)?#(\d{1,12})\]", re.IGNORECASE)
_PLUS = re.compile(r"^[^+@\s]+\+(\d{1,12})@", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]{1,500}>")
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5-hkscs": "big5hkscs",
    "x-big5": "big5",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_QUOTE_MARKERS = [
    re.compile(r"^\s*On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*在\s?.{0,200}写道[:：]\s*$"),
    re.compile(r"^\s*-{2,}\s*(Original Message|原始邮件|Forwarded message)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*(发件人|From)\s*[:：].{0,300}$"),
    re.compile(r"^\s*_{10,}\s*$"),
]
_BLOCK_END = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\s*/?>")
_WS_LINES = re.compile(r"\n{3,}")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")  # header text is one line, without NULs
SAFE_TAGS = {
    "p",
    "br",
    "div",
    "span",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "a",
    "img",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
}


class MailParseError(Exception):
    """The message cannot be read; it goes to quarantine with this reason."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    content: bytes | None  # None when over the size limit (kept out, but listed)
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_name: str
    from_addr: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    html: str | None
    reply_text: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    automated: str | None = None  # why it is machine-sent (no ticket, no answer), else None
    ticket_token: int | None = None
    defects: tuple[str, ...] = field(default_factory=tuple)


def _raw8(text: str) -> str:
    """Undecoded 8-bit header bytes (kept as surrogates) read as UTF-8, else GB18030."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("ascii", "surrogateescape")
    for charset in ("utf-8", "gb18030"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _text(value: str) -> str:
    """A header value (or parameter) as text: 8-bit bytes and encoded words decoded."""
    text = _raw8(str(value))
    if "=?" in text:
        with contextlib.suppress(Exception):  # undecodable words stay as they came
            text = str(make_header(decode_header(text)))
    return text


def _raw_values(msg: Message, name: str) -> list[str]:
    """A header's values as they arrived (unfolded, 8-bit bytes still undecoded)."""
    wanted = name.lower()
    return [_FOLD.sub(" ", str(v)) for k, v in msg.raw_items() if k.lower() == wanted]


def _header(msg: Message, name: str) -> str:
    """A decoded header as text; malformed encodings degrade instead of failing."""
    values = _raw_values(msg, name)
    return _CONTROL.sub(" ", _text(values[0])).strip() if values else ""


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, addr-spec) pairs. The address always comes from the addr-spec, never
    from a display name, so '=?utf-8?q?boss@bank.cn?= <x@evil.cn>' is x@evil.cn: encoded
    words are decoded only in display names, after the split."""
    out = []
    for display, addr in getaddresses([_raw8(r) for r in _raw_values(msg, name)]):
        addr = addr.strip().lower()
        if addr.count("@") != 1 or any(c in addr for c in ' <>,;"\x00'):
            continue
        out.append((_CONTROL.sub(" ", _text(display)).strip(), addr))
    return out


def _msgids(value: str) -> list[str]:
    return _MSGID.findall(value)[:100]


def _charset(part: Message) -> str:
    declared = (part.get_content_charset() or "utf-8").lower()
    return _CHARSET_ALIASES.get(declared, declared)


def _decode_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = _charset(part)
    for candidate in (charset, "utf-8", "gb18030"):
        try:
            return payload.decode(candidate).replace("\x00", "")
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace").replace("\x00", "")


def _walk(msg: Message) -> list[tuple[Message, int]]:
    """Leaf parts with their depth, iteratively, refusing absurd nesting or part counts."""
    leaves: list[tuple[Message, int]] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if depth > MAX_DEPTH:
            raise MailParseError(f"MIME nesting deeper than {MAX_DEPTH}")
        if seen > MAX_PARTS:
            raise MailParseError(f"more than {MAX_PARTS} MIME parts")
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
        else:
            leaves.append((part, depth))
    return leaves


def html_to_text(source: str) -> str:
    text = _BLOCK_END.sub("\n", source)
    text = nh3.clean(text, tags=set())
    text = html_lib.unescape(text)
    lines = [ln.strip() for ln in text.splitlines()]
    return _WS_LINES.sub("\n\n", "\n".join(lines)).strip()


def sanitize_html(source: str) -> str:
    return nh3.clean(
        source,
        tags=SAFE_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt"}},
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything before the first quote marker or '>' block."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith(">") or any(p.match(line) for p in _QUOTE_MARKERS):
            break
        kept.append(line)
    result = "\n".join(kept).strip()
    return result or text.strip()


def automated_reason(msg: Message, from_addr: str | None) -> str | None:
    auto_submitted = _header(msg, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"auto-submitted: {auto_submitted[:40]}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if _header(msg, name):
            return name.lower()
    precedence = _header(msg, "Precedence").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"precedence: {precedence}"
    if msg.get_content_type() == "multipart/report":
        return "bounce (delivery status report)"
    return_path = _header(msg, "Return-Path")
    if return_path.strip() == "<>":
        return "bounce (null return path)"
    local = (from_addr or "").split("@")[0]
    if local in {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"}:
        return f"sender {local}"
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return "mailing list"
    if _header(msg, "X-Kefu-Loop"):
        return "our own mail came back"
    return None


def _ticket_token(subject: str, recipients: list[str]) -> int | None:
    if m := _TOKEN_SUBJECT.search(subject):
        return int(m.group(1))
    for addr in recipients:
        if m := _PLUS.match(addr):
            return int(m.group(1))
    return None


_HEAD_MSGID = re.compile(rb"(?im)^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]{1,250}>)")


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID straight from the header block, without parsing the whole message
    (the dedupe key is taken before anything that could fail)."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    head = raw[: min(end if end >= 0 else len(raw), MAX_HEADER_BYTES)].replace(b"\x00", b"")
    m = _HEAD_MSGID.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def base_address(addr: str) -> str:
    """support+123@kefu.cn -> support@kefu.cn (the mapped address behind a plus tag)."""
    local, at, domain = addr.strip().lower().rpartition("@")
    if not at:
        return addr.strip().lower()
    return f"{local.split('+', 1)[0]}@{domain}"


def subject_has_token(subject: str, ticket_id: int) -> bool:
    m = _TOKEN_SUBJECT.search(subject)
    return m is not None and int(m.group(1)) == ticket_id


def parse(raw: bytes, *, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> ParsedMail:
    if len(raw) > MAX_RAW_BYTES:
        raise MailParseError(f"message larger than {MAX_RAW_BYTES} bytes")
    head_end = raw.find(b"\r\n\r\n")
    head_end = raw.find(b"\n\n") if head_end < 0 else head_end
    if (head_end if head_end >= 0 else len(raw)) > MAX_HEADER_BYTES:
        raise MailParseError(f"headers larger than {MAX_HEADER_BYTES} bytes")
    if not raw.strip():
        raise MailParseError("empty message")
    try:
        msg = email.message_from_bytes(raw.replace(b"\x00", b""), policy=_POLICY)
    except Exception as exc:
        raise MailParseError(f"unreadable message: {type(exc).__name__}") from exc
    if not isinstance(msg, EmailMessage | Message) or not msg.keys():
        raise MailParseError("no headers")

    senders = _addresses(msg, "From") or _addresses(msg, "Sender") or _addresses(msg, "Reply-To")
    from_name, from_addr = senders[0] if senders else ("", None)
    if from_addr is None:
        _n, fallback = parseaddr(_header(msg, "From"))
        from_addr = fallback.lower() if fallback.count("@") == 1 else None
    to = [a for _n, a in _addresses(msg, "To")]
    cc = [a for _n, a in _addresses(msg, "Cc")]
    delivered = [a for _n, a in _addresses(msg, "Delivered-To")]
    subject = _header(msg, "Subject")[:998]
    try:
        date = parsedate_to_datetime(_header(msg, "Date")) if _header(msg, "Date") else None
    except (TypeError, ValueError, IndexError):
        date = None
    message_ids = _msgids(_header(msg, "Message-ID"))

    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for part, _depth in _walk(msg):
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        raw_name = part.get_filename()
        filename = _text(raw_name) if raw_name else None
        if ctype in {"text/plain", "text/html"} and disposition != "attachment" and not filename:
            (texts if ctype == "text/plain" else htmls).append(_decode_text(part))
            continue
        if ctype.startswith("multipart/") or ctype == "message/delivery-status":
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        size = len(content)
        attachments.append(
            Attachment(
                filename=(filename or "attachment").replace("\x00", "").replace("/", "_")[:200],
                content_type=ctype,
                size=size,
                content=content if size <= max_attachment_bytes else None,
                content_id=(part.get("Content-ID") or "").strip("<> ") or None,
                inline=disposition == "inline",
            )
        )
    html = sanitize_html("\n".join(htmls)) if htmls else None
    text = "\n\n".join(t.strip() for t in texts if t.strip()) or (html_to_text(html) if html else "")
    return ParsedMail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=next(iter(_msgids(_header(msg, "In-Reply-To"))), None),
        references=tuple(_msgids(_header(msg, "References"))),
        from_name=from_name[:200],
        from_addr=from_addr,
        to=tuple(to),
        cc=tuple(cc),
        subject=subject,
        date=date,
        text=text,
        html=html,
        reply_text=strip_quoted(text),
        attachments=tuple(attachments),
        automated=automated_reason(msg, from_addr),
        ticket_token=_ticket_token(subject, to + cc + delivered),
        defects=tuple(type(d).__name__ for d in msg.defects[:20]),
    )
