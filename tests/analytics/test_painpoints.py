"""Pain points: topics ranked from the scripted day's tickets, linked to them, and a topic
marked addressed shows its daily volume before and after."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import bearer

RANGE = {"from": "2025-06-10", "to": "2025-06-10"}


class TestPainPoints:
    async def test_ranked_linked_and_addressed(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        h = bearer(scripted_day["supervisor_token"])
        r = await client.get("/api/v1/analytics/pain-points", params=RANGE, headers=h)
        assert r.status_code == 200
        items = r.json()["items"]
        top = items[0]
        # The complaint outranks the other single-ticket categories (complaint rate 100 %).
        assert top["topic"] == "cat:投诉/服务态度" and top["complaint_rate"] == 1.0
        assert top["ticket_ids"] == [scripted_day["tickets"][1]]
        assert {i["topic"] for i in items} >= {"cat:售后/维修", "cat:咨询", "cat:使用"}
        marked = await client.post(
            "/api/v1/analytics/pain-points/addressed",
            json={"topic": top["topic"], "note": "话术培训", "addressed_at": "2025-06-10T12:00:00+08:00"},
            headers=h,
        )
        assert marked.status_code == 200
        again = (await client.get("/api/v1/analytics/pain-points", params=RANGE, headers=h)).json()["items"]
        entry = next(i for i in again if i["topic"] == top["topic"])
        assert entry["addressed_at"].startswith("2025-06-10T04:00:00")
        # One complaint before noon over 28 days, none since (the period after runs to now).
        assert entry["per_day_before"] == round(1 / 28, 2) and entry["per_day_after"] == 0.0 and entry["fell"]

    async def test_bad_input(self, client: httpx.AsyncClient, scripted_day: dict[str, Any]) -> None:
        h = bearer(scripted_day["supervisor_token"])
        r = await client.post("/api/v1/analytics/pain-points/addressed", json={"topic": ""}, headers=h)
        assert r.status_code == 422 and "error" in r.json()
        r = await client.post(
            "/api/v1/analytics/pain-points/addressed", json={"topic": "x", "extra": 1}, headers=h
        )
        assert r.status_code == 422
        r = await client.get(
            "/api/v1/analytics/pain-points", params=RANGE, headers=bearer(scripted_day["agent_token"])
        )
        assert r.status_code == 403
