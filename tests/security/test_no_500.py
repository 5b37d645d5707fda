"""Finding 9: no 500 for a user's mistake, and every 500 in the error envelope (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, make_customer, staff_token

HUGE = [2**63, 2**64 + 7, 2**40]  # past int64, and past PostgreSQL's int4 columns


class TestHugeIds:
    @pytest.mark.parametrize("big", HUGE)
    async def test_ids_out_of_range_are_404_or_422_on_staff_and_anonymous_routes(
        self, db: Database, client: httpx.AsyncClient, big: int
    ) -> None:
        _a, token = await staff_token(db, role=Role.ADMIN)
        h = bearer(token)
        for method, path, body in [
            ("GET", f"/api/v1/customers/{big}", None),
            ("GET", f"/api/v1/tickets/{big}", None),
            ("PATCH", f"/api/v1/tickets/{big}", {"status": "open"}),
            ("GET", f"/api/v1/tickets?customer_id={big}", None),
            ("POST", f"/api/v1/customers/{big}/orders", None),
            ("GET", f"/api/v1/conversations/{big}", None),
            ("PUT", f"/api/v1/macros/{big}", {"title": "x"}),
            ("POST", "/api/v1/tickets", {"subject": "x", "channel": "web", "customer_id": big}),
            ("GET", f"/help/articles/{big}", None),
            ("GET", f"/portal/tickets/{big}", None),
        ]:
            r = await client.request(method, path, headers=h, json=body)
            assert r.status_code in (200, 401, 404, 422), (path, r.status_code, r.text[:200])
            if path.startswith("/api/") and r.status_code != 200:
                assert "error" in r.json(), path


class TestImpossibleDates:
    @pytest.mark.parametrize("year", ["0001", "9999"])
    async def test_analytics_years_far_away_are_422(
        self, db: Database, client: httpx.AsyncClient, year: str
    ) -> None:
        _s, token = await staff_token(db, role=Role.SUPERVISOR)
        for query in (f"from={year}-01-01&to=2026-01-02", f"from=2026-01-01&to={year}-12-31T23:59:59"):
            r = await client.get(f"/api/v1/analytics/summary?{query}", headers=bearer(token))
            assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_range"), query

    async def test_an_order_dated_9999_is_refused_and_a_stored_one_breaks_no_page(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _a, token = await staff_token(db, role=Role.ADMIN)
        h = bearer(token)
        async with db.transaction() as s:
            customer = await make_customer(s, name="未来")
            cid = customer.id
        r = await client.post(
            f"/api/v1/customers/{cid}/orders",
            headers=h,
            json={
                "external_id": "F-1",
                "amount": "10",
                "currency": "CNY",
                "placed_at": "9999-12-31T00:00:00Z",
            },
        )
        assert r.status_code == 422
        from kefu.models.loyalty import Order

        async with db.transaction() as s:  # one that got in before the fix (or by hand)
            s.add(
                Order(
                    customer_id=cid,
                    external_id="F-2",
                    amount=10,
                    currency="CNY",
                    amount_cny=10,
                    placed_at=datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
                    status="paid",
                )
            )
        assert (await client.get(f"/api/v1/customers/{cid}", headers=h)).status_code == 200
        assert (await client.get(f"/api/v1/customers/{cid}/orders", headers=h)).status_code == 200
        from kefu.web.templates import localtime

        assert localtime(datetime(9999, 12, 31, 23, 0, tzinfo=UTC)).startswith("9999-12-31")


class TestDatabaseRefusals:
    async def test_a_duplicate_macro_title_is_409(self, db: Database, client: httpx.AsyncClient) -> None:
        _a, token = await staff_token(db, role=Role.ADMIN)
        body = {"title": "退款说明", "body": "您好"}
        assert (await client.post("/api/v1/macros", headers=bearer(token), json=body)).status_code == 201
        r = await client.post("/api/v1/macros", headers=bearer(token), json=body)
        assert r.status_code == 409 and "error" in r.json()
        other = await client.post(
            "/api/v1/macros", headers=bearer(token), json={"title": "发票", "body": "请提供抬头"}
        )
        assert other.status_code == 201, other.text
        r = await client.put(f"/api/v1/macros/{other.json()['id']}", headers=bearer(token), json=body)
        assert r.status_code == 409 and "error" in r.json()

    async def test_a_lone_surrogate_is_422(self, db: Database, client: httpx.AsyncClient) -> None:
        _a, token = await staff_token(db, role=Role.ADMIN)
        raw = b'{"title": "bad \\ud800 title", "body": "x"}'
        r = await client.post(
            "/api/v1/macros",
            headers={**bearer(token), "content-type": "application/json"},
            content=raw,
        )
        assert r.status_code == 422 and "error" in r.json()


class TestEveryFiveHundredIsAnEnvelope:
    async def test_an_unexpected_failure_answers_the_json_envelope(
        self, app: Any, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from kefu.customer.service import customer_service

        async def boom(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("kaboom")

        monkeypatch.setattr(customer_service, "search", boom)
        _a, token = await staff_token(db, role=Role.ADMIN)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.get("/api/v1/customers?email=a@b.cn", headers=bearer(token))
        assert r.status_code == 500
        assert r.json() == {"error": {"code": "internal_error", "message": r.json()["error"]["message"]}}
        assert "kaboom" not in r.text
