"""The email channel API: address → group mappings (CONTRACT), IMAP mailboxes, and the
quarantine (list, raw source, retry). Admin only; bad input is a clear 4xx."""

from __future__ import annotations

import httpx
import pytest

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token
from tests.mail.conftest import Mta, mail


@pytest.fixture
async def admin(db: Database) -> dict[str, str]:
    _u, token = await staff_token(db, role=Role.ADMIN)
    return bearer(token)


class TestAddresses:
    async def test_map_list_delete(
        self, db: Database, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        async with db.transaction() as s:
            g = await make_group(s, name="售前")
        r = await client.post(
            "/api/v1/channels/email", headers=admin, json={"address": "Sales@Kefu.demo", "group_id": g.id}
        )
        assert r.status_code == 201
        body = r.json()
        assert (body["address"], body["group_id"]) == ("sales@kefu.demo", g.id)
        r = await client.post("/api/v1/channels/email", headers=admin, json={"address": "sales@kefu.demo"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "address_exists"
        r = await client.get("/api/v1/channels/email", headers=admin)
        assert [a["address"] for a in r.json()["items"]] == ["sales@kefu.demo"]
        assert (await client.delete(f"/api/v1/channels/email/{body['id']}", headers=admin)).status_code == 204
        assert (await client.delete(f"/api/v1/channels/email/{body['id']}", headers=admin)).status_code == 404

    @pytest.mark.parametrize(
        ("payload", "status"),
        [
            ({"address": "not-an-address"}, 422),
            ({"address": "a@kefu.demo", "group_id": 999999}, 404),
            ({"address": "a@kefu.demo", "extra": 1}, 422),
        ],
    )
    async def test_bad_input_is_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], payload: dict[str, object], status: int
    ) -> None:
        r = await client.post("/api/v1/channels/email", headers=admin, json=payload)
        assert r.status_code == status and set(r.json()["error"]) >= {"code", "message"}

    async def test_agents_cannot_change_channels(self, db: Database, client: httpx.AsyncClient) -> None:
        _u, token = await staff_token(db, role=Role.AGENT)
        r = await client.post(
            "/api/v1/channels/email", headers=bearer(token), json={"address": "x@kefu.demo"}
        )
        assert r.status_code == 403
        assert (await client.get("/api/v1/mail/inbound", headers=bearer(token))).status_code == 403


class TestMailboxes:
    async def test_the_password_is_write_only(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        payload = {
            "name": "售后邮箱",
            "address": "service@kefu.demo",
            "host": "imap.kefu.demo",
            "username": "service",
            "password": "s3cret-imap",
        }
        r = await client.post("/api/v1/channels/email/mailboxes", headers=admin, json=payload)
        assert r.status_code == 201 and "password" not in r.json()
        listed = await client.get("/api/v1/channels/email/mailboxes", headers=admin)
        assert "s3cret" not in listed.text
        r = await client.post(
            "/api/v1/channels/email/mailboxes", headers=admin, json={**payload, "host": "evil host; rm"}
        )
        assert r.status_code == 422


class TestQuarantine:
    async def test_list_download_and_retry(
        self, db: Database, mta: Mta, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        raw = b"\x01\x02 not a mail\r\n"
        await mta.deliver(raw)
        await mta.deliver(mail(message_id="<fine@example.cn>"))
        r = await client.get("/api/v1/mail/inbound?status=quarantined,held", headers=admin)
        [item] = r.json()["items"]
        assert item["status"] == "quarantined" and item["reason"] == "no headers"
        r = await client.get(f"/api/v1/mail/inbound/{item['id']}/raw", headers=admin)
        assert r.status_code == 200 and r.content == raw
        assert r.headers["content-type"] == "message/rfc822"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "attachment" in r.headers["content-disposition"]
        r = await client.post(f"/api/v1/mail/inbound/{item['id']}/retry", headers=admin)
        assert r.status_code == 202 and r.json()["status"] == "received"
        await Worker(db).run_until_idle()
        r = await client.get(f"/api/v1/mail/inbound/{item['id']}", headers=admin)
        assert (r.json()["status"], r.json()["attempts"]) == ("quarantined", 2)  # still unreadable, kept
        ok = (await client.get("/api/v1/mail/inbound?status=ticket", headers=admin)).json()["items"][0]
        r = await client.post(f"/api/v1/mail/inbound/{ok['id']}/retry", headers=admin)
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_retryable"
        r = await client.get("/api/v1/mail/inbound?status=bogus", headers=admin)
        assert r.status_code == 422


class TestAdminPage:
    async def test_quarantine_and_addresses_on_the_page(
        self, db: Database, mta: Mta, client: httpx.AsyncClient, admin: dict[str, str]
    ) -> None:
        await mta.deliver(b"\x01\x02 not a mail\r\n")
        html = {**admin, "accept": "text/html"}
        r = await client.get("/admin/mail", headers=html)
        assert r.status_code == 200 and 'id="quarantine"' in r.text and "no headers" in r.text
        r = await client.post("/admin/mail/addresses", headers=html, data={"address": "vip@kefu.demo"})
        assert r.status_code == 303
        assert "vip@kefu.demo" in (await client.get("/admin/mail", headers=html)).text
        r = await client.post("/admin/mail/addresses", headers=html, data={"address": "nonsense"})
        assert r.status_code == 422 and 'role="alert"' in r.text  # the form says why
