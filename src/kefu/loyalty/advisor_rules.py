"""Dedicated advisors (专属顾问), the decisions without I/O.

- Eligible: rolling 12-month spend at least the admin's threshold (100,000 CNY by default).
  A supervisor or an admin assigns the advisor by hand; when the spend falls below the
  threshold, the advisor is removed automatically.
- A new email, portal or web-form ticket of an advised customer goes to the advisor when the
  advisor is available for tickets: an active account and a presence other than offline (a
  ticket can wait in their list while they are away, not while they are signed out). Else
  normal routing, with the advisor following the ticket (an active account only).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Ticket channels whose new tickets go to the customer's advisor. Chats reach the advisor
# through routing's sticky agent (熟客优先); phone tickets belong to the person who answered.
ADVISOR_CHANNELS = frozenset({"email", "portal", "web"})


def eligible(spend: Decimal, threshold: Decimal) -> bool:
    return spend >= threshold


@dataclass(frozen=True)
class AdvisorState:
    user_id: int
    active: bool  # the account
    presence: str  # the status the advisor chose: online, away, offline


@dataclass(frozen=True)
class TicketRoute:
    assign_to: int | None = None  # the advisor takes it
    follower: int | None = None  # normal routing; the advisor follows


def ticket_route(advisor: AdvisorState | None, channel: str) -> TicketRoute:
    """Where a new unassigned ticket of an advised customer goes."""
    if advisor is None or channel not in ADVISOR_CHANNELS or not advisor.active:
        return TicketRoute()
    if advisor.presence != "offline":
        return TicketRoute(assign_to=advisor.user_id)
    return TicketRoute(follower=advisor.user_id)


def available(advisor: AdvisorState | None) -> bool:
    """For tickets already waiting in a queue (the router's sweep)."""
    return advisor is not None and advisor.active and advisor.presence != "offline"
