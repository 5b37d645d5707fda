"""Customers: identities normalised, one person per identity, masking, object access."""

from __future__ import annotations

import httpx

from kefu.auth.service import auth_service
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, make_customer, staff_token


class TestCreate:
    async def test_phone_is_stored_as_e164_and_searchable_in_any_form(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/customers",
            headers=bearer(token),
            json={
                "name": "周杰",
                "email": "ZJ@Example.cn",
                "phone": "138 0013 8000",
                "external_id": "M1",
            },
        )
        assert r.status_code == 201
        body = r.json()
        kinds = {i["kind"]: i["value"] for i in body["identities"]}
        assert kinds == {"email": "zj@example.cn", "phone": "+8613800138000", "external_id": "M1"}
        assert body["tier"] == "none"
        found = await client.get(
            "/api/v1/customers", params={"phone": "+86 13800138000"}, headers=bearer(token)
        )
        assert [c["id"] for c in found.json()["items"]] == [body["id"]]
        got = await client.get(f"/api/v1/customers/{body['id']}", headers=bearer(token))
        assert got.json()["points_balance"] == 0
        assert got.json()["tickets"] == []

    async def test_identity_of_another_customer_is_409(self, db: Database, client: httpx.AsyncClient) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        first = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "a", "email": "a@x.cn"}
        )
        r = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "b", "email": "A@x.cn"}
        )
        assert r.status_code == 409
        assert str(first.json()["id"]) in r.json()["error"]["message"]

    async def test_invalid_phone_and_email_are_422(self, db: Database, client: httpx.AsyncClient) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "a", "phone": "12345"}
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_phone"
        r = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "a", "email": "not-an-email"}
        )
        assert r.status_code == 422


class TestAccess:
    async def test_agent_sees_masked_phone_and_email(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            c = await make_customer(s, phone="13812345678", email="wang@example.cn")
        _agent, token = await staff_token(db, role=Role.AGENT)
        body = (await client.get(f"/api/v1/customers/{c.id}", headers=bearer(token))).json()
        values = {i["kind"]: i["value"] for i in body["identities"]}
        assert values == {"phone": "+86138****5678", "email": "w***@example.cn"}
        assert "13812345678" not in str(body)
        r = await client.post(f"/api/v1/customers/{c.id}/unmask", headers=bearer(token))
        assert r.status_code == 403

    async def test_customer_principal_sees_only_themself(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            me = await make_customer(s, email="me@example.cn")
            other = await make_customer(s, email="other@example.cn")
            token = (await auth_service.issue_customer_token(s, me.id, name="portal")).token
        assert (await client.get(f"/api/v1/customers/{me.id}", headers=bearer(token))).status_code == 200
        r = await client.get(f"/api/v1/customers/{other.id}", headers=bearer(token))
        assert r.status_code == 404
        r = await client.get("/api/v1/customers", params={"email": "other@example.cn"}, headers=bearer(token))
        assert r.status_code == 403

    async def test_missing_customer_is_404(self, db: Database, client: httpx.AsyncClient) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        r = await client.get("/api/v1/customers/999999", headers=bearer(token))
        assert r.status_code == 404


class TestSensitiveFields:
    async def test_address_and_id_card_are_masked_for_agents_and_validated(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _admin, admin = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/customers",
            headers=bearer(admin),
            json={
                "name": "赵敏",
                "email": "zm@example.cn",
                "address": "浙江省杭州市西湖区文三路 100 号",
                "id_card": "11010119900307457x",
            },
        )
        assert r.status_code == 201
        cid = r.json()["id"]
        assert r.json()["id_card"] == "11010119900307457X"  # admins see it whole
        _agent, agent = await staff_token(db, role=Role.AGENT)
        seen = (await client.get(f"/api/v1/customers/{cid}", headers=bearer(agent))).json()
        assert seen["id_card"] == "110101********457X"
        assert seen["address"] == "浙江省杭州市****"
        bad = await client.post(
            "/api/v1/customers", headers=bearer(admin), json={"name": "x", "id_card": "12345"}
        )
        assert bad.status_code == 422
