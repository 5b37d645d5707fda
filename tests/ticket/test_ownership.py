"""首问负责制: the first person who answers owns the ticket through every transfer; only a
supervisor reassigns it (with a reason, audited); the owner and followers are told what
happens to the ticket; the owner records that the customer accepted the result; 我负责的."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import AuditEntry
from kefu.models.mail import OutboundMail
from kefu.models.user import Role
from tests.factories import PASSWORD, bearer, customer_token, make_group, staff_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def team(db: Database) -> dict[str, Any]:
    """First line (售前咨询, default) with two agents, second line (售后维修) with one."""
    async with db.transaction() as s:
        sales = await make_group(s, name="售前咨询", is_default=True)
        repair = await make_group(s, name="售后维修")
    agent, agent_token = await staff_token(
        db, role=Role.AGENT, name="李小青", email="li@example.com", group_ids=[sales.id]
    )
    peer, peer_token = await staff_token(db, role=Role.AGENT, name="王芳", group_ids=[sales.id])
    tech, tech_token = await staff_token(db, role=Role.AGENT, name="陈静", group_ids=[repair.id])
    sup, sup_token = await staff_token(db, role=Role.SUPERVISOR, name="张主管")
    _admin, admin_token = await staff_token(db, role=Role.ADMIN)
    return {
        "sales": sales.id,
        "repair": repair.id,
        "agent": agent.id,
        "agent_token": agent_token,
        "peer": peer.id,
        "peer_token": peer_token,
        "tech": tech.id,
        "tech_token": tech_token,
        "sup": sup.id,
        "sup_token": sup_token,
        "admin_token": admin_token,
    }


async def _ticket(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "手机充不进电",
        "description": "买了三天就充不进电了",
        "channel": "web",
        "requester": {"name": "周杰", "email": "zj@example.cn"},
        **body,
    }
    r = await client.post("/api/v1/tickets", json=payload, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _reply(client: httpx.AsyncClient, token: str, ticket_id: int, public: bool = True) -> None:
    r = await client.post(
        f"/api/v1/tickets/{ticket_id}/comments",
        json={"body": "您好，我们来看看", "public": public},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text


async def _patch(client: httpx.AsyncClient, token: str, ticket_id: int, **body: Any) -> httpx.Response:
    return await client.patch(f"/api/v1/tickets/{ticket_id}", json=body, headers=bearer(token))


async def _get(client: httpx.AsyncClient, token: str, ticket_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _notices(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/ticket-notices", headers=bearer(token))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


class TestFirstAnswerOwns:
    async def test_the_first_public_answer_owns_through_every_transfer(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["agent_token"])
        await _reply(client, team["peer_token"], t["id"], public=False)  # a note is not an answer
        assert (await _get(client, team["agent_token"], t["id"]))["owner_id"] is None
        await _reply(client, team["agent_token"], t["id"])
        got = await _get(client, team["agent_token"], t["id"])
        assert got["owner_id"] == team["agent"]
        assert team["agent"] in got["follower_ids"]  # the owner follows automatically
        r = await _patch(
            client, team["sup_token"], t["id"], group_id=team["repair"], assignee_id=team["tech"]
        )
        assert r.status_code == 200, r.text
        await _reply(client, team["tech_token"], t["id"])
        r = await _patch(client, team["sup_token"], t["id"], group_id=team["sales"], assignee_id=team["peer"])
        got = await _get(client, team["sup_token"], t["id"])
        assert (got["group_id"], got["assignee_id"], got["owner_id"]) == (
            team["sales"],
            team["peer"],
            team["agent"],
        )

    async def test_owner_filter_lists_what_i_own_wherever_it_went(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        mine = await _ticket(client, team["agent_token"])
        other = await _ticket(client, team["agent_token"])
        await _reply(client, team["agent_token"], mine["id"])
        await _reply(client, team["peer_token"], other["id"])
        await _patch(client, team["sup_token"], mine["id"], group_id=team["repair"], assignee_id=team["tech"])
        r = await client.get(
            "/api/v1/tickets", params={"owner_id": team["agent"]}, headers=bearer(team["sup_token"])
        )
        assert [t["id"] for t in r.json()["items"]] == [mine["id"]]


class TestReassignOwner:
    async def test_agents_are_refused_with_403_in_the_envelope(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["agent_token"])
        await _reply(client, team["agent_token"], t["id"])
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/owner",
            json={"owner_id": team["agent"] if False else team["peer"], "reason": "我休假"},
            headers=bearer(team["agent_token"]),
        )
        assert r.status_code == 403
        assert r.json()["error"]["code"] and r.json()["error"]["message"]
        assert (await _get(client, team["agent_token"], t["id"]))["owner_id"] == team["agent"]

    @pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
    async def test_a_reason_is_required(
        self, client: httpx.AsyncClient, team: dict[str, Any], body: dict[str, str]
    ) -> None:
        t = await _ticket(client, team["agent_token"])
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/owner",
            json={"owner_id": team["peer"], **body},
            headers=bearer(team["sup_token"]),
        )
        assert r.status_code == 422
        assert "error" in r.json()

    async def test_a_supervisor_reassigns_with_a_reason_audited_and_in_history(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["agent_token"])
        await _reply(client, team["agent_token"], t["id"])
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/owner",
            json={"owner_id": team["peer"], "reason": "李小青调岗，由王芳接手"},
            headers=bearer(team["sup_token"]),
        )
        assert r.status_code == 200, r.text
        assert r.json()["owner_id"] == team["peer"] and team["peer"] in r.json()["follower_ids"]
        async with db.session() as s:
            entry = (
                await s.execute(sa.select(AuditEntry).where(AuditEntry.action == "ticket.owner_reassigned"))
            ).scalar_one()
        assert (entry.actor_user_id, entry.target_id) == (team["sup"], str(t["id"]))
        assert entry.detail == {"from": team["agent"], "to": team["peer"], "reason": "李小青调岗，由王芳接手"}
        history = await client.get(f"/api/v1/tickets/{t['id']}/history", headers=bearer(team["sup_token"]))
        assert any(h["event"] == "ticket.owner_changed" for h in history.json()["items"])
        bad = await client.post(
            f"/api/v1/tickets/{t['id']}/owner",
            json={"owner_id": 999_999, "reason": "x"},
            headers=bearer(team["admin_token"]),
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_owner"


class TestNotices:
    async def test_owner_and_followers_hear_of_transfers_customer_words_but_not_the_actor(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        customer, customer_tok = await customer_token(db, name="周杰")
        t = await _ticket(client, team["agent_token"], customer_id=customer.id, requester=None)
        await _reply(client, team["agent_token"], t["id"])  # owner
        r = await client.post(f"/api/v1/tickets/{t['id']}/follow", headers=bearer(team["peer_token"]))
        assert r.status_code == 204
        await Worker(db).run_until_idle()
        assert await _notices(client, team["agent_token"]) == []
        await _patch(client, team["sup_token"], t["id"], group_id=team["repair"])
        await _patch(client, team["sup_token"], t["id"], assignee_id=team["tech"])
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/comments", json={"body": "还是不行"}, headers=bearer(customer_tok)
        )
        assert r.status_code == 201
        await Worker(db).run_until_idle()
        for token in (team["agent_token"], team["peer_token"]):
            kinds = sorted(n["kind"] for n in await _notices(client, token))
            assert kinds == ["assignee_changed", "customer_wrote", "group_changed"]
        assert await _notices(client, team["sup_token"]) == []  # they did it
        # The owner changing the ticket themself is not told about it.
        await _patch(client, team["agent_token"], t["id"], priority="high")
        await _patch(client, team["sup_token"], t["id"], group_id=team["sales"])
        await _patch(client, team["agent_token"], t["id"], assignee_id=team["agent"])
        await Worker(db).run_until_idle()
        kinds = [n["kind"] for n in await _notices(client, team["agent_token"])]
        assert kinds.count("assignee_changed") == 1 and kinds.count("group_changed") == 2
        async with db.session() as s:
            mails = (
                (await s.execute(sa.select(OutboundMail).where(OutboundMail.kind == "ticket_notice")))
                .scalars()
                .all()
            )
        assert {m.to_addr for m in mails} >= {"li@example.com"}
        assert any("售后维修" in m.subject for m in mails)

    async def test_notices_are_read_and_counted_per_person(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["agent_token"])
        await _reply(client, team["agent_token"], t["id"])
        await _patch(client, team["sup_token"], t["id"], group_id=team["repair"])
        await Worker(db).run_until_idle()
        [notice] = await _notices(client, team["agent_token"])
        assert notice["read_at"] is None and notice["ticket_id"] == t["id"]
        r = await client.post(
            "/api/v1/ticket-notices/read", json={"ids": [notice["id"]]}, headers=bearer(team["peer_token"])
        )
        assert r.json() == {"read": 0}  # not theirs
        r = await client.post("/api/v1/ticket-notices/read", json={}, headers=bearer(team["agent_token"]))
        assert r.json() == {"read": 1}
        r = await client.get("/api/v1/ticket-notices?unread=true", headers=bearer(team["agent_token"]))
        assert r.json()["items"] == []

    async def test_owner_is_told_of_a_reassignment_and_so_is_the_previous_owner(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["agent_token"])
        await _reply(client, team["agent_token"], t["id"])
        await client.post(
            f"/api/v1/tickets/{t['id']}/owner",
            json={"owner_id": team["peer"], "reason": "轮岗"},
            headers=bearer(team["sup_token"]),
        )
        await Worker(db).run_until_idle()
        for token in (team["agent_token"], team["peer_token"]):
            [n] = await _notices(client, token)
            assert n["kind"] == "owner_changed" and n["detail"]["reason"] == "轮岗"


class TestAcceptance:
    async def test_the_owner_records_the_customers_acceptance_when_solving(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        customer, customer_tok = await customer_token(db, name="周杰")
        t = await _ticket(client, team["agent_token"], customer_id=customer.id, requester=None)
        await _reply(client, team["agent_token"], t["id"])
        r = await _patch(client, team["agent_token"], t["id"], customer_accepted=True)
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_solved"
        r = await _patch(client, team["peer_token"], t["id"], status="solved", customer_accepted=True)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_owner"
        assert (await _get(client, team["agent_token"], t["id"]))["status"] != "solved"  # nothing half-done
        r = await _patch(client, team["agent_token"], t["id"], status="solved", customer_accepted=True)
        assert r.status_code == 200, r.text
        assert r.json()["accepted_at"] is not None and r.json()["accepted_by_id"] == team["agent"]
        history = await client.get(f"/api/v1/tickets/{t['id']}/history", headers=bearer(team["sup_token"]))
        assert any("accepted_at" in h["changes"] for h in history.json()["items"])
        # The customer comes back: the acceptance no longer holds.
        await client.post(
            f"/api/v1/tickets/{t['id']}/comments", json={"body": "又坏了"}, headers=bearer(customer_tok)
        )
        await Worker(db).run_until_idle()
        got = await _get(client, team["agent_token"], t["id"])
        assert got["status"] == "open" and got["accepted_at"] is None

    async def test_solving_without_the_confirmation_leaves_it_empty(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _ticket(client, team["agent_token"])
        await _reply(client, team["agent_token"], t["id"])
        r = await _patch(client, team["peer_token"], t["id"], status="solved")
        assert r.status_code == 200 and r.json()["accepted_at"] is None


class TestOwnedView:
    async def test_the_agent_ui_has_a_view_of_what_i_own_and_my_notices(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        owned = await _ticket(client, team["agent_token"], subject="我负责的那张")
        other = await _ticket(client, team["agent_token"], subject="别人的那张")
        await _reply(client, team["agent_token"], owned["id"])
        await _reply(client, team["peer_token"], other["id"])
        await _patch(
            client, team["sup_token"], owned["id"], group_id=team["repair"], assignee_id=team["tech"]
        )
        await Worker(db).run_until_idle()
        page = await client.get("/login", headers={"accept": "text/html"})
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        r = await client.post(
            "/login", data={"email": "li@example.com", "password": PASSWORD, "csrf_token": token}
        )
        assert r.status_code == 303
        listing = await client.get("/agent/tickets", headers={"accept": "text/html"})
        assert "我负责的" in listing.text and 'data-view="owned"' in listing.text
        r = await client.get("/agent/tickets?view=owned", headers={"accept": "text/html"})
        assert r.status_code == 200
        assert "我负责的那张" in r.text and "别人的那张" not in r.text  # in 售后维修 now, still mine
        assert 'data-testid="ticket-notices"' in r.text and "已转到其他技能组" in r.text
        detail = await client.get(f"/agent/tickets/{owned['id']}", headers={"accept": "text/html"})
        assert 'data-testid="customer-accepted"' in detail.text
        assert 'id="reassign-owner"' not in detail.text  # agents cannot reassign
