"""Channels against loopback fakes: the SMS provider (through the SSRF guard, key encrypted
at rest) and the WeChat platform's template-message API (shared access token)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.models import WechatUser
from kefu.models.user import Role
from kefu.outreach.service import outreach_service
from tests.factories import bearer, make_customer, staff_token
from tests.loopback import Loopback, serve
from tests.outreach.conftest import make_journey, run_jobs, sends, set_policy
from tests.wechat.test_callback import GH, event_xml, make_account, post_plain

POLICY = {"quiet_start": "00:00", "quiet_end": "00:00"}


class SmsGateway:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = 0

    async def __call__(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if self.fail:
            self.fail -= 1
            return 503, {}
        self.sent.append({"path": path, "auth": headers.get("authorization"), **json.loads(body)})
        return 200, {"ok": True, "id": f"sms-{len(self.sent)}"}


class TestSms:
    @pytest.mark.usefixtures("allow_loopback")
    async def test_tier_notice_through_the_gateway(self, db: Database, client: httpx.AsyncClient) -> None:
        gateway = SmsGateway()
        _admin, token = await staff_token(db, role=Role.ADMIN)
        async with serve(Loopback(gateway)) as server:
            body = {
                "policy": POLICY,
                "sms": {"url": f"{server.url}/send", "api_key": "k-123", "sign_name": "星辰电子"},
            }
            r = await client.put("/api/v1/outreach/settings", headers=bearer(token), json=body)
            assert r.status_code == 200, r.text
            assert r.json()["sms"] == {
                "url": f"{server.url}/send",
                "sign_name": "星辰电子",
                "active": True,
                "has_api_key": True,
            }
            async with db.transaction() as s:
                await make_journey(
                    s,
                    name="等级变化",
                    trigger="tier_changed",
                    channel="sms",
                    body_zh="{name}，您已成为{tier}。",
                )
                customer = await make_customer(s, name="郑磊", phone="+8613700137003")
                customer.tier = "high"
                await outreach_service.trigger(s, "tier_changed", customer.id, "tier:mid>high:2026-12-05", {})
            gateway.fail = 1  # the first try meets an outage: the job retries
            await run_jobs(db)
            from tests.outreach.conftest import make_due

            await make_due(db)
            await run_jobs(db)
        [msg] = gateway.sent
        assert msg == {
            "path": "/send",
            "auth": "Bearer k-123",
            "to": "+8613700137003",
            "sign": "星辰电子",
            "text": "郑磊，您已成为高价值会员。",
        }
        [send] = await sends(db, customer.id)
        assert send.status == "sent" and send.reason == "sms-1" and send.attempts == 2
        async with db.session() as s:  # the key is encrypted at rest
            raw = (await s.execute(sa.text("SELECT api_key FROM outreach_providers"))).scalar_one()
        assert raw.startswith("enc1:") and "k-123" not in raw

    async def test_internal_gateway_is_refused_by_the_ssrf_guard(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        body = {"policy": POLICY, "sms": {"url": "http://127.0.0.1:9/send", "api_key": "k"}}
        r = await client.put("/api/v1/outreach/settings", headers=bearer(token), json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "internal_address"

    async def test_without_a_gateway_the_send_is_logged_not_lost(self, db: Database) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            await make_journey(s, name="短信", trigger="tier_changed", channel="sms", body_zh="{tier}")
            customer = await make_customer(s, name="甲", phone="+8613700137009")
            await outreach_service.trigger(s, "tier_changed", customer.id, "tier:x", {})
        await run_jobs(db)
        [send] = await sends(db, customer.id)
        assert (send.status, send.reason) == ("skipped", "channel_unconfigured")


class Platform:
    def __init__(self) -> None:
        self.tokens = 0
        self.sent: list[dict[str, Any]] = []

    async def __call__(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if path == "/cgi-bin/token":
            self.tokens += 1
            return 200, {"access_token": f"TOKEN-{self.tokens}", "expires_in": 7200}
        if path == "/cgi-bin/message/template/send":
            self.sent.append({"token": query["access_token"], **json.loads(body)})
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": 4241 + len(self.sent)}
        if path == "/cgi-bin/message/custom/send":
            return 200, {"errcode": 0, "errmsg": "ok"}
        return 404, {}


@pytest.mark.usefixtures("allow_loopback")
class TestWechatTemplate:
    async def test_coupon_notice_as_a_template_message(self, db: Database, client: httpx.AsyncClient) -> None:
        await set_policy(db)
        fake = Platform()
        async with serve(Loopback(fake)) as server:
            path = await make_account(client, db, api_base=server.url)
            r = await post_plain(client, path, event_xml("o-outreach-1", "subscribe"))
            assert r.status_code == 200
            await run_jobs(db)
            async with db.session() as s:
                follower = (await s.execute(sa.select(WechatUser))).scalar_one()
            assert follower.customer_id is not None
            async with db.transaction() as s:
                await make_journey(s, name="微信券", channel="wechat", wechat_template_id="TPL-COUPON")
                await outreach_service.trigger(
                    s, "coupon_issued", follower.customer_id, "coupon:77", {"coupon_amount": "30"}
                )
            await run_jobs(db)
        [msg] = fake.sent
        assert msg["touser"] == "o-outreach-1" and msg["template_id"] == "TPL-COUPON"
        assert "30 元优惠券已到账" in msg["data"]["keyword1"]["value"]
        assert msg["token"] == "TOKEN-1"
        [send] = await sends(db, follower.customer_id)
        assert send.status == "sent" and send.reason == "4242"
        assert send.delivered_at is None  # accepted by the platform; delivered when it says so


def finished_xml(openid: str, msgid: int, status: str) -> str:
    """The platform's TEMPLATESENDJOBFINISH push for a template message (note MsgID)."""
    return (
        f"<xml><ToUserName><![CDATA[{GH}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>{msgid}</MsgID>"
        f"<Status><![CDATA[{status}]]></Status></xml>"
    )


@pytest.mark.usefixtures("allow_loopback")
class TestWechatReceipts:
    async def test_the_platforms_receipt_marks_the_send_delivered_or_failed(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        fake = Platform()
        async with serve(Loopback(fake)) as server:
            path = await make_account(client, db, api_base=server.url)
            for openid in ("o-receipt-1", "o-receipt-2"):
                assert (await post_plain(client, path, event_xml(openid, "subscribe"))).status_code == 200
            await run_jobs(db)
            async with db.session() as s:
                who = {u.openid: u.customer_id for u in (await s.execute(sa.select(WechatUser))).scalars()}
            async with db.transaction() as s:
                journey = await make_journey(s, name="微信券", channel="wechat", wechat_template_id="TPL-1")
                for n, openid in enumerate(("o-receipt-1", "o-receipt-2")):
                    await outreach_service.trigger(
                        s, "coupon_issued", who[openid], f"coupon:{n}", {"coupon_amount": "30"}
                    )
            await run_jobs(db)
        assert [m["touser"] for m in fake.sent] == ["o-receipt-1", "o-receipt-2"]
        [ok] = await sends(db, who["o-receipt-1"])
        [blocked] = await sends(db, who["o-receipt-2"])
        assert (ok.provider_ref, blocked.provider_ref) == ("4242", "4243")
        # Someone else's msgid, or a receipt from the wrong follower, changes nothing.
        for openid, msgid in (("o-receipt-1", 9999), ("o-receipt-2", 4242)):
            xml = finished_xml(openid, msgid, "success")
            assert (await post_plain(client, path, xml)).text == "success"
        receipt = finished_xml("o-receipt-1", 4242, "success")
        assert (await post_plain(client, path, receipt)).text == "success"
        assert (await post_plain(client, path, receipt)).text == "success"  # the platform retried
        r = await post_plain(client, path, finished_xml("o-receipt-2", 4243, "failed:user block"))
        assert r.status_code == 200
        await run_jobs(db)
        [ok] = await sends(db, who["o-receipt-1"])
        [blocked] = await sends(db, who["o-receipt-2"])
        assert (ok.status, ok.delivery) == ("sent", "delivered") and ok.delivered_at is not None
        assert (blocked.status, blocked.reason, blocked.delivery) == ("failed", "user_block", "undelivered")
        async with db.session() as s:
            figures = await outreach_service.figures(s, SYSTEM, journey.id)
        assert (figures.sent, figures.delivered, figures.failed) == (1, 1, 1)
