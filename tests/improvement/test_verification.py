"""The loop end to end (both backends, frozen clock): a pain point becomes an item, is fixed,
the affected customers get a follow-up survey, the verification job waits for N whole weeks,
then marks it verified; the 痛点解决率 KPI and the goal that reads it move with it. A bad
survey blocks verification. The R&D tracker's signed callback moves an item to fixed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from kefu.improvement.service import improvement_service
from kefu.kit import outbound
from kefu.kit.db import Database
from kefu.models import Survey
from tests.improvement.conftest import SH, Team, call, ticket

D = datetime(2026, 3, 2, 10, tzinfo=SH)  # a Monday: the item is created and fixed
CAT = "售后/退换货"


async def verify_at(db: Database, when: datetime) -> list[Any]:
    with time_machine.travel(when, tick=False):
        async with db.transaction() as s:
            return await improvement_service.verify_fixed(s)


async def fixed_pain_point(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    """8 refund tickets in the 4 weeks before D (baseline 2 a week), then the item, fixed at D."""
    n = 0
    for days in (26, 20, 13, 6):
        for _ in range(2):
            n += 1
            await ticket(client, team.agent, D - timedelta(days=days), CAT, n)
    start, end = (D - timedelta(days=27)).date().isoformat(), D.date().isoformat()
    item = await call(
        client,
        "POST",
        "/api/v1/improvements/from-painpoint",
        team.supervisor,
        expect=201,
        when=D,
        topic=f"cat:{CAT}",
        start=start,
        end=end,
    )
    assert item["source"] == "painpoint" and item["topic"] == f"cat:{CAT}" and len(item["ticket_ids"]) == 8
    assert item["due_date"] == (D + timedelta(days=14)).date().isoformat()
    for to in ("in_progress", "fixed"):
        item = await call(
            client, "POST", f"/api/v1/improvements/{item['id']}/transition", team.supervisor, when=D, to=to
        )
    return dict(item)


async def kpi(client: httpx.AsyncClient, team: Team, when: datetime) -> dict[str, Any]:
    frm, to = D.date().isoformat(), (D + timedelta(days=20)).date().isoformat()
    return dict(
        await call(client, "GET", f"/api/v1/improvements/kpi?from={frm}&to={to}", team.supervisor, when=when)
    )


class TestVerification:
    async def test_fixed_item_verified_after_n_weeks_and_the_kpi_and_goal_follow(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        item = await fixed_pain_point(client, team)
        assert (item["baseline_weekly"], item["surveys_sent"]) == (2.0, 8)  # one per affected customer
        async with db.read() as s:
            surveys = [
                x
                for x in (await s.execute(Survey.__table__.select())).all()
                if x.dedupe_key.startswith("improvement:")
            ]
        assert len(surveys) == 8 and all(x.ticket_id is None for x in surveys)
        # One refund ticket in week 1 after the fix: ≤ 50 % of 2.
        await ticket(client, team.agent, D + timedelta(days=3), CAT, 100)
        assert (await kpi(client, team, D + timedelta(days=8)))["rate"] == 0.0  # due, not verified
        # 8 days in: one whole week of two → still pending.
        [check] = await verify_at(db, D + timedelta(days=8))
        assert (check.volume, check.survey, check.verified) == ("pending", "pending", False)
        got = await call(client, "GET", f"/api/v1/improvements/{item['id']}", team.supervisor)
        assert got["status"] == "fixed" and got["check_note"] == "pending|pending"
        # 15 days in: weeks of 1 and 0 contacts; nobody answered the survey (no complaint).
        [check] = await verify_at(db, D + timedelta(days=15))
        assert (check.volume, check.verified) == ("pass", True)
        got = await call(client, "GET", f"/api/v1/improvements/{item['id']}", team.supervisor)
        assert got["status"] == "verified" and got["verified_at"]
        assert got["timeline"][-1]["actor_name"] == "系统" and got["timeline"][-1]["to_status"] == "verified"
        figures = await kpi(client, team, D + timedelta(days=16))
        assert (figures["due"], figures["verified"], figures["rate"], figures["met"]) == (1, 1, 1.0, True)
        # The goals domain's 痛点解决率 reads the same KPI.
        await call(
            client,
            "POST",
            "/api/v1/goals",
            team.admin,
            expect=201,
            name="痛点解决率",
            metric="painpoint_solve_rate",
            comparison="at_least",
            target=95,
            period="month",
        )
        frm, to = D.date().isoformat(), (D + timedelta(days=20)).date().isoformat()
        [goal] = (await call(client, "GET", f"/api/v1/goals/attainment?from={frm}&to={to}", team.supervisor))[
            "items"
        ]
        assert (goal["value"], goal["met"], goal["value_text"]) == (1.0, True, "100%")

    async def test_volume_still_high_or_a_bad_survey_blocks_verification(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        item = await fixed_pain_point(client, team)
        for n in (200, 201, 202):  # week 1: 3 > 50 % of 2, complaint rate no lower
            await ticket(client, team.agent, D + timedelta(days=2), CAT, n)
        [check] = await verify_at(db, D + timedelta(days=15))
        assert (check.volume, check.verified) == ("fail", False)
        # A second item on the same topic fixed later with a customer who says it is not fixed.
        async with db.transaction() as s:
            survey = (
                await s.execute(
                    Survey.__table__.select().where(Survey.dedupe_key.like(f"improvement:{item['id']}:%"))
                )
            ).first()
        assert survey is not None
        with time_machine.travel(D + timedelta(days=1), tick=False):
            r = await client.post(f"/api/v1/s/{survey.token}", json={"score": 1, "comment": "还是退不了款"})
        assert r.status_code == 200, r.text
        got = await call(client, "GET", f"/api/v1/improvements/{item['id']}", team.supervisor)
        assert (got["survey_answers"], got["survey_average"]) == (1, 1.0)
        [check] = await verify_at(db, D + timedelta(days=16))
        assert (check.survey, check.verified) == ("fail", False)
        # The supervisor reopens it.
        await call(
            client, "POST", f"/api/v1/improvements/{item['id']}/transition", team.supervisor, to="in_progress"
        )

    async def test_an_item_without_a_topic_verifies_on_the_survey(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        tid = await ticket(client, team.agent, D - timedelta(days=1), "投诉/物流", 1)
        item = await call(
            client,
            "POST",
            "/api/v1/improvements",
            team.supervisor,
            expect=201,
            when=D,
            source="csat",
            title="快递摔坏包裹",
            ticket_ids=[tid],
            survey_threshold=4,
        )
        await call(
            client,
            "POST",
            f"/api/v1/improvements/{item['id']}/transition",
            team.supervisor,
            when=D,
            to="fixed",
        )
        [check] = await verify_at(db, D + timedelta(days=1))
        assert (check.volume, check.survey, check.verified) == ("none", "pending", False)
        async with db.transaction() as s:
            survey = (
                await s.execute(
                    Survey.__table__.select().where(Survey.dedupe_key.like(f"improvement:{item['id']}:%"))
                )
            ).first()
        assert survey is not None
        with time_machine.travel(D + timedelta(days=2), tick=False):
            r = await client.post(f"/api/v1/s/{survey.token}", json={"score": 5})
        assert r.status_code == 200
        [check] = await verify_at(db, D + timedelta(days=3))
        assert (check.survey, check.verified) == ("pass", True)


def _signed(
    secret: str, body: dict[str, Any], integration_id: int, ts: int | None = None
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    ts = ts or int(time.time())
    sig = "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    return raw, {
        "Content-Type": "application/json",
        "X-Kefu-Integration": str(integration_id),
        "X-Kefu-Timestamp": str(ts),
        "X-Kefu-Signature": sig,
    }


class TestRdLink:
    async def test_webhook_out_and_signed_callback_in(
        self, db: Database, client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def public_dns(host: str, port: int) -> list[str]:
            return ["93.184.216.34"]

        monkeypatch.setattr(outbound, "_getaddrinfo", public_dns)
        secret = "rd-secret-0123456789"
        integ = await call(
            client,
            "POST",
            "/api/v1/improvements/integrations",
            team.admin,
            expect=201,
            name="研发 Jira",
            url="https://rd.example.com/kefu",
            secret=secret,
        )
        await call(
            client,
            "POST",
            "/api/v1/improvements/integrations",
            team.supervisor,
            expect=403,
            name="x",
            url="https://rd.example.com/x",
        )
        async with db.read() as s:
            stored = (
                await s.execute(__import__("sqlalchemy").text("SELECT secret FROM improvement_integrations"))
            ).scalar_one()
        assert secret not in stored and stored.startswith("enc1:")
        item = await call(
            client,
            "POST",
            "/api/v1/improvements",
            team.supervisor,
            expect=201,
            source="painpoint",
            title="充电口松动",
        )
        deliveries = await call(
            client, "GET", f"/api/v1/webhooks/{integ['subscription_id']}/deliveries", team.admin
        )
        assert [d["event_name"] for d in deliveries["items"]] == ["improvement.created"]
        assert deliveries["items"][0]["payload"]["data"]["item_id"] == item["id"]

        body = {"item_id": item["id"], "status": "fixed", "external_id": "RD-42", "note": "固件 2.1 已修复"}
        raw, headers = _signed(secret, body, integ["id"])
        r = await client.post("/api/v1/improvements/callback", content=raw, headers=headers)
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["external_id"]) == ("fixed", "RD-42")
        got = await call(client, "GET", f"/api/v1/improvements/{item['id']}", team.supervisor)
        assert (
            got["timeline"][-1]["kind"] == "callback"
            and got["timeline"][-1]["actor_name"] == "研发系统：研发 Jira"
        )
        # The same callback again is accepted without a second move.
        r = await client.post("/api/v1/improvements/callback", content=raw, headers=headers)
        assert r.status_code == 200
        # Refusals: wrong secret 403, missing signature 401, stale 401, unknown integration 401,
        # unknown item 404; nothing moves.
        other = await call(
            client, "POST", "/api/v1/improvements", team.supervisor, expect=201, source="qa", title="y"
        )
        cases = [
            (_signed("wrong-secret-000000", {"item_id": other["id"]}, integ["id"]), 403, "bad_signature"),
            (
                _signed(secret, {"item_id": other["id"]}, integ["id"], ts=int(time.time()) - 3600),
                401,
                "signature_expired",
            ),
            (_signed(secret, {"item_id": other["id"]}, 999999), 401, "unknown_integration"),
            (_signed(secret, {"item_id": 987654}, integ["id"]), 404, "improvement_not_found"),
        ]
        for (raw2, headers2), status, code in cases:
            r = await client.post("/api/v1/improvements/callback", content=raw2, headers=headers2)
            assert (r.status_code, r.json()["error"]["code"]) == (status, code)
        r = await client.post(
            "/api/v1/improvements/callback",
            content=b'{"item_id": 1}',
            headers={"Content-Type": "application/json"},
        )
        assert (r.status_code, r.json()["error"]["code"]) == (401, "signature_required")
        # Tampered body with a valid header set: 403.
        raw3, headers3 = _signed(secret, {"item_id": other["id"]}, integ["id"])
        r = await client.post(
            "/api/v1/improvements/callback", content=raw3.replace(b"}", b', "x": 1}'), headers=headers3
        )
        assert r.status_code == 403
        got = await call(client, "GET", f"/api/v1/improvements/{other['id']}", team.supervisor)
        assert got["status"] == "open"
