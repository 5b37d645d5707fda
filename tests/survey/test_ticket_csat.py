"""CSAT after a solved ticket: the e-mailed link, one answer, bad links and scores, the
closed loop for a low score, response rates (both backends)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import EventRecord, Survey
from tests.factories import bearer, customer_token
from tests.survey.helpers import run_jobs, setup, solved_ticket, survey_mails, token_from_mail


class TestSolvedTicketSendsCsat:
    async def test_email_link_answer_once_and_events(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        ticket = await solved_ticket(db, client, env)
        mails = await survey_mails(db)
        assert len(mails) == 1 and mails[0].to_addr == "wangfang@example.cn"
        assert "耳机左边没有声音" in mails[0].body_text
        token = await token_from_mail(db)

        page = (await client.get(f"/api/v1/s/{token}")).json()
        assert page == {"kind": "csat", "expires_at": page["expires_at"], "answered": False, "questions": []}
        r = await client.post(f"/api/v1/s/{token}", json={"score": 4, "comment": "处理很快"})
        assert r.status_code == 200 and r.json()["answered"] is True

        items = (await client.get("/api/v1/surveys?kind=csat", headers=env.supervisor)).json()["items"]
        assert len(items) == 1
        s = items[0]
        assert (s["score"], s["score_100"], s["comment"], s["ticket_id"], s["agent_id"], s["group_id"]) == (
            4,
            75,
            "处理很快",
            ticket["id"],
            env.agent_id,
            env.group_id,
        )
        assert s["channel"] == "email"

        # The same link again: 409 and the first answer stays.
        r = await client.post(f"/api/v1/s/{token}", json={"score": 1, "comment": "改主意了"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "survey_answered"
        again = (await client.get(f"/api/v1/surveys/{s['id']}", headers=env.supervisor)).json()
        assert (again["score"], again["comment"]) == (4, "处理很快")

        async with db.session() as session:
            names = (
                await session.execute(
                    sa.select(EventRecord.name, EventRecord.payload).where(EventRecord.name.like("survey.%"))
                )
            ).all()
        answered = [p for n, p in names if n == "survey.answered"]
        assert [n for n, _ in names] == ["survey.sent", "survey.answered"]
        assert answered[0]["score_100"] == 75 and answered[0]["agent_id"] == env.agent_id

        # A second solve of the same ticket (reopened, solved again) does not ask again.
        await client.patch(f"/api/v1/tickets/{ticket['id']}", headers=env.agent, json={"status": "open"})
        await client.patch(f"/api/v1/tickets/{ticket['id']}", headers=env.agent, json={"status": "solved"})
        await run_jobs(db)
        assert len(await survey_mails(db)) == 1

    async def test_customer_without_email_finds_it_in_the_portal(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        ticket = await solved_ticket(db, client, env, email=None)
        assert await survey_mails(db) == []
        async with db.session() as s:
            survey = (await s.execute(sa.select(Survey))).scalar_one()
        assert survey.channel == "portal" and survey.ticket_id == ticket["id"]


class TestBadLinksAndScores:
    async def test_unknown_expired_out_of_range(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        await solved_ticket(db, client, env)
        token = await token_from_mail(db)

        r = await client.get("/api/v1/s/not-a-real-token")
        assert r.status_code == 404 and r.json()["error"]["code"] == "survey_not_found"
        for bad in (0, 6, -1):
            r = await client.post(f"/api/v1/s/{token}", json={"score": bad})
            assert r.status_code == 422 and r.json()["error"]["code"] == "score_out_of_range"
        r = await client.post(f"/api/v1/s/{token}", json={"score": "five"})
        assert r.status_code == 422
        r = await client.post(f"/api/v1/s/{token}", json={"score": 5, "extra": 1})
        assert r.status_code == 422  # unknown fields are refused
        # Nothing was recorded by the refused answers: the survey is still open.
        assert (await client.get(f"/api/v1/s/{token}")).json()["answered"] is False

        async with db.transaction() as s:
            await s.execute(sa.update(Survey).values(expires_at=utcnow() - timedelta(minutes=1)))
        r = await client.post(f"/api/v1/s/{token}", json={"score": 5})
        assert r.status_code == 410 and r.json()["error"]["code"] == "survey_expired"
        assert (await client.get(f"/api/v1/s/{token}")).status_code == 410

    async def test_signed_in_customer_cannot_answer_someone_elses(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await solved_ticket(db, client, env)
        token = await token_from_mail(db)
        _other, other_token = await customer_token(db, name="张三", email="zhangsan@example.cn")
        r = await client.post(f"/api/v1/s/{token}", json={"score": 5}, headers=bearer(other_token))
        assert r.status_code == 403 and r.json()["error"]["code"] == "survey_foreign"
        assert (await client.get(f"/api/v1/s/{token}", headers=bearer(other_token))).status_code == 403
        assert (await client.get(f"/api/v1/s/{token}")).json()["answered"] is False


class TestClosedLoop:
    async def test_low_score_opens_a_followup_for_the_groups_supervisor(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        ticket = await solved_ticket(db, client, env)
        token = await token_from_mail(db)
        await client.post(f"/api/v1/s/{token}", json={"score": 2, "comment": "等了三天才回复"})

        r = await client.get("/api/v1/survey-followups?status=open", headers=env.supervisor)
        items = r.json()["items"]
        assert len(items) == 1
        f = items[0]
        assert (f["assignee_id"], f["ticket_id"], f["score"], f["comment"]) == (
            env.supervisor_id,
            ticket["id"],
            2,
            "等了三天才回复",
        )
        assert f["agent_name"] == "李小青" and f["customer_name"] == "王芳" and f["assignee_name"] == "陈主管"
        # Agents do not manage follow-ups.
        assert (await client.get("/api/v1/survey-followups", headers=env.agent)).status_code == 403

        r = await client.post(
            f"/api/v1/survey-followups/{f['id']}/close", headers=env.supervisor, json={"outcome": ""}
        )
        assert r.status_code == 422  # an outcome is required
        r = await client.post(
            f"/api/v1/survey-followups/{f['id']}/close",
            headers=env.supervisor,
            json={"outcome": "已电话致歉，补发了新耳机"},
        )
        assert r.status_code == 200 and r.json()["status"] == "done"
        assert r.json()["outcome"] == "已电话致歉，补发了新耳机" and r.json()["closed_at"]
        r = await client.post(
            f"/api/v1/survey-followups/{f['id']}/close", headers=env.supervisor, json={"outcome": "再来一次"}
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "followup_closed"
        assert (await client.get("/api/v1/survey-followups?status=open", headers=env.supervisor)).json()[
            "items"
        ] == []

    async def test_good_score_opens_nothing(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        await solved_ticket(db, client, env)
        await client.post(f"/api/v1/s/{await token_from_mail(db)}", json={"score": 3})
        assert (await client.get("/api/v1/survey-followups", headers=env.supervisor)).json()["items"] == []


class TestResponseRate:
    async def test_sent_versus_answered(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        for i in range(3):
            await solved_ticket(db, client, env, email=f"c{i}@example.cn")
        mails = await survey_mails(db)
        tokens = [m.body_text.split("/s/")[1].split()[0] for m in mails]
        await client.post(f"/api/v1/s/{tokens[0]}", json={"score": 5})
        await client.post(f"/api/v1/s/{tokens[1]}", json={"score": 2})
        r = (await client.get("/api/v1/surveys/response-rate?kind=csat", headers=env.supervisor)).json()
        assert (r["sent"], r["answered"], r["rate"]) == (3, 2, 0.6667)
        assert r["csat_percent"] == 50.0 and r["csat_100"] == 62.5
        # An agent sees only their own numbers (all three are theirs here).
        mine = (await client.get("/api/v1/surveys/response-rate", headers=env.agent)).json()
        assert mine["sent"] == 3
        bad = await client.get(
            "/api/v1/surveys/response-rate?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            headers=env.supervisor,
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_range"
