"""Call or publish in the ticket domain: what a change asks of the clocks is one pure rule
(`rules.transition`), carried out by one epilogue. The rule's table, then what a user sees
where the three old copies of the reopen rule disagreed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import time_machine

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.models.ticket import Ticket
from kefu.models.user import Role
from kefu.ticket import rules
from kefu.ticket.rules import TicketState, Touch
from kefu.ticket.schemas import TicketUpdate
from kefu.ticket.service import ticket_service
from tests.factories import bearer, customer_token, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")


def state(status: str = "open", **kw: Any) -> TicketState:
    base: dict[str, Any] = {
        "status": status,
        "group_id": 1,
        "assignee_id": None,
        "priority": "normal",
        "type": "question",
        "tags": (),
        "category": "",
    }
    return TicketState(**{**base, **kw})


class TestTheRule:
    def test_a_new_ticket_only_starts_its_clocks(self) -> None:
        tr = rules.transition(None, state("new"))
        assert tr.created and not (tr.sla_status or tr.refit or tr.acknowledged)

    @pytest.mark.parametrize(
        ("old", "new", "sla"),
        [
            ("open", "pending", ("open", "pending")),
            ("pending", "open", ("pending", "open")),
            ("open", "solved", ("open", "solved")),
            ("open", "closed", ("open", "solved")),  # a merge closes: clocks settle as on solving
            ("solved", "closed", None),  # they settled when it was solved
            ("solved", "open", ("solved", "open")),
        ],
    )
    def test_status_moves_the_clocks(self, old: str, new: str, sla: tuple[str, str] | None) -> None:
        assert rules.transition(state(old), state(new)).sla_status == sla

    def test_the_reopen_rule(self) -> None:
        assert rules.customer_wrote("solved") == "open"
        assert rules.customer_wrote("pending") == "open"
        assert rules.customer_wrote("hold") == "hold"
        assert rules.transition(state("solved"), state("open")).reopened
        assert not rules.transition(state("pending"), state("open")).reopened

    def test_a_person_taking_it_on_acknowledges_it_automation_does_not(self) -> None:
        assigned = state("open", assignee_id=7)
        assert rules.transition(state("new"), assigned, Touch(by=7)).acknowledged
        assert not rules.transition(state("new"), assigned, Touch()).acknowledged
        # A reply fulfils acknowledge by itself; a note too; neither asks twice.
        reply = rules.transition(state("new"), assigned, Touch(by=7, reply="note"))
        assert (reply.agent_replied, reply.acknowledged, reply.member_acted) == (False, False, True)

    def test_a_policy_input_refits_and_a_group_move_is_the_specialist_clocks(self) -> None:
        assert rules.transition(state(), state(tags=("投诉",))).refit
        assert not rules.transition(state(), state(assignee_id=3)).refit
        moved = rules.transition(state(), state(group_id=2))
        assert moved.refit and moved.group_changed


@pytest.fixture
async def policy(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        group = await make_group(s, name="售后维修", is_default=True)
    _agent, agent_token = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
    _admin, admin_token = await staff_token(db, role=Role.ADMIN)
    r = await client.post(
        "/api/v1/sla-policies",
        json={"name": "全天", "position": 1, "business_hours": False, "targets": {"resolution": 600}},
        headers=bearer(admin_token),
    )
    assert r.status_code == 201, r.text
    return {"agent_token": agent_token}


def resolution(ticket: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in ticket["sla"] if c["metric"] == "resolution")


class TestWhatAUserSees:
    async def test_closing_a_solved_ticket_keeps_its_resolution_time(
        self, client: httpx.AsyncClient, policy: dict[str, Any]
    ) -> None:
        h = bearer(policy["agent_token"])
        with time_machine.travel(datetime(2025, 6, 10, 9, 0, tzinfo=SH), tick=False):
            t = (
                await client.post(
                    "/api/v1/tickets", json={"subject": "耳机没声音", "channel": "web"}, headers=h
                )
            ).json()
        with time_machine.travel(datetime(2025, 6, 10, 10, 0, tzinfo=SH), tick=False):
            r = await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "solved"}, headers=h)
            assert resolution(r.json())["status"] == "fulfilled"
        with time_machine.travel(datetime(2025, 6, 12, 10, 0, tzinfo=SH), tick=False):
            r = await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "closed"}, headers=h)
            assert r.status_code == 200, r.text
        # Not running again on a closed ticket (it would breach the next morning).
        assert resolution(r.json())["status"] == "fulfilled"

    async def test_a_customer_coming_back_reopens_the_same_way_by_portal_and_by_chat(
        self, db: Database, client: httpx.AsyncClient, policy: dict[str, Any]
    ) -> None:
        customer, ctoken = await customer_token(db, email="zj@example.cn")
        h = bearer(policy["agent_token"])
        ids = []
        for _ in range(2):
            r = await client.post(
                "/api/v1/tickets",
                json={"subject": "耳机没声音", "channel": "web", "customer_id": customer.id},
                headers=h,
            )
            ids.append(r.json()["id"])
            await client.patch(f"/api/v1/tickets/{ids[-1]}", json={"status": "solved"}, headers=h)
        by_portal, by_chat = ids
        r = await client.post(
            f"/api/v1/tickets/{by_portal}/comments", json={"body": "又坏了"}, headers=bearer(ctoken)
        )
        assert r.status_code == 201, r.text
        async with db.transaction() as s:
            await ticket_service.channel_customer_wrote(s, by_chat)
        async with db.session() as s:
            for tid in ids:
                t = await s.get(Ticket, tid)
                assert t is not None and (t.status, t.reopen_count) == ("open", 1)
            reopened = (
                await s.scalars(
                    sa.select(EventRecord.aggregate_id).where(EventRecord.name == "ticket.reopened")
                )
            ).all()
        assert sorted(reopened) == sorted(ids)  # quality re-scores both
        got = (await client.get(f"/api/v1/tickets/{by_chat}", headers=h)).json()
        assert resolution(got)["status"] == "active"

    async def test_automation_changing_a_ticket_does_not_acknowledge_it(
        self, db: Database, client: httpx.AsyncClient, policy: dict[str, Any]
    ) -> None:
        h = bearer(policy["agent_token"])
        r = await client.post(
            "/api/v1/sla-policies",
            json={"name": "确认", "position": 0, "business_hours": False, "targets": {"acknowledge": 30}},
            headers=bearer((await staff_token(db, role=Role.ADMIN))[1]),
        )
        assert r.status_code == 201, r.text
        t = (
            await client.post("/api/v1/tickets", json={"subject": "发票", "channel": "web"}, headers=h)
        ).json()
        async with db.transaction() as s:
            await ticket_service.update(s, SYSTEM, t["id"], TicketUpdate(status="pending"))
        got = (await client.get(f"/api/v1/tickets/{t['id']}", headers=h)).json()
        ack = next(c for c in got["sla"] if c["metric"] == "acknowledge")
        assert ack["status"] != "fulfilled"
        await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "open"}, headers=h)
        got = (await client.get(f"/api/v1/tickets/{t['id']}", headers=h)).json()
        assert next(c for c in got["sla"] if c["metric"] == "acknowledge")["status"] == "fulfilled"
