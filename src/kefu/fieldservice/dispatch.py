"""Which service points may take an order, best first (pure).

A point qualifies when it is active, covers the order's city (its own city or one in its
coverage list; "深圳市" and "深圳" are the same city) and repairs the device's product line.
Own points come before partners (cheaper, we control quality); then the least loaded share
of the day's capacity; then the lower id, so the choice is deterministic. Capacity itself is
reserved atomically in the database, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

SUFFIXES = ("特别行政区", "自治州", "地区", "市", "盟")


def norm_city(name: str) -> str:
    name = name.strip()
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Candidate:
    id: int
    kind: str
    city: str
    coverage: tuple[str, ...]
    product_lines: tuple[str, ...]
    daily_capacity: int
    booked: int = 0
    active: bool = True


def covers(point: Candidate, city: str) -> bool:
    wanted = norm_city(city)
    return wanted == norm_city(point.city) or wanted in {norm_city(c) for c in point.coverage}


def rank(
    points: list[Candidate], *, city: str, product_line: str, exclude: frozenset[int] = frozenset()
) -> list[int]:
    eligible = [
        p
        for p in points
        if p.active
        and p.id not in exclude
        and p.daily_capacity > 0
        and p.booked < p.daily_capacity
        and product_line in p.product_lines
        and covers(p, city)
    ]
    eligible.sort(key=lambda p: (p.kind != "own", p.booked / p.daily_capacity, p.id))
    return [p.id for p in eligible]
