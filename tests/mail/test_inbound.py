"""Inbound mail end to end: real SMTP conversations (smtplib → the aiosmtpd listener on
loopback) → raw stored → processed by the job worker into tickets, comments, quarantine."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
import sqlalchemy as sa

from kefu.authz import SYSTEM
from kefu.config import current_settings
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.mail.service.channels import mail_channel_service
from kefu.mail.service.inbound import inbound_mail_service
from kefu.models import InboundMail, OutboundMail, Ticket, TicketAttachment, TicketComment
from kefu.models.customer import Identity
from tests.conftest import Configure
from tests.factories import make_group
from tests.mail.conftest import CORPUS, Mta, mail

pytestmark = pytest.mark.usefixtures("mta")


async def rows(db: Database, model: Any, *where: Any) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(sa.select(model).where(*where).order_by(model.id))).scalars())


async def comments(db: Database, ticket_id: int) -> list[str]:
    return [c.body for c in await rows(db, TicketComment, TicketComment.ticket_id == ticket_id)]


class TestNewMail:
    async def test_a_new_mail_opens_an_email_ticket_for_the_sender(self, db: Database, mta: Mta) -> None:
        async with db.transaction() as s:
            default = await make_group(s, name="售后", is_default=True)
        await mta.deliver(mail(message_id="<new-1@example.cn>"))
        [t] = await rows(db, Ticket)
        assert (t.subject, t.channel, t.group_id, t.status) == ("手机充不进电", "email", default.id, "new")
        assert await comments(db, t.id) == ["您好，我的手机充不进电了。"]
        [ident] = await rows(db, Identity, Identity.customer_id == t.customer_id)
        assert (ident.kind, ident.value) == ("email", "wang@example.cn")
        [row] = await rows(db, InboundMail)
        assert (row.status, row.ticket_id, row.message_key) == ("ticket", t.id, "<new-1@example.cn>")
        assert await rows(db, OutboundMail) == []  # no auto-acknowledgement that could loop

    async def test_a_mapped_address_routes_to_its_group(self, db: Database, mta: Mta) -> None:
        async with db.transaction() as s:
            await make_group(s, name="售后", is_default=True)
            presale = await make_group(s, name="售前")
            from kefu.mail.schemas import AddressCreate

            await mail_channel_service.create_address(
                s, SYSTEM, AddressCreate(address="Sales@Kefu.demo", group_id=presale.id)
            )
        await mta.deliver(mail(to="sales@kefu.demo", message_id="<m-sales@example.cn>"), ["sales@kefu.demo"])
        [t] = await rows(db, Ticket)
        assert t.group_id == presale.id

    async def test_the_same_message_id_twice_is_one_ticket(self, db: Database, mta: Mta) -> None:
        m = mail(message_id="<dup-1@example.cn>")
        await mta.send(m)
        await mta.send(m)  # the MTA did not see our 250 and retries: still accepted
        await Worker(db).run_until_idle()
        assert len(await rows(db, Ticket)) == 1
        assert len(await rows(db, InboundMail)) == 1

    async def test_without_message_id_the_raw_hash_dedupes(self, db: Database, mta: Mta) -> None:
        raw = b"From: a@example.cn\r\nTo: support@kefu.demo\r\nSubject: no id\r\n\r\nhello\r\n"
        await mta.send(raw)
        await mta.send(raw)
        await Worker(db).run_until_idle()
        [row] = await rows(db, InboundMail)
        assert row.message_key.startswith("sha256:") and row.status == "ticket"

    async def test_chinese_legacy_charsets_read_right(self, db: Database, mta: Mta) -> None:
        expected = {
            "charset_gb2312.eml": ("咨询", "您好，我的手机充不进电了。"),
            "charset_gbk.eml": ("咨询", "请帮我查一下订单，謝謝。"),
            "charset_big5.eml": ("諮詢", "請問保固多久？"),
        }
        for name in expected:
            await mta.deliver((CORPUS / name).read_bytes())
        tickets = await rows(db, Ticket)
        got = [(t.subject, (await comments(db, t.id))[0]) for t in tickets]
        assert got == list(expected.values())

    async def test_attachments_are_kept_like_ticket_attachments(self, db: Database, mta: Mta) -> None:
        m = mail(message_id="<att-1@example.cn>", body="发票见附件")
        m.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="发票.pdf")
        m.add_attachment(b"MZ...", maintype="application", subtype="octet-stream", filename="run.exe")
        await mta.deliver(m)
        [t] = await rows(db, Ticket)
        [att] = await rows(db, TicketAttachment)
        assert (att.filename, att.size, att.ticket_id) == ("发票.pdf", 13, t.id)
        path = current_settings().data_dir / "attachments" / att.storage_key[:2] / att.storage_key
        assert path.read_bytes() == b"%PDF-1.4 fake"
        [body] = await comments(db, t.id)
        assert body.startswith("发票见附件") and "run.exe" in body  # named, not kept


class TestThreading:
    async def _first(self, db: Database, mta: Mta) -> Ticket:
        await mta.deliver(mail(message_id="<first@example.cn>"))
        [t] = await rows(db, Ticket)
        assert isinstance(t, Ticket)
        return t

    async def test_in_reply_to_adds_a_comment_with_quotes_stripped(self, db: Database, mta: Mta) -> None:
        t = await self._first(db, mta)
        reply = mail(
            subject="Re: 手机充不进电",
            body="换了充电器也不行。\n\n在 2026年11月24日，客服 写道：\n> 请换个充电器试试",
            message_id="<second@example.cn>",
            in_reply_to="<first@example.cn>",
            references="<first@example.cn>",
        )
        await mta.deliver(reply)
        assert len(await rows(db, Ticket)) == 1
        assert (await comments(db, t.id))[-1] == "换了充电器也不行。"
        [c] = (await rows(db, TicketComment, TicketComment.ticket_id == t.id))[-1:]
        async with db.session() as s:
            full = await inbound_mail_service.full_text_of_comment(s, SYSTEM, c.id)
        assert full is not None and "> 请换个充电器试试" in full  # "show quoted"

    async def test_the_subject_token_alone_threads_for_the_same_customer(
        self, db: Database, mta: Mta
    ) -> None:
        t = await self._first(db, mta)
        await mta.deliver(
            mail(subject=f"回复：手机充不进电 [#{t.id}]", body="还是不行", message_id="<tok@example.cn>")
        )
        assert len(await rows(db, Ticket)) == 1
        assert (await comments(db, t.id))[-1] == "还是不行"

    async def test_a_token_from_someone_else_opens_a_new_ticket(self, db: Database, mta: Mta) -> None:
        t = await self._first(db, mta)
        await mta.deliver(
            mail(subject=f"[#{t.id}] 插一句", sender="stranger@example.org", message_id="<x@example.org>")
        )
        assert len(await rows(db, Ticket)) == 2
        assert len(await comments(db, t.id)) == 1

    async def test_plus_addressing_threads(self, db: Database, mta: Mta) -> None:
        t = await self._first(db, mta)
        to = f"support+{t.id}@kefu.demo"
        await mta.deliver(
            mail(subject="补充", body="补充一张照片", to=to, message_id="<plus@example.cn>"), [to]
        )
        assert len(await rows(db, Ticket)) == 1
        assert (await comments(db, t.id))[-1] == "补充一张照片"


class TestMachineMail:
    @pytest.mark.parametrize(
        ("name", "reason"),
        [("auto_reply.eml", "auto-submitted"), ("bounce.eml", "bounce"), ("bulk.eml", "precedence")],
    )
    async def test_never_a_ticket_never_a_reply(self, db: Database, mta: Mta, name: str, reason: str) -> None:
        await mta.deliver((CORPUS / name).read_bytes())
        assert await rows(db, Ticket) == []
        assert await rows(db, OutboundMail) == []
        [row] = await rows(db, InboundMail)
        assert row.status == "automated" and reason in (row.reason or "")

    async def test_out_of_office_on_a_ticket_thread_adds_nothing(self, db: Database, mta: Mta) -> None:
        await mta.deliver(mail(message_id="<orig@example.cn>"))
        ooo = mail(
            subject="自动回复: 手机充不进电",
            body="我正在休假",
            message_id="<ooo@example.cn>",
            in_reply_to="<orig@example.cn>",
            headers={"Auto-Submitted": "auto-replied"},
        )
        await mta.deliver(ooo)
        [t] = await rows(db, Ticket)
        assert len(await comments(db, t.id)) == 1
        assert await rows(db, OutboundMail) == []

    async def test_a_sender_in_a_loop_is_held_then_retried(
        self, db: Database, mta: Mta, configure: Configure
    ) -> None:
        configure(mail_loop_max=3)
        for n in range(5):
            await mta.send(mail(subject=f"第{n}封", message_id=f"<loop-{n}@example.cn>"))
        await Worker(db).run_until_idle()
        statuses = [r.status for r in await rows(db, InboundMail)]
        assert statuses == ["ticket", "ticket", "ticket", "held", "held"]
        held = (await rows(db, InboundMail))[-1]
        async with db.transaction() as s:
            await mail_channel_service.retry(s, SYSTEM, held.id)
        await Worker(db).run_until_idle()
        assert (await rows(db, InboundMail))[-1].status == "ticket"


class TestBadMail:
    async def test_malformed_mail_is_quarantined_and_the_next_one_still_works(
        self, db: Database, mta: Mta
    ) -> None:
        await mta.send((CORPUS / "deep_mime.eml").read_bytes())
        await mta.send(b"\x00\x01 this is not a mail at all\r\n")
        await mta.send(mail(message_id="<after@example.cn>"))
        await Worker(db).run_until_idle()
        statuses = [(r.status, r.reason or "") for r in await rows(db, InboundMail)]
        assert statuses[0][0] == "quarantined" and "nesting" in statuses[0][1]
        assert statuses[1][0] == "quarantined"
        assert statuses[2] == ("ticket", "")
        assert len(await rows(db, Ticket)) == 1

    async def test_every_hostile_mail_is_a_ticket_or_kept_aside(self, db: Database, mta: Mta) -> None:
        names = sorted(p.name for p in CORPUS.glob("*.eml") if p.stat().st_size > 0)
        for name in names:
            await mta.send((CORPUS / name).read_bytes())
        await Worker(db).run_until_idle()  # one worker run over all of them: none blocks the rest
        inbound = await rows(db, InboundMail)
        assert len(inbound) == len(names)
        assert {r.status for r in inbound} <= {"ticket", "quarantined", "automated"}
        assert len(await rows(db, Ticket)) == sum(r.status == "ticket" for r in inbound) > 0
        quarantined = {r.message_key: r.reason for r in inbound if r.status == "quarantined"}
        assert "headers larger" in (quarantined.pop("<huge-1@example.cn>") or "")
        assert "nesting deeper" in (quarantined.pop("<deep-1@example.cn>") or "")
        [(_key, garbage)] = quarantined.items()
        assert garbage == "no headers"
        subjects = [t.subject for t in await rows(db, Ticket)]
        assert all("\n" not in s and "\r" not in s and "\x00" not in s for s in subjects)

    async def test_the_script_in_html_mail_never_reaches_the_ticket(self, db: Database, mta: Mta) -> None:
        await mta.deliver((CORPUS / "html_script.eml").read_bytes())
        [t] = await rows(db, Ticket)
        assert all("<script" not in body for body in await comments(db, t.id))

    async def test_oversize_mail_is_refused_with_552(self, db: Database, mta: Mta) -> None:
        m = mail(message_id="<big@example.cn>")
        m.add_attachment(b"x" * 2_100_000, maintype="application", subtype="zip", filename="big.zip")
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as info:
            await mta.send(m)
        assert info.value.smtp_code == 552
        assert await rows(db, InboundMail) == []

    async def test_an_empty_message_is_refused(self, db: Database, mta: Mta) -> None:
        with pytest.raises(smtplib.SMTPDataError) as info:
            await mta.send(b"")
        assert info.value.smtp_code == 554


class TestRecipients:
    async def test_with_mail_domains_foreign_recipients_get_550(
        self, db: Database, mta: Mta, configure: Configure
    ) -> None:
        configure(mail_domains=["kefu.demo"])
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            await mta.send(mail(to="x@elsewhere.example"), ["x@elsewhere.example"])
        assert info.value.recipients["x@elsewhere.example"][0] == 550
        await mta.deliver(mail(message_id="<ok@example.cn>"), ["help@kefu.demo"])
        assert len(await rows(db, Ticket)) == 1
