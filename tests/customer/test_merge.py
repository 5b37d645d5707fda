"""Merging duplicate customers: everything follows, once, audited; bad merges refused."""

from __future__ import annotations

import httpx

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token


class TestMerge:
    async def test_wechat_user_merged_into_email_customer(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_group(s, name="售前", is_default=True)
        _admin, token = await staff_token(db, role=Role.ADMIN)
        h = bearer(token)
        keep = (
            await client.post("/api/v1/customers", headers=h, json={"name": "周杰", "email": "zj@example.cn"})
        ).json()
        dup = (await client.post("/api/v1/customers", headers=h, json={"wechat_openid": "o-abc123"})).json()
        for cid, ext, amount in ((keep["id"], "M-1", "8000"), (dup["id"], "M-2", "5000")):
            await client.post(
                f"/api/v1/customers/{cid}/orders",
                headers=h,
                json={
                    "external_id": ext,
                    "amount": amount,
                    "currency": "CNY",
                    "placed_at": utcnow().isoformat(),
                },
            )
        t = (
            await client.post(
                "/api/v1/tickets",
                headers=h,
                json={"subject": "微信咨询", "channel": "wechat", "customer_id": dup["id"]},
            )
        ).json()
        r = await client.post(f"/api/v1/customers/{dup['id']}/merge", headers=h, json={"into_id": keep["id"]})
        assert r.status_code == 200, r.text
        merged = r.json()
        assert {i["kind"] for i in merged["identities"]} == {"email", "wechat_openid"}
        assert merged["points_balance"] == 13000 and merged["tier"] == "mid"
        assert [x["id"] for x in merged["tickets"]] == [t["id"]]
        assert (await client.get(f"/api/v1/customers/{dup['id']}", headers=h)).status_code == 404
        audit = (await client.get("/api/v1/audit", params={"action": "customer.merged"}, headers=h)).json()[
            "items"
        ]
        assert audit[0]["detail"]["from"] == dup["id"] and audit[0]["detail"]["moved"]["orders"] == 1

    async def test_self_merge_and_missing_customer_are_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        h = bearer(token)
        c = (
            await client.post("/api/v1/customers", headers=h, json={"name": "a", "email": "a@example.cn"})
        ).json()
        r = await client.post(f"/api/v1/customers/{c['id']}/merge", headers=h, json={"into_id": c["id"]})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "merge_self")
        r = await client.post(f"/api/v1/customers/{c['id']}/merge", headers=h, json={"into_id": 99999})
        assert r.status_code == 404
