"""The history customers' purchases: paid (and a few refunded) orders over the last 30
months, with the points they earned, and each customer's loyalty tier computed from them by
the loyalty rules themselves — so the nightly recalculation keeps the tiers the history's
tickets and chats were routed by (VIP专席, priorities) instead of resetting everyone to
"none", and 客户价值 (repurchase, churn, lifetime value by tier and cohort) has data.

Profiles, by share of the customer base: never bought; lapsed (bought 13–30 months ago only:
churned); a first purchase this year; regulars (a few orders, some before the window); and
business buyers (several large orders this year). Prices are 星辰电子's range, from earbuds
to bulk orders of phones and tablets for companies."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kefu.loyalty.tiers import DEFAULT_CONFIG, earned_points, repurchases, tier_for
from kefu.models.loyalty import OrderStatus

WINDOW = timedelta(days=365)  # the loyalty rules' rolling 12 months
# (profile, share, orders (min, max), amount CNY (min, max), months back (min, max))
PROFILES: list[tuple[str, float, tuple[int, int], tuple[int, int], tuple[int, int]]] = [
    ("never", 0.30, (0, 0), (0, 0), (0, 0)),
    ("lapsed", 0.15, (1, 2), (199, 6_999), (13, 30)),
    ("first", 0.25, (1, 1), (199, 8_999), (0, 11)),
    ("regular", 0.21, (2, 5), (399, 12_999), (0, 26)),
    ("business", 0.09, (4, 9), (6_000, 32_000), (0, 14)),
]
REFUND_SHARE = 0.04


def purchases(
    rng: random.Random, ids: Any, customer_id: int, now: datetime
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(tier, order rows, points rows) of one customer; `ids.take(table)` gives row ids."""
    profile = rng.choices(PROFILES, [p[1] for p in PROFILES])[0]
    _, _, (low_n, high_n), (low_amount, high_amount), (low_m, high_m) = profile
    orders: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    for _ in range(rng.randint(low_n, high_n)):
        placed = now - timedelta(
            days=rng.uniform(low_m * 30.4, high_m * 30.4 + 30), minutes=rng.randrange(1440)
        )
        placed = min(placed, now - timedelta(hours=2))
        amount = Decimal(rng.randrange(low_amount, high_amount + 1)).quantize(Decimal("1.00"))
        refunded = rng.random() < REFUND_SHARE
        order_id = ids.take("orders")
        orders.append(
            {
                "id": order_id,
                "customer_id": customer_id,
                "external_id": order_no(order_id),
                "amount": amount,
                "currency": "CNY",
                "amount_cny": amount,
                "placed_at": placed,
                "status": OrderStatus.REFUNDED if refunded else OrderStatus.PAID,
                "created_at": placed,
            }
        )
    orders.sort(key=lambda o: o["placed_at"])
    paid = [o for o in orders if o["status"] == OrderStatus.PAID]
    window = [o for o in paid if o["placed_at"] >= now - WINDOW]
    spend = sum((o["amount_cny"] for o in window), Decimal(0))
    first_in = bool(paid) and paid[0]["placed_at"] >= now - WINDOW
    tier = tier_for(spend, len(window), repurchases(len(window), first_in)) if window else "none"
    for o in orders:
        earned = earned_points(o["amount_cny"], tier if o in window else "potential", DEFAULT_CONFIG)
        points.append(_points(ids, customer_id, earned, "earn", o))
        if o["status"] == OrderStatus.REFUNDED:
            points.append(
                _points(ids, customer_id, -earned, "refund", o, later=timedelta(days=rng.randint(2, 9)))
            )
    return tier, orders, points


def order_no(order_id: int) -> str:
    """ "XC" + 10 digits, unique per id and never ending in 0000: the demo ERP answers such
    numbers with a stable status (and 0000 with "not found")."""
    return f"XC{260_000 + order_id // 9000:06d}{1000 + order_id % 9000:04d}"


def _points(
    ids: Any,
    customer_id: int,
    delta: int,
    reason: str,
    order: dict[str, Any],
    later: timedelta = timedelta(0),
) -> dict[str, Any]:
    return {
        "id": ids.take("points_ledger"),
        "customer_id": customer_id,
        "delta": delta,
        "reason": reason,
        "order_id": order["id"],
        "note": "",
        "created_at": order["placed_at"] + later,
    }
