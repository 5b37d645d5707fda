"""Idle time makes an online agent away (both backends): the workspace reports it with
`reason: "idle"`; the next input brings the agent back online. It only ever undoes its own
away — never a status the person chose, never an absence — and a heartbeat alone (an open
but unattended page) does not bring an idle agent back."""

from __future__ import annotations

import re

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.routing.service import routing_service
from tests.factories import bearer, make_group, staff_token

PRESENCE = "/api/v1/agents/me/presence"


async def put(client: httpx.AsyncClient, token: str, status: str, reason: str = "") -> dict[str, object]:
    body = {"status": status, **({"reason": reason} if reason else {})}
    r = await client.put(PRESENCE, json=body, headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


class TestIdlePresence:
    async def test_idle_time_makes_an_online_agent_away_and_the_next_input_brings_them_back(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as session:
            group = await make_group(session, name="售后", is_default=True)
        agent, token = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
        me = await put(client, token, "online")
        assert me["status"] == "online" and me["idle_minutes"] == 15  # the default

        me = await put(client, token, "away", "idle")
        assert me["chosen_status"] == "away" and me["away_reason"] == "idle"
        # An open page keeps beating: that is not the person coming back.
        async with db.transaction() as session:
            assert await routing_service.heartbeat(session, agent.id) == "away"
        me = await put(client, token, "online", "idle")
        assert me["status"] == "online" and me["away_reason"] == ""

    async def test_idle_never_overrides_what_the_person_chose(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _agent, token = await staff_token(db, role=Role.AGENT)
        me = await put(client, token, "away")  # chose away (a break)
        me = await put(client, token, "online", "idle")  # a mouse move is not "I'm back"
        assert me["chosen_status"] == "away" and me["away_reason"] == ""
        await put(client, token, "offline")
        me = await put(client, token, "away", "idle")
        assert me["chosen_status"] == "offline"
        me = await put(client, token, "online", "idle")
        assert me["chosen_status"] == "offline"
        # Choosing a status clears an idle away: the person decides from then on.
        await put(client, token, "online")
        await put(client, token, "away", "idle")
        me = await put(client, token, "away")
        assert me["away_reason"] == ""
        assert (await put(client, token, "online", "idle"))["chosen_status"] == "away"

    async def test_the_idle_time_is_an_admin_setting_and_bad_input_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _agent, token = await staff_token(db, role=Role.AGENT)
        r = await client.put(PRESENCE, json={"status": "away", "reason": "bored"}, headers=bearer(token))
        assert r.status_code == 422 and "error" in r.json()
        await staff_token(db, role=Role.ADMIN, email="admin@kefu.demo")
        page = await client.get("/login")
        await client.post(
            "/login",
            data={"email": "admin@kefu.demo", "password": "secret-pass-1", "csrf_token": csrf(page.text)},
        )
        form = await client.get("/admin/chat")
        assert form.status_code == 200 and 'name="agent_idle_minutes"' in form.text
        fields = {"csrf_token": csrf(form.text), "bot_enabled": "1", "after_hours": "bot"}
        r = await client.post("/admin/chat", data={**fields, "agent_idle_minutes": "-3"})
        assert r.status_code == 422
        me = (await client.get("/api/v1/agents/me", headers=bearer(token))).json()
        assert me["idle_minutes"] == 15  # nothing changed
        r = await client.post("/admin/chat", data={**fields, "agent_idle_minutes": "5"})
        assert r.status_code == 303
        me = (await client.get("/api/v1/agents/me", headers=bearer(token))).json()
        assert me["idle_minutes"] == 5


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)
