"""Agent replies on email tickets reach the customer through the outbox (a real SMTP server
on loopback receives them), thread in the customer's client, and the customer's answer to
our mail comes back into the same ticket."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.models import OutboundMail, Ticket, TicketComment
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token
from tests.mail.conftest import Mta, Outgoing, mail, run_jobs


class TestAgentReply:
    async def test_reply_is_threaded_signed_and_answerable(
        self, db: Database, mta: Mta, outgoing: Outgoing, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            g = await make_group(s, name="售后", is_default=True)
        _admin, admin = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/channels/email",
            headers=bearer(admin),
            json={
                "address": "help@kefu.demo",
                "group_id": g.id,
                "from_name": "星辰客服",
                "signature": "星辰电子 客服部",
            },
        )
        assert r.status_code == 201
        await mta.deliver(
            mail(to="help@kefu.demo", message_id="<q1@example.cn>", references="<older@example.cn>"),
            ["help@kefu.demo"],
        )
        async with db.session() as s:
            t = (await s.execute(sa.select(Ticket))).scalar_one()
        _agent, token = await staff_token(db, role=Role.AGENT, group_ids=[g.id], name="李客服")
        r = await client.post(
            f"/api/v1/tickets/{t.id}/comments",
            headers=bearer(token),
            json={"body": "请换个充电器试试。", "public": True},
        )
        assert r.status_code == 201, r.text
        await client.post(
            f"/api/v1/tickets/{t.id}/comments",
            headers=bearer(token),
            json={"body": "内部备注", "public": False},
        )
        await run_jobs(db)
        [sent] = outgoing.messages  # the internal note is never mailed
        assert sent["To"] == "wang@example.cn"
        assert sent["From"].addresses[0].addr_spec == "help@kefu.demo"
        assert sent["From"].addresses[0].display_name == "星辰客服"
        assert sent["Subject"] == f"回复：手机充不进电 [#{t.id}]"
        assert sent["In-Reply-To"] == "<q1@example.cn>"
        assert sent["References"].split() == ["<older@example.cn>", "<q1@example.cn>"]
        assert sent["Auto-Submitted"] is None  # a person wrote it
        body = sent.get_content()
        assert body.startswith("请换个充电器试试。") and "星辰电子 客服部" in body and f"#{t.id}" in body

        # The customer answers our mail: their client sets In-Reply-To to our Message-ID.
        await mta.deliver(
            mail(
                subject=f"Re: {sent['Subject']}",
                body="换了也不行。\n\n> 请换个充电器试试。",
                message_id="<q2@example.cn>",
                in_reply_to=sent["Message-ID"],
                to="help@kefu.demo",
            ),
            ["help@kefu.demo"],
        )
        async with db.session() as s:
            assert (await s.execute(sa.select(sa.func.count()).select_from(Ticket))).scalar_one() == 1
            last = (
                await s.execute(sa.select(TicketComment).order_by(TicketComment.id.desc()).limit(1))
            ).scalar_one()
        assert (last.ticket_id, last.body, last.via) == (t.id, "换了也不行。", "email")
        r = await client.get(f"/api/v1/mail/comments/{last.id}/full", headers=bearer(token))
        assert r.status_code == 200 and "> 请换个充电器试试。" in r.json()["text"]

    async def test_replies_on_other_channels_are_not_mailed(
        self, db: Database, outgoing: Outgoing, client: httpx.AsyncClient
    ) -> None:
        _agent, token = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/tickets",
            headers=bearer(token),
            json={"subject": "网页工单", "channel": "web", "requester": {"email": "web@example.cn"}},
        )
        await client.post(
            f"/api/v1/tickets/{r.json()['id']}/comments",
            headers=bearer(token),
            json={"body": "好的", "public": True},
        )
        await run_jobs(db)
        assert outgoing.messages == []
        async with db.session() as s:
            assert (await s.execute(sa.select(OutboundMail))).first() is None
