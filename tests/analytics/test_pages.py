"""The reports page shows the very numbers of the API and the CSV; the other analytics pages
render for the right people and refuse the others."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

import httpx
import time_machine

from kefu.analytics.metrics import SUMMARY_FIELDS, format_value
from tests.analytics.conftest import DAY, EXPECTED
from tests.factories import PASSWORD, bearer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW = re.compile(
    r'<tr data-metric="([a-z0-9_]+)" data-value="([^"]*)">\s*'
    r'<th scope="row">[^<]*</th><td class="num">([^<]*)</td>'
)


async def _login(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login", headers={"accept": "text/html"})
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


class TestReportsPage:
    async def test_screen_csv_and_api_agree(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        params = {"from": "2025-06-10", "to": "2025-06-10"}  # the page's date inputs: one whole day
        h = bearer(scripted_day["supervisor_token"])
        with time_machine.travel(datetime(2025, 7, 1, tzinfo=DAY.tzinfo), tick=False):
            api = (await client.get("/api/v1/analytics/summary", params=params, headers=h)).json()
            export = (await client.get("/api/v1/analytics/summary.csv", params=params, headers=h)).text
            await _login(client, scripted_day["supervisor_email"])
            page = await client.get("/reports", params=params, headers={"accept": "text/html"})
        assert page.status_code == 200
        screen = {m.group(1): (m.group(2), m.group(3).strip()) for m in ROW.finditer(page.text)}
        rows = dict(csv.reader(io.StringIO(export)))
        assert set(screen) == {name for name, _ in SUMMARY_FIELDS}
        for name, kind in SUMMARY_FIELDS:
            value = api[name]
            raw = "" if value is None else str(value)
            assert screen[name][0] == raw == rows[name], name
            assert screen[name][1] == (format_value(value, kind) or "—"), name
        assert api["tickets_created"] == EXPECTED["tickets_created"]
        assert "/api/v1/analytics/summary.csv?" in page.text

    async def test_reversed_range_is_explained_on_the_page(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        await _login(client, scripted_day["supervisor_email"])
        r = await client.get(
            "/reports", params={"from": "2025-06-11", "to": "2025-06-01"}, headers={"accept": "text/html"}
        )
        assert r.status_code == 422
        assert 'data-testid="range-error"' in r.text


class TestOtherPages:
    async def test_monthly_wallboard_pain_points_and_my_stats(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        await _login(client, scripted_day["supervisor_email"])
        html = {"accept": "text/html"}
        monthly = await client.get("/reports/monthly", params={"month": "2025-06"}, headers=html)
        assert monthly.status_code == 200 and "2025-06" in monthly.text and "@media print" in monthly.text
        assert (
            await client.get("/reports/monthly", params={"month": "June"}, headers=html)
        ).status_code == 422
        assert (await client.get("/supervisor/wallboard", headers=html)).status_code == 200
        pains = await client.get(
            "/reports/pain-points", params={"from": "2025-06-10", "to": "2025-06-10"}, headers=html
        )
        assert pains.status_code == 200 and "投诉/服务态度" in pains.text
        assert (await client.get("/me/stats", headers=html)).status_code == 200

    async def test_agents_get_their_stats_but_not_reports(
        self, client: httpx.AsyncClient, db: Any, scripted_day: dict[str, Any]
    ) -> None:
        live = await client.get("/api/v1/analytics/live", headers=bearer(scripted_day["agent_token"]))
        assert live.status_code == 403
        mine = await client.get(
            "/api/v1/analytics/me",
            params={"from": "2025-06-10", "to": "2025-06-10"},
            headers=bearer(scripted_day["agent_token"]),
        )
        assert mine.json()["tickets_solved"] == 3
