"""The app/API channel as a company's app uses it: HMAC-vouched users, the bot's answer
delivered to the app's webhook receiver on loopback, the chat socket token, and service
points logging visits as tickets."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.appchannel.signing import user_hash
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import Customer, Identity, Message, Ticket
from kefu.models.user import Role
from kefu.webhook.signing import signature, verify
from tests.conftest import Configure
from tests.factories import bearer, staff_token
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


async def integration(
    client: httpx.AsyncClient, db: Database, webhook_url: str | None = None
) -> dict[str, Any]:
    _admin, token = await staff_token(db, role=Role.ADMIN)
    body: dict[str, Any] = {"name": "星辰商城 App"}
    if webhook_url:
        body["webhook_url"] = webhook_url
    r = await client.post("/api/v1/channels/app", headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def message(app: dict[str, Any], user_id: str, text: str, client_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "user_hash": user_hash(app["secret"], user_id),
        "client_id": client_id,
        "text": text,
        **kw,
    }


async def rows(db: Database, model: Any, *where: Any) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(sa.select(model).where(*where))).scalars())


class TestMessages:
    async def test_message_is_answered_and_the_reply_reaches_the_app_webhook(
        self, db: Database, client: httpx.AsyncClient, receiver: tuple[Inbox, Loopback]
    ) -> None:
        inbox, server = receiver
        app = await integration(client, db, f"{server.url}/kefu-replies")
        headers = {"X-Kefu-App-Key": app["key"]}
        r = await client.post(
            "/api/v1/app/messages",
            headers=headers,
            json=message(app, "u-1001", "怎么退货？", "m1", name="李雷"),
        )
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["duplicate"] is False
        # The same client id again: acknowledged, not stored twice.
        again = await client.post(
            "/api/v1/app/messages", headers=headers, json=message(app, "u-1001", "怎么退货？", "m1")
        )
        assert again.json()["seq"] == out["seq"] and again.json()["duplicate"] is True
        msgs = await rows(db, Message, Message.conversation_id == out["conversation_id"])
        assert [m.text for m in msgs if m.sender == "customer"] == ["怎么退货？"]
        bot = [m for m in msgs if m.sender == "bot" and m.seq > out["seq"]]
        assert bot, "the bot answers app users as in the widget"
        await Worker(db).run_until_idle()
        bodies = [json.loads(x["body"]) for x in inbox.received]
        assert bodies and all(b["event"] == "message.created" for b in bodies)
        assert bot[0].text in [b["data"]["text"] for b in bodies]
        assert all(b["data"]["app_user_id"] == "u-1001" and b["data"]["sender"] != "customer" for b in bodies)
        h = inbox.received[0]["headers"]
        assert verify(
            app["webhook_secret"],
            int(h["x-kefu-timestamp"]),
            inbox.received[0]["body"],
            h["x-kefu-signature"],
        )
        # The app user is a customer with the app's user id as external id.
        [ident] = await rows(db, Identity, Identity.kind == "external_id")
        assert ident.value == "u-1001" and ident.customer_id == out["customer_id"]
        # The session token opens the user's conversation like a widget session.
        r = await client.get("/api/v1/widget/messages", headers=bearer(out["session_token"]))
        assert r.status_code == 200 and any(m["text"] == "怎么退货？" for m in r.json()["items"])

    async def test_other_apps_and_staff_webhooks_do_not_get_app_replies(
        self, db: Database, client: httpx.AsyncClient, receiver: tuple[Inbox, Loopback]
    ) -> None:
        inbox, server = receiver
        app_a = await integration(client, db, f"{server.url}/a")
        await integration(client, db, f"{server.url}/b")
        await client.post(
            "/api/v1/app/messages",
            headers={"X-Kefu-App-Key": app_a["key"]},
            json=message(app_a, "u-1", "发票", "x"),
        )
        r = await client.post("/api/v1/widget/sessions", json={"name": "访客"})  # a widget chat: not an app's
        await client.post(
            "/api/v1/widget/messages",
            headers=bearer(r.json()["session_token"]),
            json={"client_id": "w", "text": "发票"},
        )
        await Worker(db).run_until_idle()
        assert inbox.received, "app A's user got the bot's answer"
        assert {x["path"] for x in inbox.received} == {"/a"}  # only app A's URL
        assert {json.loads(x["body"])["data"]["app_user_id"] for x in inbox.received} == {"u-1"}


class TestBadInput:
    async def test_forged_user_and_unknown_key_are_refused_and_store_nothing(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        app = await integration(client, db)
        forged = {
            **message(app, "u-victim", "把我的订单退了", "f1"),
            "user_hash": user_hash(app["secret"], "u-attacker"),
        }
        r = await client.post("/api/v1/app/messages", headers={"X-Kefu-App-Key": app["key"]}, json=forged)
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_user_hash"
        r = await client.post(
            "/api/v1/app/messages", headers={"X-Kefu-App-Key": "app_nope"}, json=message(app, "u", "x", "f2")
        )
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_app_key"
        r = await client.post("/api/v1/app/messages", json=message(app, "u", "x", "f3"))
        assert r.status_code == 401
        r = await client.post(
            "/api/v1/app/messages", headers={"X-Kefu-App-Key": app["key"]}, json={"user_id": "u"}
        )
        assert r.status_code == 422
        assert await rows(db, Message) == [] and await rows(db, Customer) == []

    async def test_reply_url_must_not_point_inside(self, db: Database, client: httpx.AsyncClient) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        for url in ("http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data"):
            r = await client.post(
                "/api/v1/channels/app", headers=bearer(token), json={"name": "x", "webhook_url": url}
            )
            assert r.status_code == 422 and r.json()["error"]["code"] == "internal_address"


def signed_headers(app: dict[str, Any], body: bytes, *, ts: int | None = None) -> dict[str, str]:
    stamp = ts or int(time.time())
    return {
        "X-Kefu-App-Key": app["key"],
        "X-Kefu-Timestamp": str(stamp),
        "X-Kefu-Signature": signature(app["secret"], stamp, body),
        "Content-Type": "application/json",
    }


class TestServicePointVisits:
    async def test_visit_becomes_a_service_point_ticket_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        app = await integration(client, db)
        visit = {
            "visit_id": "sz-001-20261124-7",
            "service_point": "深圳南山服务中心",
            "subject": "手机屏幕碎裂，到店送修",
            "description": "客户到店，登记寄修。",
            "customer": {"phone": "13800138000", "name": "韩梅梅"},
        }
        body = json.dumps(visit, ensure_ascii=False).encode()
        r = await client.post("/api/v1/app/visits", headers=signed_headers(app, body), content=body)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "created"
        [ticket] = await rows(db, Ticket)
        assert ticket.channel == "service_point" and ticket.id == r.json()["ticket_id"]
        assert "深圳南山服务中心" in ticket.description
        [phone] = await rows(db, Identity, Identity.kind == "phone")
        assert phone.value == "+8613800138000" and ticket.customer_id == phone.customer_id
        r = await client.post("/api/v1/app/visits", headers=signed_headers(app, body), content=body)
        assert r.json() == {"status": "duplicate", "ticket_id": ticket.id, "customer_id": ticket.customer_id}
        assert len(await rows(db, Ticket)) == 1

    async def test_unsigned_stale_or_tampered_visits_are_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        app = await integration(client, db)
        body = json.dumps({"visit_id": "v1", "service_point": "p", "subject": "s", "customer": {}}).encode()
        r = await client.post("/api/v1/app/visits", headers={"X-Kefu-App-Key": app["key"]}, content=body)
        assert r.status_code == 401 and r.json()["error"]["code"] == "missing_signature"
        r = await client.post(
            "/api/v1/app/visits", headers=signed_headers(app, body, ts=int(time.time()) - 3600), content=body
        )
        assert r.status_code == 401 and r.json()["error"]["code"] == "stale"
        r = await client.post(
            "/api/v1/app/visits", headers=signed_headers(app, body), content=body.replace(b"v1", b"v2")
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
        bad = b'{"visit_id": "v3"}'
        r = await client.post("/api/v1/app/visits", headers=signed_headers(app, bad), content=bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_visit"
        assert await rows(db, Ticket) == []
