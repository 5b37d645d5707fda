"""Where a conversation handed to people waits, and for whom (pure): which group's queue,
the tier's VIP queue, its place in the queue (the tier's boost), and the agent it waits for
first (熟客优先: the customer's dedicated advisor, else the owner of their open or recent
ticket). The conversation service gathers the facts — one lookup at a time, only those the
rules ask for, since a hand-off can share the customer's message's write unit — and applies
the `Placement`. Who then gets it among the online agents is `scoring.candidates_for`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STICKY_LOOKBACK = timedelta(days=30)  # a ticket solved this recently still has "its" agent
STICKY_WAIT_DEFAULT = timedelta(seconds=60)  # a group without its own sticky wait


def queue_name(
    *, group_id: int | None, group_name: str | None, priority_queue: bool = False, vip_group: str = ""
) -> str | None:
    """The group to look up by name, or None: a group given by id needs no lookup; else the
    group asked for by name (the bot's intent); else the VIP queue (VIP专席, the setting
    `advisor_group`) when the customer's tier has `priority_queue`; else none — the default
    group."""
    if group_id is not None:
        return None
    if group_name:
        return group_name
    if priority_queue and vip_group:
        return vip_group
    return None


def queue_group(given: int | None, named: int | None, default: int | None) -> int | None:
    """The group given by id, else the one found by name, else the default group (a name no
    group has falls back to the default; None only when there is no group at all)."""
    if given is not None:
        return given
    return named if named is not None else default


def sticky_since(now: datetime) -> datetime:
    """How far back a solved or closed ticket still makes its owner the customer's agent."""
    return now - STICKY_LOOKBACK


def sticky_agent(advisor_id: int | None, recent_owner_id: int | None) -> int | None:
    """The agent the conversation waits for first: the customer's dedicated advisor (专属顾问),
    else the owner of their open or recent ticket, else nobody."""
    return advisor_id if advisor_id is not None else recent_owner_id


@dataclass(frozen=True)
class Placement:
    group_id: int | None
    priority: int  # places ahead in the queue (`scoring.queue_order`: higher first)
    sticky_agent_id: int | None = None
    sticky_until: datetime | None = None  # after this anyone may take it


def place(
    *,
    group_id: int | None,
    routing_boost: int,
    sticky_agent_id: int | None,
    sticky_wait_seconds: int | None,
    now: datetime,
) -> Placement:
    """The decision: the queue, the tier's boost as the queue priority, and the sticky agent
    awaited for the group's sticky wait (the default when the group sets none)."""
    if sticky_agent_id is None:
        return Placement(group_id=group_id, priority=routing_boost)
    wait = timedelta(seconds=sticky_wait_seconds) if sticky_wait_seconds is not None else STICKY_WAIT_DEFAULT
    return Placement(
        group_id=group_id, priority=routing_boost, sticky_agent_id=sticky_agent_id, sticky_until=now + wait
    )
