"""Learning paths, progress, mentors' sign-off, the pass-rate report and the anonymised case
library through the API (both backends)."""

from __future__ import annotations

import httpx

from kefu.kit.db import Database
from tests.factories import make_ticket
from tests.training.conftest import Team, call, make_exam, right, take, wrong


async def _path(client: httpx.AsyncClient, team: Team) -> tuple[dict, list[int]]:  # type: ignore[type-arg]
    article = await call(
        client,
        "POST",
        "/api/v1/kb/articles",
        team.supervisor,
        expect=201,
        title="寄修流程（内部）",
        body="1. 登记序列号",
        visibility="internal",
        status="published",
    )
    path = await call(
        client,
        "POST",
        "/api/v1/training/paths",
        team.supervisor,
        expect=201,
        name="新员工入职",
        level="new_hire",
    )
    items = [
        await call(
            client,
            "POST",
            f"/api/v1/training/paths/{path['id']}/items",
            team.supervisor,
            expect=201,
            kind="article",
            article_id=article["id"],
        ),
        await call(
            client,
            "POST",
            f"/api/v1/training/paths/{path['id']}/items",
            team.supervisor,
            expect=201,
            kind="video",
            title="上门服务礼仪",
            url="https://video.example.cn/2",
        ),
    ]
    assert items[0]["title"] == "寄修流程（内部）"
    return path, [i["id"] for i in items]


class TestPathsAndProgress:
    async def test_an_agent_marks_steps_done_and_sees_the_progress(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        _path_out, items = await _path(client, team)
        await call(client, "POST", "/api/v1/training/paths", team.agent, expect=403, name="x")
        await call(client, "PUT", f"/api/v1/training/items/{items[0]}/done", team.agent, expect=204)
        await call(
            client, "PUT", f"/api/v1/training/items/{items[0]}/done", team.agent, expect=204
        )  # idempotent
        mine = (await call(client, "GET", "/api/v1/training/me/paths", team.agent))["items"]
        assert [(p["name"], p["done"], p["total"]) for p in mine] == [("新员工入职", 1, 2)]
        other = (await call(client, "GET", "/api/v1/training/me/paths", team.agent2))["items"]
        assert other[0]["done"] == 0  # progress is per agent
        await call(client, "DELETE", f"/api/v1/training/items/{items[0]}/done", team.agent, expect=204)
        assert (await call(client, "GET", "/api/v1/training/me/paths", team.agent))["items"][0]["done"] == 0

    async def test_a_video_step_needs_a_link(self, client: httpx.AsyncClient, team: Team) -> None:
        path = await call(client, "POST", "/api/v1/training/paths", team.supervisor, expect=201, name="进阶")
        await call(
            client,
            "POST",
            f"/api/v1/training/paths/{path['id']}/items",
            team.supervisor,
            expect=422,
            kind="video",
            title="x",
            url="javascript:alert(1)",
        )


class TestMentorSignOff:
    async def test_the_mentor_signs_off_once_every_step_is_done(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        path, items = await _path(client, team)
        body = {"mentee_id": team.agent_id, "mentor_id": team.agent2_id, "path_id": path["id"]}
        await call(client, "POST", "/api/v1/training/mentorships", team.agent, expect=403, **body)
        m = await call(client, "POST", "/api/v1/training/mentorships", team.supervisor, expect=201, **body)
        await call(client, "POST", "/api/v1/training/mentorships", team.supervisor, expect=409, **body)
        sign = f"/api/v1/training/mentorships/{m['id']}/sign-off"
        r = await call(client, "POST", sign, team.agent2, expect=409)
        assert r["error"]["code"] == "path_not_finished"
        for item in items:
            await call(client, "PUT", f"/api/v1/training/items/{item}/done", team.agent, expect=204)
        await call(client, "POST", sign, team.agent, expect=404)  # the new hire cannot sign herself off
        done = await call(client, "POST", sign, team.agent2, note="掌握扎实")
        assert done["signed_off_at"] is not None and (done["done"], done["total"]) == (2, 2)
        mine = (await call(client, "GET", "/api/v1/training/me/paths", team.agent))["items"][0]
        assert mine["signed_off"] is True and mine["mentor_name"] == "刘洋"


class TestPassRateReport:
    async def test_pass_rate_per_exam_and_group_and_who_has_not_passed(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, group_id=team.group_id)
        await take(client, team.agent, exam, right(exam))
        await take(client, team.agent2, exam, wrong(exam))
        await call(client, "GET", "/api/v1/training/report", team.agent, expect=403)
        report = await call(client, "GET", "/api/v1/training/report", team.supervisor)
        (row,) = report["exams"]
        assert (row["expected"], row["passed"], row["rate"], row["goal_met"]) == (2, 1, 0.5, False)
        assert [p["name"] for p in row["not_passed"]] == ["刘洋"]
        assert [(g["group_name"], g["rate"]) for g in row["groups"]] == [("售后维修", 0.5)]
        assert [(g["group_name"], g["expected"], g["passed"]) for g in report["groups"]] == [
            ("售后维修", 2, 1)
        ]
        await take(client, team.agent2, exam, right(exam))
        row = (await call(client, "GET", "/api/v1/training/report", team.supervisor))["exams"][0]
        assert (row["rate"], row["goal_met"], row["not_passed"]) == (1.0, True, [])


class TestCaseLibrary:
    async def test_a_case_shows_the_ticket_with_the_customer_anonymised(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        async with db.transaction() as s:
            from kefu.ticket.schemas import Requester

            ticket = await make_ticket(
                s,
                subject="周小云的耳机维修",
                description="我是周小云，电话 13800138000",
                requester=Requester(name="周小云", email="zhou@example.cn"),
            )
        await call(
            client,
            "POST",
            f"/api/v1/tickets/{ticket.id}/comments",
            team.supervisor,
            body="周小云您好，已为您登记寄修",
            public=True,
        )
        body = {
            "title": "耳机寄修沟通",
            "month": "2026-12",
            "ticket_id": ticket.id,
            "summary": "周小云很满意",
        }
        await call(client, "POST", "/api/v1/training/cases", team.agent, expect=403, **body)
        await call(
            client, "POST", "/api/v1/training/cases", team.supervisor, expect=422, title="x", month="2026-13"
        )
        case = await call(client, "POST", "/api/v1/training/cases", team.supervisor, expect=201, **body)
        view = await call(client, "GET", f"/api/v1/training/cases/{case['id']}", team.agent)
        text = (
            view["subject"]
            + view["summary"]
            + " ".join(line["text"] + line["author"] for line in view["lines"])
        )
        assert "周小云" not in text and "周**" in text
        assert "13800138000" not in text
        await call(
            client,
            "POST",
            f"/api/v1/training/cases/{case['id']}/notes",
            team.agent,
            expect=201,
            body="先致歉再给方案",
        )
        view = await call(client, "GET", f"/api/v1/training/cases/{case['id']}", team.supervisor)
        assert [(n["author_name"], n["body"]) for n in view["notes"]] == [("陈静", "先致歉再给方案")]
