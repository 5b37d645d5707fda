"""Goal attainment in Chinese on the wallboard, /reports and the monthly report (both backends)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import time_machine

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.goals.conftest import DAILY_FRT, DAY, make_goal
from tests.web.admin.cases import HTML, RAW, login


def _goal_rows(html: str) -> dict[str, str]:
    start = html.find('data-testid="goal-attainment"')
    assert start >= 0, html[:1000]
    table = html[start : html.find("</table>", start)]
    for pattern in RAW:
        assert not pattern.search(table), pattern.pattern
    rows = re.findall(r'<tr data-goal="(\d+)" data-met="(\w+)">(.*?)</tr>', table, re.S)
    return {goal_id: f"{met}|{re.sub(r'<[^>]+>', ' ', body)}" for goal_id, met, body in rows}


async def _goals(client: httpx.AsyncClient, two_days: dict[str, Any]) -> tuple[str, str]:
    frt = await make_goal(client, two_days["admin"], **DAILY_FRT, target=80)
    complaints = await make_goal(
        client,
        two_days["admin"],
        name="投诉率下降",
        metric="complaint_rate",
        comparison="at_most",
        target=-40,
        baseline_from="2025-06-03",
        baseline_to="2025-06-03",
        period="day",
    )
    return str(frt["id"]), str(complaints["id"])


class TestGoalPages:
    async def test_reports_and_monthly_report_show_attainment(
        self, db: Database, client: httpx.AsyncClient, two_days: dict[str, Any]
    ) -> None:
        frt, complaints = await _goals(client, two_days)
        await login(client, db, Role.SUPERVISOR)
        r = await client.get("/reports", params={"from": "2025-06-10", "to": "2025-06-10"}, headers=HTML)
        assert r.status_code == 200, r.text[-2000:]
        rows = _goal_rows(r.text)
        assert rows[frt].startswith("no|") and "人工 30 分钟内首次回复占比" in rows[frt]
        assert "66.7%" in rows[frt] and "≥ 80%" in rows[frt] and "未达成" in rows[frt]
        assert rows[complaints].startswith("yes|") and "较基准期 ≤ -40%" in rows[complaints]
        assert "达成" in rows[complaints] and "下降" not in rows[complaints].split("|")[0]
        r = await client.get("/reports/monthly", params={"month": "2025-06"}, headers=HTML)
        assert r.status_code == 200
        monthly = _goal_rows(r.text)
        assert set(monthly) == {frt, complaints}
        assert "66.7%" in monthly[frt] and "本月" in r.text

    async def test_wallboard_shows_the_period_so_far(
        self, db: Database, client: httpx.AsyncClient, two_days: dict[str, Any]
    ) -> None:
        frt, _complaints = await _goals(client, two_days)
        with time_machine.travel(DAY.replace(hour=15), tick=False):
            await login(client, db, Role.SUPERVISOR)
            r = await client.get("/supervisor/wallboard", headers=HTML)
        assert r.status_code == 200, r.text[-2000:]
        rows = _goal_rows(r.text)
        assert rows[frt].startswith("no|") and "66.7%" in rows[frt] and "本期至今" in r.text

    async def test_no_goals_says_so_in_chinese(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.SUPERVISOR)
        r = await client.get("/reports", headers=HTML)
        assert "暂无启用的目标" in r.text
