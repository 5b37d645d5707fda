"""Loyalty self-service (#16) on both backends: every customer's referral code and link (stable,
not forgeable), a friend joining through the link registers the referral and its coupons follow
the friend's first order; the portal's 推荐有礼 page lists referrals and redemptions; the app
API reads points and redeems a voucher atomically (high tier +20 %), refusing a forged user."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import sqlalchemy as sa

from kefu.appchannel.signing import user_hash
from kefu.customer.service import customer_service
from kefu.kit.db import Database
from kefu.models import Customer, Identity, PointsEntry
from kefu.models.user import Role
from kefu.rewards.service import rewards_service
from tests.conftest import Configure
from tests.factories import PASSWORD, bearer, make_customer, staff_token

HTML = {"accept": "text/html"}


async def _portal_login(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/portal/login", headers=HTML)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = await client.post(
        "/portal/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert r.status_code == 303


class TestReferralSignUpLimit:
    async def test_sign_ups_are_limited_per_address_and_off_with_the_setting(
        self, db: Database, client: httpx.AsyncClient, configure: Configure
    ) -> None:
        async with db.transaction() as s:
            me = await make_customer(s, name="王芳", email="wangfang@example.cn")
        path = "/r/" + rewards_service.referral_code(me.id)
        configure(rate_limit="3/60")

        async def join(i: int, headers: dict[str, str] = HTML) -> httpx.Response:
            return await client.post(
                path, data={"name": f"朋友{i}", "email": f"friend{i}@example.cn"}, headers=headers
            )

        assert [(await join(i)).status_code for i in range(3)] == [200, 200, 200]
        page = await join(3)
        assert page.status_code == 429 and page.headers["retry-after"] == "60"
        assert "提交过于频繁" in page.text and 'name="email"' in page.text  # the form again, in Chinese
        assert "Too many" not in page.text and "rate_limited" not in page.text
        api = await join(4, headers={"accept": "application/json"})
        assert api.status_code == 429 and api.json()["error"]["code"] == "rate_limited"
        async with db.session() as s:  # nobody past the limit was registered
            emails = (await s.execute(sa.select(Identity.value).where(Identity.kind == "email"))).scalars()
            joined = [f"friend{i}@example.cn" for i in range(3)]
            assert sorted(emails) == sorted(["wangfang@example.cn", *joined])
        configure(rate_limit="off")
        assert (await join(5)).status_code == 200


class TestReferrals:
    async def test_code_is_stable_and_not_forgeable(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            a = await make_customer(s, name="甲")
            b = await make_customer(s, name="乙")
        code = rewards_service.referral_code(a.id)
        assert code == rewards_service.referral_code(a.id) and code != rewards_service.referral_code(b.id)
        assert (await client.get(f"/r/{code}", headers=HTML)).status_code == 200
        forged = code[:-1] + ("2" if code[-1] != "2" else "3")
        assert (await client.get(f"/r/{forged}", headers=HTML)).status_code == 404

    async def test_friend_joins_through_the_link_and_both_get_coupons(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        async with db.transaction() as s:
            me = await make_customer(s, name="王芳", email="wangfang@example.cn")
            await customer_service.set_password(s, me, PASSWORD)
        link = rewards_service.referral_link(me.id)
        path = "/" + link.split("/", 3)[3]
        r = await client.post(path, data={"name": "李雷", "email": "lilei@example.cn"})
        assert r.status_code == 200 and 'data-testid="joined"' in r.text
        again = await client.post(path, data={"name": "李雷", "email": "lilei@example.cn"})
        assert again.status_code == 409  # referred once
        h = bearer(token)
        friend = (await client.get("/api/v1/customers?email=lilei@example.cn", headers=h)).json()["items"][0]
        r = await client.post(
            f"/api/v1/customers/{friend['id']}/orders",
            headers=h,
            json={
                "external_id": "F-1",
                "amount": "300",
                "currency": "CNY",
                "placed_at": datetime.now(UTC).isoformat(),
            },
        )
        assert r.status_code in (200, 201), r.text
        mine = (await client.get(f"/api/v1/customers/{me.id}/coupons", headers=h)).json()["items"]
        assert "referral" in [c["reason"] for c in mine]
        await _portal_login(client, "wangfang@example.cn")
        page = await client.get("/portal/referrals", headers=HTML)
        assert page.status_code == 200
        assert rewards_service.referral_code(me.id) in page.text and "李*" in page.text
        assert "lilei" not in page.text  # the friend's address is not shown

    async def test_anonymous_visitors_are_sent_to_sign_in(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        r = await client.get("/portal/referrals", headers=HTML)
        assert r.status_code == 303 and "login" in r.headers["location"]


class TestAppApi:
    async def test_app_user_redeems_a_voucher(self, db: Database, client: httpx.AsyncClient) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        h = bearer(token)
        app = (await client.post("/api/v1/channels/app", headers=h, json={"name": "星辰 App"})).json()
        reward = (
            await client.post(
                "/api/v1/rewards",
                headers=h,
                json={"name": "50 元代金券", "kind": "voucher", "points": 500, "value_cny": "50"},
            )
        ).json()["id"]
        user = {"user_id": "u-901", "user_hash": user_hash(app["secret"], "u-901")}
        key = {"X-Kefu-App-Key": app["key"]}
        r = await client.post("/api/v1/app/loyalty", headers=key, json=user)
        assert r.status_code == 200, r.text
        customer_id = r.json()["customer_id"]
        async with db.transaction() as s:
            await s.execute(sa.update(Customer).where(Customer.id == customer_id).values(tier="high"))
            s.add(PointsEntry(customer_id=customer_id, delta=800, reason="earn"))
        r = await client.post("/api/v1/app/redemptions", headers=key, json={**user, "reward_id": reward})
        assert r.status_code == 201, r.text
        assert r.json()["coupon_id"] and Decimal(r.json()["value_cny"]) == Decimal("60.00")  # high tier +20 %
        r = await client.post("/api/v1/app/redemptions", headers=key, json={**user, "reward_id": reward})
        assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_points"
        summary = (await client.post("/api/v1/app/loyalty", headers=key, json=user)).json()
        assert summary["points_balance"] == 300 and summary["tier"] == "high"
        assert [c["reason"] for c in summary["coupons"]] == ["redemption"]
        assert summary["referral_link"].endswith("/r/" + summary["referral_code"])
        forged = {"user_id": "u-901", "user_hash": user_hash("not-the-secret", "u-901")}
        r = await client.post("/api/v1/app/redemptions", headers=key, json={**forged, "reward_id": reward})
        assert r.status_code == 403
        r = await client.post(
            "/api/v1/app/redemptions", headers={"X-Kefu-App-Key": "nope"}, json={**user, "reward_id": reward}
        )
        assert r.status_code == 401
