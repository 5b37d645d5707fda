"""Customer value from orders (pure): first-purchase cohorts by calendar quarter, the per
(tier, cohort) cells the repository sums in SQL, and the rates people read. Definitions are
in docs/customer-value.md.

Only paid orders count (a refunded order is as if it never happened, as in the loyalty
tiers). A customer is counted once they have bought before the end of the range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

TIERS = ("high", "mid", "potential", "none")
CHURN_MONTHS = 12
MAX_COHORTS = 120  # 30 years of quarters; older first purchases share the oldest cohort


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def next_quarter(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def quarter_key(start: date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def cohort_bounds(first: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[str, datetime]]:
    """(cohort key, UTC instant it ends) for every local calendar quarter from the one holding
    `first` to the one holding `end`; the repository assigns each customer the first cohort
    whose end is after their first purchase."""
    last = quarter_start(end.astimezone(tz).date())
    q = quarter_start(first.astimezone(tz).date())
    out: list[tuple[str, datetime]] = []
    while q <= last:
        nxt = next_quarter(q)
        out.append((quarter_key(q), datetime.combine(nxt, time(), tz).astimezone(UTC)))
        q = nxt
    if len(out) > MAX_COHORTS:
        out = out[-MAX_COHORTS:]
    return out


def months_before(instant: datetime, months: int) -> datetime:
    """The same wall-clock day `months` earlier (the 29th of Feb becomes the 28th)."""
    total = instant.year * 12 + instant.month - 1 - months
    year, month = divmod(total, 12)
    day = instant.day
    while True:
        try:
            return instant.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


@dataclass
class Cell:
    """Sums over the customers of one (tier, cohort), all additive."""

    customers: int = 0  # had a paid order before the end of the range
    buyers: int = 0  # a paid order inside the range
    repurchasers: int = 0  # a paid order inside the range that was not their first ever
    churned: int = 0  # last paid order more than 12 months before the end of the range
    lifetime_cny: Decimal = field(default_factory=lambda: Decimal(0))  # paid orders before the end
    revenue_cny: Decimal = field(default_factory=lambda: Decimal(0))  # paid orders inside the range
    high_revenue_cny: Decimal = field(default_factory=lambda: Decimal(0))  # of which high-tier customers

    def add(self, other: Cell) -> None:
        self.customers += other.customers
        self.buyers += other.buyers
        self.repurchasers += other.repurchasers
        self.churned += other.churned
        self.lifetime_cny += other.lifetime_cny
        self.revenue_cny += other.revenue_cny
        self.high_revenue_cny += other.high_revenue_cny


def _ratio(part: int | Decimal, whole: int | Decimal) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def row(cell: Cell) -> dict[str, float | int | None]:
    """A cell in the API's terms: counts, rates 0..1 (None without customers) and CNY."""
    return {
        "customers": cell.customers,
        "buyers": cell.buyers,
        "repurchasers": cell.repurchasers,
        "repurchase_rate": _ratio(cell.repurchasers, cell.customers),
        "churned": cell.churned,
        "churn_rate": _ratio(cell.churned, cell.customers),
        "lifetime_value_cny": _money(cell.lifetime_cny / cell.customers) if cell.customers else None,
        "lifetime_cny": _money(cell.lifetime_cny),
        "revenue_cny": _money(cell.revenue_cny),
        "high_tier_revenue_share": _ratio(cell.high_revenue_cny, cell.revenue_cny),
    }


@dataclass(frozen=True)
class Rollup:
    total: Cell
    by_tier: dict[str, Cell]
    by_cohort: dict[str, Cell]


def roll_up(cells: dict[tuple[str, str], Cell]) -> Rollup:
    """Totals per tier, per cohort and overall from the (tier, cohort) cells."""
    total = Cell()
    by_tier: dict[str, Cell] = {t: Cell() for t in TIERS}
    by_cohort: dict[str, Cell] = {}
    for (tier, cohort), cell in sorted(cells.items(), key=lambda kv: kv[0][1]):
        total.add(cell)
        by_tier.setdefault(tier if tier in by_tier else "none", Cell()).add(cell)
        by_cohort.setdefault(cohort, Cell()).add(cell)
    return Rollup(total, by_tier, by_cohort)


def cny(value: float | None) -> str:
    """`¥12,345.67` (`¥12,345` for whole yuan); `—` when unknown."""
    if value is None:
        return "—"
    text = f"{value:,.2f}"
    return "¥" + (text[:-3] if text.endswith(".00") else text)


def cohort_label(key: str, locale: str = "zh_CN") -> str:
    """`2026-Q1` → `2026年第1季度` for Chinese readers."""
    year, _, q = key.partition("-Q")
    return f"{year}年第{q}季度" if locale.startswith("zh") else f"Q{q} {year}"
