"""Finding 3 (agents minted points) and finding 4 (a required custom field stopped intake),
both backends."""

from __future__ import annotations

import uuid

import httpx
import pytest

from kefu.authz import ROLE_PERMS, Perm
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.time import utcnow
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token

# The role × action matrix the product promises; authz.ROLE_PERMS must match it exactly.
EXPECTED = {
    "agent": {Perm.CUSTOMERS_READ, Perm.CUSTOMERS_WRITE, Perm.TICKETS_WORK},
    "supervisor": {
        Perm.CUSTOMERS_READ,
        Perm.CUSTOMERS_WRITE,
        Perm.TICKETS_READ_ALL,
        Perm.TICKETS_WORK,
        Perm.REPORTS_READ,
        Perm.AUDIT_READ,
        Perm.KB_MANAGE,
        Perm.INCIDENTS_MANAGE,
        Perm.TICKETS_REASSIGN_OWNER,
        Perm.TRAINING_MANAGE,
        Perm.IMPROVEMENT_MANAGE,
        Perm.ADVISORS_ASSIGN,
        Perm.OUTREACH_LOG_READ,
    },
    "admin": set(Perm),
}


class TestRoleMatrix:
    @pytest.mark.parametrize("role", sorted(EXPECTED))
    def test_the_table_is_the_reviewed_matrix(self, role: str) -> None:
        assert set(ROLE_PERMS[role]) == EXPECTED[role]

    def test_recording_orders_is_an_action_of_its_own_no_agent_has(self) -> None:
        assert Perm.ORDERS_RECORD not in ROLE_PERMS["agent"]
        assert Perm.ORDERS_RECORD not in ROLE_PERMS["supervisor"]


def _order(ext: str, amount: str) -> dict[str, str]:
    return {"external_id": ext, "amount": amount, "currency": "CNY", "placed_at": utcnow().isoformat()}


class TestAgentsCannotMintPoints:
    async def test_an_agent_recording_a_fake_order_is_refused_and_nothing_is_credited(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_group(s, name="售前", is_default=True)
        _a, agent = await staff_token(db, role=Role.AGENT)
        _s, supervisor = await staff_token(db, role=Role.SUPERVISOR)
        _b, admin = await staff_token(db, role=Role.ADMIN)
        cid = (await client.post("/api/v1/customers", headers=bearer(agent), json={"name": "赵六"})).json()[
            "id"
        ]
        for token in (agent, supervisor):
            r = await client.post(
                f"/api/v1/customers/{cid}/orders", headers=bearer(token), json=_order("FAKE-1", "99999")
            )
            assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
        c = (await client.get(f"/api/v1/customers/{cid}", headers=bearer(agent))).json()
        assert (c["points_balance"], c["tier"]) == (0, "none")
        # The sales system's (admin) token still records orders.
        r = await client.post(
            f"/api/v1/customers/{cid}/orders", headers=bearer(admin), json=_order("SO-1", "100")
        )
        assert r.status_code == 201
        c = (await client.get(f"/api/v1/customers/{cid}", headers=bearer(agent))).json()
        assert c["points_balance"] > 0


class TestRequiredFieldsNeverStopIntake:
    async def test_hand_off_offline_form_and_channel_tickets_still_open_tickets(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_group(s, name="售后", is_default=True)
        _b, admin = await staff_token(db, role=Role.ADMIN)
        r = await client.post(
            "/api/v1/ticket-fields",
            headers=bearer(admin),
            json={"key": "model", "label": "机型", "kind": "dropdown", "options": ["X5"], "required": True},
        )
        assert r.status_code == 201
        # A channel's POST /tickets.
        r = await client.post(
            "/api/v1/tickets",
            headers=bearer(admin),
            json={
                "subject": "屏幕碎了",
                "description": "屏幕碎了",
                "channel": "email",
                "requester": {"email": "a@example.cn"},
            },
        )
        assert r.status_code == 201, r.text
        # The widget's offline form.
        r = await client.post(
            "/api/v1/widget/offline", json={"name": "钱七", "email": "q@example.cn", "text": "请回电"}
        )
        assert r.status_code == 201, r.text
        # A chat hand-off.
        r = await client.post("/api/v1/widget/sessions", json={"name": "孙八"})
        chat = bearer(r.json()["session_token"])
        for text in ("耳机坏了", "转人工"):
            r = await client.post(
                "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
            )
            assert r.status_code == 200, r.text
        await Worker(db, concurrency=1).run_until_idle()
        items = (await client.get("/api/v1/tickets", headers=bearer(admin))).json()["items"]
        assert len(items) == 3
        # The agent solving one still has to fill the field.
        tid = items[0]["id"]
        r = await client.patch(f"/api/v1/tickets/{tid}", headers=bearer(admin), json={"status": "solved"})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "missing_field")
