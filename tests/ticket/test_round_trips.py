"""Statement budgets of the ticket-create hot path (POST /api/v1/tickets).

Each statement is a round trip (on SQLite a hop to the driver's thread, inside the
writer's critical section). The budget fails when a change adds one; lower it when a
change saves one.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token
from tests.statements import count_statements

# the token with its user and groups (1), customer find-or-create (1 for a returning customer:
# the customer found by its identity; a new one: that lookup, then the inserts of its
# customer, identity and event rows), the settings token (1, kit/snapshot.py: one read for
# the default group, categories, field definitions and the SLA policies and calendars,
# kit.snapshot.shared_token), ticket, event, one listener job, first comment (4) + clock
# inserts. The response's clocks and first comment are the ones just written, not read back.
# Settings are read once per process (and after each change): the budgets count a process
# that has created a ticket before.
BUDGET_EXISTING_CUSTOMER = 7
BUDGET_NEW_CUSTOMER = 10
# With a business-hours SLA policy of two targets: + one INSERT of both clocks (a Core
# executemany; deadlines computed before the insert, no UPDATE; the parsed calendar comes
# with the settings snapshot).
BUDGET_WITH_SLA = 8


@pytest.fixture
async def agent_token(db: Database) -> str:
    async with db.transaction() as s:
        group = await make_group(s, name="售前咨询", is_default=True)
    _user, token = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
    return token


def _body(email: str) -> dict[str, Any]:
    return {
        "subject": "手机充不进电",
        "description": "买了三天就充不进电了",
        "channel": "api",
        "priority": "normal",
        "requester": {"name": "周杰", "email": email},
    }


class TestTicketCreateBudget:
    async def test_new_and_returning_customers_stay_within_budget(
        self, app: Any, client: httpx.AsyncClient, agent_token: str
    ) -> None:
        db: Database = app.state.db
        r = await client.post("/api/v1/tickets", json=_body("first@example.cn"), headers=bearer(agent_token))
        assert r.status_code == 201, r.text  # this process has read the settings
        counts = []
        for _ in range(2):  # the first creates the customer, the second finds them
            with count_statements(db) as counter:
                r = await client.post(
                    "/api/v1/tickets", json=_body("zj@example.cn"), headers=bearer(agent_token)
                )
            assert r.status_code == 201, r.text
            counts.append((counter.count, counter.report()))
        assert r.json()["comments"][0]["body"] == "买了三天就充不进电了"
        (new, new_report), (existing, existing_report) = counts
        assert new <= BUDGET_NEW_CUSTOMER, new_report
        assert existing <= BUDGET_EXISTING_CUSTOMER, existing_report


class TestTicketCreateWithSlaBudget:
    async def test_business_hours_clocks_cost_one_statement(
        self, app: Any, client: httpx.AsyncClient, agent_token: str, db: Database
    ) -> None:
        _admin, admin = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/schedules",
            headers=bearer(admin),
            json={
                "name": "工作日",
                "timezone": "Asia/Shanghai",
                "intervals": [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)],
                "cn_statutory": True,
                "is_default": True,
            },
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            "/api/v1/sla-policies",
            headers=bearer(admin),
            json={
                "name": "标准",
                "position": 1,
                "filter": {},
                "targets": {"first_reply": 30, "resolution": 480},
            },
        )
        assert r.status_code == 201, r.text
        counts = []
        for _ in range(2):
            with count_statements(app.state.db) as counter:  # the app's engines, not the fixture's
                r = await client.post(
                    "/api/v1/tickets", json=_body("sla@example.cn"), headers=bearer(agent_token)
                )
            assert r.status_code == 201, r.text
            assert {c["metric"] for c in r.json()["sla"]} == {"first_reply", "resolution"}
            assert all(c["due_at"] for c in r.json()["sla"])
            counts.append((counter.count, counter.report()))
        existing, report = counts[1]
        assert existing <= BUDGET_WITH_SLA, report
