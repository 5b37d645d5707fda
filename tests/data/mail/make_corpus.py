"""Writes the hostile/broken mail corpus next to this file (run once; the .eml files are
committed). Usage: .venv/bin/python tests/data/mail/make_corpus.py"""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def main() -> None:
    # Plain Chinese mails in legacy charsets.
    for charset, sample in (
        ("gb2312", "您好，我的手机充不进电了。"),
        ("gbk", "请帮我查一下订单，謝謝。"),
        ("gb18030", "耳机左边没有声音𠀀。"),
        ("big5", "請問保固多久？"),
    ):
        body = sample.encode(charset)
        name = base64.b64encode("王小明".encode(charset)).decode()
        topic = base64.b64encode(("諮詢" if charset == "big5" else "咨询").encode(charset)).decode()
        head = (
            f"From: =?{charset}?B?{name}?= <wang@example.cn>\r\n"
            f"To: support@kefu.demo\r\nSubject: =?{charset}?B?{topic}?=\r\n"
            f"Message-ID: <{charset}-1@example.cn>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        )
        write(f"charset_{charset}.eml", head.encode() + body)
    # A GBK body mislabelled as gb2312 (very common), and an unknown charset label.
    write(
        "charset_mislabelled.eml",
        b"From: a@example.cn\r\nTo: support@kefu.demo\r\nSubject: x\r\n"
        b"Message-ID: <mis-1@example.cn>\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n"
        + "鎔鍊".encode("gbk"),
    )
    write(
        "charset_unknown.eml",
        b"From: a@example.cn\r\nTo: support@kefu.demo\r\nSubject: x\r\n"
        b"Message-ID: <unk-1@example.cn>\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
        + "你好".encode(),
    )
    # 1 MB of headers, folded into lines SMTP can carry (an MTA refuses longer lines).
    write(
        "huge_headers.eml",
        b"From: a@example.cn\r\nTo: support@kefu.demo\r\nMessage-ID: <huge-1@example.cn>\r\n"
        + b"X-Junk: "
        + b"\r\n ".join([b"a" * 980] * 1070)
        + b"\r\nSubject: big\r\n\r\nbody",
    )
    # 100-deep MIME nesting.
    inner = MIMEText("deep", "plain", "utf-8")
    msg: MIMEMultipart | MIMEText = inner
    for _ in range(100):
        outer = MIMEMultipart()
        outer.attach(msg)
        msg = outer
    msg["From"] = "deep@example.cn"
    msg["To"] = "support@kefu.demo"
    msg["Subject"] = "deep"
    msg["Message-ID"] = "<deep-1@example.cn>"
    write("deep_mime.eml", msg.as_bytes())
    # NUL bytes everywhere.
    write(
        "nul_bytes.eml",
        b"From: n\x00ul@example.cn\r\nTo: support@kefu.demo\r\nSubject: nu\x00ll\r\n"
        b"Message-ID: <nul-1@example.cn>\r\n\r\nhel\x00lo",
    )
    # Encoded-word trick: the display name pretends to be another address.
    write(
        "from_trick.eml",
        b"From: =?utf-8?q?ceo=40kefu=2Edemo?= <attacker@evil.example>\r\n"
        b"To: support@kefu.demo\r\nSubject: urgent\r\nMessage-ID: <trick-1@evil.example>\r\n\r\npay now",
    )
    # HTML with scripts and an inline image.
    m = EmailMessage()
    m["From"] = "html@example.cn"
    m["To"] = "support@kefu.demo"
    m["Subject"] = "html"
    m["Message-ID"] = "<html-1@example.cn>"
    m.set_content("纯文本版本")
    m.add_alternative(
        '<p onclick="x()">你好<script>alert(1)</script><img src="cid:logo"></p><a href="javascript:x">x</a>',
        subtype="html",
    )
    m.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<logo>")
    write("html_script.eml", m.as_bytes())
    # Out-of-office auto-reply, an RFC 3464 bounce, and bulk mail.
    write(
        "auto_reply.eml",
        "From: li@example.cn\r\nTo: support@kefu.demo\r\nSubject: 自动回复: 您的工单\r\n"
        "Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\nMessage-ID: <ooo-1@example.cn>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n我正在休假。".encode(),
    )
    write(
        "bounce.eml",
        b"From: MAILER-DAEMON@example.cn\r\nTo: support@kefu.demo\r\nSubject: Undelivered Mail\r\n"
        b"Return-Path: <>\r\nMessage-ID: <bounce-1@example.cn>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; example.cn\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@example.cn\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n",
    )
    write(
        "bulk.eml",
        b"From: news@shop.example\r\nTo: support@kefu.demo\r\nSubject: Sale\r\nPrecedence: bulk\r\n"
        b"List-Unsubscribe: <mailto:u@shop.example>\r\nMessage-ID: <bulk-1@shop.example>\r\n\r\n50% off",
    )
    # Encoded words hiding a line break (header injection) and a NUL in the subject.
    write(
        "encoded_crlf.eml",
        b"From: =?utf-8?q?a=0D=0ABcc=3A_all=40kefu=2Edemo?= <crlf@example.cn>\r\n"
        b"To: support@kefu.demo\r\nSubject: =?utf-8?q?hi=0D=0ABcc=3A_all=40kefu=2Edemo=00?=\r\n"
        b"Message-ID: <crlf-1@example.cn>\r\n\r\nhello",
    )
    # Broken MIME: an unterminated boundary and base64 that is not base64.
    write(
        "broken_mime.eml",
        b"From: b@example.cn\r\nTo: support@kefu.demo\r\nSubject: broken\r\n"
        b'Message-ID: <broken-1@example.cn>\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n'
        b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not*base64***\r\n--zz\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n",
    )
    # Not a mail at all.
    write("garbage.eml", b"\x00\x01\x02 this is not a mail")
    write("empty.eml", b"")


if __name__ == "__main__":
    main()
