"""The service-order state machine (pure).

created → appointment_confirmed → received (寄修/到店) | arrived (上门) → diagnosed →
quoted → approved | declined → repairing → quality_check → returned | done, and cancelled
before the repair starts. An in-warranty repair may go from diagnosed straight to repairing
(nothing to quote); a failed quality check goes back to repairing.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    APPOINTMENT_CONFIRMED = "appointment_confirmed"
    RECEIVED = "received"
    ARRIVED = "arrived"
    DIAGNOSED = "diagnosed"
    QUOTED = "quoted"
    APPROVED = "approved"
    DECLINED = "declined"
    REPAIRING = "repairing"
    QUALITY_CHECK = "quality_check"
    RETURNED = "returned"
    DONE = "done"
    CANCELLED = "cancelled"


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.APPOINTMENT_CONFIRMED, S.CANCELLED}),
    S.APPOINTMENT_CONFIRMED: frozenset({S.RECEIVED, S.ARRIVED, S.CANCELLED}),
    S.RECEIVED: frozenset({S.DIAGNOSED, S.CANCELLED}),
    S.ARRIVED: frozenset({S.DIAGNOSED, S.CANCELLED}),
    S.DIAGNOSED: frozenset({S.QUOTED, S.REPAIRING, S.CANCELLED}),
    S.QUOTED: frozenset({S.APPROVED, S.DECLINED}),
    S.APPROVED: frozenset({S.REPAIRING}),
    S.DECLINED: frozenset({S.RETURNED, S.DONE}),
    S.REPAIRING: frozenset({S.QUALITY_CHECK}),
    S.QUALITY_CHECK: frozenset({S.RETURNED, S.DONE, S.REPAIRING}),
    S.RETURNED: frozenset({S.DONE}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}
TERMINAL = frozenset({S.DONE, S.CANCELLED})
# Statuses that count as "finished" for turnaround and the portal's rating form.
FINISHED = frozenset({S.RETURNED, S.DONE})
# What the customer may do themself (the rest is the service point's or an agent's work).
CUSTOMER_MOVES = frozenset({S.APPROVED, S.DECLINED, S.CANCELLED})
# What a partner does on its own orders.
PARTNER_MOVES = frozenset(
    {
        S.APPOINTMENT_CONFIRMED,
        S.RECEIVED,
        S.ARRIVED,
        S.DIAGNOSED,
        S.QUOTED,
        S.REPAIRING,
        S.QUALITY_CHECK,
        S.RETURNED,
        S.DONE,
    }
)
# Arrival differs by kind: the engineer arrives on site; a device is received otherwise.
KIND_ONLY: dict[OrderStatus, str] = {S.ARRIVED: "onsite"}
NOT_FOR_KIND: dict[OrderStatus, str] = {S.RECEIVED: "onsite"}


def allowed(current: str, target: str, kind: str) -> bool:
    try:
        src, dst = OrderStatus(current), OrderStatus(target)
    except ValueError:
        return False
    if dst not in TRANSITIONS[src]:
        return False
    if dst in KIND_ONLY and KIND_ONLY[dst] != kind:
        return False
    return not (dst in NOT_FOR_KIND and NOT_FOR_KIND[dst] == kind)


def next_steps(current: str, kind: str) -> list[str]:
    """Legal targets from here, in the machine's order (for buttons)."""
    try:
        src = OrderStatus(current)
    except ValueError:
        return []
    order = list(OrderStatus)
    return [s.value for s in sorted(TRANSITIONS[src], key=order.index) if allowed(current, s, kind)]
