"""Triage on every channel (both backends): a ticket without a category gets category,
priority and a group suggestion from its text whichever way it came in; the group is set when
nobody had routed the ticket; agents moving tickets and correcting categories teach it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from kefu.customer.service import customer_service
from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.triage.service import triage_service
from tests.factories import PASSWORD, bearer, make_customer, make_group, staff_token
from tests.triage.test_triage import _ticket, _triage

FAULT = {"subject": "手表今天早上突然开不了机", "description": "充电也充不进电，屏幕完全黑了，无法开机"}


@pytest.fixture
async def desk(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as session:
        front = await make_group(session, name="售前咨询", is_default=True)
        repair = await make_group(session, name="售后维修")
    _user, token = await staff_token(db, role=Role.ADMIN, group_ids=[front.id, repair.id])
    # History: repair tickets end up in 售后维修 (the agents moved them there).
    for text in ("手机充不进电", "屏幕碎了要维修", "耳机左耳没声音"):
        await _ticket(client, token, subject=text, category="售后/维修", group_id=repair.id)
    return {"token": token, "front": front.id, "repair": repair.id}


async def _get(client: httpx.AsyncClient, token: str, ticket_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize("channel", ["phone", "api", "chat", "wechat", "web"])
async def test_each_channel_s_new_ticket_is_triaged(
    db: Database, client: httpx.AsyncClient, desk: dict[str, Any], channel: str
) -> None:
    t = await _ticket(client, desk["token"], channel=channel, **FAULT)
    await _triage(db)
    got = await _get(client, desk["token"], t["id"])
    assert (got["category"], got["priority"]) == ("售后/维修", "urgent")
    # Unrouted (the default group, nobody assigned): moved where repair tickets go.
    assert got["group_id"] == desk["repair"]
    r = await client.get(f"/api/v1/tickets/{t['id']}/triage", headers=bearer(desk["token"]))
    assert r.json()["applied"] is True and r.json()["group_id"] == desk["repair"]


async def test_a_ticket_routed_by_someone_keeps_its_group_and_shows_the_suggestion(
    db: Database, client: httpx.AsyncClient, desk: dict[str, Any]
) -> None:
    from tests.web.admin.cases import HTML, login

    async with db.transaction() as session:
        vip = await make_group(session, name="VIP专席")
    t = await _ticket(client, desk["token"], group_id=vip.id, **FAULT)
    await _triage(db)
    got = await _get(client, desk["token"], t["id"])
    assert got["category"] == "售后/维修" and got["group_id"] == vip.id
    await login(client, db, Role.ADMIN)
    page = await client.get(f"/agent/tickets/{t['id']}", headers=HTML)
    assert 'data-testid="triage-group"' in page.text and "建议技能组" in page.text and "售后维修" in page.text


async def test_portal_form_ticket_is_triaged(
    db: Database, client: httpx.AsyncClient, desk: dict[str, Any]
) -> None:
    async with db.transaction() as s:
        c = await make_customer(s, name="王丽", email="wangli@example.cn")
        await customer_service.set_password(s, c, PASSWORD)
    html = {"accept": "text/html"}
    page = await client.get("/portal/login", headers=html)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    await client.post(
        "/portal/login", data={"email": "wangli@example.cn", "password": PASSWORD, "csrf_token": token[1]}
    )
    form = await client.get("/portal/tickets/new", headers=html)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    r = await client.post("/portal/tickets", data={"csrf_token": token[1], **FAULT})
    assert r.status_code in (200, 303), r.text
    client.cookies.clear()
    await _triage(db)
    r = await client.get("/api/v1/tickets", params={"channel": "portal"}, headers=bearer(desk["token"]))
    (t,) = r.json()["items"]
    assert (t["category"], t["priority"], t["group_id"]) == ("售后/维修", "urgent", desk["repair"])


async def test_an_agent_s_correction_is_learned_on_retrain(
    db: Database, client: httpx.AsyncClient, desk: dict[str, Any]
) -> None:
    token = desk["token"]
    r = await client.post("/api/v1/ticket-categories", json={"path": "会员/积分"}, headers=bearer(token))
    assert r.status_code in (200, 201), r.text
    texts = ["会员积分兑换礼品失败", "积分商城兑换一直报错", "积分兑换不了优惠券", "我的积分兑换失败了"]
    first = [await _ticket(client, token, subject=s) for s in texts]
    await _triage(db)
    for t in first:  # the agent files each under the company's own category
        fix = {"category": "会员/积分"}
        r = await client.patch(f"/api/v1/tickets/{t['id']}", json=fix, headers=bearer(token))
        assert r.status_code == 200, r.text
    new = await _ticket(client, token, subject="积分兑换礼品报错了")
    triage_service.forget_model()  # retrain now rather than in ten minutes
    await _triage(db)
    r = await client.get(f"/api/v1/tickets/{new['id']}/triage", headers=bearer(token))
    assert r.json()["category"] == "会员/积分"
