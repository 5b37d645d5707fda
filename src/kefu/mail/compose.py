"""Building outgoing messages (pure): headers only through the email library, so a value
with a line break can never add a header (header injection)."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from kefu.errors import Unprocessable

MAX_SUBJECT = 500  # the outbox column


def new_message_id(domain: str) -> str:
    return f"<kefu-{secrets.token_hex(12)}@{domain}>"


def build(
    *,
    mail_from: str,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    in_reply_to: str | None = None,
    references: str | None = None,
    from_name: str = "",
    auto_submitted: bool = True,
    html: str | None = None,
) -> EmailMessage:
    for name, value in (("to", to), ("subject", subject), ("from", mail_from)):
        if "\r" in value or "\n" in value:
            raise Unprocessable(f"line break in the {name} header", code="header_injection")
    msg = EmailMessage()
    msg["From"] = formataddr((from_name, mail_from)) if from_name else mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id
    # Tells auto-responders not to answer us, and marks our own mail should it come back.
    # An agent's reply is written by a person (RFC 3834): no Auto-Submitted on it.
    if auto_submitted:
        msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Kefu-Loop"] = "1"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(text, charset="utf-8")
    if html:  # text stays the first part; the HTML alternative carries links and the open pixel
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg
