"""Tracking (#16): the open pixel and signed tracked links feed each journey's figures;
the redirect goes only to a URL the message contained; the SMS provider's signed delivery
report; app push against a loopback webhook; per-channel unsubscribe."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.outreach import links
from kefu.outreach.schemas import SettingsIn
from kefu.outreach.service import outreach_service
from kefu.webhook.signing import signature, verify
from tests.factories import bearer, make_customer, staff_token
from tests.loopback import Loopback, serve
from tests.outreach.conftest import NO_QUIET, Inbox, consent, make_journey, run_jobs, sends, set_policy

LINK = "https://shop.example.cn/new-year?src=mail"


def _links(text: str) -> list[str]:
    from kefu.outreach.tracking import urls_in

    return urls_in(text)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


async def _campaign(db: Database, channel: str = "email", **customer: Any) -> tuple[int, int]:
    async with db.transaction() as s:
        journey = await make_journey(
            s,
            name="新年活动",
            trigger="campaign",
            purpose="marketing",
            channel=channel,
            subject_zh="新年好礼",
            body_zh=f"{{name}}您好，新年活动开始了：{LINK} 。",
        )
        c = await make_customer(s, name="林青", **customer)
        await consent(s, c.id)
        await outreach_service.launch(s, SYSTEM, journey.id)
    return journey.id, c.id


class TestOpensAndClicks:
    async def test_pixel_and_link_count_once_per_send_and_show_in_the_figures(
        self, db: Database, client: httpx.AsyncClient, smtp: Inbox
    ) -> None:
        await set_policy(db)
        journey_id, customer_id = await _campaign(db, email="linqing@example.cn")
        await run_jobs(db)
        [mail] = smtp.messages
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert LINK not in text  # the link goes through the tracked redirect
        tracked = [u for u in _links(text) if "/o/c/" in u]
        assert len(tracked) == 1
        unsubscribe = [u for u in _links(text) if "/outreach/unsubscribe/" in u]
        assert len(unsubscribe) == 1  # never wrapped in a redirect
        pixel = next(u for u in _links(html) if "/o/o/" in u)

        for _ in range(2):  # opened twice: one open counted, two fetches
            r = await client.get(_path(pixel))
            assert r.status_code == 200 and r.headers["content-type"] == "image/gif"
        r = await client.get(_path(tracked[0]), follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"] == LINK

        _admin, token = await staff_token(db, role=Role.SUPERVISOR)
        r = await client.get(f"/api/v1/outreach/journeys/{journey_id}/figures", headers=bearer(token))
        assert r.status_code == 200, r.text
        figures = r.json()
        assert figures["sent"] == 1 and figures["delivered"] == 1  # the SMTP server accepted it
        assert figures["opened"] == 1 and figures["clicked"] == 1 and figures["unsubscribed"] == 0
        [send] = await sends(db, customer_id)
        assert send.opens == 2 and send.clicks == 1

    async def test_a_forged_or_retargeted_link_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        _journey_id, customer_id = await _campaign(db, email="a@example.cn")
        await run_jobs(db)
        [send] = await sends(db, customer_id)
        # Signed with the key but pointing somewhere the message never pointed: no open redirect.
        evil = links.click_url(send.id, "https://evil.example.com/")
        r = await client.get(_path(evil), follow_redirects=False)
        assert r.status_code == 404
        # A token that is not ours.
        r = await client.get("/o/c/not-a-token", follow_redirects=False)
        assert r.status_code == 404
        good = links.click_url(send.id, LINK)
        r = await client.get(_path(good), follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"] == LINK

    async def test_tracking_off_sends_links_as_written(self, db: Database, smtp: Inbox) -> None:
        await set_policy(db, NO_QUIET.model_copy(update={"tracking": False}))
        await _campaign(db, email="b@example.cn")
        await run_jobs(db)
        [mail] = smtp.messages
        assert LINK in mail.get_body(("plain",)).get_content()
        assert mail.get_body(("html",)) is None or "/o/o/" not in mail.get_body(("html",)).get_content()


class SmsGateway:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def __call__(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        self.sent.append(json.loads(body))
        return 200, {"ok": True, "id": f"sms-{len(self.sent)}"}


def _signed(secret: str, body: dict[str, Any], ts: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    ts = ts or int(time.time())
    return raw, {
        "X-Kefu-Timestamp": str(ts),
        "X-Kefu-Signature": signature(secret, ts, raw),
        "Content-Type": "application/json",
    }


class TestSmsDeliveryReport:
    @pytest.mark.usefixtures("allow_loopback")
    async def test_signed_report_marks_delivered(self, db: Database, client: httpx.AsyncClient) -> None:
        gateway = SmsGateway()
        async with serve(Loopback(gateway)) as server:
            async with db.transaction() as s:
                await outreach_service.save_settings(
                    s,
                    SYSTEM,
                    SettingsIn.model_validate(
                        {
                            "policy": {"quiet_start": "00:00", "quiet_end": "00:00"},
                            "sms": {
                                "url": f"{server.url}/send",
                                "api_key": "gw-key-1",
                                "sign_name": "星辰电子",
                            },
                        }
                    ),
                )
            journey_id, customer_id = await _campaign(db, channel="sms", phone="+8613700137005")
            await run_jobs(db)
        [msg] = gateway.sent
        assert "/o/c/" in msg["text"]  # the SMS link is tracked too
        [send] = await sends(db, customer_id)
        assert send.status == "sent" and send.provider_ref == "sms-1" and send.delivered_at is None

        raw, headers = _signed("wrong-key", {"id": "sms-1", "status": "delivered"})
        r = await client.post("/api/v1/outreach/sms/delivery", content=raw, headers=headers)
        assert r.status_code == 403
        raw, headers = _signed("gw-key-1", {"id": "sms-1", "status": "delivered"}, ts=int(time.time()) - 3600)
        r = await client.post("/api/v1/outreach/sms/delivery", content=raw, headers=headers)
        assert r.status_code == 401  # a replayed old report
        raw, headers = _signed("gw-key-1", {"id": "sms-404", "status": "delivered"})
        r = await client.post("/api/v1/outreach/sms/delivery", content=raw, headers=headers)
        assert r.status_code == 404
        raw, headers = _signed("gw-key-1", {"id": "sms-1", "status": "delivered"})
        r = await client.post("/api/v1/outreach/sms/delivery", content=raw, headers=headers)
        assert r.status_code == 204, r.text
        [send] = await sends(db, customer_id)
        assert send.delivery == "delivered" and send.delivered_at is not None
        async with db.session() as s:
            figures = await outreach_service.figures(s, SYSTEM, journey_id)
        assert (figures.sent, figures.delivered) == (1, 1)


class AppWebhook:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.pushes: list[dict[str, Any]] = []

    async def __call__(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        ts = int(headers["x-kefu-timestamp"])
        if not verify(self.secret, ts, body, headers["x-kefu-signature"]):
            return 401, {"error": "bad signature"}
        self.pushes.append(json.loads(body))
        return 200, {"id": f"push-{len(self.pushes)}"}


class TestAppPush:
    @pytest.mark.usefixtures("allow_loopback")
    async def test_push_through_the_apps_signed_webhook(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        hook = AppWebhook("app-push-secret")
        _admin, token = await staff_token(db, role=Role.ADMIN)
        async with serve(Loopback(hook)) as server:
            body = {
                "policy": {"quiet_start": "00:00", "quiet_end": "00:00"},
                "app_push": {"url": f"{server.url}/push", "secret": "app-push-secret"},
            }
            r = await client.put("/api/v1/outreach/settings", headers=bearer(token), json=body)
            assert r.status_code == 200, r.text
            assert r.json()["app_push"] == {"url": f"{server.url}/push", "active": True, "has_secret": True}
            assert "app-push-secret" not in r.text
            # The app's user (app channel) is the push address.
            r = await client.post("/api/v1/channels/app", headers=bearer(token), json={"name": "星辰 App"})
            app = r.json()
            from kefu.appchannel.signing import user_hash

            r = await client.post(
                "/api/v1/app/messages",
                headers={"X-Kefu-App-Key": app["key"]},
                json={
                    "user_id": "u-778",
                    "user_hash": user_hash(app["secret"], "u-778"),
                    "client_id": "c1",
                    "text": "你好",
                    "name": "App 用户",
                },
            )
            customer_id = r.json()["customer_id"]
            async with db.transaction() as s:
                await make_journey(
                    s,
                    name="积分到账 App",
                    trigger="points_credited",
                    channel="app",
                    subject_zh="积分到账",
                    body_zh="{name}，{points} 积分已到账。",
                )
                await outreach_service.trigger(s, "points_credited", customer_id, "order:1", {"points": 120})
            await run_jobs(db)
        [push] = hook.pushes
        assert push["type"] == "push" and push["user_id"] == "u-778"
        assert push["title"] == "积分到账" and "120 积分已到账" in push["body"]
        [send] = await sends(db, customer_id)
        assert send.status == "sent" and send.delivered_at is not None and send.provider_ref == "push-1"

    async def test_an_internal_push_url_is_refused(self, db: Database, client: httpx.AsyncClient) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        body = {"policy": {}, "app_push": {"url": "http://127.0.0.1:9/push", "secret": "x" * 20}}
        r = await client.put("/api/v1/outreach/settings", headers=bearer(token), json=body)
        assert r.status_code == 422 and r.json()["error"]["code"]


class TestPerChannelUnsubscribe:
    async def test_stopping_sms_keeps_email(self, db: Database, client: httpx.AsyncClient) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            c = await make_customer(s, name="孙悦", email="sunyue@example.cn", phone="+8613700137006")
            await consent(s, c.id)
            sms = await make_journey(
                s, name="短信活动", trigger="campaign", purpose="marketing", channel="sms", body_zh="短信活动"
            )
            mail = await make_journey(
                s, name="邮件活动", trigger="campaign", purpose="marketing", body_zh="邮件活动"
            )
        token = links.unsubscribe_token(c.id, channel="sms", send_id=None)
        r = await client.get(f"/outreach/unsubscribe/{token}")
        assert r.status_code == 200 and 'data-testid="unsubscribed-channel"' in r.text
        async with db.session() as s:
            assert await outreach_service.audience(s, SYSTEM, sms.id) == 0
            assert await outreach_service.audience(s, SYSTEM, mail.id) == 1
        async with db.transaction() as s:
            assert await outreach_service.launch(s, SYSTEM, mail.id) == 1
        # "Stop every channel" from the same page.
        r = await client.post(f"/outreach/unsubscribe/{token}", data={"all": "1"})
        assert r.status_code == 200
        async with db.session() as s:
            assert await outreach_service.audience(s, SYSTEM, mail.id) == 0
        # The mail planned before is skipped when its job runs: the stop holds at once.
        await run_jobs(db)
        [planned] = [x for x in await sends(db, c.id) if x.journey_id == mail.id]
        assert planned.status == "skipped" and planned.reason == "unsubscribed"
