"""SQL conditions for a summary filtered by slice (channel=email, group=3, ...), used by the
repository to read only the rows a filtered window can count.

Each condition is a necessary one: every row whose `Dims` match the filter passes it (the
`Builder` still applies the exact filter in Python). So a condition may let extra rows
through (a key written "03" for group 3, a survey whose ticket but not its chat is email),
never drop a row that counts; where the exact rule is awkward in SQL ("none" categories,
a survey's channel "none") no condition is added and the window is read as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from kefu.models import Customer
from kefu.models.conversation import Conversation
from kefu.models.survey import Survey
from kefu.models.ticket import Ticket

Clause = sa.ColumnElement[bool]
Only = Mapping[str, str]  # dimension -> key, as the summary's `only`
EMPTY: Only = {}  # no slice filter: every row of the window


def _text(col: Any, key: str) -> Clause:
    """Dims keep `value or "none"`: "none" matches NULL, "" and the word itself."""
    if key == "none":
        return sa.or_(col.is_(None), col.in_(("", "none")))
    return col == key  # type: ignore[no-any-return]


def _ident(col: Any, key: str) -> Clause:
    """Dims keep `str(id)` or "none"; a key that is no integer matches no id."""
    if key == "none":
        return col.is_(None)  # type: ignore[no-any-return]
    try:
        return col == int(key)  # type: ignore[no-any-return]
    except ValueError:
        return sa.false()


def _category(col: Any, key: str) -> Clause | None:
    """Top-level category `key`: the category itself or one below it ("投诉" ⊃ "投诉/物流")."""
    if key == "none":
        return None  # "", NULL, "/x", "none", "none/x": left to the builder
    return sa.or_(col == key, col.startswith(key + "/", autoescape=True))


def _conditions(only: Mapping[str, str], columns: Mapping[str, tuple[Any, Any]]) -> list[Clause]:
    """One clause per filter: `columns` maps a dimension to (how it compares, its column)."""
    out = [columns[dim][0](columns[dim][1], key) for dim, key in only.items() if dim in columns]
    return [c for c in out if c is not None]


def ticket_conditions(only: Mapping[str, str]) -> list[Clause]:
    """For a select of tickets outer-joined to their customer (tier)."""
    return _conditions(
        only,
        {
            "channel": (_text, Ticket.channel),
            "group": (_ident, Ticket.group_id),
            "agent": (_ident, Ticket.assignee_id),
            "category": (_category, Ticket.category),
            "tier": (_text, Customer.tier),
        },
    )


def conversation_conditions(only: Mapping[str, str]) -> list[Clause]:
    """For a select of conversations outer-joined to their ticket (category)."""
    return _conditions(
        only,
        {
            "channel": (_text, Conversation.channel),
            "group": (_ident, Conversation.group_id),
            "agent": (_ident, Conversation.assignee_id),
            "category": (_category, Ticket.category),
            "tier": (_text, Conversation.tier),
        },
    )


def survey_conditions(only: Mapping[str, str]) -> list[Clause]:
    """For a select of surveys outer-joined to ticket, conversation and customer. A survey's
    channel is its chat's, else its ticket's, else its own: any of the three may carry it."""
    out: list[Clause | None] = []
    for dim, key in only.items():
        if dim == "channel" and key != "none":
            out.append(sa.or_(Conversation.channel == key, Ticket.channel == key, Survey.channel == key))
        elif dim == "group":
            out.append(_ident(Survey.group_id, key))
        elif dim == "agent":
            out.append(_ident(Survey.agent_id, key))
        elif dim == "category":
            out.append(_category(Ticket.category, key))
        elif dim == "tier":
            out.append(_text(Customer.tier, key))
    return [c for c in out if c is not None]


def of_tickets(stmt: Any, ticket_id: Any, only: Mapping[str, str]) -> Any:
    """Rows of a ticket (clocks, comments) whose ticket may match the filter. (`Any`: a
    select of any columns goes in and comes out.)"""
    conditions = ticket_conditions(only)
    if not conditions:
        return stmt
    out = stmt.join(Ticket, Ticket.id == ticket_id)
    if "tier" in only:  # the tier is the customer's
        out = out.outerjoin(Customer, Customer.id == Ticket.customer_id)
    return out.where(*conditions)


def backlog_filter(stmt: sa.Select[Any], only: Mapping[str, Any]) -> sa.Select[Any]:
    """The exact filter of the open-ticket backlog, counted in SQL alone (no builder after
    it): category "none" is the empty category here, as the backlog has always counted it."""
    for dim, value in only.items():
        none = value == "none"
        if dim == "channel":
            stmt = stmt.where(Ticket.channel == value)
        elif dim == "group":
            stmt = stmt.where(Ticket.group_id.is_(None) if none else Ticket.group_id == int(value))
        elif dim == "agent":
            stmt = stmt.where(Ticket.assignee_id.is_(None) if none else Ticket.assignee_id == int(value))
        elif dim == "category":
            stmt = stmt.where(
                Ticket.category == ""
                if none
                else sa.or_(Ticket.category == value, Ticket.category.like(value + "/%"))
            )
        elif dim == "tier":
            stmt = stmt.where(Customer.tier == value)
    return stmt
