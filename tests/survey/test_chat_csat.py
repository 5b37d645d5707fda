"""The widget's rating is the CSAT answer of the chat's survey (both backends): a 1-star
rating opens a follow-up for the group's supervisor with the transcript; the e-mail survey of
the chat's ticket is not sent on top."""

from __future__ import annotations

import uuid

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer
from tests.survey.helpers import Env, run_jobs, setup, survey_mails
from tests.web.admin.cases import HTML, csrf, login


async def chat_to_agent(db: Database, client: httpx.AsyncClient, env: Env) -> tuple[int, dict[str, str]]:
    r = await client.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=env.agent)
    assert r.status_code == 200
    r = await client.post("/api/v1/widget/sessions", json={"name": "王芳", "email": "wangfang@example.cn"})
    session = r.json()
    chat = bearer(session["session_token"])
    for text in ("我的耳机坏了，很生气", "转人工"):
        r = await client.post(
            "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
        )
        assert r.status_code == 200
    await run_jobs(db)
    conv_id = int(session["conversation_id"])
    r = await client.post(
        f"/api/v1/conversations/{conv_id}/messages",
        json={"client_id": str(uuid.uuid4()), "text": "您好，请问是哪款耳机？"},
        headers=env.agent,
    )
    assert r.status_code == 200, r.text
    return conv_id, chat


class TestChatRating:
    async def test_one_star_opens_a_followup_with_the_transcript(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        conv_id, chat = await chat_to_agent(db, client, env)
        r = await client.post(
            f"/api/v1/conversations/{conv_id}/close", json={"solve_ticket": True}, headers=env.agent
        )
        assert r.status_code == 200
        await run_jobs(db)
        surveys = (await client.get("/api/v1/surveys", headers=env.supervisor)).json()["items"]
        assert [(s["channel"], s["conversation_id"], s["answered_at"]) for s in surveys] == [
            ("chat", conv_id, None)
        ]
        assert await survey_mails(db) == []  # rated in the chat, not asked again by e-mail

        r = await client.post("/api/v1/widget/rating", json={"score": 1, "comment": "太慢了"}, headers=chat)
        assert r.status_code == 204
        again = await client.post("/api/v1/widget/rating", json={"score": 5}, headers=chat)
        assert again.status_code == 409  # the widget protocol is unchanged
        await run_jobs(db)

        s = (await client.get(f"/api/v1/surveys/{surveys[0]['id']}", headers=env.supervisor)).json()
        assert (s["score"], s["score_100"], s["comment"], s["agent_id"]) == (1, 0, "太慢了", env.agent_id)
        items = (await client.get("/api/v1/survey-followups", headers=env.supervisor)).json()["items"]
        assert len(items) == 1 and items[0]["conversation_id"] == conv_id
        assert items[0]["assignee_id"] == env.supervisor_id
        page = await client.get(f"/supervisor/followups/{items[0]['id']}", headers=env.supervisor)
        assert page.status_code == 200
        assert "太慢了" in page.text and "您好，请问是哪款耳机？" in page.text  # context + transcript

    async def test_rating_before_the_close_job_ran_still_counts_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        conv_id, chat = await chat_to_agent(db, client, env)
        await client.post(f"/api/v1/conversations/{conv_id}/close", json={}, headers=env.agent)
        # The customer rates at once, before any background job ran.
        assert (
            await client.post("/api/v1/widget/rating", json={"score": 5}, headers=chat)
        ).status_code == 204
        await run_jobs(db)
        surveys = (await client.get("/api/v1/surveys", headers=env.supervisor)).json()["items"]
        assert len(surveys) == 1 and surveys[0]["score"] == 5 and surveys[0]["score_100"] == 100
        assert (await client.get("/api/v1/survey-followups", headers=env.supervisor)).json()["items"] == []


class TestLowScoreThreshold:
    async def test_the_admin_decides_which_score_opens_a_followup(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        """3 stars opens nothing under the default (≤ 2); after the admin sets ≤ 3 on
        /admin/surveys it opens a follow-up. A threshold out of range is refused."""
        env = await setup(db)
        conv_id, chat = await chat_to_agent(db, client, env)
        await client.post(f"/api/v1/conversations/{conv_id}/close", json={}, headers=env.agent)
        await run_jobs(db)

        await login(client, db, Role.ADMIN)
        page = await client.get("/admin/surveys", headers=HTML)
        assert "低分回访" in page.text and 'name="csat_low"' in page.text and 'value="2"' in page.text
        token = csrf(page.text)
        bad = await client.post(
            "/admin/surveys/low-scores", data={"csrf_token": token, "csat_low": "5", "nps_low": "6"}
        )
        assert bad.status_code == 422 and "低分回访" in bad.text
        ok = await client.post(
            "/admin/surveys/low-scores", data={"csrf_token": token, "csat_low": "3", "nps_low": "6"}
        )
        assert ok.status_code == 303
        assert 'value="3"' in (await client.get("/admin/surveys", headers=HTML)).text

        r = await client.post("/api/v1/widget/rating", json={"score": 3, "comment": "一般"}, headers=chat)
        assert r.status_code == 204
        await run_jobs(db)
        items = (await client.get("/api/v1/survey-followups", headers=env.supervisor)).json()["items"]
        assert [(i["conversation_id"], i["score"]) for i in items] == [(conv_id, 3)]
