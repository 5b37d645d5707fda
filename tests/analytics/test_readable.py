"""Numbers people read: equal periods in the monthly report, readable durations and
translated channels on the report pages, and a CSV for people next to the one for machines."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import time_machine

from kefu.analytics.windows import month_periods
from tests.analytics.conftest import DAY, EXPECTED
from tests.factories import PASSWORD, bearer
from tests.web.pagewalk import check_html

SH = ZoneInfo("Asia/Shanghai")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html"}
RANGE = {"from": "2025-06-10", "to": "2025-06-10"}


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc,arg-type]


class TestMonthPeriods:
    def test_a_running_month_is_compared_with_the_same_days_and_hours(self) -> None:
        p = month_periods(date(2026, 12, 1), _sh(2026, 12, 2, 10, 0), SH)
        assert p.to_date
        assert (p.start, p.end) == (_sh(2026, 12, 1), _sh(2026, 12, 2, 10, 0))
        assert (p.before_start, p.before_end) == (_sh(2026, 11, 1), _sh(2026, 11, 2, 10, 0))
        assert p.end - p.start == p.before_end - p.before_start  # like for like, not 2 days vs 30

    def test_a_finished_month_is_compared_with_the_whole_month_before(self) -> None:
        p = month_periods(date(2026, 11, 1), _sh(2026, 12, 2, 10, 0), SH)
        assert not p.to_date
        assert (p.start, p.end) == (_sh(2026, 11, 1), _sh(2026, 12, 1))
        assert (p.before_start, p.before_end) == (_sh(2026, 10, 1), _sh(2026, 11, 1))

    def test_a_shorter_month_before_is_taken_whole(self) -> None:
        p = month_periods(date(2026, 3, 1), _sh(2026, 3, 31, 9, 0), SH)
        assert (p.before_start, p.before_end) == (_sh(2026, 2, 1), _sh(2026, 3, 1))
        p = month_periods(date(2026, 3, 1), _sh(2026, 3, 28, 9, 0), SH)
        assert p.before_end == _sh(2026, 2, 28, 9, 0)

    def test_in_utc_near_midnight_the_local_day_counts(self) -> None:
        # 1 Dec 17:30 UTC is 2 Dec 01:30 in Shanghai: two local days have started.
        p = month_periods(date(2026, 12, 1), datetime(2026, 12, 1, 17, 30, tzinfo=UTC), SH)
        assert p.before_end == _sh(2026, 11, 2, 1, 30)


async def _login(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login", headers=HTML)
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


class TestReportPages:
    async def test_monthly_report_of_a_running_month_compares_equal_periods(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        await _login(client, scripted_day["supervisor_email"])
        # 10 July 12:00: the scripted 10 June is inside "the same days last month" (1–10 June 12:00).
        with time_machine.travel(_sh(2025, 7, 10, 12, 0), tick=False):
            page = await client.get("/reports/monthly", headers=HTML)
        assert page.status_code == 200
        assert 'data-testid="to-date-note"' in page.text
        assert "7月1日–7月10日 12:00" in page.text and "6月1日–6月10日 12:00" in page.text
        row = re.search(
            r'data-metric="tickets_created"><th[^>]*>[^<]*</th>'
            r'<td class="num">(\d+)</td><td class="num">(\d+)</td>',
            page.text,
        )
        # T1–T3 were created on 10 June before 12:00; T4 at 13:00 is past the compared hours.
        assert row is not None and row.groups() == ("0", "3")
        with time_machine.travel(_sh(2025, 7, 10, 14, 0), tick=False):
            later = await client.get("/reports/monthly", headers=HTML)
        row = re.search(
            r'data-metric="tickets_created">.*?<td class="num">(\d+)</td><td class="num">(\d+)</td>',
            later.text,
        )
        assert row is not None and row.groups() == ("0", str(EXPECTED["tickets_created"]))

    async def test_report_pages_show_durations_and_channel_names(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        await _login(client, scripted_day["supervisor_email"])
        with time_machine.travel(_sh(2025, 7, 1, 9, 0), tick=False):
            report = await client.get("/reports", params=RANGE, headers=HTML)
            monthly = await client.get("/reports/monthly", params={"month": "2025-06"}, headers=HTML)
            mine = await client.get("/me/stats", headers=HTML)
        for page in (report, monthly, mine):
            assert page.status_code == 200
            assert check_html(page.text) == []
        # 2100 s median first reply → 35分钟; resolution 10800 s → 3小时.
        assert re.search(
            r'data-metric="first_reply_seconds_p50"[^>]*>\s*'
            r'<th[^>]*>首次响应时长中位数</th><td class="num">35分钟</td>',
            report.text,
        )
        assert ">3小时<" in report.text
        assert "<td>邮件</td>" in monthly.text and "<td>电话</td>" in monthly.text
        assert "lang=zh_CN" in report.text  # the export link asks for a sheet in the page's language


class TestCsv:
    async def test_people_get_their_language_and_machines_keep_keys(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        h = bearer(scripted_day["supervisor_token"])
        url = "/api/v1/analytics/summary.csv"
        with time_machine.travel(_sh(2025, 7, 1, 9, 0), tick=False):
            machine = await client.get(url, params=RANGE, headers=h)
            zh = await client.get(url, params={**RANGE, "lang": "zh_CN"}, headers=h)
            en = await client.get(url, params={**RANGE, "lang": "en"}, headers=h)
            bad = await client.get(url, params={**RANGE, "lang": "fr"}, headers=h)
        assert next(csv.reader(io.StringIO(machine.text))) == ["metric", "value"]
        assert dict(csv.reader(io.StringIO(machine.text)))["first_reply_seconds_p50"] == "2100.0"
        assert zh.text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(zh.text.lstrip("\ufeff"))))
        assert rows[0] == ["指标", "数值", "指标代码"]
        by_key = {r[2]: r for r in rows[1:]}
        assert by_key["first_reply_seconds_p50"][:2] == ["首次响应时长中位数", "35分钟"]
        assert by_key["resolution_seconds_p50"][1] == "3小时"
        assert by_key["fcr_rate"][1] == "33.3%"
        en_rows = {r[2]: r for r in csv.reader(io.StringIO(en.text.lstrip("\ufeff")))}
        assert en_rows["first_reply_seconds_p50"][:2] == ["First reply, median", "35 min"]
        assert bad.status_code == 422 and bad.json()["error"]["code"]
        assert DAY.date() == date(2025, 6, 10)
