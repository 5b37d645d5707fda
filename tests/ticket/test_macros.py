"""Macros: placeholders, field actions, scoping and bad input."""

from __future__ import annotations

from typing import Any

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, make_customer, make_group, make_ticket, staff_token


async def _setup(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        group = await make_group(s, name="投诉处理", is_default=True)
        customer = await make_customer(s, name="王丽", email="wl@example.cn")
        ticket = await make_ticket(s, customer_id=customer.id, subject="快递三天没更新")
    agent, agent_token = await staff_token(db, role=Role.AGENT, name="赵敏", group_ids=[group.id])
    _sup, sup_token = await staff_token(db, role=Role.SUPERVISOR)
    return {
        "ticket": ticket.id,
        "agent": agent.id,
        "agent_token": agent_token,
        "sup_token": sup_token,
        "group": group.id,
    }


class TestMacros:
    async def test_apply_renders_placeholders_and_changes_fields(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        r = await client.post(
            "/api/v1/macros",
            headers=bearer(env["sup_token"]),
            json={
                "title": "投诉安抚",
                "body": "{{customer.name}}您好，我是{{agent.name}}，工单 #{{ticket.id}} 会在 4 小时内处理。",
                "actions": {
                    "priority": "high",
                    "add_tags": ["投诉"],
                    "assign_to_me": True,
                    "status": "pending",
                },
            },
        )
        assert r.status_code == 201, r.text
        macro = r.json()
        h = bearer(env["agent_token"])
        preview = await client.get(f"/api/v1/tickets/{env['ticket']}/macros/{macro['id']}/preview", headers=h)
        assert preview.json()["body"] == f"王丽您好，我是赵敏，工单 #{env['ticket']} 会在 4 小时内处理。"
        r = await client.post(f"/api/v1/tickets/{env['ticket']}/macros/{macro['id']}", json={}, headers=h)
        assert r.status_code == 200
        assert (r.json()["priority"], r.json()["status"], r.json()["assignee_id"]) == (
            "high",
            "pending",
            env["agent"],
        )
        t = (await client.get(f"/api/v1/tickets/{env['ticket']}", headers=h)).json()
        assert "投诉" in t["tags"] and t["owner_id"] == env["agent"]
        assert t["comments"][-1]["body"].startswith("王丽您好")

    async def test_edited_text_is_sent_instead_of_the_template(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        macro = (
            await client.post(
                "/api/v1/macros", headers=bearer(env["sup_token"]), json={"title": "问候", "body": "您好"}
            )
        ).json()
        h = bearer(env["agent_token"])
        await client.post(
            f"/api/v1/tickets/{env['ticket']}/macros/{macro['id']}",
            json={"body": "您好，改过的话术"},
            headers=h,
        )
        t = (await client.get(f"/api/v1/tickets/{env['ticket']}", headers=h)).json()
        assert t["comments"][-1]["body"] == "您好，改过的话术"

    async def test_bad_macros_are_refused(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db)
        h = bearer(env["sup_token"])
        r = await client.post(
            "/api/v1/macros", headers=h, json={"title": "x", "body": "{{customer.password}}"}
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_placeholder")
        r = await client.post("/api/v1/macros", headers=h, json={"title": "x", "body": ""})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "empty_macro")
        r = await client.post(
            "/api/v1/macros", headers=bearer(env["agent_token"]), json={"title": "x", "body": "y"}
        )
        assert r.status_code == 403
        r = await client.post(
            f"/api/v1/tickets/{env['ticket']}/macros/999", json={}, headers=bearer(env["agent_token"])
        )
        assert r.status_code == 404
