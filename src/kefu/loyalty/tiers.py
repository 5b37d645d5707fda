"""Tier rules (pure), from the seed plans, on rolling 12-month spend and purchase count.

- none: no purchase in the last 12 months
- high (高价值): spend ≥ 50,000 CNY and ≥ 3 purchases
- mid (中价值): spend ≥ 10,000 CNY, or at least one repurchase (≥ 2 purchases)
- potential (潜力): otherwise — a first purchase below 10,000 CNY
The plans say "1–2 repurchases" for mid; customers with more repurchases but little spend are
kept in mid as well (they are more loyal, not less). Benefits are data, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HIGH_SPEND = Decimal(50_000)
MID_SPEND = Decimal(10_000)
ADVISOR_SPEND = Decimal(100_000)


@dataclass(frozen=True)
class Benefits:
    points_multiplier: Decimal
    redeem_bonus: Decimal  # extra value per point when redeeming (high: +20 %)
    routing_boost: int
    discount_percent: int
    priority_queue: bool
    free_onsite_service: bool


BENEFITS = {
    "high": Benefits(Decimal("1.5"), Decimal("0.2"), 30, 10, True, True),
    "mid": Benefits(Decimal("1.2"), Decimal("0"), 10, 5, False, False),
    "potential": Benefits(Decimal("1.0"), Decimal("0"), 0, 0, False, False),
    "none": Benefits(Decimal("1.0"), Decimal("0"), 0, 0, False, False),
}


def tier_for(spend_cny: Decimal, purchases: int) -> str:
    if purchases <= 0:
        return "none"
    if spend_cny >= HIGH_SPEND and purchases >= 3:
        return "high"
    if spend_cny >= MID_SPEND or purchases >= 2:
        return "mid"
    return "potential"


def earned_points(amount_cny: Decimal, tier: str) -> int:
    """1 point per whole CNY, times the multiplier of the tier the customer holds."""
    return int(
        (amount_cny * BENEFITS.get(tier, BENEFITS["none"]).points_multiplier).to_integral_value("ROUND_FLOOR")
    )
