"""The pages in Chinese (both backends): 我的学习 with progress and mark-done, taking an exam in
the form, the grading queue, certificates, the pass-rate report, the case library."""

from __future__ import annotations

import re

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.training.conftest import Team, call, make_exam
from tests.web.admin.cases import HTML, RAW, csrf, login


def _no_codes(html: str) -> None:
    html = html[html.find("<main") : html.find("</main>")]
    for pattern in RAW:
        assert not pattern.search(html), pattern.pattern
    for code in ("new_hire", "training_level", "training_question", "training_attempt", "skill_needs"):
        assert not re.search(rf">[^<]*{code}[^<]*<", html), code


class TestMyLearningPage:
    async def test_an_agent_learns_and_takes_an_exam_in_the_pages(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        path = await call(
            client, "POST", "/api/v1/training/paths", team.supervisor, expect=201, name="新员工入职"
        )
        video = {"kind": "video", "title": "售后流程讲解", "url": "https://video.example.cn/1"}
        item = await call(
            client, "POST", f"/api/v1/training/paths/{path['id']}/items", team.supervisor, expect=201, **video
        )
        exam = await make_exam(client, team.supervisor, grants_skill="售后维修")
        await login(client, db, Role.AGENT)
        page = await client.get("/training", headers=HTML)
        assert page.status_code == 200
        assert (
            "我的学习" in page.text
            and "新员工入职" in page.text
            and "0/1" in page.text
            and "新员工入职" in page.text
        )
        _no_codes(page.text)
        r = await client.post(
            f"/training/items/{item['id']}/done", data={"done": "1", "csrf_token": csrf(page.text)}
        )
        assert r.status_code == 303
        page = await client.get("/training", headers=HTML)
        assert "1/1" in page.text and 'data-done="yes"' in page.text
        r = await client.post(f"/training/exams/{exam['id']}/start", data={"csrf_token": csrf(page.text)})
        assert r.status_code == 303
        form_page = await client.get(r.headers["location"], headers=HTML)
        assert "单选题" in form_page.text and "手机进水后第一步？" in form_page.text
        q1, q2 = exam["question_ids"]
        r = await client.post(
            r.headers["location"] + "/submit",
            data={"csrf_token": csrf(form_page.text), f"q_{q1}": "1", f"q_{q2}": ["0", "1"]},
        )
        assert r.status_code == 303
        result = await client.get(r.headers["location"], headers=HTML)
        assert 'data-passed="yes"' in result.text and "售后维修" in result.text and "恭喜通过" in result.text
        _no_codes(result.text)


class TestSupervisorPages:
    async def test_grading_certificates_report_and_cases_render_in_chinese(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, short=True)
        attempt = await call(
            client, "POST", f"/api/v1/training/exams/{exam['id']}/attempts", team.agent, expect=201
        )
        short = str(exam["question_ids"][2])
        await call(
            client,
            "POST",
            f"/api/v1/training/attempts/{attempt['id']}/submit",
            team.agent,
            answers={short: "先倾听"},
        )
        await login(client, db, Role.SUPERVISOR)
        grading = await client.get("/training/grading", headers=HTML)
        assert grading.status_code == 200 and "先倾听" in grading.text and "陈静" in grading.text
        r = await client.post(
            f"/training/attempts/{attempt['id']}/grade",
            data={f"m_{short}": "2", "feedback": "很好", "csrf_token": csrf(grading.text)},
        )
        assert r.status_code == 303
        for url, words in (
            ("/training/report", ["考核通过率", "售后维修认证", "刘洋"]),
            ("/training/certificates", ["认证证书"]),
            ("/training/cases", ["案例库", "添加案例"]),
            ("/admin/training-paths", ["学习路径"]),
            ("/admin/training-exams", ["售后维修认证", "80%"]),
            ("/admin/training-questions", ["简答题"]),
            ("/admin/training-steps", ["学习内容"]),
            ("/admin/training-mentors", ["带教导师"]),
        ):
            page = await client.get(url, headers=HTML)
            assert page.status_code == 200, (url, page.text[-1500:])
            for word in words:
                assert word in page.text, (url, word)
            _no_codes(page.text)

    async def test_agents_cannot_open_the_supervisor_pages(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.AGENT)
        for url in (
            "/training/grading",
            "/training/report",
            "/training/certificates",
            "/admin/training-exams",
        ):
            assert (await client.get(url, headers=HTML)).status_code == 403, url
