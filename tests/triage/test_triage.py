"""Automatic triage: a new ticket without a category gets one (and the plan's priority) from
its text; a weak guess is only a suggestion; agents' corrections teach the model."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models.user import Role
from kefu.triage import tasks as triage_tasks
from kefu.triage.classifier import TriageModel, priority_for, raises
from kefu.triage.service import triage_service
from tests.factories import bearer, make_group, staff_token


class TestClassifier:
    def test_unseen_fault_wording_is_an_urgent_after_sales_repair(self) -> None:
        model = TriageModel.train([], [])
        for text in ("我的耳机充不进电了", "手表进水后无法开机", "相机镜头起雾 故障"):
            guess = model.predict(text)
            assert guess.category == "售后/维修" and guess.priority == "urgent", text

    def test_priority_rules_only_raise(self) -> None:
        assert priority_for("投诉/物流") == "high" and priority_for("购买/发票") == ""
        assert raises("normal", "urgent") and not raises("urgent", "high") and not raises("low", "")

    def test_the_company_s_own_categories_are_learned(self) -> None:
        model = TriageModel.train(
            ["会员积分兑换失败", "积分兑换不了礼品", "兑换积分报错"] * 3, ["会员/积分"] * 9
        )
        assert model.predict("积分兑换礼品失败了").category == "会员/积分"


@pytest.fixture
async def agent(db: Database) -> str:
    async with db.transaction() as session:
        await make_group(session, name="默认组", is_default=True)
    _user, token = await staff_token(db, role=Role.ADMIN)
    return token


async def _ticket(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "求助",
        "description": "",
        "channel": "email",
        "requester": {"email": "a@example.cn"},
    }
    r = await client.post("/api/v1/tickets", json={**payload, **body}, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _triage(db: Database) -> None:
    """What the embedded worker does a few seconds after the ticket arrives."""
    triage_service.forget_model()
    worker = Worker(db, concurrency=1, lease_seconds=60)
    await worker.run_until_idle()
    await triage_service.classify_pending(db)  # whatever the periodic slot has not reached


class TestTriageOfNewTickets:
    async def test_a_burst_larger_than_a_batch_is_triaged_in_one_job_run(
        self, db: Database, client: httpx.AsyncClient, agent: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A burst used to be triaged one batch per periodic check (3 s), so triage fell
        behind busy hours; the job now drains the backlog batch after batch."""
        monkeypatch.setattr(triage_service, "batch", 3)
        ids = [
            (await _ticket(client, agent, subject=f"耳机充不进电了 {i}", description="左耳充不进电"))["id"]
            for i in range(8)
        ]
        triage_service.forget_model()
        async with db.transaction() as session:
            await jobs.enqueue(session, triage_tasks.CLASSIFY_JOB, {})
        worker = Worker(db, concurrency=1, lease_seconds=60)
        await worker.run_until_idle()
        for ticket_id in ids:
            r = await client.get(f"/api/v1/tickets/{ticket_id}/triage", headers=bearer(agent))
            assert r.status_code == 200, (ticket_id, r.text)

    async def test_no_second_classify_run_is_queued_while_one_runs(
        self, db: Database, client: httpx.AsyncClient, agent: str
    ) -> None:
        """Two runs at once classified the same tickets, and one failed on the duplicate
        triage row (its work lost, retried later)."""
        await _ticket(client, agent, subject="耳机充不进电了", description="左耳充不进电")
        running = Worker(db, concurrency=1, lease_seconds=60)
        await running.run_until_idle()  # the ticket's own jobs
        async with db.transaction() as session:
            await jobs.enqueue(session, triage_tasks.CLASSIFY_JOB, {})
        assert len(await running.claim(1)) == 1  # claimed: running, not done yet
        async with db.transaction() as session:
            await triage_tasks.check(session, {})
        async with db.session() as session:
            assert not await jobs.is_queued(session, triage_tasks.CLASSIFY_JOB)

    async def test_fault_ticket_gets_category_and_urgent_priority(
        self, db: Database, client: httpx.AsyncClient, agent: str
    ) -> None:
        fault = await _ticket(
            client, agent, subject="耳机充不进电了", description="买了两个月，左耳完全充不进电"
        )
        set_by_hand = await _ticket(client, agent, subject="发票问题", category="购买/发票")
        await _triage(db)
        t = (await client.get(f"/api/v1/tickets/{fault['id']}", headers=bearer(agent))).json()
        assert (t["category"], t["priority"]) == ("售后/维修", "urgent")
        r = await client.get(f"/api/v1/tickets/{fault['id']}/triage", headers=bearer(agent))
        assert r.status_code == 200 and r.json()["applied"] is True
        # A category someone chose is never second-guessed.
        r = await client.get(f"/api/v1/tickets/{set_by_hand['id']}/triage", headers=bearer(agent))
        assert r.status_code == 404 and r.json()["error"]["code"] == "triage_not_found"
        t2 = (await client.get(f"/api/v1/tickets/{set_by_hand['id']}", headers=bearer(agent))).json()
        assert (t2["category"], t2["priority"]) == ("购买/发票", "normal")

    async def test_a_weak_guess_is_only_a_suggestion(
        self, db: Database, client: httpx.AsyncClient, agent: str
    ) -> None:
        vague = await _ticket(client, agent, subject="你好", description="在吗")
        await _triage(db)
        t = (await client.get(f"/api/v1/tickets/{vague['id']}", headers=bearer(agent))).json()
        assert t["category"] == "" and t["priority"] == "normal"
        r = (await client.get(f"/api/v1/tickets/{vague['id']}/triage", headers=bearer(agent))).json()
        assert r["applied"] is False and r["category"] and r["confidence"] < 0.45

    async def test_corrections_teach_the_model(
        self, db: Database, client: httpx.AsyncClient, agent: str
    ) -> None:
        # Agents file a new kind of request under a category of their own several times.
        r = await client.post("/api/v1/ticket-categories", json={"path": "会员/积分"}, headers=bearer(agent))
        assert r.status_code in (200, 201), r.text
        for text in ("会员积分兑换失败", "积分兑换不了礼品", "兑换积分一直报错", "积分商城兑换失败"):
            await _ticket(client, agent, subject=text, category="会员/积分")
        new = await _ticket(client, agent, subject="积分兑换礼品失败了")
        await _triage(db)
        r = (await client.get(f"/api/v1/tickets/{new['id']}/triage", headers=bearer(agent))).json()
        assert r["category"] == "会员/积分"

    async def test_agents_outside_the_ticket_s_group_cannot_read_its_triage(
        self, db: Database, client: httpx.AsyncClient, agent: str
    ) -> None:
        t = await _ticket(client, agent, subject="屏幕碎了要维修")
        async with db.transaction() as session:
            other_group = await make_group(session, name="别的组")
        _u, outsider = await staff_token(db, role=Role.AGENT, group_ids=[other_group.id])
        r = await client.get(f"/api/v1/tickets/{t['id']}/triage", headers=bearer(outsider))
        assert r.status_code == 404
        r = await client.get("/api/v1/tickets/99999999999999999999/triage", headers=bearer(agent))
        assert r.status_code == 422


class TestTicketPage:
    async def test_agent_sees_a_weak_guess_preselected_and_saving_keeps_a_set_category(
        self, db: Database, client: httpx.AsyncClient, agent: str
    ) -> None:
        from tests.web.admin.cases import HTML, csrf, login

        vague = await _ticket(client, agent, subject="你好", description="在吗")
        known = await _ticket(client, agent, subject="发票", category="购买/发票")
        await _triage(db)
        await login(client, db, Role.ADMIN)
        page = await client.get(f"/agent/tickets/{vague['id']}", headers=HTML)
        assert page.status_code == 200 and 'data-testid="triage-suggestion"' in page.text
        assert "建议分类" in page.text
        page = await client.get(f"/agent/tickets/{known['id']}", headers=HTML)
        assert 'value="购买/发票" selected' in page.text
        form = {"csrf_token": csrf(page.text), "status": "open", "priority": "high", "category": "购买/发票"}
        r = await client.post(f"/agent/tickets/{known['id']}/properties", data=form)
        assert r.status_code == 303
        t = (await client.get(f"/api/v1/tickets/{known['id']}", headers=bearer(agent))).json()
        assert (t["category"], t["priority"]) == ("购买/发票", "high")
