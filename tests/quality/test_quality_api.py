"""Quality inspection end to end (both backends): a closed chat gets its automatic score;
a low one is sampled; the supervisor scores it; the agent sees it and disputes once; the
supervisor resolves; rules are configurable; bad input is refused."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from kefu.config import current_settings
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, staff_token
from tests.survey.helpers import Env, run_jobs, setup


async def closed_chat(db: Database, client: httpx.AsyncClient, env: Env, *agent_lines: str) -> int:
    await client.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=env.agent)
    r = await client.post("/api/v1/widget/sessions", json={"name": "王芳", "email": "wf@example.cn"})
    chat = bearer(r.json()["session_token"])
    conv_id = int(r.json()["conversation_id"])
    for text in ("我的快递丢了", "转人工"):
        await client.post(
            "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
        )
    await run_jobs(db)
    for line in agent_lines:
        r = await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            json={"client_id": str(uuid.uuid4()), "text": line},
            headers=env.agent,
        )
        assert r.status_code == 200, r.text
    await client.post(f"/api/v1/conversations/{conv_id}/close", json={}, headers=env.agent)
    await run_jobs(db)
    return conv_id


async def inspection_of(client: httpx.AsyncClient, env: Env, conv_id: int) -> dict[str, Any]:
    items = (await client.get("/api/v1/quality/inspections", headers=env.supervisor)).json()["items"]
    return next(i for i in items if i["conversation_id"] == conv_id)


class TestAutomaticInspection:
    async def test_rude_chat_scores_low_and_is_sampled(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        conv_id = await closed_chat(db, client, env, "不知道，没办法")
        i = await inspection_of(client, env, conv_id)
        by_kind = {f["kind"]: f for f in i["findings"]}
        assert by_kind["greeting"]["passed"] is False and by_kind["forbidden"]["passed"] is False
        assert i["agent_id"] == env.agent_id and i["score"] < 60
        reviews = (await client.get("/api/v1/quality/reviews?status=pending", headers=env.supervisor)).json()[
            "items"
        ]
        assert [(r["inspection_id"], r["sample_reason"]) for r in reviews] == [(i["id"], "low_auto_score")]
        # The agent sees the automatic score of their own chat, not the pending sample.
        mine = (await client.get("/api/v1/quality/inspections", headers=env.agent)).json()["items"]
        assert [m["id"] for m in mine] == [i["id"]]
        assert (await client.get("/api/v1/quality/reviews/mine", headers=env.agent)).json()["items"] == []

    async def test_polite_chat_scores_well_and_admin_rules_apply(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        rules = (await client.get("/api/v1/quality/rules", headers=env.admin)).json()["items"]
        emotion = next(r for r in rules if r["kind"] == "emotion")
        r = await client.patch(
            f"/api/v1/quality/rules/{emotion['id']}", json={"active": False}, headers=env.admin
        )
        assert r.status_code == 200 and r.json()["active"] is False
        settings = current_settings()
        old = settings.qa_sample_percent
        settings.qa_sample_percent = 0.0  # no random sample in this test
        try:
            conv_id = await closed_chat(db, client, env, "您好，已为您登记补发", "还有其他可以帮您的吗？")
        finally:
            settings.qa_sample_percent = old
        i = await inspection_of(client, env, conv_id)
        assert "emotion" not in [f["kind"] for f in i["findings"]]  # switched off by the admin
        failed = [f["kind"] for f in i["findings"] if f["applicable"] and not f["passed"]]
        assert failed == ["resolution"]  # the customer never confirmed
        assert i["score"] == 80  # 60 of 75 applicable points (hand-off context: nothing recorded)
        reviews = (await client.get("/api/v1/quality/reviews", headers=env.supervisor)).json()["items"]
        assert [
            r["sample_reason"] for r in reviews if r["sample_reason"] in ("low_auto_score", "random")
        ] == []

        rules = (await client.get("/api/v1/quality/rules", headers=env.admin)).json()["items"]
        resolution = next(r for r in rules if r["kind"] == "resolution")
        r = await client.patch(
            f"/api/v1/quality/rules/{resolution['id']}", json={"weight": 0}, headers=env.admin
        )
        assert r.status_code == 200 and r.json()["weight"] == 0
        # Supervisors read rules but do not change them; bad config is refused.
        assert (
            await client.patch(
                f"/api/v1/quality/rules/{resolution['id']}", json={"weight": 5}, headers=env.supervisor
            )
        ).status_code == 403
        forbidden = next(r for r in rules if r["kind"] == "forbidden")
        bad = await client.patch(
            f"/api/v1/quality/rules/{forbidden['id']}", json={"config": {"words": "滚"}}, headers=env.admin
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_config"
        assert (
            await client.patch(
                f"/api/v1/quality/rules/{forbidden['id']}", json={"weight": 101}, headers=env.admin
            )
        ).status_code == 422


class TestReviewAndDispute:
    async def test_score_dispute_once_resolve(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        conv_id = await closed_chat(db, client, env, "不知道")
        (review,) = (
            await client.get("/api/v1/quality/reviews?status=pending", headers=env.supervisor)
        ).json()["items"]
        rid = review["id"]
        url = f"/api/v1/quality/reviews/{rid}"

        # Bad scorecards: missing criterion, out of range, unknown criterion; agents may not score.
        for scores in ({"attitude": 50}, {"attitude": 50, "accuracy": 101, "process": 1}, {"x": 1}):
            r = await client.post(f"{url}/score", json={"scores": scores}, headers=env.supervisor)
            assert r.status_code == 422 and r.json()["error"]["code"] == "bad_scores", scores
        assert (await client.post(f"{url}/score", json={"scores": {}}, headers=env.agent)).status_code == 403
        # Before scoring, the agent cannot dispute (and does not even see the sample).
        assert (
            await client.post(f"{url}/dispute", json={"reason": "不服"}, headers=env.agent)
        ).status_code == 404

        scores = {"attitude": 40, "accuracy": 60, "process": 50}
        r = await client.post(
            f"{url}/score", json={"scores": scores, "comment": "用语生硬"}, headers=env.supervisor
        )
        assert r.status_code == 200 and r.json()["total"] == 51 and r.json()["status"] == "reviewed"

        mine = (await client.get("/api/v1/quality/reviews/mine", headers=env.agent)).json()["items"]
        assert [(m["id"], m["total"], m["comment"], m["conversation_id"]) for m in mine] == [
            (rid, 51, "用语生硬", conv_id)
        ]
        _other, other_token = await staff_token(db, role=Role.AGENT, name="别人")
        assert (
            await client.post(f"{url}/dispute", json={"reason": "x"}, headers=bearer(other_token))
        ).status_code == 404
        assert (
            await client.post(f"{url}/dispute", json={"reason": ""}, headers=env.agent)
        ).status_code == 422

        r = await client.post(f"{url}/dispute", json={"reason": "客户先骂人，我已尽力"}, headers=env.agent)
        assert r.status_code == 200 and r.json()["status"] == "disputed"
        r = await client.post(f"{url}/dispute", json={"reason": "再申诉"}, headers=env.agent)
        assert r.status_code == 409 and r.json()["error"]["code"] == "already_disputed"
        # Under dispute the score is frozen until the supervisor resolves.
        r = await client.post(f"{url}/score", json={"scores": scores}, headers=env.supervisor)
        assert r.status_code == 409

        r = await client.post(
            f"{url}/resolve",
            json={"resolution": "申诉部分成立，态度分上调", "scores": {**scores, "attitude": 80}},
            headers=env.supervisor,
        )
        assert r.status_code == 200
        body = r.json()
        assert (body["status"], body["total"], body["resolution"]) == (
            "resolved",
            63,
            "申诉部分成立，态度分上调",
        )
        assert (
            await client.post(f"{url}/resolve", json={"resolution": "again"}, headers=env.supervisor)
        ).status_code == 409
        r = await client.post(f"{url}/dispute", json={"reason": "还是不服"}, headers=env.agent)
        assert r.status_code == 409  # once only, even after the resolution

    async def test_low_csat_samples_a_good_chat(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await setup(db)
        settings = current_settings()
        old = settings.qa_sample_percent
        settings.qa_sample_percent = 0.0
        try:
            await client.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=env.agent)
            r = await client.post("/api/v1/widget/sessions", json={"name": "王芳", "email": "wf@example.cn"})
            chat = bearer(r.json()["session_token"])
            conv_id = int(r.json()["conversation_id"])
            await client.post(
                "/api/v1/widget/messages", json={"client_id": "a1", "text": "转人工"}, headers=chat
            )
            await run_jobs(db)
            for line in ("您好，请讲", "还有其他问题吗？"):
                await client.post(
                    f"/api/v1/conversations/{conv_id}/messages",
                    json={"client_id": str(uuid.uuid4()), "text": line},
                    headers=env.agent,
                )
            await client.post(f"/api/v1/conversations/{conv_id}/close", json={}, headers=env.agent)
            await run_jobs(db)
            assert (await client.get("/api/v1/quality/reviews", headers=env.supervisor)).json()["items"] == []
            await client.post("/api/v1/widget/rating", json={"score": 1}, headers=chat)
            await run_jobs(db)
        finally:
            settings.qa_sample_percent = old
        reviews = (await client.get("/api/v1/quality/reviews", headers=env.supervisor)).json()["items"]
        assert [(r["conversation_id"], r["sample_reason"]) for r in reviews] == [(conv_id, "low_csat")]


class TestTicketInspection:
    async def test_solved_ticket_is_scored_and_a_reopen_deducts_resolution(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        r = await client.post(
            "/api/v1/tickets",
            headers=env.agent,
            json={
                "subject": "发票抬头错了",
                "description": "请帮我重开发票",
                "channel": "email",
                "requester": {"name": "王芳", "email": "wf@example.cn"},
                "group_id": env.group_id,
                "assignee_id": env.agent_id,
            },
        )
        tid = r.json()["id"]
        await client.post(
            f"/api/v1/tickets/{tid}/comments",
            headers=env.agent,
            json={"body": "您好，已为您重开发票，还有其他问题吗？", "public": True},
        )
        await client.patch(f"/api/v1/tickets/{tid}", headers=env.agent, json={"status": "solved"})
        await run_jobs(db)
        items = (await client.get("/api/v1/quality/inspections", headers=env.supervisor)).json()["items"]
        (i,) = [x for x in items if x["ticket_id"] == tid]
        by_kind = {f["kind"]: f for f in i["findings"]}
        assert by_kind["greeting"]["passed"] and by_kind["closing"]["passed"]
        assert by_kind["resolution"]["passed"] and i["agent_id"] == env.agent_id

        await client.patch(f"/api/v1/tickets/{tid}", headers=env.agent, json={"status": "open"})
        await run_jobs(db)
        again = (await client.get(f"/api/v1/quality/inspections/{i['id']}", headers=env.supervisor)).json()
        assert {f["kind"]: f for f in again["findings"]}["resolution"]["passed"] is False
        assert again["score"] < i["score"]
        # Another agent cannot read it; unknown ids are 404.
        _other, other = await staff_token(db, role=Role.AGENT, name="别人")
        assert (
            await client.get(f"/api/v1/quality/inspections/{i['id']}", headers=bearer(other))
        ).status_code == 404
        assert (
            await client.get("/api/v1/quality/inspections/999999", headers=env.supervisor)
        ).status_code == 404
