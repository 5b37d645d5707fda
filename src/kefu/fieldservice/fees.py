"""Warranty and the service fee (pure).

Warranty: a device is in warranty until purchase date + the product line's months (or an
extended plan's end). Fee of an order (labour plus the on-site visit, CNY; parts are quoted
separately): 0 in warranty; otherwise 0 for a high-tier customer's on-site order when the
tier's benefits include free on-site service, 0 for a customer's first after-sales order when
the tier's benefits grant it (potential tier by default); else the product line's fees.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

DEFAULT_MONTHS = 12
# Per product line: warranty months, labour fee, on-site visit fee (CNY). Admin-editable rows
# in warranty_rules override these.
DEFAULT_RULES: dict[str, tuple[int, int, int]] = {
    "phone": (12, 150, 50),
    "tablet": (12, 150, 50),
    "laptop": (24, 200, 80),
    "earphones": (12, 60, 30),
    "wearable": (12, 80, 30),
    "smart_home": (24, 100, 60),
}


@dataclass(frozen=True)
class Rule:
    months: int = DEFAULT_MONTHS
    labour_fee_cny: int = 100
    onsite_fee_cny: int = 50


def default_rule(product_line: str) -> Rule:
    months, labour, onsite = DEFAULT_RULES.get(product_line, (DEFAULT_MONTHS, 100, 50))
    return Rule(months, labour, onsite)


def add_months(start: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def warranty_until(purchased: date, rule: Rule, extended_until: date | None = None) -> date:
    base = add_months(purchased, rule.months)
    return max(base, extended_until) if extended_until else base


def in_warranty(until: date, today: date) -> bool:
    return today <= until


@dataclass(frozen=True)
class Fee:
    amount_cny: int
    reason: str  # in_warranty | tier_free_onsite | first_service_free | standard


def service_fee(
    *,
    in_warranty: bool,
    kind: str,
    rule: Rule,
    free_onsite: bool,
    first_service_free: bool,
    is_first_order: bool,
) -> Fee:
    if in_warranty:
        return Fee(0, "in_warranty")
    if kind == "onsite" and free_onsite:
        return Fee(0, "tier_free_onsite")
    if first_service_free and is_first_order:
        return Fee(0, "first_service_free")
    visit = rule.onsite_fee_cny if kind == "onsite" else 0
    return Fee(rule.labour_fee_cny + visit, "standard")
