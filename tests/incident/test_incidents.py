"""Major-incident mode through the REST API: declare, banner, automatic linking, one notice
to every linked customer, and the resolution cascade (both backends)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.worker import Worker
from tests.factories import bearer, customer_token, make_group, staff_token


@pytest.fixture
async def team(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        group = await make_group(s, name="售后服务", is_default=True)
    _agent, agent = await staff_token(db, role=Role.AGENT, name="李小青", group_ids=[group.id])
    _sup, sup = await staff_token(db, role=Role.SUPERVISOR, name="王主管")
    _admin, admin = await staff_token(db, role=Role.ADMIN, name="管理员")
    async with db.transaction() as s:
        sales = await make_group(s, name="售前咨询")
    _out, outsider = await staff_token(db, role=Role.AGENT, name="陈静", group_ids=[sales.id])
    return {"agent": bearer(agent), "sup": bearer(sup), "admin": bearer(admin), "outsider": bearer(outsider)}


async def declare(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    payload = {"title": "支付通道故障", "severity": "P1", "keywords": ["支付", "付款"], **body}
    r = await client.post("/api/v1/incidents", json=payload, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def new_ticket(client: httpx.AsyncClient, headers: dict[str, str], subject: str, text: str) -> int:
    r = await client.post("/api/v1/tickets", json={"subject": subject, "description": text}, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def ticket(client: httpx.AsyncClient, headers: dict[str, str], tid: int) -> dict[str, Any]:
    r = await client.get(f"/api/v1/tickets/{tid}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def public_comments(client: httpx.AsyncClient, headers: dict[str, str], tid: int) -> list[str]:
    r = await client.get(f"/api/v1/tickets/{tid}/comments", headers=headers)
    assert r.status_code == 200, r.text
    return [c["body"] for c in r.json()["items"] if c["public"]]


class TestDeclare:
    async def test_a_supervisor_declares_and_a_master_problem_ticket_exists(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        out = await declare(client, team["sup"])
        assert set(out) >= {"id", "problem_ticket_id"}
        master = await ticket(client, team["sup"], out["problem_ticket_id"])
        assert master["type"] == "problem"
        assert master["priority"] == "urgent"
        assert "支付通道故障" in master["subject"]
        listed = (await client.get("/api/v1/incidents", headers=team["agent"])).json()["items"]
        assert [(i["id"], i["status"], i["keywords"]) for i in listed] == [
            (out["id"], "open", ["支付", "付款"])
        ]

    async def test_an_agent_may_not_declare(self, client: httpx.AsyncClient, team: dict[str, Any]) -> None:
        r = await client.post(
            "/api/v1/incidents", json={"title": "x", "severity": "P1", "keywords": []}, headers=team["agent"]
        )
        assert r.status_code == 403
        assert r.json()["error"]["code"]

    @pytest.mark.parametrize(
        "body",
        [
            {"title": "支付故障", "severity": "P5", "keywords": []},
            {"title": "", "severity": "P1", "keywords": []},
            {"title": "支付故障", "severity": "P1", "keywords": "支付"},
            {"title": "支付故障", "severity": "P1", "keywords": [], "extra": 1},
            {"severity": "P1", "keywords": []},
        ],
    )
    async def test_bad_input_is_a_422_envelope(
        self, client: httpx.AsyncClient, team: dict[str, Any], body: dict[str, Any]
    ) -> None:
        r = await client.post("/api/v1/incidents", json=body, headers=team["sup"])
        assert r.status_code == 422, r.text
        assert set(r.json()["error"]) >= {"code", "message"}

    async def test_unknown_or_out_of_range_ids_are_4xx(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        assert (await client.post("/api/v1/incidents/999/resolve", headers=team["sup"])).status_code == 404
        r = await client.post(f"/api/v1/incidents/{2**64}/resolve", headers=team["sup"])
        assert r.status_code == 422


class TestBanner:
    async def test_banner_shows_while_a_p1_is_open_and_goes_when_resolved(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        assert "banner" not in (await client.get("/api/v1/widget/status")).json()
        out = await declare(client, team["admin"], message="支付功能暂时不可用，工程师正在抢修。")
        status = (await client.get("/api/v1/widget/status")).json()
        assert status["banner"] == "支付功能暂时不可用，工程师正在抢修。"
        r = await client.post(f"/api/v1/incidents/{out['id']}/resolve", headers=team["sup"])
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "resolved"
        assert "banner" not in (await client.get("/api/v1/widget/status")).json()

    async def test_a_minor_incident_shows_no_banner(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        await declare(client, team["sup"], severity="P3")
        assert "banner" not in (await client.get("/api/v1/widget/status")).json()
        await declare(client, team["sup"], severity="P2", title="登录异常", keywords=["登录"])
        assert "登录异常" in (await client.get("/api/v1/widget/status")).json()["banner"]


class TestLinkingAndResolution:
    async def test_matching_tickets_link_notify_and_resolve_with_a_customer_message(
        self, client: httpx.AsyncClient, db: Database, team: dict[str, Any]
    ) -> None:
        out = await declare(client, team["sup"])
        master_id = out["problem_ticket_id"]
        _c1, c1 = await customer_token(db, name="周杰", email="zj@example.cn")
        _c2, c2 = await customer_token(db, name="刘洋", email="ly@example.cn")
        linked_a = await new_ticket(client, bearer(c1), "付款失败", "下单时一直显示付款失败")
        linked_b = await new_ticket(client, bearer(c2), "订单问题", "微信支付扣款了但订单没变")
        other = await new_ticket(client, bearer(c2), "耳机没声音", "左耳没声音了")
        await Worker(db).run_until_idle()  # the ticket.created listener links them
        for tid in (linked_a, linked_b):
            t = await ticket(client, team["sup"], tid)
            assert (t["problem_id"], t["type"]) == (master_id, "incident")
        assert (await ticket(client, team["sup"], other))["problem_id"] is None
        got = (await client.get(f"/api/v1/incidents/{out['id']}", headers=team["agent"])).json()
        assert got["linked_ticket_ids"] == [linked_a, linked_b]

        r = await client.post(
            f"/api/v1/incidents/{out['id']}/notify",
            json={"body": "预计一小时内恢复。"},
            headers=team["agent"],
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"notified": 2}
        # The customer sees the notice on their own ticket.
        assert "预计一小时内恢复。" in await public_comments(client, bearer(c1), linked_a)

        r = await client.post(
            f"/api/v1/incidents/{out['id']}/resolve",
            json={"message": "支付已恢复，请重新下单。"},
            headers=team["sup"],
        )
        assert r.status_code == 200, r.text
        assert (await ticket(client, team["sup"], master_id))["status"] == "solved"
        for tid, tok in ((linked_a, c1), (linked_b, c2)):
            assert (await ticket(client, team["sup"], tid))["status"] == "solved"
            assert (await public_comments(client, bearer(tok), tid))[-1] == "支付已恢复，请重新下单。"
        assert (await ticket(client, team["sup"], other))["status"] == "new"

        again = await client.post(f"/api/v1/incidents/{out['id']}/resolve", headers=team["sup"])
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "incident_resolved"
        # After resolution new matching tickets stay alone.
        late = await new_ticket(client, bearer(c1), "付款失败", "又付款失败")
        await Worker(db).run_until_idle()
        assert (await ticket(client, team["sup"], late))["problem_id"] is None

    async def test_notify_reaches_only_tickets_the_caller_may_see(
        self, client: httpx.AsyncClient, db: Database, team: dict[str, Any]
    ) -> None:
        out = await declare(client, team["sup"])
        _c, c = await customer_token(db, name="周杰", email="zj@example.cn")
        tid = await new_ticket(client, bearer(c), "付款失败", "付不了款")
        await Worker(db).run_until_idle()
        url = f"/api/v1/incidents/{out['id']}/notify"
        r = await client.post(url, json={"body": "正在抢修。"}, headers=team["outsider"])
        assert r.json() == {"notified": 0}  # another group's agent: not their customers
        assert "正在抢修。" not in await public_comments(client, bearer(c), tid)
        r = await client.post(url, json={"body": "正在抢修。"}, headers=team["sup"])
        assert r.json() == {"notified": 1}
        assert "正在抢修。" in await public_comments(client, bearer(c), tid)
        r = await client.post(url, json={"body": ""}, headers=team["sup"])
        assert r.status_code == 422

    async def test_an_agent_may_not_resolve(self, client: httpx.AsyncClient, team: dict[str, Any]) -> None:
        out = await declare(client, team["sup"])
        r = await client.post(f"/api/v1/incidents/{out['id']}/resolve", headers=team["agent"])
        assert r.status_code == 403
        assert "error" in r.json()


class TestBotOutageAnswer:
    async def test_the_bot_answers_matching_questions_with_the_outage_text_while_open(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        r = await client.post("/api/v1/widget/sessions", json={"name": "王芳"})
        assert r.status_code == 201
        chat = bearer(r.json()["session_token"])

        async def ask(text: str) -> str:
            r = await client.post(
                "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
            )
            assert r.status_code == 200, r.text
            msgs = (await client.get("/api/v1/widget/messages?after_seq=0", headers=chat)).json()["items"]
            assert msgs[-1]["sender"] == "bot"
            return str(msgs[-1]["text"])

        outage = "支付系统故障中，恢复后通知您。"
        assert await ask("付款失败了") != outage  # no incident yet (and the answer is cached)
        out = await declare(client, team["sup"], message=outage)
        assert await ask("为什么付款一直失败？") == outage
        assert await ask("你们几点上班") != outage  # another topic: the normal bot
        r = await client.post(f"/api/v1/incidents/{out['id']}/resolve", headers=team["sup"])
        assert r.status_code == 200
        assert await ask("付款失败了") != outage
