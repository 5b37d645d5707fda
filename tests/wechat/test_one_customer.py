"""One customer: a WeChat follower, a caller and an email customer merged in one action;
identities, conversations and calls follow, and the customer page shows one timeline."""

from __future__ import annotations

import json
import time

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.models import Call, Conversation, WechatUser
from kefu.models.user import Role
from kefu.webhook.signing import signature
from tests.factories import bearer, make_group, staff_token
from tests.wechat.test_callback import make_account, post_plain, text_xml


async def test_merge_wechat_and_phone_into_the_email_customer(
    db: Database, client: httpx.AsyncClient
) -> None:
    async with db.transaction() as s:
        await make_group(s, name="售前", is_default=True)
    _admin, token = await staff_token(db, role=Role.ADMIN)
    h = bearer(token)
    keep = (
        await client.post("/api/v1/customers", headers=h, json={"name": "周杰", "email": "zj@example.cn"})
    ).json()
    await client.post(
        "/api/v1/tickets",
        headers=h,
        json={"subject": "邮件：发票抬头", "channel": "email", "customer_id": keep["id"]},
    )
    path = await make_account(client, db)
    assert (await post_plain(client, path, text_xml("o-zj", "你好", 9001))).status_code == 200
    phone = (await client.post("/api/v1/channels/phone", headers=h, json={"name": "PBX"})).json()
    body = json.dumps(
        {"event_id": "p1", "type": "ringing", "call_id": "k1", "caller": "13900139000"}
    ).encode()
    ts = int(time.time())
    r = await client.post(
        phone["events_path"],
        headers={"X-Kefu-Timestamp": str(ts), "X-Kefu-Signature": signature(phone["secret"], ts, body)},
        content=body,
    )
    assert r.status_code == 200
    async with db.session() as s:
        wx_customer = (await s.execute(sa.select(WechatUser.customer_id))).scalar_one()
        call_customer = (await s.execute(sa.select(Call.customer_id))).scalar_one()
    for dup in (wx_customer, call_customer):
        r = await client.post(f"/api/v1/customers/{dup}/merge", headers=h, json={"into_id": keep["id"]})
        assert r.status_code == 200, r.text
    merged = r.json()
    assert {i["kind"] for i in merged["identities"]} == {"email", "wechat_openid", "phone"}
    async with db.session() as s:
        assert set((await s.execute(sa.select(Conversation.customer_id))).scalars()) == {keep["id"]}
        assert (await s.execute(sa.select(Call.customer_id))).scalar_one() == keep["id"]
        assert (await s.execute(sa.select(WechatUser.customer_id))).scalar_one() == keep["id"]
    # The follower writes again: same customer, same conversation, no new duplicate.
    assert (await post_plain(client, path, text_xml("o-zj", "发票开好了吗", 9002))).status_code == 200
    timeline = (await client.get(f"/api/v1/customers/{keep['id']}/timeline", headers=h)).json()["items"]
    assert {(e["kind"], e["channel"]) for e in timeline} == {
        ("ticket", "email"),
        ("conversation", "wechat"),
        ("call", "phone"),
    }
    page = await client.get(f"/agent/customers/{keep['id']}", headers=h)
    assert page.status_code == 200 and 'id="customer-timeline"' in page.text and "邮件：发票抬头" in page.text
    # Someone who may not see the customer gets no timeline.
    _agent, agent = await staff_token(db, role=Role.AGENT)
    assert (await client.get("/api/v1/customers/999999/timeline", headers=bearer(agent))).status_code == 404
