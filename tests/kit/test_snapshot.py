"""Settings snapshots (kit/snapshot.py): hot paths keep settings per process, yet a change
made anywhere — this app, another process, plain SQL — holds for the very next request, and
a change that rolled back never does."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.snapshot import TRIGGERED_TABLES
from kefu.models.user import Role
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service
from kefu.ticket.service.create import create_settings
from tests.factories import bearer, make_group, staff_token


@pytest.fixture
async def agent(db: Database) -> dict[str, str]:
    async with db.transaction() as s:
        group = await make_group(s, name="售前咨询", is_default=True)
    _user, token = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
    return bearer(token)


def _ticket(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "subject": f"咨询 {n}",
        "description": "想问一下保修",
        "channel": "api",
        "requester": {"name": "李雷", "email": "lilei@example.cn"},
        **extra,
    }


class TestTriggers:
    async def test_every_watched_table_replaces_the_token_on_change(self, db: Database) -> None:
        """A table without its trigger (e.g. rebuilt by a SQLite batch migration) would leave
        copies in use after a change: recreate the trigger in that migration."""
        async with db.engine.connect() as conn:
            for table in TRIGGERED_TABLES:
                if db.is_sqlite:
                    sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"
                    expected = 3  # insert, update, delete
                else:
                    sql = (
                        "SELECT count(*) FROM pg_trigger"
                        " WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal"
                    )
                    expected = 1  # one statement trigger for every kind of change
                found = (await conn.execute(sa.text(sql), {"t": table})).scalar_one()
                assert found == expected, f"{table}: {found} config_version triggers"


class TestSettingsFollowChanges:
    async def test_a_category_added_by_another_process_is_accepted_at_once(
        self, app: Any, client: httpx.AsyncClient, agent: dict[str, str], db: Database
    ) -> None:
        r = await client.post("/api/v1/tickets", json=_ticket(1, category="家电/冰箱"), headers=agent)
        assert r.status_code == 422, r.text  # unknown: this process now holds the settings
        # Another process (or an admin's SQL) adds it: nothing tells this process.
        other = Database(db.url)
        try:
            async with other.transaction() as s:
                await s.execute(sa.text("INSERT INTO ticket_categories (path) VALUES ('家电/冰箱')"))
        finally:
            await other.dispose()
        r = await client.post("/api/v1/tickets", json=_ticket(2, category="家电/冰箱"), headers=agent)
        assert r.status_code == 201, r.text
        assert r.json()["category"] == "家电/冰箱"

    async def test_a_policy_changed_elsewhere_times_the_next_ticket(
        self, app: Any, client: httpx.AsyncClient, agent: dict[str, str], db: Database
    ) -> None:
        _admin, admin = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/sla-policies",
            headers=bearer(admin),
            json={"name": "标准", "position": 1, "filter": {}, "targets": {"first_reply": 30}},
        )
        assert r.status_code == 201, r.text
        r = await client.post("/api/v1/tickets", json=_ticket(1), headers=agent)
        assert [(c["metric"], c["status"]) for c in r.json()["sla"]] == [("first_reply", "active")]
        async with db.transaction() as s:  # the test's own connection: not the app's
            await s.execute(sa.text("""UPDATE sla_policies SET targets = '{"first_reply": 5}'"""))
        r = await client.post("/api/v1/tickets", json=_ticket(2), headers=agent)
        [clock] = r.json()["sla"]
        created = datetime.fromisoformat(r.json()["created_at"])
        assert datetime.fromisoformat(clock["due_at"]) - created == timedelta(minutes=5)

    async def test_a_change_that_rolled_back_is_never_used(
        self, app: Any, client: httpx.AsyncClient, agent: dict[str, str], db: Database
    ) -> None:
        await client.post("/api/v1/tickets", json=_ticket(1), headers=agent)
        app_db: Database = app.state.db
        with pytest.raises(RuntimeError):
            async with app_db.transaction() as s:
                await s.execute(sa.text("INSERT INTO ticket_categories (path) VALUES ('家电/洗衣机')"))
                # the unit sees its own change ...
                t = await ticket_service.create(
                    s, TicketCreate.model_validate(_ticket(2, category="家电/洗衣机")), actor=None
                )
                assert t.category == "家电/洗衣机"
                raise RuntimeError("rolled back")
        # ... and once it rolled back, nobody does
        r = await client.post("/api/v1/tickets", json=_ticket(3, category="家电/洗衣机"), headers=agent)
        assert r.status_code == 422, r.text

    async def test_unchanged_settings_are_read_once(
        self, app: Any, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        await client.post("/api/v1/tickets", json=_ticket(1), headers=agent)
        loads = create_settings.loads
        for n in range(5):
            r = await client.post("/api/v1/tickets", json=_ticket(n + 2), headers=agent)
            assert r.status_code == 201, r.text
        assert create_settings.loads == loads
