"""Tickets through the REST API, as agents, supervisors and customers use them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Ticket
from kefu.models.user import Role
from kefu.ticket.service import ticket_service
from tests.factories import bearer, customer_token, make_group, make_ticket, staff_token


@pytest.fixture
async def team(db: Database) -> dict[str, Any]:
    """A default group with an agent, a second group with its own agent, a supervisor."""
    async with db.transaction() as s:
        sales = await make_group(s, name="售前咨询", is_default=True)
        repair = await make_group(s, name="售后维修")
    agent, agent_token = await staff_token(db, role=Role.AGENT, name="李小青", group_ids=[sales.id])
    other, other_token = await staff_token(db, role=Role.AGENT, name="陈静", group_ids=[repair.id])
    _sup, sup_token = await staff_token(db, role=Role.SUPERVISOR)
    _admin, admin_token = await staff_token(db, role=Role.ADMIN)
    return {
        "sales": sales.id,
        "repair": repair.id,
        "agent": agent.id,
        "agent_token": agent_token,
        "other": other.id,
        "other_token": other_token,
        "sup_token": sup_token,
        "admin_token": admin_token,
    }


async def _create(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    payload = {"subject": "手机充不进电", "description": "买了三天就充不进电了", "channel": "web", **body}
    r = await client.post("/api/v1/tickets", json=payload, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


class TestCreate:
    async def test_contract_fields_and_defaults(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _create(
            client,
            team["agent_token"],
            requester={"name": "周杰", "email": "zj@example.cn"},
            priority="high",
            category="售后/维修",
            tags=["充电", "X5"],
        )
        for key in (
            "id",
            "status",
            "priority",
            "owner_id",
            "assignee_id",
            "group_id",
            "customer_id",
            "created_at",
            "sla",
        ):
            assert key in t
        assert (t["status"], t["priority"], t["group_id"], t["category"]) == (
            "new",
            "high",
            team["sales"],
            "售后/维修",
        )
        assert t["tags"] == ["充电", "x5"]
        assert t["customer_id"] is not None and t["owner_id"] is None
        same = await _create(client, team["agent_token"], requester={"email": "ZJ@example.cn"})
        assert same["customer_id"] == t["customer_id"]  # one person across tickets

    async def test_bad_input_is_refused_clearly(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        h = bearer(team["agent_token"])
        cases = [
            ({"category": "不存在/的分类"}, 422, "unknown_category"),
            ({"custom_fields": {"color": "red"}}, 422, "unknown_field"),
            ({"type": "task"}, 422, "task_needs_due_at"),
            ({"group_id": 999999}, 404, "not_found"),
            ({"assignee_id": team["other"]}, 422, "assignee_not_in_group"),
        ]
        for extra, code, error in cases:
            r = await client.post(
                "/api/v1/tickets", json={"subject": "x", "channel": "web", **extra}, headers=h
            )
            assert (r.status_code, r.json()["error"]["code"]) == (code, error), extra
        r = await client.post("/api/v1/tickets", json={"subject": "x", "channel": "fax"}, headers=h)
        assert r.status_code == 422

    async def test_custom_fields_are_validated_by_kind(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        admin = bearer(team["admin_token"])
        for body in (
            {
                "key": "model",
                "label": "机型",
                "kind": "dropdown",
                "options": ["X5", "X5 Pro"],
                "required": True,
            },
            {"key": "order_no", "label": "订单号", "kind": "text"},
            {"key": "bought_on", "label": "购买日期", "kind": "date"},
        ):
            assert (await client.post("/api/v1/ticket-fields", json=body, headers=admin)).status_code == 201
        h = bearer(team["agent_token"])
        # A required field never stops intake; it binds the agent who solves the ticket.
        r = await client.post("/api/v1/tickets", json={"subject": "x", "channel": "web"}, headers=h)
        assert r.status_code == 201, r.text
        tid = r.json()["id"]
        r = await client.patch(f"/api/v1/tickets/{tid}", json={"status": "solved"}, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "missing_field")
        r = await client.patch(
            f"/api/v1/tickets/{tid}", json={"status": "solved", "custom_fields": {"model": "X5"}}, headers=h
        )
        assert (r.status_code, r.json()["status"]) == (200, "solved")
        r = await client.post(
            "/api/v1/tickets",
            headers=h,
            json={"subject": "x", "channel": "web", "custom_fields": {"model": "X9"}},
        )
        assert r.status_code == 422 and "X9" in r.json()["error"]["message"]
        r = await client.post(
            "/api/v1/tickets",
            headers=h,
            json={
                "subject": "x",
                "channel": "web",
                "custom_fields": {"model": "X5", "bought_on": "2026-02-30"},
            },
        )
        assert r.status_code == 422 and "bought_on" in r.json()["error"]["message"]
        t = await _create(client, team["agent_token"], custom_fields={"model": "X5", "order_no": "SO-1"})
        assert t["custom_fields"] == {"model": "X5", "order_no": "SO-1"}


class TestStatus:
    async def test_transitions_and_a_closed_ticket_is_final(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        h = bearer(team["agent_token"])
        t = await _create(client, team["agent_token"])
        r = await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "closed"}, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_transition")
        for status in ("open", "pending", "solved", "closed"):
            r = await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": status}, headers=h)
            assert r.status_code == 200, (status, r.text)
        r = await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "open"}, headers=h)
        assert r.status_code == 409
        r = await client.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "还在吗"}, headers=h)
        assert r.status_code == 409

    async def test_solved_tickets_close_after_the_configured_days(
        self, db: Database, team: dict[str, Any]
    ) -> None:
        async with db.transaction() as s:
            t = await make_ticket(s)
            t.status, t.solved_at = "solved", utcnow() - timedelta(days=5)
            fresh = await make_ticket(s)
            fresh.status, fresh.solved_at = "solved", utcnow() - timedelta(days=1)
        async with db.transaction() as s:
            assert await ticket_service.close_solved(s, days=4) == 1
        async with db.session() as s:
            statuses = dict((await s.execute(sa.select(Ticket.id, Ticket.status))).all())
        assert statuses == {t.id: "closed", fresh.id: "solved"}

    async def test_parent_waits_for_its_children(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        h = bearer(team["sup_token"])
        parent = await _create(client, team["sup_token"])
        child = await _create(client, team["sup_token"], parent_id=parent["id"], group_id=team["repair"])
        r = await client.patch(f"/api/v1/tickets/{parent['id']}", json={"status": "solved"}, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (409, "children_open")
        await client.patch(f"/api/v1/tickets/{child['id']}", json={"status": "solved"}, headers=h)
        r = await client.patch(f"/api/v1/tickets/{parent['id']}", json={"status": "solved"}, headers=h)
        assert r.status_code == 200
        assert (await client.get(f"/api/v1/tickets/{parent['id']}", headers=h)).json()["child_ids"] == [
            child["id"]
        ]


class TestReplies:
    async def test_first_public_reply_makes_the_owner_who_stays_through_transfers(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _create(client, team["agent_token"])
        h = bearer(team["agent_token"])
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/comments", json={"body": "内部备注", "public": False}, headers=h
        )
        assert r.status_code == 201
        t = (await client.get(f"/api/v1/tickets/{t['id']}", headers=h)).json()
        assert t["owner_id"] is None
        await client.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "您好，请尝试重启"}, headers=h)
        sup = bearer(team["sup_token"])
        r = await client.patch(
            f"/api/v1/tickets/{t['id']}",
            headers=sup,
            json={"group_id": team["repair"], "assignee_id": team["other"]},
        )
        assert r.status_code == 200
        t = r.json()
        assert (t["owner_id"], t["assignee_id"], t["status"]) == (team["agent"], team["other"], "open")
        # 我负责的: the owner finds it by owner_id although it is now assigned elsewhere.
        other = await _create(client, team["agent_token"], subject="另一张工单")
        r = await client.get(f"/api/v1/tickets?owner_id={team['agent']}", headers=sup)
        assert [x["id"] for x in r.json()["items"]] == [t["id"]]
        assert other["id"] not in [x["id"] for x in r.json()["items"]]
        r = await client.get("/api/v1/tickets?owner_id=99999999999999999999", headers=sup)
        assert r.status_code == 422 and r.json()["error"]["code"]

    async def test_customer_sees_public_replies_only_and_reopens_by_replying(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        customer, ctoken = await customer_token(db, email="wang@example.cn")
        t = await _create(client, ctoken)
        assert t["customer_id"] == customer.id
        agent = bearer(team["agent_token"])
        await client.post(
            f"/api/v1/tickets/{t['id']}/comments",
            json={"body": "内部：疑似电池问题", "public": False},
            headers=agent,
        )
        await client.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "请到网点检测"}, headers=agent)
        await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "solved"}, headers=agent)
        seen = (await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(ctoken))).json()
        bodies = [c["body"] for c in seen["comments"]]
        assert "请到网点检测" in bodies and all("内部" not in b for b in bodies)
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/comments",
            json={"body": "还是不行", "public": False},
            headers=bearer(ctoken),
        )
        assert r.status_code == 201 and r.json()["public"] is True
        assert (await client.get(f"/api/v1/tickets/{t['id']}", headers=agent)).json()["status"] == "open"

    async def test_customers_only_reach_their_own_tickets(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        _a, a_token = await customer_token(db, email="a@example.cn")
        _b, b_token = await customer_token(db, email="b@example.cn")
        mine = await _create(client, a_token)
        assert (await client.get(f"/api/v1/tickets/{mine['id']}", headers=bearer(b_token))).status_code == 404
        r = await client.post(
            f"/api/v1/tickets/{mine['id']}/comments", json={"body": "x"}, headers=bearer(b_token)
        )
        assert r.status_code == 404
        assert (await client.get("/api/v1/tickets", headers=bearer(b_token))).json()["items"] == []
        listed = (
            await client.get("/api/v1/tickets", params={"customer_id": 1}, headers=bearer(a_token))
        ).json()
        assert [t["id"] for t in listed["items"]] == [mine["id"]]
        r = await client.patch(
            f"/api/v1/tickets/{mine['id']}", json={"priority": "urgent"}, headers=bearer(a_token)
        )
        assert r.status_code == 403
        r = await client.patch(
            f"/api/v1/tickets/{mine['id']}", json={"status": "solved"}, headers=bearer(a_token)
        )
        assert r.status_code == 200

    async def test_agents_see_their_groups_only(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        t = await _create(client, team["sup_token"], group_id=team["repair"])
        assert (
            await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(team["agent_token"]))
        ).status_code == 404
        assert (
            await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(team["other_token"]))
        ).status_code == 200
        listed = (await client.get("/api/v1/tickets", headers=bearer(team["agent_token"]))).json()["items"]
        assert t["id"] not in [x["id"] for x in listed]


class TestAttachments:
    async def test_upload_download_and_limits(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        _customer, ctoken = await customer_token(db, email="c@example.cn")
        t = await _create(client, ctoken)
        h = bearer(ctoken)
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/attachments",
            headers=h,
            data={"body": "发票照片"},
            files={"file": ("发票.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")},
        )
        assert r.status_code == 201, r.text
        att = r.json()
        got = await client.get(f"/api/v1/attachments/{att['id']}", headers=h)
        assert got.status_code == 200 and got.content.startswith(b"\x89PNG")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-disposition"].startswith("attachment")
        assert got.headers["content-type"] == "application/octet-stream"
        _other, other = await customer_token(db, email="d@example.cn")
        assert (
            await client.get(f"/api/v1/attachments/{att['id']}", headers=bearer(other))
        ).status_code == 404
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/attachments",
            headers=h,
            files={"file": ("setup.exe", b"MZ" + b"0" * 10, "application/octet-stream")},
        )
        assert (r.status_code, r.json()["error"]["code"]) == (415, "attachment_type_refused")
        r = await client.post(
            f"/api/v1/tickets/{t['id']}/attachments",
            headers=h,
            files={"file": ("big.pdf", b"0" * (10 * 1024 * 1024 + 1), "application/pdf")},
        )
        assert (r.status_code, r.json()["error"]["code"]) == (413, "attachment_too_large")


class TestMergeLinkHistory:
    async def test_merge_keeps_history_and_refuses_self(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        h = bearer(team["agent_token"])
        a = await _create(client, team["agent_token"], subject="耳机没声音")
        b = await _create(client, team["agent_token"], subject="耳机左耳没声音")
        r = await client.post(f"/api/v1/tickets/{a['id']}/merge", json={"target_id": a["id"]}, headers=h)
        assert r.status_code == 422
        r = await client.post(f"/api/v1/tickets/{a['id']}/merge", json={"target_id": b["id"]}, headers=h)
        assert r.status_code == 200
        assert any("合并自工单" in c["body"] for c in r.json()["comments"])
        src = (await client.get(f"/api/v1/tickets/{a['id']}", headers=h)).json()
        assert (src["status"], src["merged_into_id"]) == ("closed", b["id"])
        assert src["linked_ids"] == [b["id"]]
        history = (await client.get(f"/api/v1/tickets/{a['id']}/history", headers=h)).json()["items"]
        events = [e["event"] for e in history]
        assert events[0] == "ticket.created" and "ticket.merged" in events
        assert any(e["changes"].get("merged_into_id") == [None, b["id"]] for e in history)

    async def test_history_records_who_changed_what(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        h = bearer(team["agent_token"])
        t = await _create(client, team["agent_token"])
        await client.patch(
            f"/api/v1/tickets/{t['id']}", json={"priority": "urgent", "tags": ["vip"]}, headers=h
        )
        history = (await client.get(f"/api/v1/tickets/{t['id']}/history", headers=h)).json()["items"]
        update = next(e for e in history if e["event"] == "ticket.updated")
        assert update["actor_id"] == team["agent"]
        assert update["changes"] == {"priority": ["normal", "urgent"], "tags": [[], ["vip"]]}
