"""The plans' numbers (issue #14, plan 003) through the API, on SQLite and PostgreSQL:
tiers on spend and repurchases, mid's double points, birthday-month points, referral coupons
at the referred customer's first order, the long-term award, and the demo's compensation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from tests.loyalty.test_loyalty_api import _customer, _order, _setup

TZ = ZoneInfo("Asia/Shanghai")


async def _new_customer(client: httpx.AsyncClient, env: dict[str, Any], **fields: Any) -> int:
    r = await client.post("/api/v1/customers", headers=env["h"], json={"name": "新客户", **fields})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _order_for(
    client: httpx.AsyncClient, env: dict[str, Any], customer_id: int, ext: str, amount: str, at: datetime
) -> httpx.Response:
    return await client.post(
        f"/api/v1/customers/{customer_id}/orders",
        headers=env["h"],
        json={"external_id": ext, "amount": amount, "currency": "CNY", "placed_at": at.isoformat()},
    )


async def _coupons(client: httpx.AsyncClient, env: dict[str, Any], customer_id: int) -> list[tuple[str, str]]:
    r = await client.get(f"/api/v1/customers/{customer_id}/coupons", headers=env["h"])
    return sorted((c["reason"], c["amount"]) for c in r.json()["items"])


class TestTiersOnRepurchases:
    async def test_high_needs_spend_above_50000_and_three_repurchases(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        for i, amount in enumerate(("30000", "15000", "6000")):
            await _order(client, env, f"H-{i}", amount, days_ago=30 - i)
        # 51,000 with two repurchases: still mid.
        assert (await _customer(client, env))["tier"] == "mid"
        await _order(client, env, "H-3", "10", days_ago=1)
        assert (await _customer(client, env))["tier"] == "high"

    async def test_exactly_50000_is_mid_even_with_many_repurchases(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        for i in range(5):
            await _order(client, env, f"E-{i}", "10000", days_ago=10 + i)
        assert (await _customer(client, env))["tier"] == "mid"

    async def test_many_small_repurchases_stay_mid_and_one_small_order_is_potential(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        await _order(client, env, "S-0", "9999.99", days_ago=20)
        assert (await _customer(client, env))["tier"] == "potential"
        for i in range(1, 6):
            await _order(client, env, f"S-{i}", "100", days_ago=20 - i)
        assert (await _customer(client, env))["tier"] == "mid"

    async def test_a_first_order_of_10000_is_mid(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        await _order(client, env, "M-1", "10000")
        assert (await _customer(client, env))["tier"] == "mid"

    async def test_a_returning_customer_has_repurchased(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        """The first order ever was two years ago: this year's small order is a repurchase."""
        env = await _setup(db, client)
        await _order(client, env, "R-0", "500", days_ago=730)
        assert (await _customer(client, env))["tier"] == "none"
        await _order(client, env, "R-1", "500")
        assert (await _customer(client, env))["tier"] == "mid"

    async def test_refunded_orders_do_not_count_and_nightly_run_agrees(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        ids = [(await _order(client, env, f"N-{i}", "20000", days_ago=40 - i)).json()["id"] for i in range(4)]
        assert (await _customer(client, env))["tier"] == "high"
        await client.post(f"/api/v1/orders/{ids[-1]}/refund", headers=env["h"])
        assert (await _customer(client, env))["tier"] == "mid"  # 60,000 but two repurchases
        async with db.transaction() as s:
            assert await loyalty_service.recalculate_all(s) == 0  # the nightly run finds the same
            # A year on, the orders have left the window.
            assert await loyalty_service.recalculate_all(s, now=utcnow() + timedelta(days=400)) >= 1
        assert (await _customer(client, env))["tier"] == "none"

    async def test_thresholds_stay_editable_under_their_new_names(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        config = (await client.get("/api/v1/loyalty/config", headers=env["h"])).json()
        assert {k: config["rules"][k] for k in ("high_repurchases", "mid_repurchases")} == {
            "high_repurchases": 3,
            "mid_repurchases": 1,
        }
        assert "high_purchases" not in config["rules"]
        config["rules"]["high_repurchases"] = 1
        assert (await client.put("/api/v1/loyalty/config", headers=env["h"], json=config)).status_code == 200
        await _order(client, env, "C-1", "40000", days_ago=2)
        await _order(client, env, "C-2", "20000", days_ago=1)
        assert (await _customer(client, env))["tier"] == "high"
        # A configuration in the old terms (purchases) is read as repurchases.
        legacy = {**config, "rules": {"high_spend": "50000", "high_purchases": 4, "mid_spend": "10000"}}
        r = await client.put("/api/v1/loyalty/config", headers=env["h"], json=legacy)
        assert r.status_code == 200 and r.json()["rules"]["high_repurchases"] == 3


class TestBenefitDefaults:
    async def test_the_plans_benefits_are_the_defaults(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        b = (await client.get("/api/v1/loyalty/config", headers=env["h"])).json()["benefits"]
        high, mid, potential = b["high"], b["mid"], b["potential"]
        assert (high["discount_percent"], Decimal(high["redeem_bonus"])) == (15, Decimal("0.2"))
        assert high["free_onsite_service"] and high["early_access"]
        assert Decimal(mid["points_multiplier"]) == 2 and Decimal(mid["birthday_coupon_cny"]) > 0
        assert mid["ticket_priority"] and mid["routing_boost"] > 0
        assert potential["first_service_free"] and Decimal(potential["welcome_coupon_cny"]) > 0
        programme = (await client.get("/api/v1/loyalty/config", headers=env["h"])).json()["programme"]
        assert (Decimal(programme["referrer_reward_cny"]), Decimal(programme["referred_reward_cny"])) == (
            100,
            50,
        )

    async def test_mid_earns_two_points_per_cny(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        await _order(client, env, "D-1", "20000", days_ago=3)  # → mid (earned at none's 1×)
        before = (await _customer(client, env))["points_balance"]
        assert (await _customer(client, env))["tier"] == "mid" and before == 20000
        await _order(client, env, "D-2", "123.45", days_ago=2)
        assert (await _customer(client, env))["points_balance"] - before == 246

    async def test_the_welcome_pack_comes_with_the_first_order_only(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        await _order(client, env, "W-1", "300", days_ago=2)
        await _order(client, env, "W-2", "300", days_ago=1)
        assert await _coupons(client, env, env["customer"]) == [("welcome", "30.00")]


class TestBirthdayMonthPoints:
    async def test_orders_in_the_birthday_month_earn_extra_points(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        at = utcnow() - timedelta(hours=1)
        month = at.astimezone(TZ).month
        other = month % 12 + 1
        born = await _new_customer(client, env, birthday=f"1992-{month:02d}-09")
        plain = await _new_customer(client, env, birthday=f"1992-{other:02d}-09")
        for cid, ext in ((born, "BD-1"), (plain, "BD-2")):
            assert (await _order_for(client, env, cid, ext, "1000", at)).status_code == 201
        balances = [
            (await client.get(f"/api/v1/customers/{cid}", headers=env["h"])).json()["points_balance"]
            for cid in (born, plain)
        ]
        assert balances == [2000, 1000]  # potential earns 1×; ×2 in the birthday month
        ledger = (await client.get(f"/api/v1/customers/{born}/points", headers=env["h"])).json()["items"]
        assert "生日月" in ledger[0]["note"]

    async def test_the_birthday_multiplier_is_configurable(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        config = (await client.get("/api/v1/loyalty/config", headers=env["h"])).json()
        config["programme"]["birthday_points_multiplier"] = "1.5"
        assert (await client.put("/api/v1/loyalty/config", headers=env["h"], json=config)).status_code == 200
        at = utcnow() - timedelta(hours=1)
        born = await _new_customer(client, env, birthday=f"1992-{at.astimezone(TZ).month:02d}-01")
        await _order_for(client, env, born, "BD-3", "1000", at)
        r = await client.get(f"/api/v1/customers/{born}", headers=env["h"])
        assert r.json()["points_balance"] == 1500
        config["programme"]["birthday_points_multiplier"] = "0.5"  # would take points away
        assert (await client.put("/api/v1/loyalty/config", headers=env["h"], json=config)).status_code == 422


class TestReferral:
    async def test_coupons_appear_only_after_the_referred_customers_first_order(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        h, referrer = env["h"], env["customer"]
        friend = await _new_customer(client, env, email="friend@x.cn")
        r = await client.post(
            f"/api/v1/customers/{referrer}/referrals", headers=h, json={"referred_customer_id": friend}
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["status"], body["referrer_coupon_id"], body["referred_coupon_id"]) == (
            "pending",
            None,
            None,
        )
        assert body["referrer_customer_id"] == referrer and body["referred_customer_id"] == friend
        assert await _coupons(client, env, referrer) == [] and await _coupons(client, env, friend) == []

        await _order_for(client, env, friend, "F-1", "800", utcnow())
        assert await _coupons(client, env, referrer) == [("referral", "100.00")]
        assert await _coupons(client, env, friend) == [("referral", "50.00"), ("welcome", "30.00")]
        await _order_for(client, env, friend, "F-2", "800", utcnow())  # once only
        assert await _coupons(client, env, referrer) == [("referral", "100.00")]
        listed = (await client.get(f"/api/v1/customers/{friend}/referrals", headers=h)).json()["items"]
        assert [(x["status"], x["order_id"] is not None) for x in listed] == [("rewarded", True)]
        assert listed[0]["referrer_coupon_id"] and listed[0]["referred_coupon_id"]

    async def test_refusals(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db, client)
        h, referrer = env["h"], env["customer"]
        friend = await _new_customer(client, env)
        buyer = await _new_customer(client, env)
        await _order_for(client, env, buyer, "B-1", "100", utcnow())
        url = f"/api/v1/customers/{referrer}/referrals"
        assert (await client.post(url, headers=h, json={"referred_customer_id": friend})).status_code == 201
        again = await client.post(url, headers=h, json={"referred_customer_id": friend})
        assert (again.status_code, again.json()["error"]["code"]) == (409, "already_referred")
        other = await client.post(
            f"/api/v1/customers/{buyer}/referrals", headers=h, json={"referred_customer_id": friend}
        )
        assert (other.status_code, other.json()["error"]["code"]) == (409, "already_referred")
        bought = await client.post(url, headers=h, json={"referred_customer_id": buyer})
        assert (bought.status_code, bought.json()["error"]["code"]) == (409, "referred_has_orders")
        selfref = await client.post(url, headers=h, json={"referred_customer_id": referrer})
        assert selfref.status_code == 422
        missing = await client.post(url, headers=h, json={"referred_customer_id": 999999})
        assert missing.status_code == 404
        # Nobody was rewarded by any of this.
        assert await _coupons(client, env, referrer) == []


class TestLongTermAward:
    async def test_purchases_in_five_consecutive_years_earn_the_award_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db, client)
        now = utcnow()
        year = now.year
        steady = await _new_customer(client, env)
        gap = await _new_customer(client, env)
        old = await _new_customer(client, env)
        for k in range(1, 5):
            await _order_for(client, env, steady, f"L-{k}", "100", datetime(year - k, 6, 1, tzinfo=UTC))
        await _order_for(client, env, steady, "L-0", "100", now - timedelta(minutes=5))
        await _order_for(client, env, gap, "G-0", "100", now - timedelta(minutes=5))
        for k in (1, 3, 4, 5):  # no purchase two years ago
            await _order_for(client, env, gap, f"G-{k}", "100", datetime(year - k, 3, 1, tzinfo=UTC))
        await _order_for(client, env, old, "O-1", "100", datetime(year - 7, 3, 1, tzinfo=UTC))
        for _ in range(2):
            async with db.transaction() as s:
                await loyalty_service.issue_occasion_coupons(s, now=now)
        assert ("loyalty", "200.00") in await _coupons(client, env, steady)
        assert [c for c in await _coupons(client, env, steady) if c[0] == "loyalty"] == [
            ("loyalty", "200.00")
        ]
        for cid in (gap, old):
            assert "loyalty" not in [c[0] for c in await _coupons(client, env, cid)]


class TestDemoCompensation:
    async def test_the_demo_ships_compensation_rules_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from kefu.demo import loyalty as loyalty_demo

        env = await _setup(db, client)
        for expected in (2, 0):
            async with db.transaction() as s:
                assert await loyalty_demo.load(s) == expected
        rules = (await client.get("/api/v1/compensation-rules", headers=env["h"])).json()["items"]
        assert {(r["metric"], Decimal(r["amount"])) for r in rules} == {
            ("first_reply", Decimal(20)),
            ("resolution", Decimal(50)),
        }
        async with db.transaction() as s:  # a deactivated rule is not brought back
            for rule in await loyalty_service.all_rules(s, SYSTEM):
                await loyalty_service.deactivate_rule(s, SYSTEM, rule.id)
        async with db.transaction() as s:
            assert await loyalty_demo.load(s) == 0
