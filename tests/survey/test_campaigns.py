"""NPS campaigns (both backends): an admin targets tiers on a schedule; the periodic job
sends one link per customer per run, never twice; answers and the NPS arithmetic."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Customer
from kefu.survey.service import survey_service
from tests.factories import make_customer
from tests.survey.helpers import run_jobs, setup, survey_mails


async def customers(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        ids = {}
        for name, tier, email in (
            ("高价值甲", "high", "a@example.cn"),
            ("高价值乙", "high", "b@example.cn"),
            ("中价值丙", "mid", "c@example.cn"),
            ("高价值无邮箱", "high", None),
        ):
            c = await make_customer(
                s, name=name, **({"email": email} if email else {"phone": "+8613900000000"})
            )
            ids[name] = c.id
            await s.execute(sa.update(Customer).where(Customer.id == c.id).values(tier=tier))
    return ids


class TestCampaigns:
    async def test_schedule_segment_and_idempotent_runs(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await customers(db)
        body = {
            "name": "季度 NPS",
            "tiers": ["high"],
            "interval_days": 90,
            "questions": [
                {"id": "why", "text": "主要原因是什么？", "type": "text", "required": True},
                {"id": "channel", "text": "您常用哪个渠道？", "type": "choice", "options": ["微信", "电话"]},
            ],
        }
        assert (
            await client.post("/api/v1/survey-campaigns", json=body, headers=env.supervisor)
        ).status_code == 403
        bad = {**body, "interval_days": 0}
        assert (await client.post("/api/v1/survey-campaigns", json=bad, headers=env.admin)).status_code == 422
        r = await client.post("/api/v1/survey-campaigns", json=body, headers=env.admin)
        assert r.status_code == 201
        campaign = r.json()

        # The periodic job: due now → one e-mail per reachable high-tier customer.
        async with db.transaction() as s:
            results = await survey_service.run_due(s)
        assert [(x.sent, x.run) for x in results] == [(2, 1)]
        mails = await survey_mails(db)
        assert sorted(m.to_addr for m in mails) == ["a@example.cn", "b@example.cn"]
        # Run again at once: not due (next run in 90 days) → nothing new.
        async with db.transaction() as s:
            assert await survey_service.run_due(s) == []
        c = (await client.get(f"/api/v1/survey-campaigns/{campaign['id']}", headers=env.admin)).json()
        assert c["runs"] == 1 and c["next_run_at"] > (utcnow() + timedelta(days=89)).isoformat()
        # A retried run of the same slot (same run number) sends nothing twice.
        async with db.transaction() as s:
            again = await survey_service.run_campaign(s, campaign["id"], force=True)
        assert again is not None and again.run == 2 and again.sent == 2
        assert len(await survey_mails(db)) == 4

        token = mails[0].body_text.split("/s/")[1].split()[0]
        public = (await client.get(f"/api/v1/s/{token}")).json()
        assert public["kind"] == "nps" and [q["id"] for q in public["questions"]] == ["why", "channel"]
        r = await client.post(f"/api/v1/s/{token}", json={"score": 11, "answers": {"why": "快"}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "score_out_of_range"
        r = await client.post(f"/api/v1/s/{token}", json={"score": 9, "answers": {}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "answer_required"
        r = await client.post(
            f"/api/v1/s/{token}", json={"score": 9, "answers": {"why": "快", "channel": "飞鸽"}}
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "bad_answer"
        r = await client.post(f"/api/v1/s/{token}", json={"score": 9, "answers": {"why": "快", "x": 1}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_question"
        r = await client.post(
            f"/api/v1/s/{token}", json={"score": 0, "answers": {"why": "太慢", "channel": "电话"}}
        )
        assert r.status_code == 200
        s = (await client.get("/api/v1/surveys?kind=nps&answered=true", headers=env.supervisor)).json()[
            "items"
        ]
        assert s[0]["answers"] == {"why": "太慢", "channel": "电话"} and s[0]["score_100"] is None
        rate = (await client.get("/api/v1/surveys/response-rate?kind=nps", headers=env.supervisor)).json()
        assert (rate["sent"], rate["answered"], rate["nps"]) == (4, 1, -100.0)
        # NPS ≤ 6 opens a follow-up too.
        followups = (await client.get("/api/v1/survey-followups", headers=env.supervisor)).json()["items"]
        assert [(f["kind"], f["score"]) for f in followups] == [("nps", 0)]

    async def test_periodic_job_is_registered_and_runs(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        await customers(db)
        await client.post("/api/v1/survey-campaigns", json={"name": "全员 NPS"}, headers=env.admin)
        from kefu.kit import jobs

        async with db.transaction() as s:
            await jobs.enqueue(s, "survey.run_campaigns", {})
        await run_jobs(db)
        assert len(await survey_mails(db)) == 3  # every tier, only customers with an e-mail
