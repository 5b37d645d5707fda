"""我的通知设置 in the portal (both backends): a customer turns marketing and service notices
on or off and picks the channels of each; the page shows what an unsubscribe link wrote
(the same data), PIPL holds (marketing only after they agree), and the engine obeys at once,
also for messages already planned."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from kefu.authz import SYSTEM
from kefu.customer.service import customer_service
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Customer
from kefu.models.audit import AuditEntry
from kefu.models.user import Role
from kefu.outreach import links
from kefu.outreach.rules import OutreachPolicy
from kefu.outreach.service import outreach_service
from tests.factories import PASSWORD, make_customer
from tests.outreach.conftest import make_due, make_journey, run_jobs, sends, set_policy
from tests.web.admin.cases import CJK, HTML, csrf, login

CHECKED = re.compile(r'<input type="checkbox" name="([a-z_]+)" checked')
SERVICE_ALL = {"service", "service_email", "service_sms", "service_wechat", "service_app"}
MARKETING_CHANNELS = {"marketing_email", "marketing_sms", "marketing_wechat", "marketing_app"}


async def portal_login(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/portal/login", headers=HTML)
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf(page.text)}
    assert (await client.post("/portal/login", data=form)).status_code == 303


def ticked(html: str) -> set[str]:
    return set(CHECKED.findall(html))


async def save(client: httpx.AsyncClient, boxes: set[str]) -> httpx.Response:
    page = await client.get("/portal/notifications", headers=HTML)
    form = {**dict.fromkeys(boxes, "on"), "csrf_token": csrf(page.text)}
    return await client.post("/portal/notifications", data=form)


def quiet_now() -> OutreachPolicy:
    """Quiet hours from an hour ago to an hour from now (Shanghai)."""
    local = utcnow().astimezone(ZoneInfo("Asia/Shanghai"))
    hour = timedelta(hours=1)
    return OutreachPolicy(quiet_start=f"{local - hour:%H:%M}", quiet_end=f"{local + hour:%H:%M}")


class TestNotificationSettings:
    async def test_the_customer_chooses_and_the_engine_obeys(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            me = await make_customer(s, name="王芳", email="wangfang@example.cn", phone="+8613700137001")
            await customer_service.set_password(s, me, PASSWORD)
            mail_promo = await make_journey(
                s, name="邮件活动", trigger="campaign", purpose="marketing", body_zh="{name}，双十一见"
            )
            sms_promo = await make_journey(
                s, name="短信活动", trigger="campaign", purpose="marketing", channel="sms", body_zh="双十一"
            )
            coupon_mail = await make_journey(s, name="券到账邮件")  # coupon_issued, service, email
            coupon_sms = await make_journey(s, name="券到账短信", channel="sms", body_zh="{coupon_amount}元")
        await portal_login(client, "wangfang@example.cn")
        page = await client.get("/portal/notifications", headers=HTML)
        assert page.status_code == 200 and "我的通知设置" in page.text and CJK.search(page.text)
        assert 'href="/portal/notifications"' in page.text  # in the portal's nav
        # Nobody asked yet: no marketing (PIPL), service notices on every channel.
        assert ticked(page.text) == SERVICE_ALL | MARKETING_CHANNELS
        async with db.session() as s:
            assert await outreach_service.audience(s, SYSTEM, mail_promo.id) == 0

        # Yes to offers, by e-mail only; service notices by e-mail and WeChat, not SMS or app.
        chosen = {"marketing", "marketing_email", "service", "service_email", "service_wechat"}
        r = await save(client, chosen)
        assert r.status_code == 303 and r.headers["location"] == "/portal/notifications?saved=1"
        page = await client.get("/portal/notifications?saved=1", headers=HTML)
        assert 'data-testid="saved"' in page.text and ticked(page.text) == chosen
        async with db.session() as s:
            assert await outreach_service.audience(s, SYSTEM, mail_promo.id) == 1
            assert await outreach_service.audience(s, SYSTEM, sms_promo.id) == 0
            customer = await s.get(Customer, me.id)
            assert customer is not None and customer.consents["marketing"]["granted"] is True
            assert customer.consents["marketing"]["kind"] == "customer"  # their own answer
            stmt = sa.select(AuditEntry.action).where(AuditEntry.target_id == str(me.id))
            assert "customer.consent_changed" in set((await s.execute(stmt)).scalars())
        async with db.transaction() as s:
            assert await outreach_service.launch(s, SYSTEM, mail_promo.id) == 1
            await outreach_service.trigger(s, "coupon_issued", me.id, "coupon:1", {"coupon_amount": "20"})
        await run_jobs(db)
        outcome = {
            x.journey_id: (x.status, x.reason if x.status == "skipped" else "") for x in await sends(db)
        }
        assert outcome == {
            mail_promo.id: ("sent", ""),
            coupon_mail.id: ("sent", ""),
            coupon_sms.id: ("skipped", "service_off"),
        }

        # An e-mail's unsubscribe link writes the same data the page reads.
        async with db.transaction() as s:
            await outreach_service.unsubscribe(s, links.unsubscribe_token(me.id, channel="email"))
        page = await client.get("/portal/notifications", headers=HTML)
        assert ticked(page.text) == {"marketing", "service", "service_email", "service_wechat"}

    async def test_turning_offers_off_stops_a_message_already_planned(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            me = await make_customer(s, name="李雷", email="lilei@example.cn")
            await customer_service.set_password(s, me, PASSWORD)
            promo = await make_journey(
                s, name="活动", trigger="campaign", purpose="marketing", body_zh="活动"
            )
        await portal_login(client, "lilei@example.cn")
        await save(client, {"marketing", "marketing_email", "service", "service_email"})
        await set_policy(db, quiet_now())  # the campaign waits for quiet hours to end
        async with db.transaction() as s:
            assert await outreach_service.launch(s, SYSTEM, promo.id) == 1
        [planned] = await sends(db, me.id)
        assert planned.status == "scheduled"
        await save(client, {"service", "service_email"})  # no more offers
        await set_policy(db)
        await make_due(db)
        await run_jobs(db)
        [planned] = await sends(db, me.id)
        assert (planned.status, planned.reason) == ("skipped", "no_consent")

    async def test_only_a_signed_in_customer_has_the_page(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        r = await client.get("/portal/notifications", headers=HTML)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        await login(client, db, Role.AGENT)
        r = await client.get("/portal/notifications", headers=HTML)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
