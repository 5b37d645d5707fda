"""Remote diagnostics on both backends: the app may upload a bundle only after the customer
granted access in that conversation (403 before), and it lands on the conversation's ticket."""

from __future__ import annotations

from typing import Any

import httpx

from kefu.appchannel.signing import user_hash
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, staff_token


def who(app: dict[str, Any], user_id: str) -> dict[str, str]:
    return {"user_id": user_id, "user_hash": user_hash(app["secret"], user_id)}


class TestConsent:
    async def test_upload_needs_consent_in_that_conversation(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        app = (
            await client.post("/api/v1/channels/app", headers=bearer(token), json={"name": "星辰 App"})
        ).json()
        headers = {"X-Kefu-App-Key": app["key"]}
        bundle = {
            **who(app, "u-77"),
            "serial": "SN-DIAG-1",
            "fault_codes": ["E1024"],
            "logs": "battery temp 61C",
        }
        # No conversation yet: nothing to consent in.
        r = await client.post("/api/v1/app/diagnostics/consent", headers=headers, json=who(app, "u-77"))
        assert r.status_code == 409
        msg = {**who(app, "u-77"), "client_id": "c1", "text": "手机发烫，能远程看看吗"}
        conv = (await client.post("/api/v1/app/messages", headers=headers, json=msg)).json()
        r = await client.post("/api/v1/app/diagnostics", headers=headers, json=bundle)
        assert r.status_code == 403 and r.json()["error"]["code"] == "consent_required"
        forged = {**bundle, "user_hash": "0" * 64}
        assert (
            await client.post(
                "/api/v1/app/diagnostics/consent",
                headers=headers,
                json={**who(app, "u-77"), "user_hash": "0" * 64},
            )
        ).status_code == 403
        assert (await client.post("/api/v1/app/diagnostics", headers=headers, json=forged)).status_code == 403
        r = await client.post("/api/v1/app/diagnostics/consent", headers=headers, json=who(app, "u-77"))
        assert r.status_code == 201
        r = await client.post("/api/v1/app/diagnostics", headers=headers, json=bundle)
        assert r.status_code == 201, r.text
        assert r.json()["fault_codes"] == ["E1024"]
        # Another user of the same app has not consented.
        other = {**bundle, **who(app, "u-78")}
        await client.post(
            "/api/v1/app/messages",
            headers=headers,
            json={**who(app, "u-78"), "client_id": "c2", "text": "你好"},
        )
        assert (await client.post("/api/v1/app/diagnostics", headers=headers, json=other)).status_code == 403
        # Revoked: refused again.
        await client.post("/api/v1/app/diagnostics/consent/revoke", headers=headers, json=who(app, "u-77"))
        assert (await client.post("/api/v1/app/diagnostics", headers=headers, json=bundle)).status_code == 403
        assert conv["conversation_id"]


class TestPrivacy:
    async def test_export_lists_devices_repairs_and_bundles_and_erasure_removes_the_bundles(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        h = bearer(token)
        app = (await client.post("/api/v1/channels/app", headers=h, json={"name": "星辰 App"})).json()
        headers = {"X-Kefu-App-Key": app["key"]}
        msg = {**who(app, "u-9"), "client_id": "c9", "text": "请帮我远程诊断"}
        cid = (await client.post("/api/v1/app/messages", headers=headers, json=msg)).json()["customer_id"]
        await client.post("/api/v1/app/diagnostics/consent", headers=headers, json=who(app, "u-9"))
        bundle = {**who(app, "u-9"), "serial": "SN-P-1", "fault_codes": ["E7"], "logs": "住址 北京市海淀区"}
        assert (await client.post("/api/v1/app/diagnostics", headers=headers, json=bundle)).status_code == 201
        device = {
            "model": "星辰 X5",
            "serial": "SN-P-1",
            "product_line": "phone",
            "purchased_at": "2026-06-01",
        }
        assert (
            await client.post(f"/api/v1/customers/{cid}/devices", headers=h, json=device)
        ).status_code == 201
        data = (await client.get(f"/api/v1/customers/{cid}/export", headers=h)).json()
        assert [d["serial"] for d in data["devices"]] == ["SN-P-1"]
        assert data["diagnostic_bundles"][0]["logs"] == "住址 北京市海淀区"
        assert data["service_orders"] == []
        assert (await client.post(f"/api/v1/customers/{cid}/erase", headers=h)).status_code in (200, 204)
        after = (await client.get(f"/api/v1/customers/{cid}/export", headers=h)).json()
        assert after["diagnostic_bundles"] == []
