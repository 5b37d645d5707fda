"""Customer value from orders (both backends): per loyalty tier and first-purchase quarter,
repurchase rate, churn (no purchase in 12 months), lifetime value and the high tier's share
of revenue, on a small set of customers whose numbers are worked out by hand below.

Range: 2025 in Asia/Shanghai, [2025-01-01 00:00+08, 2026-01-01 00:00+08).

| customer | tier | paid orders (CNY, placed) | notes |
|---|---|---|---|
| A | high | 60,000 2023-05-10; 20,000 2025-03-01; 30,000 2025-06-01 | 2 repurchases in range |
| B | mid | 5,000 2025-02-10; 8,000 2025-08-01 (+100,000 refunded 2025-09-01) | first + 1 repurchase |
| C | potential | 3,000 2025-11-20 | first purchase only |
| D | none | 2,000 2024-12-01 | only order 13 months before the end: churned |
| G | mid | 1,000 2024-06-15 (+4,000 on 2026-01-15, after the range) | churned at the range's end |
| I | potential | 500 at 2024-12-31 17:00 UTC = 2025-01-01 01:00 local | in the range, cohort 2025-Q1 |
| E | none | — | never bought: not counted |
| F | none | 9,999 refunded | no paid order: not counted |

Totals: 6 customers; buyers A B C I = 4; repurchasers A B = 2 (1/3); churned D G = 2 (1/3);
lifetime 110,000 + 13,000 + 3,000 + 2,000 + 1,000 + 500 = 129,500 → 21,583.33 each;
revenue in range 50,000 + 13,000 + 3,000 + 500 = 66,500, of which high 50,000 → 75.19 %.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from kefu.analytics.customer_value import cny, cohort_bounds, months_before
from kefu.kit.db import Database
from kefu.models import Customer
from kefu.models.loyalty import Order
from kefu.models.user import Role
from tests.factories import bearer, staff_token
from tests.web.admin.cases import HTML, login

SH = ZoneInfo("Asia/Shanghai")
RANGE = {"from": "2025-01-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}
_ext = itertools.count(1)

CUSTOMERS: dict[str, tuple[str, list[tuple[int, datetime, str]]]] = {
    "A": (
        "high",
        [
            (60_000, datetime(2023, 5, 10, 12, tzinfo=SH), "paid"),
            (20_000, datetime(2025, 3, 1, 12, tzinfo=SH), "paid"),
            (30_000, datetime(2025, 6, 1, 12, tzinfo=SH), "paid"),
        ],
    ),
    "B": (
        "mid",
        [
            (5_000, datetime(2025, 2, 10, 12, tzinfo=SH), "paid"),
            (8_000, datetime(2025, 8, 1, 12, tzinfo=SH), "paid"),
            (100_000, datetime(2025, 9, 1, 12, tzinfo=SH), "refunded"),
        ],
    ),
    "C": ("potential", [(3_000, datetime(2025, 11, 20, 12, tzinfo=SH), "paid")]),
    "D": ("none", [(2_000, datetime(2024, 12, 1, 12, tzinfo=SH), "paid")]),
    "G": (
        "mid",
        [
            (1_000, datetime(2024, 6, 15, 12, tzinfo=SH), "paid"),
            (4_000, datetime(2026, 1, 15, 12, tzinfo=SH), "paid"),
        ],
    ),
    "I": ("potential", [(500, datetime(2024, 12, 31, 17, tzinfo=UTC), "paid")]),
    "E": ("none", []),
    "F": ("none", [(9_999, datetime(2025, 5, 5, 12, tzinfo=SH), "refunded")]),
}


@pytest.fixture
async def shop(db: Database) -> None:
    async with db.transaction() as s:
        for name, (tier, orders) in CUSTOMERS.items():
            customer = Customer(name=f"客户{name}", tier=tier)
            s.add(customer)
            await s.flush()
            for amount, placed, status in orders:
                s.add(
                    Order(
                        customer_id=customer.id,
                        external_id=f"SO-{next(_ext)}",
                        amount=Decimal(amount),
                        currency="CNY",
                        amount_cny=Decimal(amount),
                        placed_at=placed,
                        status=status,
                    )
                )


async def _report(client: httpx.AsyncClient, token: str, **params: str) -> httpx.Response:
    return await client.get("/api/v1/analytics/customer-value", params=params or RANGE, headers=bearer(token))


def _pick(row: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(row[k] for k in keys)


class TestPure:
    def test_quarters_follow_the_company_time_zone(self) -> None:
        bounds = cohort_bounds(datetime(2024, 12, 31, 17, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC), SH)
        assert [k for k, _ in bounds] == ["2025-Q1", "2025-Q2"]
        assert bounds[0][1] == datetime(2025, 4, 1, tzinfo=SH)

    def test_twelve_months_back_and_amounts(self) -> None:
        assert months_before(datetime(2024, 2, 29, tzinfo=UTC), 12) == datetime(2023, 2, 28, tzinfo=UTC)
        assert months_before(datetime(2026, 1, 1, tzinfo=UTC), 12) == datetime(2025, 1, 1, tzinfo=UTC)
        assert cny(21583.33) == "¥21,583.33" and cny(50000.0) == "¥50,000" and cny(None) == "—"


class TestReport:
    async def test_hand_computed_numbers_by_tier_and_cohort(
        self, db: Database, client: httpx.AsyncClient, shop: None
    ) -> None:
        _u, token = await staff_token(db, role=Role.SUPERVISOR)
        r = await _report(client, token)
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["cohort_unit"] == "quarter"
        assert data["total"] == {
            "customers": 6,
            "buyers": 4,
            "repurchasers": 2,
            "repurchase_rate": 0.3333,
            "churned": 2,
            "churn_rate": 0.3333,
            "lifetime_value_cny": 21583.33,
            "lifetime_cny": 129500.0,
            "revenue_cny": 66500.0,
            "high_tier_revenue_share": 0.7519,
        }
        tiers = {t["tier"]: t for t in data["tiers"]}
        assert list(tiers) == ["high", "mid", "potential", "none"]
        high, mid, potential, none = (tiers[k] for k in ("high", "mid", "potential", "none"))
        assert (high["customers"], high["repurchase_rate"], high["churn_rate"]) == (1, 1.0, 0.0)
        assert (high["lifetime_value_cny"], high["revenue_cny"], high["high_tier_revenue_share"]) == (
            110000.0,
            50000.0,
            1.0,
        )
        # B repurchased; G's only order in time is 18 months old (the later one is after the range).
        assert _pick(mid, "customers", "buyers", "repurchase_rate", "churn_rate") == (2, 1, 0.5, 0.5)
        assert _pick(mid, "lifetime_value_cny", "revenue_cny", "high_tier_revenue_share") == (7000, 13000, 0)
        assert (potential["customers"], potential["repurchase_rate"], potential["lifetime_value_cny"]) == (
            2,
            0.0,
            1750.0,
        )
        # D: one order 13 months before the end of the range; never-bought E and refunded-only F absent.
        assert _pick(none, "customers", "churn_rate", "revenue_cny", "high_tier_revenue_share") == (
            1,
            1.0,
            0.0,
            None,
        )
        cohorts = {c["cohort"]: c for c in data["cohorts"]}
        assert list(cohorts) == ["2023-Q2", "2024-Q2", "2024-Q4", "2025-Q1", "2025-Q4"]
        q1 = cohorts["2025-Q1"]  # B and I (I's first order is 1 a.m. on New Year's Day, local time)
        assert _pick(q1, "customers", "buyers", "repurchasers", "lifetime_value_cny") == (2, 2, 1, 6750)
        assert (cohorts["2023-Q2"]["high_tier_revenue_share"], cohorts["2024-Q4"]["churn_rate"]) == (1.0, 1.0)

    async def test_an_earlier_range_sees_only_what_had_happened(
        self, db: Database, client: httpx.AsyncClient, shop: None
    ) -> None:
        _u, token = await staff_token(db, role=Role.ADMIN)
        # By the end of 2024 only A, D and G had bought (I's order is 1 a.m. on 2025-01-01 local);
        # A's last order then was 2023-05-10, more than 12 months back: churned at that point.
        r = await _report(client, token, **{"from": "2024-01-01", "to": "2024-12-31"})
        total = r.json()["total"]
        assert (total["customers"], total["buyers"], total["churned"]) == (3, 2, 1)
        assert _pick(total, "repurchasers", "revenue_cny", "high_tier_revenue_share") == (0, 3000, 0)

    async def test_no_orders_at_all_is_an_empty_report(self, db: Database, client: httpx.AsyncClient) -> None:
        _u, token = await staff_token(db, role=Role.SUPERVISOR)
        data = (await _report(client, token)).json()
        assert data["total"]["customers"] == 0 and data["total"]["churn_rate"] is None
        assert data["cohorts"] == [] and [t["customers"] for t in data["tiers"]] == [0, 0, 0, 0]

    async def test_only_supervisors_and_admins_and_bad_ranges_are_422(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _u, agent = await staff_token(db, role=Role.AGENT)
        assert (await _report(client, agent)).status_code == 403
        _s, sup = await staff_token(db, role=Role.SUPERVISOR)
        r = await _report(client, sup, **{"from": "2025-02-01", "to": "2025-01-01"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_range"
        r = await _report(client, sup, **{"from": "2025-13-45"})
        assert r.status_code == 422


class TestSheetAndPage:
    async def test_csv_for_people_in_chinese(
        self, db: Database, client: httpx.AsyncClient, shop: None
    ) -> None:
        _u, token = await staff_token(db, role=Role.SUPERVISOR)
        r = await client.get(
            "/api/v1/analytics/customer-value.csv", params={**RANGE, "lang": "zh_CN"}, headers=bearer(token)
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
        assert rows[0][:4] == ["维度", "分组", "客户数", "本期购买客户"]
        assert rows[1] == ["合计", "全部客户", "6", "4", "33.3%", "33.3%", "21583.33", "66500.00", "75.2%"]
        by_name = {row[1]: row for row in rows}
        assert by_name["高价值"][6] == "110000.00" and by_name["2025年第1季度"][2] == "2"

    async def test_reports_page_shows_the_chinese_section(
        self, db: Database, client: httpx.AsyncClient, shop: None
    ) -> None:
        await login(client, db, Role.SUPERVISOR)
        page = await client.get("/reports", params={"from": "2025-01-01", "to": "2025-12-31"}, headers=HTML)
        assert page.status_code == 200, page.text
        text = page.text
        assert "客户价值" in text and "按会员等级" in text and "按首购季度" in text
        assert "¥21,583.33" in text and "¥110,000" in text and "75.2%" in text
        assert "2025年第1季度" in text and "高价值" in text
        assert 'data-cohort="2023-Q2"' in text and "2023-Q2<" not in text


def _goal(metric: str, comparison: str, target: float) -> dict[str, Any]:
    return {"name": "", "metric": metric, "comparison": comparison, "target": target, "period": "month"}


class TestGoals:
    async def test_high_tier_share_and_churn_are_goal_metrics(
        self, db: Database, client: httpx.AsyncClient, shop: None
    ) -> None:
        _a, admin = await staff_token(db, role=Role.ADMIN)
        for body in (_goal("high_tier_revenue_share", "at_least", 80), _goal("churn_rate", "at_most", 40)):
            r = await client.post("/api/v1/goals", json=body, headers=bearer(admin))
            assert r.status_code == 201, r.text
        r = await client.get("/api/v1/goals/attainment", params=RANGE, headers=bearer(admin))
        assert r.status_code == 200, r.text
        got = {g["metric"]: g for g in r.json()["items"]}
        share, churn = got["high_tier_revenue_share"], got["churn_rate"]
        assert (share["value"], share["met"], share["value_text"]) == (0.7519, False, "75.2%")
        assert (churn["value"], churn["met"]) == (0.3333, True)
        assert share["label"] == "高价值客户销售额占比"
