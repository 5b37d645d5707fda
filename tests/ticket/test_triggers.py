"""Triggers and time-based automations: escalation, loop safety, bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from kefu.automation.service import automation_service
from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.kit.jobs import Worker
from kefu.kit.time import utcnow
from kefu.models import Ticket
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token


async def _env(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        await make_group(s, name="售前咨询", is_default=True)
        complaints = await make_group(s, name="投诉处理")
    _admin, admin = await staff_token(db, role=Role.ADMIN)
    return {"admin": admin, "complaints": complaints.id}


async def _ticket(db: Database, ticket_id: int) -> Ticket:
    async with db.session() as s:
        return (await s.execute(sa.select(Ticket).where(Ticket.id == ticket_id))).scalar_one()


class TestTriggers:
    async def test_complaints_are_routed_and_raised_on_creation(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _env(db)
        h = bearer(env["admin"])
        r = await client.post(
            "/api/v1/triggers",
            headers=h,
            json={
                "name": "投诉升级",
                "on": "created",
                "conditions": [{"field": "category", "op": "starts_with", "value": "投诉"}],
                "actions": [
                    {"action": "set_group", "value": env["complaints"]},
                    {"action": "raise_priority"},
                    {"action": "add_tags", "value": ["投诉"]},
                    {"action": "notify_supervisors"},
                ],
            },
        )
        assert r.status_code == 201, r.text
        c = (
            await client.post(
                "/api/v1/tickets",
                headers=h,
                json={"subject": "客服态度差", "channel": "web", "category": "投诉/服务态度"},
            )
        ).json()
        q = (
            await client.post(
                "/api/v1/tickets",
                headers=h,
                json={"subject": "有货吗", "channel": "web", "category": "咨询/产品"},
            )
        ).json()
        await Worker(db).run_until_idle()
        complaint, question = await _ticket(db, c["id"]), await _ticket(db, q["id"])
        assert (complaint.group_id, complaint.priority, complaint.tags) == (
            env["complaints"],
            "high",
            ["投诉"],
        )
        assert (question.priority, question.tags) == ("normal", [])
        async with db.session() as s:
            notified = (
                (
                    await s.execute(
                        sa.select(EventRecord.payload).where(
                            EventRecord.name == "automation.supervisors_notified"
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert [n["ticket_id"] for n in notified] == [c["id"]]

    async def test_a_trigger_on_updates_fires_once_and_cannot_loop(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _env(db)
        h = bearer(env["admin"])
        await client.post(
            "/api/v1/triggers",
            headers=h,
            json={
                "name": "升级",
                "on": "updated",
                "conditions": [{"field": "status", "op": "is_not", "value": "solved"}],
                "actions": [{"action": "raise_priority"}],
            },
        )
        t = (await client.post("/api/v1/tickets", headers=h, json={"subject": "x", "channel": "web"})).json()
        await client.patch(f"/api/v1/tickets/{t['id']}", json={"tags": ["a"]}, headers=h)
        for _ in range(3):
            await Worker(db).run_until_idle()
        assert (await _ticket(db, t["id"])).priority == "high"  # normal → high once, not → urgent

    async def test_sla_breach_trigger_escalates(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _env(db)
        h = bearer(env["admin"])
        await client.post(
            "/api/v1/sla-policies",
            headers=h,
            json={"name": "快", "targets": {"first_reply": 10}, "business_hours": False},
        )
        await client.post(
            "/api/v1/triggers",
            headers=h,
            json={
                "name": "超时升级",
                "on": "sla_breached",
                "conditions": [{"field": "metric", "op": "is", "value": "first_reply"}],
                "actions": [{"action": "set_priority", "value": "urgent"}, {"action": "notify_supervisors"}],
            },
        )
        t = (await client.post("/api/v1/tickets", headers=h, json={"subject": "x", "channel": "web"})).json()
        from kefu.sla.service import sla_service

        async with db.transaction() as s:
            assert await sla_service.scan(s, now=utcnow() + timedelta(minutes=11)) == 1
        await Worker(db).run_until_idle()
        assert (await _ticket(db, t["id"])).priority == "urgent"

    async def test_time_based_trigger_acts_once_on_old_tickets(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _env(db)
        h = bearer(env["admin"])
        await client.post(
            "/api/v1/triggers",
            headers=h,
            json={
                "name": "48 小时未处理",
                "on": "hours_since_created",
                "hours": 48,
                "conditions": [{"field": "status", "op": "in", "value": ["new", "open"]}],
                "actions": [{"action": "add_tags", "value": ["超时未处理"]}],
            },
        )
        old = (
            await client.post("/api/v1/tickets", headers=h, json={"subject": "old", "channel": "web"})
        ).json()
        new = (
            await client.post("/api/v1/tickets", headers=h, json={"subject": "new", "channel": "web"})
        ).json()
        async with db.transaction() as s:
            await s.execute(
                sa.update(Ticket)
                .where(Ticket.id == old["id"])
                .values(created_at=utcnow() - timedelta(hours=50))
            )
        for _ in range(2):
            async with db.transaction() as s:
                await automation_service.run_time_based(s)
        assert (await _ticket(db, old["id"])).tags == ["超时未处理"]
        assert (await _ticket(db, new["id"])).tags == []

    async def test_bad_triggers_are_refused(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _env(db)
        h = bearer(env["admin"])
        cases = [
            {
                "name": "x",
                "on": "created",
                "conditions": [{"field": "password", "op": "is", "value": 1}],
                "actions": [{"action": "raise_priority"}],
            },
            {"name": "x", "on": "created", "actions": [{"action": "delete_everything"}]},
            {"name": "x", "on": "hours_since_created", "actions": [{"action": "raise_priority"}]},
            {"name": "x", "on": "sometimes", "actions": [{"action": "raise_priority"}]},
        ]
        for body in cases:
            assert (await client.post("/api/v1/triggers", headers=h, json=body)).status_code == 422, body
