"""Quality pages: the supervisor's queue and scorecard form, the agent's "My quality" with
its one dispute, the admin's rule weights."""

from __future__ import annotations

import httpx

from kefu.kit.db import Database
from tests.quality.test_quality_api import closed_chat
from tests.survey.helpers import setup


class TestQualityPages:
    async def test_review_dispute_and_rules_through_the_pages(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await closed_chat(db, client, env, "不知道")
        queue = await client.get("/supervisor/quality", headers=env.supervisor)
        assert queue.status_code == 200 and "自动评分低" in queue.text
        rid = (await client.get("/api/v1/quality/reviews", headers=env.supervisor)).json()["items"][0]["id"]
        page = await client.get(f"/supervisor/quality/reviews/{rid}", headers=env.supervisor)
        assert page.status_code == 200 and "禁用语" in page.text and "不知道" in page.text
        assert 'name="c_attitude"' in page.text

        bad = await client.post(
            f"/supervisor/quality/reviews/{rid}/score",
            data={"c_attitude": "120", "c_accuracy": "50", "c_process": "50"},
            headers=env.supervisor,
        )
        assert bad.status_code == 422 and "评分无效" in bad.text
        r = await client.post(
            f"/supervisor/quality/reviews/{rid}/score",
            data={"c_attitude": "40", "c_accuracy": "50", "c_process": "60", "comment": "注意用语"},
            headers=env.supervisor,
        )
        assert r.status_code == 303

        mine = await client.get("/agent/quality", headers=env.agent)
        assert mine.status_code == 200 and "注意用语" in mine.text and 'name="reason"' in mine.text
        r = await client.post(
            f"/agent/quality/reviews/{rid}/dispute", data={"reason": "客户情绪激动"}, headers=env.agent
        )
        assert r.status_code == 303
        after = await client.get("/agent/quality", headers=env.agent)
        assert "已申诉" in after.text and 'name="reason"' not in after.text
        twice = await client.post(
            f"/agent/quality/reviews/{rid}/dispute", data={"reason": "再次"}, headers=env.agent
        )
        assert twice.status_code == 409 and "只能申诉一次" in twice.text

        r = await client.post(
            f"/supervisor/quality/reviews/{rid}/resolve",
            data={"resolution": "维持原评分"},
            headers=env.supervisor,
        )
        assert r.status_code == 303
        assert "维持原评分" in (await client.get("/agent/quality", headers=env.agent)).text

        assert (await client.get("/admin/quality", headers=env.supervisor)).status_code == 403
        admin = await client.get("/admin/quality", headers=env.admin)
        assert admin.status_code == 200 and "不归我管" in admin.text
        rules = (await client.get("/api/v1/quality/rules", headers=env.admin)).json()["items"]
        forbidden = next(r for r in rules if r["kind"] == "forbidden")
        r = await client.post(
            f"/admin/quality/rules/{forbidden['id']}",
            data={"weight": "30", "values": "不知道\n滚", "active": "on"},
            headers=env.admin,
        )
        assert r.status_code == 303
        rules = (await client.get("/api/v1/quality/rules", headers=env.admin)).json()["items"]
        updated = next(r for r in rules if r["id"] == forbidden["id"])
        assert (updated["weight"], updated["config"], updated["active"]) == (
            30,
            {"words": ["不知道", "滚"]},
            True,
        )

    async def test_admin_creates_an_nps_campaign_on_the_page(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        r = await client.post(
            "/admin/surveys/campaigns",
            data={
                "name": "高价值客户季度 NPS",
                "tiers": ["high"],
                "interval_days": "90",
                "questions": "为什么？\n",
            },
            headers=env.admin,
        )
        assert r.status_code == 303
        page = await client.get("/admin/surveys", headers=env.admin)
        assert page.status_code == 200 and "高价值客户季度 NPS" in page.text
        (c,) = (await client.get("/api/v1/survey-campaigns", headers=env.admin)).json()["items"]
        assert (c["tiers"], c["interval_days"], [q["text"] for q in c["questions"]]) == (
            ["high"],
            90,
            ["为什么？"],
        )
        bad = await client.post("/admin/surveys/campaigns", data={"interval_days": "0"}, headers=env.admin)
        assert bad.status_code == 422
