"""Outgoing webhooks against a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from kefu.kit.db import Database
from kefu.kit.jobs import Job, Worker
from kefu.kit.time import utcnow
from kefu.models import WebhookDelivery, WebhookSubscription
from kefu.models.user import Role
from kefu.webhook.signing import verify
from tests.conftest import Configure, free_port
from tests.factories import bearer, staff_token


class Receiver:
    """A tiny ASGI app that records requests and answers with a configurable status."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.port = free_port()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append({"path": scope["path"], "headers": headers, "body": body})
        extra = (
            [(b"location", f"http://127.0.0.1:{self.port}/elsewhere".encode())] if self.status == 302 else []
        )
        await send({"type": "http.response.start", "status": self.status, "headers": extra})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def receiver(configure: Configure) -> AsyncIterator[Receiver]:
    rec = Receiver()
    server = uvicorn.Server(
        uvicorn.Config(rec, host="127.0.0.1", port=rec.port, log_level="error", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    configure(webhook_allowed_hosts=["127.0.0.1"], webhook_timeout_seconds=5)
    yield rec
    server.should_exit = True
    await task


async def _subscribe(client: httpx.AsyncClient, token: str, url: str, events: list[str]) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/webhooks", headers=bearer(token), json={"name": "CRM", "url": url, "events": events}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _deliveries(db: Database) -> list[WebhookDelivery]:
    async with db.session() as s:
        return list((await s.execute(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))).scalars())


async def _make_due(db: Database) -> None:
    async with db.transaction() as s:
        await s.execute(sa.update(Job).values(run_at=utcnow()))


class TestDelivery:
    async def test_event_is_delivered_signed_after_commit(
        self, db: Database, client: httpx.AsyncClient, receiver: Receiver
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        sub = await _subscribe(client, token, f"http://127.0.0.1:{receiver.port}/hook", ["customer.created"])
        r = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "周杰", "email": "z@x.cn"}
        )
        await Worker(db).run_until_idle()
        [req] = receiver.requests
        h = req["headers"]
        assert h["x-kefu-event"] == "customer.created"
        assert verify(sub["secret"], int(h["x-kefu-timestamp"]), req["body"], h["x-kefu-signature"])
        assert not verify(
            "wrong-secret-xxxxxxxx", int(h["x-kefu-timestamp"]), req["body"], h["x-kefu-signature"]
        )
        body = json.loads(req["body"])
        assert body["event"] == "customer.created" and body["data"] == {"customer_id": r.json()["id"]}
        [delivery] = await _deliveries(db)
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)

    async def test_other_events_and_rolled_back_changes_send_nothing(
        self, db: Database, client: httpx.AsyncClient, receiver: Receiver
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        await _subscribe(client, token, f"http://127.0.0.1:{receiver.port}/hook", ["announcement.posted"])
        await client.post("/api/v1/customers", headers=bearer(token), json={"name": "a", "email": "a@x.cn"})
        r = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "b", "email": "a@x.cn"}
        )
        assert r.status_code == 409
        await Worker(db).run_until_idle()
        assert receiver.requests == []
        assert await _deliveries(db) == []

    async def test_a_subscription_removed_elsewhere_gets_nothing_and_the_change_stands(
        self, db: Database, client: httpx.AsyncClient, receiver: Receiver
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        base = f"http://127.0.0.1:{receiver.port}"
        subs = {
            p: await _subscribe(client, token, f"{base}/{p}", ["customer.created"]) for p in ("a", "b", "c")
        }
        r = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "甲", "email": "a@x.cn"}
        )
        assert r.status_code == 201
        await Worker(db).run_until_idle()
        # Another process deletes one and switches one off: this process still has all three
        # in its short cache of active subscriptions.
        async with db.transaction() as s:
            await s.execute(sa.delete(WebhookSubscription).where(WebhookSubscription.id == subs["b"]["id"]))
            await s.execute(
                sa.update(WebhookSubscription)
                .where(WebhookSubscription.id == subs["c"]["id"])
                .values(active=False)
            )
        r = await client.post(
            "/api/v1/customers", headers=bearer(token), json={"name": "乙", "email": "b@x.cn"}
        )
        assert r.status_code == 201, r.text  # the customer is created all the same
        await Worker(db).run_until_idle()
        second = [json.loads(q["body"])["data"]["customer_id"] == r.json()["id"] for q in receiver.requests]
        assert sorted(q["path"] for q, new in zip(receiver.requests, second, strict=True) if new) == ["/a"]

    async def test_failures_are_retried_with_backoff_then_given_up(
        self, db: Database, client: httpx.AsyncClient, receiver: Receiver
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        sub = await _subscribe(client, token, f"http://127.0.0.1:{receiver.port}/hook", ["*"])
        receiver.status = 500
        await client.post(f"/api/v1/webhooks/{sub['id']}/ping", headers=bearer(token))
        await Worker(db).run_until_idle()
        [d] = await _deliveries(db)
        assert (d.status, d.attempts, d.last_error) == ("pending", 1, "HTTP 500")
        assert d.next_attempt_at is not None and (d.next_attempt_at - utcnow()).total_seconds() > 5
        assert await Worker(db).run_until_idle() == 0  # not before its time
        for _ in range(10):
            await _make_due(db)
            await Worker(db).run_until_idle()
        [d] = await _deliveries(db)
        assert (d.status, d.attempts) == ("failed", 8)
        receiver.status = 200
        r = await client.post(
            f"/api/v1/webhooks/{sub['id']}/deliveries/{d.id}/redeliver", headers=bearer(token)
        )
        assert r.status_code == 202
        await Worker(db).run_until_idle()
        [d] = await _deliveries(db)
        assert d.status == "succeeded"

    async def test_redirects_are_not_followed(
        self, db: Database, client: httpx.AsyncClient, receiver: Receiver
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        sub = await _subscribe(client, token, f"http://127.0.0.1:{receiver.port}/hook", ["*"])
        receiver.status = 302
        await client.post(f"/api/v1/webhooks/{sub['id']}/ping", headers=bearer(token))
        await Worker(db).run_until_idle()
        assert [r["path"] for r in receiver.requests] == ["/hook"]
        [d] = await _deliveries(db)
        assert (d.status, d.last_status_code) == ("pending", 302)


class TestSsrf:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.8/hook",
            "http://[::1]/hook",
            "http://localhost:8080/hook",
            "http://[::ffff:127.0.0.1]/hook",
        ],
    )
    async def test_internal_targets_are_refused_at_creation(
        self, db: Database, client: httpx.AsyncClient, url: str
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/webhooks", headers=bearer(token), json={"name": "x", "url": url, "events": ["*"]}
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "internal_address"

    async def test_a_name_that_resolves_inside_is_refused_at_creation_and_at_send_time(
        self,
        db: Database,
        client: httpx.AsyncClient,
        receiver: Receiver,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from kefu.kit import outbound

        answers = {"hooks.example.com": ["127.0.0.1"]}

        async def fake_dns(host: str, port: int) -> list[str]:
            return answers[host]

        monkeypatch.setattr(outbound, "_getaddrinfo", fake_dns)
        _admin, token = await staff_token(db, role=Role.ADMIN)
        url = f"http://hooks.example.com:{receiver.port}/hook"
        r = await client.post(
            "/api/v1/webhooks", headers=bearer(token), json={"name": "x", "url": url, "events": ["*"]}
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, "internal_address")
        # Public when created, rebound to loopback before delivery: refused at connect time.
        answers["hooks.example.com"] = ["93.184.216.34"]
        sub = await _subscribe(client, token, url, ["*"])
        answers["hooks.example.com"] = ["93.184.216.34", "127.0.0.1"]
        await client.post(f"/api/v1/webhooks/{sub['id']}/ping", headers=bearer(token))
        await Worker(db).run_until_idle()
        assert receiver.requests == []
        [d] = await _deliveries(db)
        assert d.status == "failed" and "internal address" in (d.last_error or "")


class TestBadInput:
    async def test_subscription_validation(self, db: Database, client: httpx.AsyncClient) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        cases = [
            ({"name": "x", "url": "ftp://example.com/x", "events": ["*"]}, "invalid_url"),
            ({"name": "x", "url": "https://user:pw@example.com/x", "events": ["*"]}, "invalid_url"),
            ({"name": "x", "url": "https://example.com/x", "events": ["ticket.exploded"]}, "unknown_event"),
        ]
        for body, code in cases:
            r = await client.post("/api/v1/webhooks", headers=bearer(token), json=body)
            assert r.status_code == 422 and r.json()["error"]["code"] == code, body
        r = await client.post(
            "/api/v1/webhooks",
            headers=bearer(token),
            json={"name": "x", "url": "https://example.com/x", "events": []},
        )
        assert r.status_code == 422

    async def test_only_admins_manage_webhooks(self, db: Database, client: httpx.AsyncClient) -> None:
        _sup, token = await staff_token(db, role=Role.SUPERVISOR)
        r = await client.post(
            "/api/v1/webhooks",
            headers=bearer(token),
            json={"name": "x", "url": "https://example.com/x", "events": ["*"]},
        )
        assert r.status_code == 403
        assert (await client.get("/api/v1/webhooks/1/deliveries", headers=bearer(token))).status_code == 403
