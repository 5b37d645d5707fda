"""The partner's side on both backends: HMAC-signed API calls (forged → 403, replayed nonce
or stale timestamp → refused), accept/decline/progress/complete on its own orders only,
partner sign-in accounts that reach nothing but the partner's own work, and the partner's
webhook receiving its orders' events."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.webhook.signing import verify
from tests.conftest import Configure
from tests.fieldservice.helpers import Field, signed
from tests.loopback import Loopback, serve


class Inbox:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def __call__(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        self.received.append({"path": path, "headers": headers, "body": body})
        return 200, {}


@pytest.fixture
async def receiver(configure: Configure) -> AsyncIterator[tuple[Inbox, Loopback]]:
    inbox = Inbox()
    configure(webhook_allowed_hosts=["127.0.0.1"], webhook_timeout_seconds=5)
    async with serve(Loopback(inbox)) as server:
        yield inbox, server


async def call(
    client: httpx.AsyncClient, point: dict[str, Any], method: str, path: str, body: Any = None, **kw: Any
) -> httpx.Response:
    raw = json.dumps(body).encode() if body is not None else b""
    return await client.request(method, path, content=raw, headers=signed(point, method, path, raw, **kw))


class TestSignatures:
    async def test_forged_is_403_replay_and_stale_are_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        partner = await f.point(kind="partner")
        assert partner["api_key"].startswith("sp_") and partner["api_secret"]
        ok = await call(client, partner, "GET", "/api/v1/partner/orders")
        assert ok.status_code == 200 and ok.json() == {"items": []}
        forged = signed({**partner, "api_secret": "not-the-secret-at-all"}, "GET", "/api/v1/partner/orders")
        r = await client.get("/api/v1/partner/orders", headers=forged)
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
        # A signature for another path does not open this one.
        other = signed(partner, "GET", "/api/v1/partner/orders/1/accept")
        assert (await client.get("/api/v1/partner/orders", headers=other)).status_code == 403
        headers = signed(partner, "GET", "/api/v1/partner/orders", nonce="n-123")
        assert (await client.get("/api/v1/partner/orders", headers=headers)).status_code == 200
        replay = await client.get("/api/v1/partner/orders", headers=headers)
        assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed"
        stale = await call(client, partner, "GET", "/api/v1/partner/orders", ts=int(time.time()) - 3600)
        assert stale.status_code == 401 and stale.json()["error"]["code"] == "stale_signature"
        no_key = await client.get("/api/v1/partner/orders")
        assert no_key.status_code == 401


class TestPartnerWork:
    async def test_accept_progress_complete_and_the_webhook(
        self, client: httpx.AsyncClient, db: Database, receiver: tuple[Inbox, Loopback]
    ) -> None:
        inbox, server = receiver
        f = await Field.start(client, db)
        partner = await f.point(kind="partner", webhook_url=f"{server.url}/repairs")
        rival = await f.point(kind="partner", city="广州")
        cid = await f.customer()
        dev = await f.device(cid)
        order = await f.order(cid, dev["id"], kind="mail_in")
        oid = order["id"]
        assert order["service_point_id"] == partner["id"]
        assert {c["metric"] for c in order["sla"]} == {"appointment_confirm", "partner_accept", "completion"}
        # Another partner cannot touch it (404: ids are not probed).
        assert (await call(client, rival, "POST", f"/api/v1/partner/orders/{oid}/accept")).status_code == 404
        r = await call(client, partner, "POST", f"/api/v1/partner/orders/{oid}/accept")
        assert r.status_code == 200 and r.json()["status"] == "appointment_confirmed"
        statuses = {c["metric"]: c["status"] for c in r.json()["sla"]}
        assert statuses["partner_accept"] == "fulfilled" and statuses["appointment_confirm"] == "fulfilled"
        illegal = await call(
            client, partner, "POST", f"/api/v1/partner/orders/{oid}/transition", {"to": "done"}
        )
        assert illegal.status_code == 409
        for step in ("received", "diagnosed", "repairing", "quality_check", "returned", "done"):
            body: dict[str, Any] = {"to": step}
            if step == "repairing":
                body["parts"] = [{"name": "屏幕总成", "qty": 1}]
            r = await call(client, partner, "POST", f"/api/v1/partner/orders/{oid}/transition", body)
            assert r.status_code == 200, (step, r.text)
        assert r.json()["parts"] == [{"name": "屏幕总成", "qty": 1}]
        # Partners cannot approve a quote for the customer.
        r = await call(
            client, partner, "POST", f"/api/v1/partner/orders/{oid}/transition", {"to": "approved"}
        )
        assert r.status_code == 403
        await Worker(db).run_until_idle()
        events = [json.loads(x["body"]) for x in inbox.received]
        # From dispatch on (the order had no point when it was created).
        assert {e["event"] for e in events} == {"service_order.dispatched", "service_order.transitioned"}
        assert all(e["data"]["order_id"] == oid for e in events)
        h = inbox.received[0]["headers"]
        assert verify(
            partner["webhook_secret"],
            int(h["x-kefu-timestamp"]),
            inbox.received[0]["body"],
            h["x-kefu-signature"],
        )

    async def test_decline_redispatches_to_the_next_point(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        first = await f.point(kind="partner", capacity=1)
        second = await f.point(kind="partner", capacity=1)
        cid = await f.customer()
        dev = await f.device(cid)
        order = await f.order(cid, dev["id"])
        assert order["service_point_id"] == first["id"]
        r = await call(
            client, first, "POST", f"/api/v1/partner/orders/{order['id']}/decline", {"reason": "工程师休假"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["service_point_id"] == second["id"]
        # The first partner's day is free again.
        assert (await f.order(cid, dev["id"]))["service_point_id"] == first["id"]

    async def test_partner_accounts_see_only_their_portal(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        f = await Field.start(client, db)
        partner = await f.point(kind="partner")
        r = await client.post(
            f"/api/v1/service-points/{partner['id']}/users",
            headers=f.h,
            json={"email": "fix@partner.cn", "name": "快修", "password": "partner-pass-1"},
        )
        assert r.status_code == 201 and r.json()["role"] == "partner"
        tok = await client.post(
            "/api/v1/auth/token", json={"email": "fix@partner.cn", "password": "partner-pass-1"}
        )
        ph = {"Authorization": f"Bearer {tok.json()['access_token']}"}
        assert (await client.get("/api/v1/tickets", headers=ph)).status_code == 403
        assert (await client.get("/api/v1/customers", headers=ph)).status_code == 403
        cid = await f.customer()
        dev = await f.device(cid)
        order = await f.order(cid, dev["id"])
        r = await client.get("/api/v1/service-orders", headers=ph)
        assert r.status_code == 200 and [o["id"] for o in r.json()["items"]] == [order["id"]]
        r = await client.post(
            f"/api/v1/service-orders/{order['id']}/transition",
            headers=ph,
            json={"to": "appointment_confirmed"},
        )
        assert r.status_code == 200
