"""Outgoing mail through a real SMTP conversation (aiosmtpd on loopback): sign-in links,
escalation mails, retries, and header injection refused."""

from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy as sa

from kefu.errors import Unprocessable
from kefu.kit.db import Database
from kefu.kit.jobs import Job, Worker
from kefu.kit.time import utcnow
from kefu.models import OutboundMail
from kefu.outbox.service import mail_service
from tests.conftest import Configure, free_port
from tests.factories import make_customer
from tests.mail.conftest import Outgoing


@pytest.fixture
def smtp(outgoing: Outgoing, configure: Configure) -> Outgoing:
    configure(mail_from="support@kefu.demo", public_url="http://kefu.test")
    return outgoing


class TestMagicLink:
    async def test_link_arrives_signs_in_once(
        self, db: Database, smtp: Outgoing, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_customer(s, name="林晓", email="linxiao@example.cn")
        page = await client.get("/portal/login", headers={"accept": "text/html"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        for email in ("linxiao@example.cn", "nobody@example.cn"):
            r = await client.post("/portal/magic-link", data={"email": email, "csrf_token": token})
            assert r.status_code == 200 and 'id="link-sent"' in r.text  # same answer either way
        await Worker(db).run_until_idle()
        [mail] = smtp.messages
        assert mail["To"] == "linxiao@example.cn" and mail["Auto-Submitted"] == "auto-generated"
        link = re.search(r"https?://[^/\s]+(/portal/magic/\S+)", mail.get_content()).group(1)  # type: ignore[union-attr]
        fresh = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # a new browser
        r = await fresh.get(link)
        assert r.status_code == 303 and "kefu_session=" in r.headers["set-cookie"]
        r = await fresh.get(link)
        assert r.status_code == 401  # one use only
        await fresh.aclose()


class TestOutbox:
    async def test_smtp_down_is_retried_then_failed(self, db: Database, configure: Configure) -> None:
        configure(smtp_host="127.0.0.1", smtp_port=free_port())  # nobody listens
        async with db.transaction() as s:
            await mail_service.queue(s, to="a@example.cn", subject="你好", text="正文")
        for _ in range(10):
            async with db.transaction() as s:
                await s.execute(sa.update(Job).values(run_at=utcnow()))
            await Worker(db).run_until_idle()
        async with db.session() as s:
            mail = (await s.execute(sa.select(OutboundMail))).scalar_one()
        assert (mail.status, mail.attempts) == ("failed", 7)
        assert "Connect" in (mail.last_error or "") or "refused" in (mail.last_error or "").lower()

    async def test_header_injection_is_refused(self, db: Database) -> None:
        async with db.transaction() as s:
            with pytest.raises(Unprocessable, match="line break"):
                await mail_service.queue(s, to="a@example.cn", subject="hi\r\nBcc: all@example.cn", text="x")

    async def test_without_smtp_mail_is_held_not_lost(self, db: Database) -> None:
        async with db.transaction() as s:
            mail = await mail_service.queue(s, to="a@example.cn", subject="你好", text="正文")
        assert mail.status == "held"


class TestEscalationMail:
    async def test_supervisor_of_the_group_gets_mail(
        self, db: Database, client: httpx.AsyncClient, smtp: Outgoing
    ) -> None:
        from kefu.models.user import Role
        from tests.factories import bearer, make_group, make_user, staff_token

        async with db.transaction() as s:
            g = await make_group(s, name="投诉处理", is_default=True)
            other = await make_group(s, name="售前")
            await make_user(s, role=Role.SUPERVISOR, email="sup@kefu.demo", name="王主管", group_ids=[g.id])
            await make_user(s, role=Role.SUPERVISOR, email="elsewhere@kefu.demo", group_ids=[other.id])
        _admin, token = await staff_token(db, role=Role.ADMIN)
        await client.post(
            "/api/v1/triggers",
            headers=bearer(token),
            json={"name": "投诉通知主管", "on": "created", "actions": [{"action": "notify_supervisors"}]},
        )
        await client.post(
            "/api/v1/tickets", headers=bearer(token), json={"subject": "客服态度差", "channel": "web"}
        )
        for _ in range(3):
            await Worker(db).run_until_idle()
        assert [m["To"] for m in smtp.messages] == ["sup@kefu.demo"]
        assert "客服态度差" in str(smtp.messages[0]["Subject"])
