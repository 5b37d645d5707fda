"""Certification gates routing skills (both backends): a pass grants the exam's skill, a
hand-added certified skill is refused without the certificate, revoking takes it away, and
routing then gives the agent the chats of a group that requires the skill."""

from __future__ import annotations

import uuid

import httpx

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models.user import Role
from tests.factories import bearer
from tests.training.conftest import Team, call, make_exam, right, take, wrong
from tests.web.admin.cases import HTML, csrf, login


async def skills(client: httpx.AsyncClient, team: Team, user_id: int) -> list[str]:
    agents = (await call(client, "GET", "/api/v1/agents", team.supervisor))["items"]
    return next(a["skills"] for a in agents if a["user_id"] == user_id)


class TestGrant:
    async def test_passing_grants_the_skill_and_failing_does_not(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, grants_skill="售后维修")
        await take(client, team.agent2, exam, wrong(exam))
        assert "售后维修" not in await skills(client, team, team.agent2_id)
        result = await take(client, team.agent, exam, right(exam))
        assert result["certificate_skill"] == "售后维修"
        assert "售后维修" in await skills(client, team, team.agent_id)
        certs = (await call(client, "GET", "/api/v1/training/certificates", team.agent))["items"]
        assert [(c["skill"], c["exam_name"], c["revoked_at"]) for c in certs] == [
            ("售后维修", "售后维修认证", None)
        ]


class TestManualAdd:
    async def test_a_certified_skill_cannot_be_added_by_hand_without_the_certificate(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, grants_skill="售后维修")
        r = await call(
            client,
            "PUT",
            f"/api/v1/agents/{team.agent_id}",
            team.admin,
            expect=409,
            skills=["英语", "售后维修"],
        )
        assert r["error"]["code"] == "skill_needs_certificate"
        assert "售后维修" in r["error"]["message"]
        assert await skills(client, team, team.agent_id) == []  # nothing half-done
        # Skills no exam certifies stay free to set.
        await call(client, "PUT", f"/api/v1/agents/{team.agent_id}", team.admin, skills=["英语"])
        assert await skills(client, team, team.agent_id) == ["英语"]
        # Once certified, the admin's edits keep it (and may re-add it after removing it).
        await take(client, team.agent, exam, right(exam))
        await call(client, "PUT", f"/api/v1/agents/{team.agent_id}", team.admin, skills=["英语"])
        await call(client, "PUT", f"/api/v1/agents/{team.agent_id}", team.admin, skills=["英语", "售后维修"])
        assert await skills(client, team, team.agent_id) == ["售后维修", "英语"]

    async def test_the_admin_staff_form_shows_the_refusal(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        await make_exam(client, team.supervisor, grants_skill="售后维修")
        await login(client, db, Role.ADMIN)
        page = await client.get(f"/admin/users/{team.agent_id}", headers=HTML)
        form = {
            "name": "陈静",
            "role": "agent",
            "group_ids": str(team.group_id),
            "skills": "售后维修",
            "chat_capacity": "5",
            "ticket_capacity": "20",
            "is_active": "on",
            "csrf_token": csrf(page.text),
        }
        r = await client.post(f"/admin/users/{team.agent_id}", data=form, headers=HTML)
        assert r.status_code == 409, r.text[-2000:]
        assert "证书" in r.text and "skill_needs_certificate" not in r.text


class TestRevoke:
    async def test_revoking_the_certificate_removes_the_skill(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, grants_skill="售后维修")
        await call(client, "PUT", f"/api/v1/agents/{team.agent_id}", team.admin, skills=["英语"])
        await take(client, team.agent, exam, right(exam))
        cert = (await call(client, "GET", "/api/v1/training/certificates", team.agent))["items"][0]
        path = f"/api/v1/training/certificates/{cert['id']}/revoke"
        await call(client, "POST", path, team.agent, expect=403, reason="x")
        out = await call(client, "POST", path, team.supervisor, reason="复训未通过")
        assert out["revoked_at"] is not None and out["revoke_reason"] == "复训未通过"
        assert await skills(client, team, team.agent_id) == ["英语"]
        r = await call(client, "POST", path, team.supervisor, expect=409, reason="again")
        assert r["error"]["code"] == "certificate_revoked"
        # Without the certificate, the admin cannot put it back by hand.
        await call(
            client, "PUT", f"/api/v1/agents/{team.agent_id}", team.admin, expect=409, skills=["售后维修"]
        )


class TestRoutingReadsIt:
    async def test_a_chat_that_needs_the_skill_waits_until_the_agent_is_certified(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, grants_skill="售后维修")
        await call(
            client, "PUT", f"/api/v1/routing/rules/{team.group_id}", team.admin, required_skills=["售后维修"]
        )
        await call(client, "PUT", "/api/v1/agents/me/presence", team.agent, status="online")
        r = await client.post("/api/v1/widget/sessions", json={"name": "周小云"})
        conv_id, chat = r.json()["conversation_id"], bearer(r.json()["session_token"])
        for text in ("耳机左耳没声音", "转人工"):
            r = await client.post(
                "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
            )
            assert r.status_code == 200, r.text
        await Worker(db, concurrency=1).run_until_idle()
        conv = await call(client, "GET", f"/api/v1/conversations/{conv_id}", team.supervisor)
        assert conv["assignee_id"] is None  # online, in the group, but not certified

        await take(client, team.agent, exam, right(exam))
        await Worker(db, concurrency=1).run_until_idle()
        conv = await call(client, "GET", f"/api/v1/conversations/{conv_id}", team.supervisor)
        assert conv["assignee_id"] == team.agent_id
