"""Improvement items through the API (both backends): suggestions and triage, the status
machine's 409s, the owner's moves, creation from a QA review, an SLA breach pattern and a
low-CSAT answer, and the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import QaInspection, QaReview, SlaEvent, Survey
from tests.factories import make_customer
from tests.improvement.conftest import SH, Team, call, ticket


class TestSuggestions:
    async def test_any_staff_suggests_and_a_supervisor_triages(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        item = await call(
            client,
            "POST",
            "/api/v1/improvements/suggestions",
            team.agent,
            expect=201,
            title="退款进度查询入口太深",
            description="客户总问退款到哪了，App 里要点 4 层",
        )
        assert (item["source"], item["status"], item["department_id"]) == ("suggestion", "open", None)
        # An agent may neither create other items nor triage.
        r = await call(
            client, "POST", "/api/v1/improvements", team.agent, expect=403, title="x", source="painpoint"
        )
        assert r["error"]["code"] == "forbidden"
        await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.agent,
            expect=403,
            to="rejected",
        )
        # The supervisor rejects it; a rejected suggestion is final.
        done = await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.supervisor,
            to="rejected",
            note="已在下个版本计划中",
        )
        assert done["status"] == "rejected"
        r = await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.supervisor,
            expect=409,
            to="open",
        )
        assert r["error"]["code"] == "illegal_transition"
        mine = await call(client, "GET", "/api/v1/improvements?source=suggestion", team.agent)
        assert [i["id"] for i in mine["items"]] == [item["id"]]


class TestStatusMachine:
    async def test_moves_timeline_owner_and_409(self, client: httpx.AsyncClient, team: Team) -> None:
        dept = await call(
            client, "POST", "/api/v1/improvements/departments", team.supervisor, expect=201, name="物流部"
        )
        item = await call(
            client,
            "POST",
            "/api/v1/improvements",
            team.supervisor,
            expect=201,
            source="sla",
            title="物流时效",
            department_id=dept["id"],
            owner_id=team.agent_id,
            due_date=(utcnow().date() + timedelta(days=7)).isoformat(),
        )
        assert item["next_statuses"] == ["in_progress", "fixed", "closed"]
        # open → verified skips the fix: 409, nothing changes.
        r = await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.supervisor,
            expect=409,
            to="verified",
        )
        assert r["error"]["code"] == "illegal_transition"
        # Rejecting is for suggestions only.
        await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.supervisor,
            expect=409,
            to="rejected",
        )
        # The owner (an agent) starts and finishes the work, but may not verify.
        await call(
            client, "POST", f"/api/v1/improvements/{item['id']}/transition", team.agent, to="in_progress"
        )
        fixed = await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.agent,
            to="fixed",
            note="已更换承运商",
        )
        assert fixed["status"] == "fixed" and fixed["fixed_at"]
        await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.agent,
            expect=403,
            to="verified",
        )
        await call(
            client, "POST", f"/api/v1/improvements/{item['id']}/transition", team.agent, expect=422, to="done"
        )
        timeline = (await call(client, "GET", f"/api/v1/improvements/{item['id']}", team.supervisor))[
            "timeline"
        ]
        assert [(t["kind"], t["from_status"], t["to_status"]) for t in timeline] == [
            ("created", "", "open"),
            ("status", "open", "in_progress"),
            ("status", "in_progress", "fixed"),
        ]
        assert timeline[2]["note"] == "已更换承运商" and timeline[2]["actor_name"] == "陈静"
        # Filters: by department, and overdue (due in the past, still open work).
        listed = await call(client, "GET", f"/api/v1/improvements?department_id={dept['id']}", team.agent)
        assert [i["id"] for i in listed["items"]] == [item["id"]]
        late = await call(
            client,
            "POST",
            "/api/v1/improvements",
            team.supervisor,
            expect=201,
            source="qa",
            title="话术",
            due_date=(utcnow().date() - timedelta(days=3)).isoformat(),
        )
        overdue = await call(client, "GET", "/api/v1/improvements?overdue=true", team.supervisor)
        assert [(i["id"], i["overdue"]) for i in overdue["items"]] == [(late["id"], True)]

    async def test_unknown_items_and_refs(self, client: httpx.AsyncClient, team: Team) -> None:
        await call(client, "GET", "/api/v1/improvements/999999", team.supervisor, expect=404)
        await call(
            client, "POST", "/api/v1/improvements/999999/transition", team.supervisor, expect=404, to="fixed"
        )
        r = await call(
            client, "POST", "/api/v1/improvements", team.supervisor, expect=422, title="x", department_id=4242
        )
        assert r["error"]["code"] == "department_not_found"
        await call(
            client,
            "POST",
            "/api/v1/improvements",
            team.supervisor,
            expect=422,
            title="x",
            due_date="0001-01-01",
        )


class TestFromSources:
    async def test_qa_review_becomes_a_corrective_action_owned_by_the_agent(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        tid = await ticket(client, team.agent, utcnow(), "投诉", 1)
        async with db.transaction() as s:
            insp = QaInspection(ticket_id=tid, agent_id=team.agent_id, score=55, findings=[])
            s.add(insp)
            await s.flush()
            review = QaReview(
                inspection_id=insp.id,
                agent_id=team.agent_id,
                status="reviewed",
                total=58,
                comment="未核实身份就透露订单信息",
            )
            s.add(review)
            await s.flush()
            review_id = review.id
        due = (utcnow().date() + timedelta(days=5)).isoformat()
        item = await call(
            client,
            "POST",
            "/api/v1/improvements/from-qa-review",
            team.supervisor,
            expect=201,
            review_id=review_id,
            due_date=due,
            action_plan="重新学习身份核验流程",
        )
        assert (item["source"], item["source_ref"], item["owner_id"], item["due_date"]) == (
            "qa",
            str(review_id),
            team.agent_id,
            due,
        )
        assert item["ticket_ids"] == [tid] and "58 分" in item["description"]
        again = await call(
            client,
            "POST",
            "/api/v1/improvements/from-qa-review",
            team.supervisor,
            expect=200,
            review_id=review_id,
        )
        assert again["id"] == item["id"]
        await call(
            client,
            "POST",
            "/api/v1/improvements/from-qa-review",
            team.supervisor,
            expect=404,
            review_id=987654,
        )

    async def test_sla_breach_pattern_row_becomes_an_item(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        ids = [await ticket(client, team.agent, utcnow(), "售后/退换货", n) for n in (1, 2)]
        other = await ticket(client, team.agent, utcnow(), "咨询", 3)
        async with db.transaction() as s:
            for t in [*ids, other]:
                s.add(SlaEvent(ticket_id=t, metric="first_reply", kind="breach", created_at=utcnow()))
            s.add(SlaEvent(ticket_id=ids[0], metric="first_reply", kind="warning", created_at=utcnow()))
        day = datetime.now(SH).date().isoformat()
        rows = (
            await call(
                client, "GET", f"/api/v1/improvements/sla-patterns?from={day}&to={day}", team.supervisor
            )
        )["items"]
        assert [(r["key"], r["count"]) for r in rows] == [
            ("first_reply|category:售后/退换货", 2),
            ("first_reply|category:咨询", 1),
        ]
        item = await call(
            client,
            "POST",
            "/api/v1/improvements/from-sla-pattern",
            team.supervisor,
            expect=201,
            key="first_reply|category:售后/退换货",
            start=day,
            end=day,
        )
        assert item["source"] == "sla" and sorted(item["ticket_ids"]) == sorted(ids)
        assert "售后/退换货" in item["title"] and "首次回复" in item["title"]
        await call(
            client,
            "POST",
            "/api/v1/improvements/from-sla-pattern",
            team.supervisor,
            expect=404,
            key="resolution|category:售后/退换货",
            start=day,
            end=day,
        )

    async def test_low_csat_reason_attributed_to_a_supplier(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        supplier = await call(
            client,
            "POST",
            "/api/v1/improvements/departments",
            team.supervisor,
            expect=201,
            name="顺丰速运",
            kind="supplier",
        )
        async with db.transaction() as s:
            customer = await make_customer(s, name="周小云")
            now = utcnow()
            survey = Survey(
                kind="csat",
                customer_id=customer.id,
                channel="email",
                token="t-low-1",
                dedupe_key="test:low:1",
                sent_at=now,
                expires_at=now + timedelta(days=7),
                answered_at=now,
                score=1,
                score_100=0,
                comment="快递员态度差还摔坏了包裹",
                answers={},
            )
            s.add(survey)
            await s.flush()
            survey_id = survey.id
        item = await call(
            client,
            "POST",
            "/api/v1/improvements/from-survey",
            team.supervisor,
            expect=201,
            survey_id=survey_id,
            department_id=supplier["id"],
        )
        assert (item["source"], item["department_name"]) == ("csat", "顺丰速运")
        assert "摔坏了包裹" in item["title"]
        await call(
            client, "POST", "/api/v1/improvements/from-survey", team.agent, expect=403, survey_id=survey_id
        )
