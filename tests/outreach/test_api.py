"""The outreach API on both backends: templates checked on save (422), admins manage and
supervisors read, the shipment-delay webhook gives one apology and one coupon, preview,
audience and test send, the birthday job once a year, the customer's send log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import OutboundMail
from kefu.models.user import Role
from kefu.outreach.service import outreach_service
from tests.factories import bearer, make_customer, staff_token
from tests.outreach.conftest import consent, make_journey, run_jobs, sends, set_policy

DELAY = {
    "name": "物流延误致歉",
    "trigger": "shipment_delayed",
    "purpose": "service",
    "subject_zh": "订单 {order_ref} 延误致歉",
    "body_zh": "{name}您好，订单 {order_ref} 未能在 {promised_at} 送达，送您 {coupon_amount} 元优惠券。",
    "coupon_amount": "20",
}


async def _admin(db: Database) -> dict[str, str]:
    return bearer((await staff_token(db, role=Role.ADMIN))[1])


class TestJourneysApi:
    async def test_unknown_placeholders_are_refused_on_save(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        h = await _admin(db)
        for body in ("您好 {nickname}", "{name.__class__}", "{0}", "{name!r}", "{name:>10}", "未闭合 {name"):
            r = await client.post("/api/v1/outreach/journeys", headers=h, json={**DELAY, "body_zh": body})
            assert r.status_code == 422, (body, r.text)
        r = await client.post(
            "/api/v1/outreach/journeys", headers=h, json={**DELAY, "body_zh": "{{字面}} {name}"}
        )
        assert r.status_code == 201, r.text

    async def test_admins_manage_supervisors_read(self, db: Database, client: httpx.AsyncClient) -> None:
        admin = await _admin(db)
        r = await client.post("/api/v1/outreach/journeys", headers=admin, json=DELAY)
        assert r.status_code == 201
        jid = r.json()["id"]
        sup = bearer((await staff_token(db, role=Role.SUPERVISOR))[1])
        agent = bearer((await staff_token(db, role=Role.AGENT))[1])
        assert (await client.get("/api/v1/outreach/journeys", headers=sup)).status_code == 200
        assert (await client.get(f"/api/v1/outreach/journeys/{jid}/audience", headers=sup)).status_code == 200
        assert (await client.post("/api/v1/outreach/journeys", headers=sup, json=DELAY)).status_code == 403
        assert (
            await client.post(f"/api/v1/outreach/journeys/{jid}/deactivate", headers=sup)
        ).status_code == 403
        assert (await client.get("/api/v1/outreach/journeys", headers=agent)).status_code == 403
        r = await client.post(f"/api/v1/outreach/journeys/{jid}/deactivate", headers=admin)
        assert r.status_code == 200 and r.json()["active"] is False
        assert (await client.get("/api/v1/outreach/journeys/999", headers=admin)).status_code == 404

    async def test_greetings_cannot_pose_as_service_notices(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        body = {"name": "生日", "trigger": "birthday", "purpose": "service", "body_zh": "生日快乐"}
        r = await client.post("/api/v1/outreach/journeys", headers=await _admin(db), json=body)
        assert r.status_code == 422


class TestShipmentDelay:
    async def test_one_apology_and_one_coupon_however_often_posted(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        h = await _admin(db)
        assert (await client.post("/api/v1/outreach/journeys", headers=h, json=DELAY)).status_code == 201
        async with db.transaction() as s:
            await make_journey(s, name="优惠券到账通知")  # must not announce the apology's coupon again
            customer = await make_customer(s, name="周杰", email="zhoujie@example.cn")
        event = {
            "customer_id": customer.id,
            "kind": "shipment_delayed",
            "order_ref": "SO-1001",
            "promised_at": (utcnow() - timedelta(days=1)).isoformat(),
        }
        for _ in range(3):
            r = await client.post("/api/v1/outreach/events", headers=h, json=event)
            assert r.status_code == 202, r.text
            await run_jobs(db)
        [send] = await sends(db, customer.id)
        assert send.status == "sent" and send.subject == "订单 SO-1001 延误致歉"
        assert "送您 20 元优惠券" in send.body and "SO-1001" in send.body
        coupons = (await client.get(f"/api/v1/customers/{customer.id}/coupons", headers=h)).json()["items"]
        assert [(c["reason"], c["amount"]) for c in coupons] == [("shipment_delay", "20.00")]
        async with db.session() as s:
            mails = (await s.execute(sa.select(OutboundMail))).scalars().all()
        assert [m.to_addr for m in mails] == ["zhoujie@example.cn"]
        # Another order's delay is another apology.
        await client.post("/api/v1/outreach/events", headers=h, json={**event, "order_ref": "SO-1002"})
        await run_jobs(db)
        assert len(await sends(db, customer.id)) == 2

    async def test_bad_events_are_refused(self, db: Database, client: httpx.AsyncClient) -> None:
        h = await _admin(db)
        base = {
            "customer_id": 1,
            "kind": "shipment_delayed",
            "order_ref": "X",
            "promised_at": "2026-12-01T10:00:00+08:00",
        }
        assert (
            await client.post("/api/v1/outreach/events", headers=h, json={**base, "kind": "x"})
        ).status_code == 422
        assert (await client.post("/api/v1/outreach/events", headers=h, json=base)).status_code == 404
        sup = bearer((await staff_token(db, role=Role.SUPERVISOR))[1])
        assert (await client.post("/api/v1/outreach/events", headers=sup, json=base)).status_code == 403


class TestPreviewAudienceTestSend:
    async def test_preview_for_a_sample_customer_and_a_test_send(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        h = await _admin(db)
        body: dict[str, Any] = {
            "name": "生日问候",
            "trigger": "birthday",
            "purpose": "marketing",
            "subject_zh": "{name}，生日快乐",
            "body_zh": "尊敬的{tier}，送您{benefit}。",
            "body_en": "Dear {name}, happy birthday: {benefit}.",
        }
        jid = (await client.post("/api/v1/outreach/journeys", headers=h, json=body)).json()["id"]
        async with db.transaction() as s:
            zh = await make_customer(s, name="王丽", email="wangli@example.cn")
            en = await make_customer(s, name="Emily", email="emily@example.com", locale="en")
            await make_customer(s, name="未同意", email="no@example.cn")
            await consent(s, zh.id)
            await consent(s, en.id)
        assert (await client.get(f"/api/v1/outreach/journeys/{jid}/audience", headers=h)).json() == {
            "count": 2
        }
        r = await client.post(
            f"/api/v1/outreach/journeys/{jid}/preview", headers=h, json={"customer_id": zh.id}
        )
        p = r.json()
        assert p["subject"] == "王丽，生日快乐" and p["body"].startswith(
            "尊敬的会员，送您生日月购物积分 2 倍。"
        )
        assert "退订：" in p["body"]  # marketing always carries its unsubscribe link
        p = (
            await client.post(
                f"/api/v1/outreach/journeys/{jid}/preview", headers=h, json={"customer_id": en.id}
            )
        ).json()
        assert p["lang"] == "en" and p["body"].startswith("Dear Emily, happy birthday: 2x points")
        r = await client.post(
            f"/api/v1/outreach/journeys/{jid}/test-send", headers=h, json={"to": "me@kefu.demo"}
        )
        assert r.status_code == 202
        await run_jobs(db)
        async with db.session() as s:
            [mail] = (await s.execute(sa.select(OutboundMail))).scalars().all()
        assert mail.to_addr == "me@kefu.demo" and mail.subject.startswith("[测试]")


class TestBirthdays:
    async def test_greeted_on_the_day_once_a_year(self, db: Database, client: httpx.AsyncClient) -> None:
        await set_policy(db)
        today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
        async with db.transaction() as s:
            await make_journey(
                s, name="生日", trigger="birthday", purpose="marketing", body_zh="{name}生日快乐，{benefit}"
            )
            born = (
                date(1990, today.month, today.day)
                if (today.month, today.day) != (2, 29)
                else date(1992, 2, 29)
            )
            star = await make_customer(s, name="寿星", email="star@example.cn", birthday=born)
            other = await make_customer(
                s, name="别人", email="other@example.cn", birthday=date(1990, today.month % 12 + 1, 1)
            )
            for c in (star, other):
                await consent(s, c.id)
        for _ in range(2):
            async with db.transaction() as s:
                await outreach_service.birthdays(s)
            await run_jobs(db)
        [send] = await sends(db, star.id)
        assert send.status == "sent" and send.occurrence == f"birthday:{today.year}"
        assert await sends(db, other.id) == []
        h = await _admin(db)
        log = (await client.get(f"/api/v1/outreach/customers/{star.id}/sends", headers=h)).json()["items"]
        assert [(x["status"], x["channel"]) for x in log] == [("sent", "email")]
