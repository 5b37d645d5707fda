"""Exams through the API on both backends: auto-grading and the pass mark, the retake limit,
the schedule window, short answers graded by a supervisor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import time_machine

from tests.training.conftest import Team, call, make_exam, right, take, wrong

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


class TestAutoGrading:
    async def test_choice_answers_are_graded_and_the_pass_mark_decides(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, max_attempts=3)
        failed = await take(client, team.agent, exam, wrong(exam))
        assert (failed["status"], failed["score"], failed["max_score"]) == ("graded", 1, 3)
        assert failed["percent"] == 33.33 and failed["passed"] is False
        passed = await take(client, team.agent, exam, right(exam))
        assert (passed["percent"], passed["passed"], passed["number"]) == (100.0, True, 2)
        # The agent sees the questions but never the right answers.
        assert "correct" not in passed["questions"][0]

    async def test_answers_to_other_questions_are_refused(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor)
        attempt = await call(
            client, "POST", f"/api/v1/training/exams/{exam['id']}/attempts", team.agent, expect=201
        )
        r = await call(
            client,
            "POST",
            f"/api/v1/training/attempts/{attempt['id']}/submit",
            team.agent,
            expect=422,
            answers={"999999": 1},
        )
        assert r["error"]["code"] == "invalid_answers"

    async def test_agents_cannot_build_exams(self, client: httpx.AsyncClient, team: Team) -> None:
        r = await call(client, "POST", "/api/v1/training/exams", team.agent, expect=403, name="x")
        assert r["error"]["code"] == "forbidden"


class TestRetakes:
    async def test_the_attempts_limit_is_kept_and_a_pass_ends_it(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, max_attempts=2)
        await take(client, team.agent, exam, wrong(exam))
        await take(client, team.agent, exam, wrong(exam))
        r = await call(
            client, "POST", f"/api/v1/training/exams/{exam['id']}/attempts", team.agent, expect=409
        )
        assert r["error"]["code"] == "no_attempts_left"
        mine = (await call(client, "GET", "/api/v1/training/me/exams", team.agent))["items"]
        assert (mine[0]["attempts_used"], mine[0]["attempts_left"], mine[0]["passed"]) == (2, 0, False)
        # Another agent passes and cannot start again.
        await take(client, team.agent2, exam, right(exam))
        r = await call(
            client, "POST", f"/api/v1/training/exams/{exam['id']}/attempts", team.agent2, expect=409
        )
        assert r["error"]["code"] == "exam_passed"

    async def test_starting_twice_resumes_the_open_attempt(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, max_attempts=1)
        path = f"/api/v1/training/exams/{exam['id']}/attempts"
        first = await call(client, "POST", path, team.agent, expect=201)
        again = await call(client, "POST", path, team.agent, expect=201)
        assert first["id"] == again["id"]


class TestSchedule:
    async def test_only_inside_the_window(self, client: httpx.AsyncClient, team: Team) -> None:
        exam = await make_exam(
            client,
            team.supervisor,
            name="12 月产品月考",
            available_from=NOW.isoformat(),
            available_until=(NOW + timedelta(days=3)).isoformat(),
        )
        path = f"/api/v1/training/exams/{exam['id']}/attempts"
        with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
            r = await call(client, "POST", path, team.agent, expect=409)
            assert r["error"]["code"] == "exam_not_open"
            mine = (await call(client, "GET", "/api/v1/training/me/exams", team.agent))["items"]
            assert mine[0]["window"] == "not_open"
        with time_machine.travel(NOW + timedelta(days=1), tick=False):
            attempt = await call(client, "POST", path, team.agent, expect=201)
        with time_machine.travel(NOW + timedelta(days=3), tick=False):
            r = await call(client, "POST", path, team.agent2, expect=409)
            assert r["error"]["code"] == "exam_closed"
            r = await call(
                client,
                "POST",
                f"/api/v1/training/attempts/{attempt['id']}/submit",
                team.agent,
                expect=409,
                answers=right(exam),
            )
            assert r["error"]["code"] == "exam_closed"

    async def test_a_window_that_closes_before_it_opens_is_refused(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        body = {"name": "x", "available_from": NOW.isoformat(), "available_until": NOW.isoformat()}
        await call(client, "POST", "/api/v1/training/exams", team.supervisor, expect=422, **body)


class TestShortAnswers:
    async def test_a_supervisor_grades_them_and_the_result_follows(
        self, client: httpx.AsyncClient, team: Team
    ) -> None:
        exam = await make_exam(client, team.supervisor, short=True, pass_mark=80)
        short_id = str(exam["question_ids"][2])
        answers = {**right(exam), short_id: "先倾听，再道歉，给出方案"}
        submitted = await take(client, team.agent, exam, answers)
        assert (submitted["status"], submitted["passed"], submitted["percent"]) == ("submitted", None, None)
        # While it waits, no new attempt.
        r = await call(
            client, "POST", f"/api/v1/training/exams/{exam['id']}/attempts", team.agent, expect=409
        )
        assert r["error"]["code"] == "attempt_pending"
        queue = (await call(client, "GET", "/api/v1/training/attempts?pending=true", team.supervisor))[
            "items"
        ]
        assert [a["id"] for a in queue] == [submitted["id"]]
        grade = f"/api/v1/training/attempts/{submitted['id']}/grade"
        r = await call(client, "POST", grade, team.agent, expect=403, marks={short_id: 2})
        r = await call(client, "POST", grade, team.supervisor, expect=422, marks={short_id: 3})
        assert r["error"]["code"] == "invalid_marks"
        r = await call(client, "POST", grade, team.supervisor, expect=422, marks={})
        graded = await call(
            client, "POST", grade, team.supervisor, marks={short_id: 1}, feedback="再具体一些"
        )
        # 3 + 1 of 5 points = 80 %: exactly the pass mark.
        assert (graded["status"], graded["percent"], graded["passed"]) == ("graded", 80.0, True)
        r = await call(client, "POST", grade, team.supervisor, expect=409, marks={short_id: 2})
        assert r["error"]["code"] == "attempt_not_pending"
