"""Which SLA policy applies to a ticket (pure): the first active one whose filter matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kefu.sla.schemas import TicketSlaFacts


def _values(raw: Any) -> list[Any]:
    if raw is None:
        return []
    return list(raw) if isinstance(raw, list | tuple) else [raw]


def matches(filter_: Mapping[str, Any], facts: TicketSlaFacts) -> bool:
    for key in ("priority", "type", "channel", "tier", "group_id"):
        wanted = _values(filter_.get(key))
        if wanted and getattr(facts, key) not in wanted:
            return False
    tags = _values(filter_.get("tags"))
    if tags and not set(tags) & set(facts.tags):
        return False
    categories = _values(filter_.get("category"))
    return not categories or any(
        facts.category == c or facts.category.startswith(f"{c}/") for c in categories
    )


def choose(policies: Sequence[Any], facts: TicketSlaFacts) -> Any | None:
    """`policies` sorted by position; each has .filter and .active."""
    for policy in policies:
        if policy.active and matches(policy.filter or {}, facts):
            return policy
    return None
