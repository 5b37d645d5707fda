"""The send pipeline on both backends: a repeated event sends once; consent, unsubscribe,
caps and quiet hours hold; email goes through the real outbox to a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import sqlalchemy as sa
import time_machine

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.loyalty.events import CouponIssued
from kefu.loyalty.service import loyalty_service
from kefu.models import OutboundMail
from kefu.outreach import listeners
from kefu.outreach.rules import Cap, OutreachPolicy
from kefu.outreach.service import outreach_service
from tests.factories import make_customer
from tests.outreach.conftest import Inbox, consent, make_journey, run_jobs, sends, set_policy


async def _mails(db: Database) -> list[OutboundMail]:
    async with db.session() as s:
        return list((await s.execute(sa.select(OutboundMail).order_by(OutboundMail.id))).scalars())


class TestRepeatedEventSendsOnce:
    async def test_coupon_notice_through_the_outbox_and_smtp(self, db: Database, smtp: Inbox) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            await make_journey(s, name="优惠券到账通知")
            customer = await make_customer(s, name="周杰", email="zhoujie@example.cn")
            await loyalty_service.issue(s, customer.id, reason="manual", amount=Decimal(20), validity_days=30)
        await run_jobs(db)
        [send] = await sends(db, customer.id)
        assert send.status == "sent" and send.purpose == "service"
        [mail] = smtp.messages
        assert mail["To"] == "zhoujie@example.cn"
        assert mail["Subject"] == "周杰，您有一张新优惠券"
        text = mail.get_body(("plain",)).get_content()
        assert "20 元优惠券已到账" in text
        assert "退订" not in text  # a service notice, not marketing
        assert "/o/o/" in mail.get_body(("html",)).get_content()  # the open pixel
        # The same event delivered again (a retried listener job): nothing new.
        event = CouponIssued(customer_id=customer.id, coupon_id=1, reason="manual", amount="20.00")
        async with db.transaction() as s:
            coupon_id = (await loyalty_service.coupons(s, SYSTEM, customer.id))[0].id
            event = event.model_copy(update={"coupon_id": coupon_id})
            await listeners.coupon_notice(s, event)
            await listeners.coupon_notice(s, event)
        await run_jobs(db)
        assert len(await sends(db, customer.id)) == 1
        assert len(smtp.messages) == 1 and len(await _mails(db)) == 1


class TestConsent:
    async def test_marketing_without_consent_is_logged_not_sent(self, db: Database) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            await make_journey(
                s,
                name="积分营销",
                trigger="points_credited",
                purpose="marketing",
                body_zh="{name} 积分 {points}",
            )
            customer = await make_customer(s, name="吴芳", email="wufang@example.cn")
            await outreach_service.trigger(s, "points_credited", customer.id, "order:1", {"points": 10})
        await run_jobs(db)
        [send] = await sends(db, customer.id)
        assert (send.status, send.reason) == ("skipped", "no_consent")
        assert await _mails(db) == []

    async def test_withdrawn_consent_stops_a_planned_send(self, db: Database) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            journey = await make_journey(s, name="新品", trigger="campaign", purpose="marketing")
            customer = await make_customer(s, name="王丽", email="wangli@example.cn")
            await consent(s, customer.id)
            assert await outreach_service.launch(s, SYSTEM, journey.id) == 1
        async with db.transaction() as s:
            await consent(s, customer.id, granted=False)
        await run_jobs(db)
        [send] = await sends(db, customer.id)
        assert (send.status, send.reason) == ("skipped", "no_consent")
        assert await _mails(db) == []


class TestUnsubscribe:
    async def test_link_works_without_sign_in_and_stops_queued_sends_at_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            first = await make_journey(
                s, name="首发", trigger="campaign", purpose="marketing", body_zh="新品"
            )
            second = await make_journey(
                s, name="再发", trigger="campaign", purpose="marketing", body_zh="再见"
            )
            customer = await make_customer(s, name="林晓", email="linxiao@example.cn")
            await consent(s, customer.id)
            await outreach_service.launch(s, SYSTEM, first.id)
        await run_jobs(db)
        [sent] = await sends(db, customer.id)
        assert sent.status == "sent"
        link = re.search(r"退订：\S+(/outreach/unsubscribe/\S+)", sent.body)
        assert link is not None, sent.body
        async with db.transaction() as s:
            await outreach_service.launch(s, SYSTEM, second.id)  # queued, not sent yet
        # Tampered or guessed tokens are refused; the real one works for anyone holding it.
        bad = await client.get(link.group(1)[:-3] + "abc", headers={"accept": "text/html"})
        assert bad.status_code == 404
        r = await client.get(link.group(1), headers={"accept": "text/html"})
        assert r.status_code == 200 and "退订成功" in r.text
        assert (await client.get(link.group(1))).status_code == 200  # a second click is fine
        await run_jobs(db)
        log = await sends(db, customer.id)
        assert [(x.status, x.reason) for x in log][1] == ("skipped", "unsubscribed")
        assert len(await _mails(db)) == 1
        # And nothing marketing is planned for them any more; service notices still are.
        async with db.transaction() as s:
            third = await make_journey(s, name="三发", trigger="campaign", purpose="marketing")
            assert await outreach_service.launch(s, SYSTEM, third.id) == 0


class TestCaps:
    async def test_marketing_is_capped_per_channel_service_is_not(self, db: Database) -> None:
        await set_policy(
            db, OutreachPolicy(quiet_start="00:00", quiet_end="00:00", caps={"email": Cap(max_sends=1)})
        )
        async with db.transaction() as s:
            customer = await make_customer(s, name="冯涛", email="fengtao@example.cn")
            await consent(s, customer.id)
            one = await make_journey(s, name="一", trigger="campaign", purpose="marketing")
            two = await make_journey(s, name="二", trigger="campaign", purpose="marketing")
            await make_journey(s, name="券")
            await outreach_service.launch(s, SYSTEM, one.id)
        await run_jobs(db)
        async with db.transaction() as s:
            await outreach_service.launch(s, SYSTEM, two.id)
            await loyalty_service.issue(s, customer.id, reason="manual", amount=Decimal(5), validity_days=30)
        await run_jobs(db)
        log = {(x.journey_id, x.status, x.reason) for x in await sends(db, customer.id)}
        assert (one.id, "sent", log_ref(log, one.id)) in log
        assert (two.id, "skipped", "capped") in log
        assert any(j not in (one.id, two.id) and st == "sent" for j, st, _r in log)  # the coupon notice


def log_ref(log: set[tuple[int | None, str, str]], journey_id: int) -> str:
    return next(r for j, _s, r in log if j == journey_id)


class TestQuietHours:
    async def test_a_send_due_at_night_waits_until_morning(self, db: Database) -> None:
        await set_policy(db, OutreachPolicy())  # 21:00–08:00 Asia/Shanghai
        night = datetime(2026, 12, 5, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
        with time_machine.travel(night, tick=False):
            async with db.transaction() as s:
                await make_journey(s, name="券")
                customer = await make_customer(s, name="何静", email="hejing@example.cn")
                await loyalty_service.issue(
                    s, customer.id, reason="manual", amount=Decimal(5), validity_days=30
                )
            await run_jobs(db)
            [send] = await sends(db, customer.id)
            assert send.status == "scheduled"
            assert send.run_at.replace(tzinfo=UTC) == datetime(2026, 12, 6, 0, 0, tzinfo=UTC)  # 08:00 local
            assert await _mails(db) == []
        with time_machine.travel(datetime(2026, 12, 6, 0, 1, tzinfo=UTC), tick=False):
            await run_jobs(db)
        [send] = await sends(db, customer.id)
        assert send.status == "sent" and len(await _mails(db)) == 1
