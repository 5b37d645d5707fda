"""The training dashboard (both backends): per agent, paths, exams, latest score, QA and CSAT
averages from a small fixture with known figures; the team's coverage and pass rate; the page
shows them formatted; agents may not open it."""

from __future__ import annotations

from datetime import timedelta

import httpx

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import QaInspection, QaReview, Survey
from kefu.models.user import Role
from tests.factories import bearer, make_ticket
from tests.training.conftest import Team, call, make_exam, right, take, wrong
from tests.web.admin.cases import HTML, login


async def fixture(db: Database, client: httpx.AsyncClient, team: Team) -> None:
    """陈静 (agent) finishes the two-step path, passes the exam (100 %), QA 80 and 90, CSAT 5
    and 4. 刘洋 (agent2) does one step, fails (33.3 %), no QA, CSAT 2."""
    path = await call(
        client, "POST", "/api/v1/training/paths", team.supervisor, expect=201, name="新员工入职"
    )
    steps = [
        (
            await call(
                client,
                "POST",
                f"/api/v1/training/paths/{path['id']}/items",
                team.supervisor,
                expect=201,
                kind="video",
                url=f"https://video.example.cn/{n}",
                title=f"第{n}课",
            )
        )["id"]
        for n in (1, 2)
    ]
    for s in steps:
        r = await client.put(f"/api/v1/training/items/{s}/done", headers=bearer(team.agent))
        assert r.status_code == 204
    r = await client.put(f"/api/v1/training/items/{steps[0]}/done", headers=bearer(team.agent2))
    assert r.status_code == 204
    exam = await make_exam(client, team.supervisor)
    await take(client, team.agent, exam, right(exam))
    await take(client, team.agent2, exam, wrong(exam))
    now = utcnow()
    async with db.transaction() as s:
        for total in (80, 90):
            t = await make_ticket(s)
            insp = QaInspection(ticket_id=t.id, agent_id=team.agent_id, score=70, findings=[])
            s.add(insp)
            await s.flush()
            s.add(QaReview(inspection_id=insp.id, agent_id=team.agent_id, status="reviewed", total=total))
        # A pending sample (no total yet) does not count.
        t = await make_ticket(s)
        insp = QaInspection(ticket_id=t.id, agent_id=team.agent2_id, score=40, findings=[])
        s.add(insp)
        await s.flush()
        s.add(QaReview(inspection_id=insp.id, agent_id=team.agent2_id, status="pending"))
        for n, (agent, score) in enumerate(((team.agent_id, 5), (team.agent_id, 4), (team.agent2_id, 2))):
            s.add(
                Survey(
                    kind="csat",
                    channel="email",
                    token=f"dash-{n}",
                    dedupe_key=f"dash:{n}",
                    agent_id=agent,
                    sent_at=now,
                    expires_at=now + timedelta(days=7),
                    answered_at=now,
                    score=score,
                    score_100=(score - 1) * 25,
                    comment="",
                    answers={},
                )
            )
        s.add(
            Survey(
                kind="csat",
                channel="email",
                token="dash-open",
                dedupe_key="dash:open",
                agent_id=team.agent_id,
                sent_at=now,
                expires_at=now + timedelta(days=7),
                comment="",
                answers={},
            )
        )


class TestDashboard:
    async def test_figures_per_agent_and_for_the_team(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        await fixture(db, client, team)
        d = await call(client, "GET", "/api/v1/training/dashboard", team.supervisor)
        rows = {r["name"]: r for r in d["agents"]}
        assert set(rows) == {"陈静", "刘洋"}  # agents only
        chen, liu = rows["陈静"], rows["刘洋"]
        assert (chen["paths_assigned"], chen["paths_completed"], chen["exams_passed"]) == (1, 1, 1)
        assert (chen["latest_score"], chen["latest_exam"]) == (100.0, "售后维修认证")
        assert (chen["qa_average"], chen["qa_reviews"], chen["csat_average"], chen["csat_answers"]) == (
            85.0,
            2,
            4.5,
            2,
        )
        assert (liu["paths_assigned"], liu["paths_completed"], liu["exams_passed"]) == (1, 0, 0)
        assert (liu["latest_score"], liu["qa_average"], liu["csat_average"]) == (33.3, None, 2.0)
        assert (d["coverage"], d["covered"], d["with_paths"]) == (0.5, 1, 2)
        assert (d["pass_rate"], d["passed"], d["expected"]) == (0.5, 1, 2)
        await call(client, "GET", "/api/v1/training/dashboard", team.agent, expect=403)

    async def test_the_page_shows_the_figures_formatted(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        await fixture(db, client, team)
        await login(client, db, Role.SUPERVISOR)
        page = await client.get("/training/dashboard", headers=HTML)
        assert page.status_code == 200
        text = page.text
        assert 'data-testid="coverage">50%<' in text and 'data-testid="pass-rate">50%<' in text
        chen = text.split(f'data-user="{team.agent_id}"')[1].split("</tr>")[0]
        assert ">1 / 1<" in chen and ">85 <" in chen and ">4.5 <" in chen and "售后维修认证" in chen
        liu = text.split(f'data-user="{team.agent2_id}"')[1].split("</tr>")[0]
        assert ">0 / 1<" in liu and ">33.3 <" in liu and ">2 <" in liu and 'data-col="qa">—<' in liu
        assert "培训看板" in text
