"""Parsing hostile and broken mail: every message either parses safely or raises
MailParseError (quarantine) — never anything else."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.mail.parse import MailParseError, parse, strip_quoted

CORPUS = Path(__file__).resolve().parent.parent / "data" / "mail"


def load(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


class TestCharsets:
    @pytest.mark.parametrize(
        ("name", "text", "subject"),
        [
            ("charset_gb2312.eml", "您好，我的手机充不进电了。", "咨询"),
            ("charset_gbk.eml", "请帮我查一下订单，謝謝。", "咨询"),
            ("charset_gb18030.eml", "耳机左边没有声音𠀀。", "咨询"),
            ("charset_big5.eml", "請問保固多久？", "諮詢"),
        ],
    )
    def test_chinese_charsets_decode(self, name: str, text: str, subject: str) -> None:
        mail = parse(load(name))
        assert mail.text == text
        assert mail.subject == subject
        assert mail.from_name == "王小明" and mail.from_addr == "wang@example.cn"

    def test_gbk_labelled_gb2312_and_unknown_labels_still_read(self) -> None:
        assert parse(load("charset_mislabelled.eml")).text == "鎔鍊"
        assert parse(load("charset_unknown.eml")).text == "你好"

    def test_raw_8bit_headers_and_encoded_word_file_names_read_as_text(self) -> None:
        """Mailers that put UTF-8 (or GBK) straight into headers, and attachment names as
        encoded words (common from Chinese clients), show as text, not mojibake."""
        raw = (
            "From: 王小明 <wang@example.cn>\r\nTo: support@kefu.demo\r\nSubject: 咨询 发票\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
            "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请看附件\r\n--XX\r\n"
            'Content-Type: application/pdf; name="=?utf-8?b?5Y+R56WoLnBkZg==?="\r\n'
            'Content-Disposition: attachment; filename="=?utf-8?b?5Y+R56WoLnBkZg==?="\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\nYWJj\r\n--XX--\r\n"
        ).encode()
        mail = parse(raw)
        assert (mail.from_name, mail.from_addr, mail.subject) == ("王小明", "wang@example.cn", "咨询 发票")
        [att] = mail.attachments
        assert (att.filename, att.content) == ("发票.pdf", b"abc")
        gbk = b"From: =?gbk?b?zfXQocP3?= <wang@example.cn>\r\nSubject: " + "订单".encode("gbk")
        mail = parse(gbk + b"\r\n\r\nhi")
        assert (mail.from_name, mail.subject) == ("王小明", "订单")


class TestHostile:
    def test_display_name_cannot_fake_the_sender(self) -> None:
        mail = parse(load("from_trick.eml"))
        assert mail.from_addr == "attacker@evil.example"

    def test_nul_bytes_are_removed(self) -> None:
        mail = parse(load("nul_bytes.eml"))
        assert mail.text == "hello"
        assert "\x00" not in mail.text + mail.subject + (mail.from_addr or "")

    def test_scripts_are_removed_and_inline_images_kept_as_attachments(self) -> None:
        mail = parse(load("html_script.eml"))
        assert mail.html is not None
        assert "<script" not in mail.html and "onclick" not in mail.html and "javascript:" not in mail.html
        assert mail.text == "纯文本版本"
        [img] = mail.attachments
        assert (img.content_type, img.content_id) == ("image/png", "logo")

    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("huge_headers.eml", "headers larger"),
            ("deep_mime.eml", "nesting deeper"),
            ("empty.eml", "empty"),
            ("garbage.eml", "no headers"),
        ],
    )
    def test_unreadable_mail_raises_a_quarantine_reason(self, name: str, reason: str) -> None:
        with pytest.raises(MailParseError, match=reason):
            parse(load(name))

    def test_huge_attachments_are_listed_but_not_kept(self) -> None:
        from email.message import EmailMessage

        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@example.cn", "support@kefu.demo", "big file"
        m.set_content("see attachment")
        m.add_attachment(b"x" * 3_000_000, maintype="application", subtype="zip", filename="big.zip")
        mail = parse(m.as_bytes(), max_attachment_bytes=1_000_000)
        [att] = mail.attachments
        assert (att.filename, att.size, att.content) == ("big.zip", 3_000_000, None)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=3000))
    def test_random_bytes_never_crash_the_parser(self, raw: bytes) -> None:
        with contextlib.suppress(MailParseError):
            parse(raw)


class TestAutomated:
    @pytest.mark.parametrize(
        ("name", "reason"),
        [("auto_reply.eml", "auto-submitted"), ("bounce.eml", "bounce"), ("bulk.eml", "precedence")],
    )
    def test_machine_mail_is_recognised(self, name: str, reason: str) -> None:
        assert reason in (parse(load(name)).automated or "")

    def test_a_person_is_not_automated(self) -> None:
        assert parse(load("charset_gbk.eml")).automated is None


class TestThreading:
    def test_ids_subject_token_and_plus_address(self) -> None:
        raw = (
            b"From: a@example.cn\r\nTo: support+77@kefu.demo\r\nSubject: Re: [#12] help\r\n"
            b"Message-ID: <m2@example.cn>\r\nIn-Reply-To: <kefu-12-1@kefu.demo>\r\n"
            b"References: <first@example.cn> <kefu-12-1@kefu.demo>\r\n\r\nthanks"
        )
        mail = parse(raw)
        assert mail.message_id == "<m2@example.cn>"
        assert mail.in_reply_to == "<kefu-12-1@kefu.demo>"
        assert mail.references == ("<first@example.cn>", "<kefu-12-1@kefu.demo>")
        assert mail.ticket_token == 12  # the subject token wins over the plus address

    def test_plus_address_alone(self) -> None:
        mail = parse(b"From: a@example.cn\r\nTo: support+77@kefu.demo\r\nSubject: hi\r\n\r\nx")
        assert mail.ticket_token == 77


class TestStripQuoted:
    @pytest.mark.parametrize(
        "reply",
        [
            "好的，谢谢！\n\n在 2026年11月20日 10:00，客服 <support@kefu.demo> 写道：\n> 您好",
            "好的，谢谢！\n\nOn Fri, Nov 20, 2026 at 10:00 AM Support <support@kefu.demo> wrote:\n> hi",
            "好的，谢谢！\n------------------ 原始邮件 ------------------\n发件人: 客服",
            "好的，谢谢！\n> 之前的内容",
        ],
    )
    def test_keeps_only_the_new_text(self, reply: str) -> None:
        assert strip_quoted(reply) == "好的，谢谢！"
