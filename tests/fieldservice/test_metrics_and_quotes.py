"""Field-service metrics (first-time fix, repeat repair within 90 days, partner CSAT) and the
signed quote link a customer answers without signing in — on both backends."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from kefu.auth.service import auth_service
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Customer
from tests.fieldservice.helpers import Field

REPAIR = ["appointment_confirmed", "arrived", "diagnosed", "repairing", "quality_check"]


class TestMetrics:
    async def test_first_time_fix_repeat_repairs_and_csat(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        point = await f.point(capacity=10)
        cid = await f.customer()
        a = await f.device(cid)
        b = await f.device(cid)
        reworked = await f.order(cid, a["id"])
        for step in [*REPAIR, "repairing", "quality_check", "done"]:  # failed QC once
            assert (await f.move(reworked["id"], step)).status_code == 200, step
        again = await f.order(cid, a["id"])  # the same phone back within 90 days
        clean = await f.order(cid, b["id"])
        for order in (again, clean):
            for step in [*REPAIR, "done"]:
                assert (await f.move(order["id"], step)).status_code == 200
        params = {
            "from": (utcnow() - timedelta(hours=1)).isoformat(),
            "to": (utcnow() + timedelta(hours=1)).isoformat(),
        }
        r = await client.get("/api/v1/field-service/metrics", headers=f.h, params=params)
        assert r.status_code == 200, r.text
        m = r.json()
        assert m["orders"] == 3 and m["completed"] == 3
        assert m["first_time_fix_rate"] == round(2 / 3, 4)
        assert m["repeat_repair_90d_rate"] == round(2 / 3, 4)
        assert m["turnaround_hours_p50"] is not None and m["turnaround_hours_p50"] < 1
        [row] = m["by_point"]
        assert row["service_point_id"] == point["id"] and row["completed"] == 3
        bad = await client.get(
            "/api/v1/field-service/metrics", headers=f.h, params={"from": params["to"], "to": params["from"]}
        )
        assert bad.status_code == 422


class TestQuoteLink:
    async def test_customer_approves_by_signed_link_and_rates_once(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        await f.point()
        cid = await f.customer()
        dev = await f.device(cid, age_days=500)
        order = await f.order(cid, dev["id"])
        oid = order["id"]
        for step in ("appointment_confirmed", "arrived", "diagnosed"):
            await f.move(oid, step)
        await f.move(oid, "quoted", quote_cny=420, note="更换主板")
        link = (await client.post(f"/api/v1/service-orders/{oid}/quote-link", headers=f.h)).json()["url"]
        assert (await client.get("/service/quote/forged-token")).status_code == 404
        page = await client.get(link)
        assert page.status_code == 200 and "420" in page.text and "更换主板" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        no_csrf = await client.post(link, data={"answer": "approve"})
        assert no_csrf.status_code == 403
        r = await client.post(link, data={"answer": "approve", "csrf_token": token.group(1)})
        assert r.status_code == 303
        got = (await client.get(f"/api/v1/service-orders/{oid}", headers=f.h)).json()
        assert got["status"] == "approved"
        assert got["timeline"][-1]["actor_kind"] == "system" and got["timeline"][-1]["note"].startswith(
            "签名链接"
        )
        # Answered: the link cannot flip it.
        r = await client.post(link, data={"answer": "decline", "csrf_token": token.group(1)})
        assert r.status_code == 409
        # The customer rates only after completion, and only once.
        async with db.transaction() as s:
            customer = await s.get(Customer, cid)
            assert customer is not None
            ctoken = (await auth_service.issue_customer_token(s, cid, name="portal")).token
        ch = {"Authorization": f"Bearer {ctoken}"}
        early = await client.post(f"/api/v1/service-orders/{oid}/rating", headers=ch, json={"rating": 5})
        assert early.status_code == 409
        for step in ("repairing", "quality_check", "done"):
            await f.move(oid, step)
        assert (
            await client.post(f"/api/v1/service-orders/{oid}/rating", headers=ch, json={"rating": 4})
        ).status_code == 200
        twice = await client.post(f"/api/v1/service-orders/{oid}/rating", headers=ch, json={"rating": 1})
        assert twice.status_code == 409
        # Customers cannot move the repair themselves.
        assert (
            await client.post(f"/api/v1/service-orders/{oid}/transition", headers=ch, json={"to": "done"})
        ).status_code in (403, 409)
        other_cid = await f.customer("别人")
        async with db.transaction() as s:
            other = (await auth_service.issue_customer_token(s, other_cid, name="portal")).token
        assert (
            await client.get(f"/api/v1/service-orders/{oid}", headers={"Authorization": f"Bearer {other}"})
        ).status_code == 404
