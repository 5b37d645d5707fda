"""SLA breach patterns (pure): the period's breaches grouped by metric and ticket category
(or skill group when the ticket has no category), biggest first — each row can become a
限期整改 improvement item."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Breach:
    ticket_id: int
    metric: str  # first_reply | next_reply | resolution | acknowledge
    category: str
    group: str  # the skill group's name ("" = none)


@dataclass
class Pattern:
    key: str  # "first_reply|cat:售后/退款" or "resolution|group:投诉处理组"
    metric: str
    dimension: str  # category | group | none
    value: str
    ticket_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ticket_ids)


def patterns(breaches: Iterable[Breach], *, min_count: int = 1, limit: int = 30) -> list[Pattern]:
    out: dict[str, Pattern] = {}
    for b in breaches:
        if b.category:
            dim, value = "category", b.category
        elif b.group:
            dim, value = "group", b.group
        else:
            dim, value = "none", ""
        key = f"{b.metric}|{dim}:{value}"
        p = out.setdefault(key, Pattern(key=key, metric=b.metric, dimension=dim, value=value))
        if b.ticket_id not in p.ticket_ids:
            p.ticket_ids.append(b.ticket_id)
    rows = [p for p in out.values() if p.count >= min_count]
    rows.sort(key=lambda p: (-p.count, p.key))
    return rows[:limit]
