"""Who gets a waiting conversation (pure): skills, spare capacity, sticky owner, load order."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    load: int
    capacity: int
    skills: frozenset[str] = frozenset()
    last_assigned_at: datetime | None = None

    @property
    def spare(self) -> int:
        return self.capacity - self.load


@dataclass(frozen=True)
class Waiting:
    conversation_id: int
    priority: int
    first_queued_at: datetime
    queued_at: datetime
    required_skills: frozenset[str] = field(default_factory=frozenset)
    sticky_agent_id: int | None = None
    sticky_until: datetime | None = None


def queue_order(item: Waiting) -> tuple[int, datetime, int]:
    """Higher priority first, then the longest wait, then arrival."""
    return (-item.priority, item.first_queued_at, item.conversation_id)


def sticky_pending(item: Waiting, now: datetime) -> bool:
    return item.sticky_agent_id is not None and item.sticky_until is not None and now < item.sticky_until


def candidates_for(item: Waiting, agents: list[Candidate], now: datetime) -> tuple[list[Candidate], str]:
    """Agents to try in order, and the rule that chose them. While a sticky owner is still
    awaited only that agent qualifies (else nobody yet)."""
    able = [a for a in agents if a.spare > 0 and item.required_skills <= a.skills]
    if item.sticky_agent_id is not None:
        owner = [a for a in able if a.user_id == item.sticky_agent_id]
        if owner:
            return owner, "sticky_owner"
        if sticky_pending(item, now):
            return [], "waiting_for_owner"
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    # Least loaded relative to capacity, then the one idle longest.
    able.sort(key=lambda a: (a.load / a.capacity, a.last_assigned_at or epoch, a.user_id))
    return able, "least_loaded"


def overflow_due(item: Waiting, after_seconds: int, now: datetime) -> bool:
    return after_seconds > 0 and (now - item.queued_at).total_seconds() >= after_seconds


def eta_seconds(position: int, agents_online: int, avg_handle_seconds: float, capacity_each: int = 1) -> int:
    """Expected wait for the `position`-th in line: slots free up at the rate the online
    agents' concurrent chats finish. Nobody online: 0, there is no rate to estimate from."""
    if position <= 0 or agents_online <= 0:
        return 0
    slots = max(1, agents_online * max(1, capacity_each))
    return math.ceil(position / slots * avg_handle_seconds)
