"""Follow-ups to 首问负责制 (both backends): an agent who hands a ticket to a group they are
not in keeps the change and is told so (API and page), never a 404 that rolls it back; the
owner hears of a customer's chat turn (one notice per turn, not per message); the work
queues put loyalty priority-tier customers first within a ticket priority, with a badge."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.kit.jobs import Worker
from kefu.models import Customer, Ticket
from kefu.models.user import Role
from tests.factories import PASSWORD, bearer, make_customer, make_group, staff_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html"}


@pytest.fixture
async def team(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        sales = await make_group(s, name="售前咨询", is_default=True)
        repair = await make_group(s, name="售后维修")
    agent, agent_token = await staff_token(
        db, role=Role.AGENT, name="李小青", email="li@example.com", group_ids=[sales.id]
    )
    peer, peer_token = await staff_token(
        db, role=Role.AGENT, name="王芳", email="wf@example.com", group_ids=[sales.id]
    )
    _sup, sup_token = await staff_token(db, role=Role.SUPERVISOR, name="张主管")
    return {
        "sales": sales.id,
        "repair": repair.id,
        "agent": agent.id,
        "agent_token": agent_token,
        "peer": peer.id,
        "peer_token": peer_token,
        "sup_token": sup_token,
    }


async def _ticket(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    payload = {"subject": "手机充不进电", "description": "买了三天", "channel": "web", **body}
    payload.setdefault("requester", {"name": "周杰", "email": "zj@example.cn"})
    r = await client.post("/api/v1/tickets", json=payload, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _login(client: httpx.AsyncClient, email: str) -> str:
    page = await client.get("/login", headers=HTML)
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    listing = await client.get("/agent/tickets", headers=HTML)
    return CSRF.search(listing.text).group(1)  # type: ignore[union-attr]


async def _notices(client: httpx.AsyncClient, token: str, kind: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/ticket-notices", headers=bearer(token))
    assert r.status_code == 200, r.text
    return [n for n in r.json()["items"] if n["kind"] == kind]


class TestMovedOutOfView:
    async def test_an_agent_handing_a_ticket_to_another_group_keeps_the_change(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["sup_token"])
        r = await client.patch(
            f"/api/v1/tickets/{t['id']}",
            json={"group_id": team["repair"]},
            headers=bearer(team["agent_token"]),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["in_view"] is False and body["group_id"] == team["repair"] and body["comments"] == []
        # Kept: the supervisor sees it in 售后维修; the agent no longer sees it at all.
        got = await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(team["sup_token"]))
        assert got.json()["group_id"] == team["repair"]
        gone = await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(team["agent_token"]))
        assert gone.status_code == 404
        history = await client.get(f"/api/v1/tickets/{t['id']}/history", headers=bearer(team["sup_token"]))
        assert any(
            h["changes"].get("group_id") == [team["sales"], team["repair"]] for h in history.json()["items"]
        )

    async def test_the_owner_moving_it_stays_in_view(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["sup_token"])
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/comments", json={"body": "您好"}, headers=bearer(team["agent_token"])
        )
        assert r.status_code == 201
        r = await client.patch(
            f"/api/v1/tickets/{t['id']}",
            json={"group_id": team["repair"], "assignee_id": None},
            headers=bearer(team["agent_token"]),
        )
        assert r.status_code == 200 and r.json()["in_view"] is True and r.json()["comments"]

    async def test_the_properties_form_saves_and_goes_back_to_the_list_with_a_notice(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["sup_token"], subject="要转售后的单")
        csrf = await _login(client, "li@example.com")
        r = await client.post(
            f"/agent/tickets/{t['id']}/properties",
            data={
                "csrf_token": csrf,
                "status": "open",
                "priority": "normal",
                "group_id": str(team["repair"]),
                "assignee_id": "",
            },
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"] == f"/agent/tickets?moved={t['id']}&to={team['repair']}"
        listing = await client.get(r.headers["location"], headers=HTML)
        assert listing.status_code == 200
        assert 'data-testid="moved-notice"' in listing.text
        assert f"#{t['id']}" in listing.text and "售后维修" in listing.text
        async with db.session() as s:
            assert (await s.get(Ticket, t["id"])).group_id == team["repair"]  # type: ignore[union-attr]


async def _chat(client: httpx.AsyncClient, db: Database, token: str) -> tuple[int, int, dict[str, str]]:
    """A chat handed off to the (only online) agent; (conversation, ticket, customer auth)."""
    r = await client.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=bearer(token))
    assert r.status_code == 200
    r = await client.post("/api/v1/widget/sessions", json={"name": "周杰", "email": "zj@example.cn"})
    assert r.status_code == 201
    conv_id, chat = int(r.json()["conversation_id"]), bearer(r.json()["session_token"])
    await _say(client, chat, "我的耳机充不进电")
    await _say(client, chat, "转人工")
    await Worker(db, concurrency=1).run_until_idle()
    detail = (await client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token))).json()
    return conv_id, int(detail["ticket_id"]), chat


async def _say(client: httpx.AsyncClient, chat: dict[str, str], text: str) -> None:
    r = await client.post(
        "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
    )
    assert r.status_code == 200, r.text


async def _agent_says(client: httpx.AsyncClient, token: str, conv_id: int, text: str) -> None:
    r = await client.post(
        f"/api/v1/conversations/{conv_id}/messages",
        json={"client_id": str(uuid.uuid4()), "text": text},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text


class TestChatNotices:
    async def test_the_owner_hears_of_each_customer_turn_in_a_chat_once(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        conv_id, ticket_id, chat = await _chat(client, db, team["agent_token"])
        await _agent_says(client, team["agent_token"], conv_id, "您好，请问订单号？")  # owns it
        # Ownership moves to 王芳, who is not in the chat: she is the one to tell.
        r = await client.post(
            f"/api/v1/tickets/{ticket_id}/owner",
            json={"owner_id": team["peer"], "reason": "换班"},
            headers=bearer(team["sup_token"]),
        )
        assert r.status_code == 200, r.text
        await Worker(db).run_until_idle()
        await _say(client, chat, "订单号 E1001")
        await _say(client, chat, "是上周买的")
        await _say(client, chat, "还在保修期")
        await Worker(db).run_until_idle()
        [notice] = await _notices(client, team["peer_token"], "customer_wrote")
        assert notice["ticket_id"] == ticket_id and notice["detail"]["conversation_id"] == conv_id
        # The chat's agent reads it live: not told.
        assert await _notices(client, team["agent_token"], "customer_wrote") == []
        # An internal note does not end the customer's turn; an agent's reply does.
        r = await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            json={"client_id": "note-1", "text": "查保修", "internal": True},
            headers=bearer(team["agent_token"]),
        )
        assert r.status_code == 200
        await _say(client, chat, "多久能修好")
        await _agent_says(client, team["agent_token"], conv_id, "大约三天")
        await _say(client, chat, "好的谢谢")
        await Worker(db).run_until_idle()
        assert len(await _notices(client, team["peer_token"], "customer_wrote")) == 2
        async with db.session() as s:
            events = (
                await s.execute(
                    sa.select(sa.func.count())
                    .select_from(EventRecord)
                    .where(EventRecord.name == "ticket.customer_chatted")
                )
            ).scalar_one()
        assert events == 2  # five customer messages, two turns: two events, two jobs


class TestLoyaltyQueue:
    async def test_priority_tier_customers_come_first_within_a_priority_with_a_badge(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        async with db.transaction() as s:
            plain = await make_customer(s, name="普通客户", email="plain@example.cn")
            member = await make_customer(s, name="银卡会员", email="mid@example.cn")
            member_id, plain_id = member.id, plain.id
            await s.execute(sa.update(Customer).where(Customer.id == member_id).values(tier="mid"))
        made = {}
        for key, customer_id, priority in (
            ("plain_old", plain_id, "normal"),
            ("urgent", plain_id, "urgent"),
            ("member", member_id, "normal"),
            ("plain_new", plain_id, "normal"),
        ):
            t = await _ticket(
                client,
                team["sup_token"],
                subject=f"队列-{key}",
                customer_id=customer_id,
                requester=None,
                priority=priority,
            )
            made[key] = t["id"]
        expected = [made[k] for k in ("urgent", "member", "plain_old", "plain_new")]
        for sort in ("queue", "priority"):
            r = await client.get(f"/api/v1/tickets?sort={sort}", headers=bearer(team["agent_token"]))
            got = [t["id"] for t in r.json()["items"] if t["id"] in made.values()]
            if sort == "queue":
                assert got == expected
            else:  # within a tier, the newest first as before
                assert got[:2] == expected[:2] and set(got[2:]) == set(expected[2:])
        # The agent's default view (the inbox) and the group queue work in that order.
        await _login(client, "li@example.com")
        for view in ("inbox", "groups", "unassigned"):
            page = await client.get(f"/agent/tickets?view={view}", headers=HTML)
            order = [int(i) for i in re.findall(r'<a href="/agent/tickets/(\d+)">队列-', page.text)]
            assert order == expected, view
        page = await client.get("/agent/tickets", headers=HTML)
        row = re.search(rf'<a href="/agent/tickets/{made["member"]}">.*?</td>', page.text, re.S)
        assert row is not None and 'data-testid="tier-badge"' in row.group(0) and "中价值" in row.group(0)
        plain_row = re.search(rf'<a href="/agent/tickets/{made["urgent"]}">.*?</td>', page.text, re.S)
        assert plain_row is not None and "tier-badge" not in plain_row.group(0)
