"""The order tickets are worked in (pure): priority first, then the customers whose loyalty
tier carries the `ticket_priority` benefit — the higher tier first (high before mid by
default) — then the longest waiting. The agents' work views (the ticket repository's
"queue" and "priority" sorts) and routing's automatic ticket assignment both order by this
one definition: `queue_key` in Python, `sql_order` as the same key in SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kefu.loyalty.tiers import TIERS

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
NORMAL_RANK = PRIORITY_RANK["normal"]  # an unknown priority counts as normal


def favoured_order(favoured: Collection[str]) -> list[str]:
    """The favoured tiers, highest first (TIERS runs lowest → highest)."""
    return [t for t in reversed(TIERS) if t in favoured]


def tier_rank(tier: str | None, favoured: Collection[str]) -> int:
    """0 for the highest favoured tier, 1 for the next…; every other tier after them, equal."""
    ordered = favoured_order(favoured)
    return ordered.index(tier) if tier in ordered else len(ordered)


def queue_key(
    priority: str, tier: str | None, favoured: Collection[str], created_at: datetime, ticket_id: int
) -> tuple[int, int, datetime, int]:
    """Sort key of a waiting ticket: priority, loyalty tier, oldest first, then id."""
    return (PRIORITY_RANK.get(priority, NORMAL_RANK), tier_rank(tier, favoured), created_at, ticket_id)


def sql_order(
    priority: Any,
    tier: Any,
    created_at: Any,
    ticket_id: Any,
    favoured: Collection[str],
    *,
    oldest_first: bool = True,
) -> list[sa.ColumnElement[Any]]:
    """`queue_key` as ORDER BY terms over the given columns (`tier`: the customer's tier,
    NULL without a customer). `oldest_first=False` is the "priority" sort of the lists:
    priority and tier as in the queue, then the newest."""
    order: list[sa.ColumnElement[Any]] = [sa.case(PRIORITY_RANK, value=priority, else_=NORMAL_RANK)]
    ordered = favoured_order(favoured)
    if ordered:
        order.append(
            sa.case({t: i for i, t in enumerate(ordered)}, value=tier, else_=len(ordered))  # NULL: else
        )
    if oldest_first:
        order += [created_at.asc(), ticket_id.asc()]
    else:
        order.append(ticket_id.desc())
    return order
