"""Orders, tiers, points, coupons and service compensation through the API."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models import Coupon
from kefu.models.user import Role
from kefu.sla.service import sla_service
from tests.factories import bearer, make_group, staff_token


async def _setup(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        await make_group(s, name="售前", is_default=True)
    _admin, token = await staff_token(db, role=Role.ADMIN)
    r = await client.post(
        "/api/v1/customers", headers=bearer(token), json={"name": "周杰", "email": "zj@example.cn"}
    )
    return {"token": token, "h": bearer(token), "customer": r.json()["id"]}


async def _order(
    client: httpx.AsyncClient,
    env: dict[str, Any],
    ext: str,
    amount: str,
    *,
    days_ago: int = 1,
    currency: str = "CNY",
) -> httpx.Response:
    placed = (utcnow() - timedelta(days=days_ago)).isoformat()
    return await client.post(
        f"/api/v1/customers/{env['customer']}/orders",
        headers=env["h"],
        json={"external_id": ext, "amount": amount, "currency": currency, "placed_at": placed},
    )


async def _customer(client: httpx.AsyncClient, env: dict[str, Any]) -> dict[str, Any]:
    return dict((await client.get(f"/api/v1/customers/{env['customer']}", headers=env["h"])).json())


class TestTiersAndPoints:
    async def test_default_tiers_and_points_follow_orders(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        assert (await _customer(client, env))["tier"] == "none"
        assert (await _order(client, env, "SO-1", "1000.00")).status_code == 201
        c = await _customer(client, env)
        assert (c["tier"], c["points_balance"]) == ("potential", 1000)
        await _order(client, env, "SO-2", "2000")  # a repurchase: mid; earned at potential's 1.0
        c = await _customer(client, env)
        assert (c["tier"], c["points_balance"]) == ("mid", 3000)
        await _order(client, env, "SO-3", "50000")  # mid earns double; 53,000 but 2 repurchases: mid
        c = await _customer(client, env)
        assert (c["tier"], c["points_balance"]) == ("mid", 3000 + 100000)
        await _order(client, env, "SO-4", "100")  # the third repurchase: high
        c = await _customer(client, env)
        assert (c["tier"], c["points_balance"]) == ("high", 103000 + 200)

    async def test_single_large_order_is_mid_and_old_orders_do_not_count(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        await _order(client, env, "OLD", "80000", days_ago=400)
        assert (await _customer(client, env))["tier"] == "none"
        await _order(client, env, "BIG", "60000")
        assert (await _customer(client, env))["tier"] == "mid"

    async def test_foreign_currency_counts_in_cny(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        r = await _order(client, env, "US-1", "100", currency="usd")
        assert r.status_code == 201 and Decimal(r.json()["amount_cny"]) == Decimal("720.00")
        assert (await _customer(client, env))["points_balance"] == 720

    async def test_same_order_twice_is_idempotent(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        first = await _order(client, env, "SO-9", "500")
        again = await _order(client, env, "SO-9", "500")
        assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()[
            "id"
        ]
        assert (await _customer(client, env))["points_balance"] == 500
        clash = await _order(client, env, "SO-9", "999")
        assert (clash.status_code, clash.json()["error"]["code"]) == (409, "order_conflict")

    async def test_bad_orders_are_refused(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        assert (await _order(client, env, "N", "-5")).status_code == 422
        assert (await _order(client, env, "N", "abc")).status_code == 422
        r = await _order(client, env, "N", "10", currency="XYZ")
        assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_currency")
        assert (
            await client.post(
                "/api/v1/customers/999999/orders",
                headers=env["h"],
                json={
                    "external_id": "x",
                    "amount": "1",
                    "currency": "CNY",
                    "placed_at": utcnow().isoformat(),
                },
            )
        ).status_code == 404

    async def test_refund_reverses_points_and_tier(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        order = (await _order(client, env, "R-1", "20000")).json()
        assert (await _customer(client, env))["tier"] == "mid"
        r = await client.post(f"/api/v1/orders/{order['id']}/refund", headers=env["h"])
        assert r.status_code == 200
        c = await _customer(client, env)
        assert (c["tier"], c["points_balance"]) == ("none", 0)
        assert (
            await client.post(f"/api/v1/orders/{order['id']}/refund", headers=env["h"])
        ).status_code == 409

    async def test_redeeming_never_overdraws_even_concurrently(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        await _order(client, env, "P-1", "1000")
        r = await client.post(
            f"/api/v1/customers/{env['customer']}/points/redeem", headers=env["h"], json={"points": 5000}
        )
        assert (r.status_code, r.json()["error"]["code"]) == (409, "insufficient_points")
        others = [Database(db.url) for _ in range(3)]

        async def redeem(database: Database) -> bool:
            try:
                async with database.transaction() as s:
                    await loyalty_service.redeem(s, SYSTEM, env["customer"], 600)
                return True
            except Exception:
                return False

        try:
            results = await asyncio.gather(redeem(db), *(redeem(o) for o in others))
        finally:
            for o in others:
                await o.dispose()
        assert sum(results) == 1
        assert (await _customer(client, env))["points_balance"] == 400


class TestCompensation:
    async def test_breach_issues_exactly_one_coupon_even_if_delivered_twice(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        h = env["h"]
        await client.post(
            "/api/v1/sla-policies",
            headers=h,
            json={"name": "首响 10 分钟", "targets": {"first_reply": 10}, "business_hours": False},
        )
        r = await client.post(
            "/api/v1/compensation-rules",
            headers=h,
            json={"metric": "first_reply", "amount": "20", "validity_days": 30},
        )
        assert r.status_code == 201
        await client.post(
            "/api/v1/compensation-rules",
            headers=h,
            json={"metric": "first_reply", "tier": "high", "amount": "100", "validity_days": 30},
        )
        t = (
            await client.post(
                "/api/v1/tickets",
                headers=h,
                json={"subject": "手机坏了", "channel": "web", "customer_id": env["customer"]},
            )
        ).json()
        async with db.transaction() as s:
            assert await sla_service.scan(s, now=utcnow() + timedelta(minutes=11)) >= 1
        await Worker(db).run_until_idle()
        async with db.transaction() as s:  # the breach delivered a second time
            await loyalty_service.compensate(
                s, ticket_id=t["id"], customer_id=env["customer"], metric="first_reply", tier="none"
            )
        coupons = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=h)).json()[
            "items"
        ]
        assert [(c["reason"], Decimal(c["amount"]), c["status"], c["ticket_id"]) for c in coupons] == [
            ("compensation", Decimal("20.00"), "active", t["id"])
        ]

    async def test_expired_coupons_cannot_be_redeemed(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        async with db.transaction() as s:
            cid = await loyalty_service.issue(
                s, env["customer"], reason="birthday", amount=Decimal(50), validity_days=1
            )
            await s.execute(sa.update(Coupon).values(valid_until=utcnow() - timedelta(minutes=1)))
        r = await client.post(f"/api/v1/coupons/{cid}/redeem", headers=env["h"])
        assert (r.status_code, r.json()["error"]["code"]) == (409, "coupon_unavailable")
        listed = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=env["h"])).json()
        assert listed["items"][0]["status"] == "expired"

    async def test_rule_validation(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        for body in (
            {"metric": "speed", "amount": "1", "validity_days": 1},
            {"metric": "resolution", "amount": "-1", "validity_days": 1},
            {"metric": "resolution", "tier": "gold", "amount": "1", "validity_days": 1},
        ):
            assert (
                await client.post("/api/v1/compensation-rules", headers=env["h"], json=body)
            ).status_code == 422


class TestOccasions:
    async def test_birthday_and_anniversary_coupons_come_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        h = env["h"]
        now = utcnow()
        bday = (
            await client.post(
                "/api/v1/customers",
                headers=h,
                json={"name": "寿星", "email": "bday@x.cn", "birthday": f"1990-{now.month:02d}-15"},
            )
        ).json()
        await client.post(
            f"/api/v1/customers/{bday['id']}/orders",
            headers=h,
            json={"external_id": "B-1", "amount": "500", "currency": "CNY", "placed_at": now.isoformat()},
        )
        await _order(client, env, "OLD-1", "100", days_ago=6 * 365)  # one order, 6 years ago
        for _ in range(2):
            async with db.transaction() as s:
                await loyalty_service.issue_occasion_coupons(s, now=now)
        bday_coupons = (await client.get(f"/api/v1/customers/{bday['id']}/coupons", headers=h)).json()[
            "items"
        ]
        # The potential tier's birthday coupon and the welcome pack of the first order.
        assert sorted((c["reason"], c["amount"]) for c in bday_coupons) == [
            ("birthday", "50.00"),
            ("welcome", "30.00"),
        ]
        mine = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=h)).json()["items"]
        # A customer for six years with one order is no long-term customer (see TestLongTermAward).
        assert "loyalty" not in [c["reason"] for c in mine]


class TestPointsExpiry:
    async def test_points_older_than_two_years_expire_oldest_first_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from kefu.models import PointsEntry

        env = await _setup(db, client)
        cid = env["customer"]
        async with db.transaction() as s:
            s.add(
                PointsEntry(
                    customer_id=cid, delta=1000, reason="earn", created_at=utcnow() - timedelta(days=800)
                )
            )
            s.add(PointsEntry(customer_id=cid, delta=300, reason="redeem_test", created_at=utcnow()))
            s.add(
                PointsEntry(
                    customer_id=cid, delta=-400, reason="redeem", created_at=utcnow() - timedelta(days=100)
                )
            )
        for _ in range(2):
            async with db.transaction() as s:
                await loyalty_service.expire_points(s)
        # 1000 old points, 400 of them used: 600 expire, the recent 300 stay.
        assert (await _customer(client, env))["points_balance"] == 300


class TestTierNotice:
    async def test_moving_up_mails_the_customer_moving_down_does_not(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from kefu.models import OutboundMail

        env = await _setup(db, client)
        order = (await _order(client, env, "T-1", "20000")).json()  # none → mid
        await client.post(f"/api/v1/orders/{order['id']}/refund", headers=env["h"])  # mid → none
        await Worker(db).run_until_idle()
        async with db.session() as s:
            mails = list(
                (
                    await s.execute(
                        sa.select(OutboundMail.to_addr, OutboundMail.subject).where(
                            OutboundMail.kind == "tier_changed"
                        )
                    )
                ).all()
            )
        assert mails == [("zj@example.cn", "恭喜升级为中价值会员")]


class TestConfigurableTiers:
    async def test_admin_changes_thresholds_and_multipliers(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        h = env["h"]
        config = (await client.get("/api/v1/loyalty/config", headers=h)).json()
        assert (
            config["rules"]["high_spend"] == "50000"
            and config["rules"]["high_repurchases"] == 3
            and config["benefits"]["high"]["points_multiplier"] == "2"
        )
        config["rules"]["mid_spend"] = "500"
        config["benefits"]["none"]["points_multiplier"] = "2"
        r = await client.put("/api/v1/loyalty/config", headers=h, json=config)
        assert r.status_code == 200, r.text
        await _order(client, env, "C-1", "600")
        c = await _customer(client, env)
        assert (c["tier"], c["points_balance"]) == ("mid", 1200)  # 600 ≥ 500 → mid; earned at none's ×2
        bad = {**config, "rules": {**config["rules"], "high_spend": "100"}}
        assert (await client.put("/api/v1/loyalty/config", headers=h, json=bad)).status_code == 422
        missing = {**config, "benefits": {"high": config["benefits"]["high"]}}
        assert (await client.put("/api/v1/loyalty/config", headers=h, json=missing)).status_code == 422
        _agent, agent = await staff_token(db, role=Role.AGENT)
        assert (
            await client.put("/api/v1/loyalty/config", headers=bearer(agent), json=config)
        ).status_code == 403


class TestCouponTemplates:
    async def test_templates_issue_amount_and_percent_coupons(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        h = env["h"]
        amount = (
            await client.post(
                "/api/v1/coupon-templates",
                headers=h,
                json={"name": "满减 30", "amount": "30", "validity_days": 30},
            )
        ).json()
        percent = (
            await client.post(
                "/api/v1/coupon-templates",
                headers=h,
                json={"name": "九折", "percent": 10, "validity_days": 7},
            )
        ).json()
        for tid in (amount["id"], percent["id"]):
            r = await client.post(
                f"/api/v1/customers/{env['customer']}/coupons", headers=h, json={"template_id": tid}
            )
            assert r.status_code == 201
        items = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=h)).json()["items"]
        assert sorted((c["amount"], c["percent"]) for c in items) == [("0.00", 10), ("30.00", None)]
        both = await client.post(
            "/api/v1/coupon-templates",
            headers=h,
            json={"name": "坏", "amount": "1", "percent": 5, "validity_days": 1},
        )
        assert (both.status_code, both.json()["error"]["code"]) == (422, "invalid_template")
        r = await client.post(
            f"/api/v1/customers/{env['customer']}/coupons", headers=h, json={"template_id": 999}
        )
        assert r.status_code == 404
