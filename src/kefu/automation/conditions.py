"""Trigger conditions and action plans (pure).

A condition is {"field", "op", "value"}; fields are ticket facts (status, priority, type,
channel, group_id, category, tags, tier, subject) plus, for SLA events, metric. Operators:
is, is_not, in, not_in, contains, not_contains, starts_with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kefu.errors import Unprocessable

FIELDS = {
    "status",
    "priority",
    "type",
    "channel",
    "group_id",
    "category",
    "tags",
    "tier",
    "subject",
    "metric",
}
OPS = {"is", "is_not", "in", "not_in", "contains", "not_contains", "starts_with"}
ACTIONS = {
    "set_priority",
    "raise_priority",
    "set_status",
    "set_group",
    "assign",
    "add_tags",
    "notify_supervisors",
    "acknowledge",  # a message to the customer on the ticket (and by email on email tickets)
}
MAX_ACKNOWLEDGEMENT = 2000
PRIORITY_UP = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}


def validate(conditions: Sequence[Mapping[str, Any]], actions: Sequence[Mapping[str, Any]]) -> None:
    for c in conditions:
        if c.get("field") not in FIELDS or c.get("op") not in OPS:
            raise Unprocessable(
                f"invalid condition {dict(c)}: field in {sorted(FIELDS)}, op in {sorted(OPS)}",
                code="invalid_condition",
            )
    if not actions:
        raise Unprocessable("a trigger needs at least one action", code="invalid_action")
    for a in actions:
        if a.get("action") not in ACTIONS:
            raise Unprocessable(
                f"unknown action {a.get('action')!r}; one of {sorted(ACTIONS)}", code="invalid_action"
            )
        text = a.get("value")
        if a["action"] == "acknowledge" and (
            not isinstance(text, str) or not text.strip() or len(text) > MAX_ACKNOWLEDGEMENT
        ):
            raise Unprocessable(
                "自动回复需要 1–2000 字的内容 / an acknowledgement needs a text of 1–2000 characters",
                code="invalid_action",
            )


def holds(condition: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    actual = facts.get(condition["field"])
    op, value = condition["op"], condition.get("value")
    if op == "is":
        return bool(actual == value)
    if op == "is_not":
        return bool(actual != value)
    if op in ("in", "not_in"):
        inside = actual in (value or [])
        return inside if op == "in" else not inside
    if op in ("contains", "not_contains"):
        found = value in actual if isinstance(actual, list | tuple | str) else False
        return found if op == "contains" else not found
    if op == "starts_with":
        return (
            isinstance(actual, str)
            and isinstance(value, str)
            and (actual == value or actual.startswith(value))
        )
    return False


def all_hold(conditions: Sequence[Mapping[str, Any]], facts: Mapping[str, Any]) -> bool:
    return all(holds(c, facts) for c in conditions)


def ticket_changes(actions: Sequence[Mapping[str, Any]], facts: Mapping[str, Any]) -> dict[str, Any]:
    """The field changes the actions ask for (notifications are handled separately)."""
    changes: dict[str, Any] = {}
    for a in actions:
        kind, value = a["action"], a.get("value")
        if kind == "set_priority":
            changes["priority"] = value
        elif kind == "raise_priority":
            changes["priority"] = PRIORITY_UP.get(
                str(changes.get("priority", facts.get("priority"))), "urgent"
            )
        elif kind == "set_status":
            changes["status"] = value
        elif kind == "set_group":
            changes["group_id"] = value
        elif kind == "assign":
            changes["assignee_id"] = value
        elif kind == "add_tags":
            tags = list(changes.get("tags", facts.get("tags") or []))
            changes["tags"] = list(dict.fromkeys([*tags, *(value or [])]))
    return changes
