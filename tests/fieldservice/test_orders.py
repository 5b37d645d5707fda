"""Service orders through the API on both backends: the contract's shapes, warranty, fees
from warranty and tier, the state machine (illegal → 409), dispatch by coverage and
capacity (also under concurrent requests), and the 24 h confirmation clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa

from kefu.fieldservice.service import device_service, order_service
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.time import utcnow
from kefu.models import EventRecord, OutboundMail, ServiceClock, ServicePointLoad
from tests.fieldservice.helpers import Field


class TestDevices:
    async def test_warranty_follows_the_product_line_rule_and_the_serial_check(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        cid = await f.customer()
        fresh = await f.device(cid, line="phone", age_days=100, serial="IMEI8612345")
        assert fresh["in_warranty"] is True and fresh["id"] > 0
        old_phone = await f.device(cid, line="phone", age_days=400)
        assert old_phone["in_warranty"] is False
        # Smart-home devices carry 24 months: 400 days old is still covered.
        old_speaker = await f.device(cid, line="smart_home", age_days=400)
        assert old_speaker["in_warranty"] is True
        r = await client.get("/api/v1/warranty", headers=f.h, params={"serial": "imei8612345"})
        assert r.status_code == 200 and r.json()["in_warranty"] is True
        assert r.json()["warranty_until"] == fresh["warranty_until"]
        dup = await client.post(
            f"/api/v1/customers/{cid}/devices",
            headers=f.h,
            json={
                "model": "X",
                "serial": "IMEI8612345",
                "product_line": "phone",
                "purchased_at": "2026-01-01",
            },
        )
        assert dup.status_code == 409 and dup.json()["error"]["code"] == "serial_taken"
        bad = await client.post(
            f"/api/v1/customers/{cid}/devices",
            headers=f.h,
            json={"model": "X", "serial": "SN1", "product_line": "phone", "purchased_at": "2026-02-30"},
        )
        assert bad.status_code == 422 and "error" in bad.json()
        missing = await client.post(
            "/api/v1/customers/99999999999/devices",
            headers=f.h,
            json={"model": "X", "serial": "SN12345", "product_line": "phone", "purchased_at": "2026-01-01"},
        )
        assert missing.status_code in (404, 422)


class TestFees:
    async def test_in_warranty_is_free_and_out_of_warranty_pays_the_line_fee(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        await f.point()
        cid = await f.customer(tier="mid")
        covered = await f.device(cid, age_days=30)
        first = await f.order(cid, covered["id"])
        assert first["fee_cny"] == 0 and first["status"] == "created"
        expired = await f.device(cid, age_days=500)
        paid = await f.order(cid, expired["id"], kind="onsite")
        assert paid["fee_cny"] == 150 + 50  # phone labour + on-site visit
        mailed = await f.order(cid, expired["id"], kind="mail_in")
        assert mailed["fee_cny"] == 150

    async def test_high_tier_on_site_is_free_and_potential_first_order_is_free(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        await f.point()
        vip = await f.customer("VIP", tier="high")
        dev = await f.device(vip, age_days=500)
        assert (await f.order(vip, dev["id"], kind="onsite"))["fee_cny"] == 0
        assert (await f.order(vip, dev["id"], kind="mail_in"))["fee_cny"] == 150  # free on-site only
        newbie = await f.customer("新客", tier="potential")
        dev2 = await f.device(newbie, age_days=500)
        assert (await f.order(newbie, dev2["id"], kind="mail_in"))["fee_cny"] == 0
        assert (await f.order(newbie, dev2["id"], kind="mail_in"))["fee_cny"] == 150  # only the first


class TestStateMachine:
    async def test_the_whole_path_and_illegal_moves_are_409(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        await f.point()
        cid = await f.customer()
        dev = await f.device(cid, age_days=500)
        order = await f.order(cid, dev["id"], kind="onsite")
        oid = order["id"]
        r = await f.move(oid, "repairing")
        assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
        assert (await f.move(oid, "nonsense")).status_code == 409
        assert (await f.move(oid, "appointment_confirmed")).status_code == 200
        assert (await f.move(oid, "received")).status_code == 409  # on-site orders: the engineer arrives
        for step in ("arrived", "diagnosed"):
            assert (await f.move(oid, step)).status_code == 200, step
        no_amount = await f.move(oid, "quoted")
        assert no_amount.status_code == 422
        assert (await f.move(oid, "quoted", quote_cny=380, note="更换屏幕")).json()["quote_cny"] == 380
        for step in ("approved", "repairing", "quality_check", "done"):
            r = await f.move(oid, step)
            assert r.status_code == 200, (step, r.text)
        body = r.json()
        assert body["status"] == "done" and body["completed_at"] is not None
        assert [s["to_status"] for s in body["timeline"]] == [
            "created",
            "appointment_confirmed",
            "arrived",
            "diagnosed",
            "quoted",
            "approved",
            "repairing",
            "quality_check",
            "done",
        ]
        assert (await f.move(oid, "cancelled")).status_code == 409
        async with db.session() as s:
            names = (
                (await s.execute(sa.select(EventRecord.name).where(EventRecord.aggregate == "service_order")))
                .scalars()
                .all()
            )
        assert names.count("service_order.transitioned") == 8

    async def test_cancelling_frees_the_points_capacity(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        point = await f.point(capacity=1)
        cid = await f.customer()
        dev = await f.device(cid)
        first = await f.order(cid, dev["id"])
        assert first["service_point_id"] == point["id"]
        assert (await f.order(cid, dev["id"]))["service_point_id"] is None  # full today
        assert (await f.move(first["id"], "cancelled")).status_code == 200
        assert (await f.order(cid, dev["id"]))["service_point_id"] == point["id"]


class TestDispatch:
    async def test_coverage_and_product_line_pick_the_point(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        await f.point(city="广州", lines=["phone"])
        tablets_only = await f.point(city="深圳", lines=["tablet"])
        partner = await f.point(city="东莞", lines=["phone"], kind="partner", coverage=["深圳市"])
        own = await f.point(city="深圳市", lines=["phone", "tablet"], capacity=1)
        cid = await f.customer()
        phone = await f.device(cid)
        assert (await f.order(cid, phone["id"], city="深圳"))["service_point_id"] == own["id"]  # own first
        # Own point full → the partner covering 深圳 takes it, never the 广州 point.
        assert (await f.order(cid, phone["id"], city="深圳"))["service_point_id"] == partner["id"]
        tablet = await f.device(cid, line="tablet")
        assert (await f.order(cid, tablet["id"], city="深圳"))["service_point_id"] == tablets_only["id"]
        assert (await f.order(cid, phone["id"], city="拉萨"))["service_point_id"] is None

    async def test_concurrent_dispatch_never_overbooks(self, client: httpx.AsyncClient, db: Database) -> None:
        f = await Field.start(client, db)
        small = await f.point(capacity=3)
        spare = await f.point(capacity=2, kind="partner")
        cid = await f.customer()
        dev = await f.device(cid)
        tickets = [await f.ticket(cid) for _ in range(8)]

        async def create(tid: int) -> httpx.Response:
            body = {
                "ticket_id": tid,
                "device_id": dev["id"],
                "kind": "onsite",
                "fault": "黑屏",
                "city": "深圳",
            }
            return await client.post("/api/v1/service-orders", headers=f.h, json=body)

        results = await asyncio.gather(*(create(t) for t in tickets))
        assert all(r.status_code == 201 for r in results), [r.text for r in results]
        points = [r.json()["service_point_id"] for r in results]
        assert points.count(small["id"]) == 3
        assert points.count(spare["id"]) == 2
        assert points.count(None) == 3
        async with db.session() as s:
            booked = dict(
                (await s.execute(sa.select(ServicePointLoad.service_point_id, ServicePointLoad.booked))).all()
            )
        assert booked == {small["id"]: 3, spare["id"]: 2}


class TestConfirmationClock:
    async def test_unconfirmed_after_24h_breaches_once_and_confirmed_never(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        await f.point()
        rule = {"metric": "appointment_confirm", "amount": "20", "validity_days": 30}
        assert (await client.post("/api/v1/compensation-rules", headers=f.h, json=rule)).status_code == 201
        cid = await f.customer()
        dev = await f.device(cid)
        late = await f.order(cid, dev["id"])
        kept = await f.order(cid, dev["id"])
        [clock] = [c for c in late["sla"] if c["metric"] == "appointment_confirm"]
        due = datetime.fromisoformat(clock["due_at"])
        assert timedelta(hours=23, minutes=59) < due - utcnow() <= timedelta(hours=24)
        assert clock["status"] == "active"
        assert (await f.move(kept["id"], "appointment_confirmed")).status_code == 200
        async with db.transaction() as s:
            assert await order_service.scan(s, now=utcnow() + timedelta(hours=23)) == 0
        async with db.transaction() as s:
            assert await order_service.scan(s, now=utcnow() + timedelta(hours=25)) == 1
        async with db.transaction() as s:
            assert await order_service.scan(s, now=utcnow() + timedelta(hours=26)) == 0  # once
        r = await client.get(f"/api/v1/service-orders/{late['id']}", headers=f.h)
        statuses = {c["metric"]: c["status"] for c in r.json()["sla"]}
        assert statuses["appointment_confirm"] == "breached"
        r = await client.get(f"/api/v1/service-orders/{kept['id']}", headers=f.h)
        assert {c["metric"]: c["status"] for c in r.json()["sla"]}["appointment_confirm"] == "fulfilled"
        async with db.session() as s:
            breaches = (
                (
                    await s.execute(
                        sa.select(EventRecord).where(EventRecord.name == "service_order.sla_breached")
                    )
                )
                .scalars()
                .all()
            )
            assert [(e.payload["order_id"], e.payload["metric"]) for e in breaches] == [
                (late["id"], "appointment_confirm")
            ]
            assert (await s.execute(sa.select(sa.func.count()).select_from(ServiceClock))).scalar_one() >= 2
        # The missed confirmation compensates the customer once, on the order's ticket.
        await Worker(db).run_until_idle()
        coupons = (await client.get(f"/api/v1/customers/{cid}/coupons", headers=f.h)).json()["items"]
        assert [(c["reason"], float(c["amount"]), c["ticket_id"]) for c in coupons] == [
            ("compensation", 20.0, late["ticket_id"])
        ]


class TestReschedule:
    async def test_the_unit_moves_to_the_new_day_and_a_full_day_is_409(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        point = await f.point(capacity=1)
        cid = await f.customer()
        dev = await f.device(cid)
        day1 = (utcnow() + timedelta(days=2)).isoformat()
        day2 = (utcnow() + timedelta(days=3)).isoformat()

        async def book(when: str) -> dict[str, object]:
            tid = await f.ticket(cid)
            body = {
                "ticket_id": tid,
                "device_id": dev["id"],
                "kind": "onsite",
                "fault": "黑屏",
                "city": "深圳",
                "appointment_at": when,
            }
            r = await client.post("/api/v1/service-orders", headers=f.h, json=body)
            assert r.status_code == 201, r.text
            return dict(r.json())

        first = await book(day1)
        assert first["service_point_id"] == point["id"]
        assert (await book(day1))["service_point_id"] is None  # that day is full
        other_day = await book(day2)
        assert other_day["service_point_id"] == point["id"]
        r = await client.post(
            f"/api/v1/service-orders/{first['id']}/reschedule", headers=f.h, json={"appointment_at": day2}
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "no_capacity"
        assert (await f.move(other_day["id"], "cancelled")).status_code == 200
        r = await client.post(
            f"/api/v1/service-orders/{first['id']}/reschedule", headers=f.h, json={"appointment_at": day2}
        )
        assert r.status_code == 200 and r.json()["appointment_at"].startswith(day2[:10])
        assert (await book(day1))["service_point_id"] == point["id"]  # day 1 freed
        past = await client.post(
            f"/api/v1/service-orders/{first['id']}/reschedule",
            headers=f.h,
            json={"appointment_at": "2020-01-01T09:00:00+08:00"},
        )
        assert past.status_code == 422


class TestWarrantyCampaign:
    async def test_each_expiring_device_is_announced_once(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        r = await client.post(
            "/api/v1/customers", headers=f.h, json={"name": "吴芳", "email": "wf@example.cn"}
        )
        cid = r.json()["id"]
        soon = await f.device(cid, age_days=365 - 20)  # phone: 12 months, ends in ~20 days
        await f.device(cid, age_days=100)  # months left
        await f.device(cid, age_days=500)  # already expired
        async with db.transaction() as s:
            assert await device_service.warranty_campaign(s) == 1
        async with db.transaction() as s:
            assert await device_service.warranty_campaign(s) == 0  # once per device
        async with db.session() as s:
            mails = (
                (await s.execute(sa.select(OutboundMail).where(OutboundMail.kind == "warranty_expiring")))
                .scalars()
                .all()
            )
            events = (
                (
                    await s.execute(
                        sa.select(EventRecord).where(EventRecord.name == "device.warranty_expiring")
                    )
                )
                .scalars()
                .all()
            )
        assert [m.to_addr for m in mails] == ["wf@example.cn"] and soon["warranty_until"] in mails[
            0
        ].body_text
        assert [e.payload["device_id"] for e in events] == [soon["id"]]


class TestLogistics:
    async def test_courier_milestones_land_on_the_timeline_of_mail_in_orders_only(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        await f.point()
        cid = await f.customer()
        dev = await f.device(cid)
        mailed = await f.order(cid, dev["id"], kind="mail_in")
        body = {"milestone": "picked_up", "tracking_no": "SF1234567890", "carrier": "顺丰"}
        r = await client.post(f"/api/v1/service-orders/{mailed['id']}/logistics", headers=f.h, json=body)
        assert r.status_code == 200, r.text
        assert r.json()["tracking_no"] == "SF1234567890"
        assert r.json()["timeline"][-1]["note"] == "物流：快递已揽收 顺丰 SF1234567890"
        onsite = await f.order(cid, dev["id"], kind="onsite")
        r = await client.post(f"/api/v1/service-orders/{onsite['id']}/logistics", headers=f.h, json=body)
        assert r.status_code == 409
        bad = await client.post(
            f"/api/v1/service-orders/{mailed['id']}/logistics", headers=f.h, json={"milestone": "teleported"}
        )
        assert bad.status_code == 422
