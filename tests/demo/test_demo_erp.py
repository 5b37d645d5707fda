"""The demo ERP (the demo bot's order lookup calls it) is served in demo mode only: a
production install never answers /demo-erp."""

from __future__ import annotations

import httpx

from kefu.kit.db import Database
from tests.conftest import make_settings, new_app

ORDER = "/demo-erp/orders/XC2025000123"


async def _get(db: Database, path: str, **settings: str) -> httpx.Response:
    app = new_app(make_settings(db.url, **settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.get(path, headers={"accept": "application/json"})


async def test_the_demo_answers_order_lookups(db: Database) -> None:
    r = await _get(db, ORDER)
    assert r.status_code == 200
    assert r.json()["order_no"] == "XC2025000123" and r.json()["status"]


async def test_production_has_no_demo_erp(db: Database) -> None:
    r = await _get(db, ORDER, env="prod", secret_key="p" * 40)
    assert r.status_code == 404
    assert r.json()["error"]["code"]  # the usual envelope, nothing of the demo
