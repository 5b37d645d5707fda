"""The rewards catalogue and points redemptions, on both backends."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.models import Customer, PointsEntry
from kefu.models.user import Role
from tests.factories import bearer, customer_token, make_group, staff_token


async def _setup(
    db: Database, client: httpx.AsyncClient, points: int, tier: str = "potential"
) -> dict[str, Any]:
    async with db.transaction() as s:
        await make_group(s, name="售前", is_default=True)
    _admin, token = await staff_token(db, role=Role.ADMIN)
    customer, ctoken = await customer_token(db, name="周杰", email="zhoujie@example.cn")
    async with db.transaction() as s:
        await s.execute(sa.update(Customer).where(Customer.id == customer.id).values(tier=tier))
        if points:
            s.add(PointsEntry(customer_id=customer.id, delta=points, reason="earn"))
    return {"h": bearer(token), "ch": bearer(ctoken), "customer": customer.id}


async def _reward(client: httpx.AsyncClient, env: dict[str, Any], **body: Any) -> int:
    r = await client.post("/api/v1/rewards", headers=env["h"], json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _balance(client: httpx.AsyncClient, env: dict[str, Any]) -> int:
    r = await client.get(f"/api/v1/customers/{env['customer']}/points", headers=env["h"])
    return int(r.json()["balance"])


async def _redeem(
    client: httpx.AsyncClient, env: dict[str, Any], reward_id: int, *, h: str = "ch"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/customers/{env['customer']}/redemptions", headers=env[h], json={"reward_id": reward_id}
    )


async def test_voucher_redemption_puts_a_coupon_in_the_customers_coupons(
    db: Database, client: httpx.AsyncClient
) -> None:
    env = await _setup(db, client, 1500)
    rid = await _reward(
        client, env, name="50 元代金券", kind="voucher", points=1000, value_cny="50", stock=10
    )
    listed = (await client.get("/api/v1/rewards", headers=env["ch"])).json()["items"]
    assert [(x["id"], x["stock"]) for x in listed] == [(rid, 10)]

    r = await _redeem(client, env, rid)
    assert r.status_code == 201, r.text
    coupon_id = r.json()["coupon_id"]
    coupons = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=env["ch"])).json()
    mine = [c for c in coupons["items"] if c["id"] == coupon_id]
    assert mine and Decimal(mine[0]["amount"]) == Decimal(50) and mine[0]["status"] == "active"
    assert await _balance(client, env) == 500
    assert (await client.get("/api/v1/rewards", headers=env["ch"])).json()["items"][0]["stock"] == 9

    # 500 left, the voucher costs 1000: refused, nothing debited, no stock taken.
    r = await _redeem(client, env, rid)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "insufficient_points")
    assert await _balance(client, env) == 500
    assert (await client.get("/api/v1/rewards", headers=env["ch"])).json()["items"][0]["stock"] == 9


async def test_high_tier_gets_the_redeem_bonus_and_products_become_fulfilments(
    db: Database, client: httpx.AsyncClient
) -> None:
    env = await _setup(db, client, 5000, tier="high")
    voucher = await _reward(client, env, name="100 元代金券", kind="voucher", points=1000, value_cny="100")
    product = await _reward(client, env, name="保温杯", kind="product", points=2000, stock=1)
    r = await _redeem(client, env, voucher, h="h")  # staff on the customer's behalf
    assert r.status_code == 201, r.text
    coupons = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=env["h"])).json()
    assert Decimal(coupons["items"][0]["amount"]) == Decimal(120)  # high tier: +20 %

    r = await _redeem(client, env, product)
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["coupon_id"]) == ("pending", None)
    r = await _redeem(client, env, product)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "out_of_stock")
    assert await _balance(client, env) == 2000
    listed = (await client.get(f"/api/v1/customers/{env['customer']}/redemptions", headers=env["ch"])).json()
    assert sorted(x["status"] for x in listed["items"]) == ["issued", "pending"]


async def test_who_may_redeem_and_bad_input(db: Database, client: httpx.AsyncClient) -> None:
    env = await _setup(db, client, 5000)
    rid = await _reward(client, env, name="上门清洁", kind="service", points=100)
    _other, other_token = await customer_token(db, name="李雷")
    r = await client.post(
        f"/api/v1/customers/{env['customer']}/redemptions",
        headers=bearer(other_token),
        json={"reward_id": rid},
    )
    assert r.status_code == 404
    _sup, sup_token = await staff_token(db, role=Role.SUPERVISOR)
    r = await client.post(
        "/api/v1/rewards", headers=bearer(sup_token), json={"name": "x", "kind": "service", "points": 1}
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/rewards", headers=env["h"], json={"name": "券", "kind": "voucher", "points": 10}
    )
    assert r.status_code == 422 and r.json()["error"]["code"]
    r = await client.post(
        "/api/v1/rewards", headers=env["h"], json={"name": "x", "kind": "cash", "points": 10}
    )
    assert r.status_code == 422
    r = await _redeem(client, env, 999999)
    assert r.status_code == 404
    assert await _balance(client, env) == 5000


async def test_cancel_reverses_points_stock_and_voids_the_voucher(
    db: Database, client: httpx.AsyncClient
) -> None:
    env = await _setup(db, client, 1000)
    rid = await _reward(client, env, name="20 元代金券", kind="voucher", points=400, value_cny="20", stock=3)
    r = await _redeem(client, env, rid)
    red = r.json()
    assert await _balance(client, env) == 600
    r = await client.post(f"/api/v1/redemptions/{red['id']}/cancel", headers=env["ch"])
    assert (r.status_code, r.json()["status"]) == (200, "cancelled")
    assert await _balance(client, env) == 1000
    assert (await client.get("/api/v1/rewards", headers=env["ch"])).json()["items"][0]["stock"] == 3
    coupons = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=env["ch"])).json()
    assert [c["status"] for c in coupons["items"] if c["id"] == red["coupon_id"]] == ["cancelled"]
    r = await client.post(f"/api/v1/redemptions/{red['id']}/cancel", headers=env["ch"])
    assert (r.status_code, r.json()["error"]["code"]) == (409, "redemption_not_cancellable")
    assert await _balance(client, env) == 1000

    # A voucher already spent cannot be cancelled back into points.
    red = (await _redeem(client, env, rid)).json()
    assert (
        await client.post(f"/api/v1/coupons/{red['coupon_id']}/redeem", headers=env["h"])
    ).status_code == 200
    r = await client.post(f"/api/v1/redemptions/{red['id']}/cancel", headers=env["h"])
    assert (r.status_code, r.json()["error"]["code"]) == (409, "coupon_unavailable")
    assert await _balance(client, env) == 600


async def test_fifty_concurrent_redemptions_never_overdraw_nor_oversell(
    db: Database, client: httpx.AsyncClient
) -> None:
    env = await _setup(db, client, 3500)
    cheap = await _reward(
        client, env, name="10 元代金券", kind="voucher", points=500, value_cny="10", stock=100
    )
    results = await asyncio.gather(*(_redeem(client, env, cheap) for _ in range(50)))
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 7 and codes.count(409) == 43, codes
    assert await _balance(client, env) == 0  # 7 × 500 = 3500: spent exactly, never below 0
    coupons = (await client.get(f"/api/v1/customers/{env['customer']}/coupons", headers=env["ch"])).json()
    assert len(coupons["items"]) == 7

    # Plenty of points, 5 in stock: exactly 5 succeed and the stock stops at 0.
    async with db.transaction() as s:
        s.add(PointsEntry(customer_id=env["customer"], delta=100_000, reason="earn"))
    scarce = await _reward(client, env, name="限量礼盒", kind="product", points=100, stock=5)
    results = await asyncio.gather(*(_redeem(client, env, scarce) for _ in range(50)))
    assert sum(r.status_code == 201 for r in results) == 5
    assert {r.json()["error"]["code"] for r in results if r.status_code != 201} == {"out_of_stock"}
    items = {x["id"]: x for x in (await client.get("/api/v1/rewards", headers=env["ch"])).json()["items"]}
    assert items[scarce]["stock"] == 0
    assert await _balance(client, env) == 100_000 - 500


async def test_portal_rewards_store_redeems_into_my_coupons(db: Database, client: httpx.AsyncClient) -> None:
    import re

    from kefu.customer.service import customer_service
    from tests.factories import PASSWORD

    env = await _setup(db, client, 800)
    await _reward(client, env, name="30 元代金券", kind="voucher", points=600, value_cny="30")
    async with db.transaction() as s:
        c = await s.get(Customer, env["customer"])
        assert c is not None
        await customer_service.set_password(s, c, PASSWORD)
    page = await client.get("/portal/login", headers={"accept": "text/html"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    await client.post(
        "/portal/login",
        data={"email": "zhoujie@example.cn", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    text = (await client.get("/portal/account", headers={"accept": "text/html"})).text
    assert "积分商城" in text and "30 元代金券" in text
    form = re.search(
        r'action="(/portal/rewards/\d+/redeem)"[^<]*<input type="hidden" name="csrf_token" value="([^"]+)"',
        text,
    )
    assert form
    r = await client.post(form.group(1), data={"csrf_token": form.group(2)})
    assert r.status_code == 303
    text = (await client.get("/portal/account", headers={"accept": "text/html"})).text
    assert "¥30.00 · 积分兑换 · 可用" in text and 'id="points-balance">200<' in text
