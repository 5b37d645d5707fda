"""Finding 8 (masking): a masked value written back never overwrites the real one, and exact
lookups cannot enumerate a masked phone (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kefu.app import create_app
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.conftest import make_settings
from tests.factories import bearer, staff_token


class TestMaskedWriteBack:
    async def test_an_agent_saving_the_masked_id_card_keeps_the_real_one(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _a, admin = await staff_token(db, role=Role.ADMIN)
        _g, agent = await staff_token(db, role=Role.AGENT)
        cid = (
            await client.post(
                "/api/v1/customers",
                headers=bearer(admin),
                json={"name": "钱", "phone": "+8613812345678"},
            )
        ).json()["id"]
        r = await client.patch(
            f"/api/v1/customers/{cid}", headers=bearer(admin), json={"id_card": "110101199003074578"}
        )
        assert r.status_code == 200
        shown = (await client.get(f"/api/v1/customers/{cid}", headers=bearer(agent))).json()
        assert "*" in shown["id_card"]
        r = await client.patch(
            f"/api/v1/customers/{cid}",
            headers=bearer(agent),
            json={"id_card": shown["id_card"], "name": "钱多多"},
        )
        assert r.status_code == 200
        real = (await client.get(f"/api/v1/customers/{cid}", headers=bearer(admin))).json()
        assert (real["id_card"], real["name"]) == ("110101199003074578", "钱多多")
        r = await client.patch(
            f"/api/v1/customers/{cid}", headers=bearer(agent), json={"id_card": "11010119900307****"}
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, "masked_value")


@pytest.fixture
async def limited(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(db.url, rate_limit="1000/60", masked_lookups_per_hour=3))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


class TestEnumeration:
    async def test_exact_lookups_by_viewers_without_unmask_are_budgeted(
        self, db: Database, limited: httpx.AsyncClient
    ) -> None:
        _g, agent = await staff_token(db, role=Role.AGENT)
        _a, admin = await staff_token(db, role=Role.ADMIN)
        codes = []
        for n in range(5):
            r = await limited.get(f"/api/v1/customers?phone=+861381234{n:04d}", headers=bearer(agent))
            codes.append(r.status_code)
        assert codes == [200, 200, 200, 429, 429]
        # Admins see phones unmasked anyway: no budget to protect.
        for n in range(5):
            r = await limited.get(f"/api/v1/customers?phone=+861381234{n:04d}", headers=bearer(admin))
            assert r.status_code == 200
