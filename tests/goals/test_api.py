"""/api/v1/goals: CRUD, validation in the error envelope (nothing changed), permissions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, staff_token

GOAL: dict[str, Any] = {
    "name": "首次解决率",
    "metric": "fcr_rate",
    "comparison": "at_least",
    "target": 90,
    "period": "week",
}


@pytest.fixture
async def tokens(db: Database) -> dict[str, str]:
    _a, admin = await staff_token(db, role=Role.ADMIN)
    _s, supervisor = await staff_token(db, role=Role.SUPERVISOR)
    _g, agent = await staff_token(db, role=Role.AGENT)
    return {"admin": admin, "supervisor": supervisor, "agent": agent}


async def _goals(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/goals", headers=bearer(token))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


class TestCrud:
    async def test_create_read_patch_delete(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        admin = bearer(tokens["admin"])
        r = await client.post("/api/v1/goals", json=GOAL, headers=admin)
        assert r.status_code == 201, r.text
        goal = r.json()
        assert goal["metric"] == "fcr_rate" and goal["target"] == 90 and goal["active"] is True
        assert (await client.get(f"/api/v1/goals/{goal['id']}", headers=admin)).json()["name"] == "首次解决率"
        relative = {
            "metric": "complaint_rate",
            "comparison": "at_most",
            "target": -60,
            "baseline_from": "2026-09-01",
            "baseline_to": "2026-09-30",
            "effective_from": "2026-10-01",
        }
        r = await client.patch(f"/api/v1/goals/{goal['id']}", json=relative, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["baseline_to"] == "2026-09-30" and r.json()["target"] == -60
        r = await client.patch(
            f"/api/v1/goals/{goal['id']}",
            json={"baseline_from": None, "baseline_to": None, "target": 5},
            headers=admin,
        )
        assert r.status_code == 200 and r.json()["baseline_from"] is None, r.text
        assert (await client.delete(f"/api/v1/goals/{goal['id']}", headers=admin)).status_code == 204
        assert await _goals(client, tokens["admin"]) == []
        r = await client.get(f"/api/v1/goals/{goal['id']}", headers=admin)
        assert r.status_code == 404 and r.json()["error"]["code"] == "goal_not_found"

    @pytest.mark.parametrize(
        "body",
        [
            {**GOAL, "metric": "made_up"},
            {**GOAL, "comparison": "about"},
            {**GOAL, "target": 150},  # a rate above 100 %
            {**GOAL, "metric": "nps", "target": -101},
            {**GOAL, "baseline_from": "2026-09-01"},  # half a baseline
            {**GOAL, "baseline_from": "2026-09-30", "baseline_to": "2026-09-01"},
            {**GOAL, "effective_from": "2026-10-02", "effective_to": "2026-10-01"},
            {**GOAL, "effective_from": "0001-01-01"},
            {**GOAL, "unknown": 1},
            {**GOAL, "target": "NaN"},
        ],
    )
    async def test_invalid_goals_are_refused_and_nothing_is_stored(
        self, client: httpx.AsyncClient, tokens: dict[str, str], body: dict[str, Any]
    ) -> None:
        r = await client.post("/api/v1/goals", json=body, headers=bearer(tokens["admin"]))
        assert r.status_code == 422, r.text
        assert set(r.json()["error"]) >= {"code", "message"}
        assert await _goals(client, tokens["admin"]) == []

    async def test_a_patch_that_breaks_the_goal_changes_nothing(
        self, client: httpx.AsyncClient, tokens: dict[str, str]
    ) -> None:
        admin = bearer(tokens["admin"])
        goal = (await client.post("/api/v1/goals", json=GOAL, headers=admin)).json()
        for body in ({"target": 120}, {"metric": None}, {"baseline_to": "2026-01-01"}, {"period": "year"}):
            r = await client.patch(f"/api/v1/goals/{goal['id']}", json=body, headers=admin)
            assert r.status_code == 422, (body, r.text)
            assert r.json()["error"]["code"]
        after = (await client.get(f"/api/v1/goals/{goal['id']}", headers=admin)).json()
        assert after == goal
        r = await client.patch("/api/v1/goals/99999", json={"target": 80}, headers=admin)
        assert r.status_code == 404
        r = await client.patch(f"/api/v1/goals/{2**63}", json={"target": 80}, headers=admin)
        assert r.status_code == 422


class TestPermissions:
    async def test_supervisors_read_admins_manage_agents_are_refused(
        self, client: httpx.AsyncClient, tokens: dict[str, str]
    ) -> None:
        goal = (await client.post("/api/v1/goals", json=GOAL, headers=bearer(tokens["admin"]))).json()
        sup, agent = bearer(tokens["supervisor"]), bearer(tokens["agent"])
        assert [g["id"] for g in await _goals(client, tokens["supervisor"])] == [goal["id"]]
        assert (await client.get("/api/v1/goals/attainment", headers=sup)).status_code == 200
        for headers in (sup, agent):
            assert (await client.post("/api/v1/goals", json=GOAL, headers=headers)).status_code == 403
            r = await client.patch(f"/api/v1/goals/{goal['id']}", json={"target": 1}, headers=headers)
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
            assert (await client.delete(f"/api/v1/goals/{goal['id']}", headers=headers)).status_code == 403
        for path in ("/api/v1/goals", f"/api/v1/goals/{goal['id']}", "/api/v1/goals/attainment"):
            assert (await client.get(path, headers=agent)).status_code == 403, path
        assert [g["target"] for g in await _goals(client, tokens["admin"])] == [90]
        assert (await client.get("/api/v1/goals")).status_code == 401
