"""Ticket rules without I/O: status transitions (and what each one asks of the SLA clocks),
the category tree, custom-field values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from kefu.errors import Conflict, Unprocessable
from kefu.models.ticket import FieldKind, Ticket, TicketStatus
from kefu.sla.schemas import TicketSlaFacts

S = TicketStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.HOLD, S.SOLVED}),
    S.OPEN: frozenset({S.PENDING, S.HOLD, S.SOLVED}),
    S.PENDING: frozenset({S.OPEN, S.HOLD, S.SOLVED}),
    S.HOLD: frozenset({S.OPEN, S.PENDING, S.SOLVED}),
    S.SOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}
OPEN_STATUSES = frozenset({S.NEW, S.OPEN, S.PENDING, S.HOLD})

DEFAULT_CATEGORIES = (
    "咨询",
    "咨询/产品",
    "咨询/服务",
    "咨询/隐私",
    "购买",
    "购买/订单",
    "购买/支付",
    "购买/发票",
    "购买/优惠",
    "购买/价格",
    "使用",
    "使用/手机",
    "使用/耳机",
    "使用/平板",
    "使用/智能家居",
    "使用/系统",
    "售后",
    "售后/维修",
    "售后/退换货",
    "售后/上门服务",
    "售后/物流",
    "投诉",
    "投诉/服务态度",
    "投诉/物流",
    "投诉/产品质量",
    "投诉/处理流程",
    "投诉/服务补偿",
    "反馈",
    "反馈/建议",
)


def check_transition(old: str, new: str) -> None:
    if old == new:
        return
    if new not in TRANSITIONS.get(old, frozenset()):
        if old == S.CLOSED:
            raise Conflict("工单已关闭，不能再修改状态 / a closed ticket is final", code="invalid_transition")
        raise Conflict(
            f"状态不能从 {old} 变为 {new} / cannot change status from {old} to {new}",
            code="invalid_transition",
        )


def check_category(category: str, extra: Iterable[str]) -> str:
    path = "/".join(p.strip() for p in category.split("/") if p.strip())
    if not path:
        return ""
    if path not in DEFAULT_CATEGORIES and path not in set(extra):
        raise Unprocessable(f"未知分类 / unknown category {path!r}", code="unknown_category")
    return path


def check_custom_fields(
    values: Mapping[str, Any], defs: Mapping[str, tuple[str, list[str], bool]]
) -> dict[str, Any]:
    """Validated values; defs maps key -> (kind, options, required)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in defs:
            raise Unprocessable(f"未知自定义字段 / unknown custom field {key!r}", code="unknown_field")
        kind, options, _required = defs[key]
        if value is None:
            out[key] = None
            continue
        if kind == FieldKind.TEXT:
            if not isinstance(value, str) or len(value) > 2000:
                raise Unprocessable(f"{key}: text up to 2000 characters expected", code="invalid_field")
        elif kind == FieldKind.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Unprocessable(f"{key}: a number expected, got {value!r}", code="invalid_field")
        elif kind == FieldKind.DROPDOWN:
            if value not in options:
                raise Unprocessable(f"{key}: {value!r} is not one of {options}", code="invalid_field")
        elif kind == FieldKind.DATE:
            try:
                date.fromisoformat(str(value))
            except ValueError as exc:
                raise Unprocessable(
                    f"{key}: a YYYY-MM-DD date expected, got {value!r}", code="invalid_field"
                ) from exc
        out[key] = value
    return out


def check_required_fields(values: Mapping[str, Any], defs: Mapping[str, tuple[str, list[str], bool]]) -> None:
    """Required fields bind an agent who solves a ticket, never intake: a chat hand-off, a
    mail, an offline message or a channel's `POST /tickets` always becomes a ticket."""
    missing = [k for k, (_kind, _opts, required) in defs.items() if required and values.get(k) in (None, "")]
    if missing:
        raise Unprocessable(
            f"缺少必填字段 / required custom fields missing: {', '.join(missing)}", code="missing_field"
        )


def normalize_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        t = tag.strip().lower().replace(" ", "_")[:40]
        if t:
            seen[t] = None
    return list(seen)[:30]


def sla_facts(t: Ticket, tier: str) -> TicketSlaFacts:
    """What the SLA engine needs to know of a ticket (policy matching, pauses)."""
    return TicketSlaFacts(
        ticket_id=t.id,
        customer_id=t.customer_id,
        priority=t.priority,
        type=t.type,
        channel=t.channel,
        status=t.status,
        tier=tier,
        group_id=t.group_id,
        tags=tuple(t.tags or ()),
        category=t.category,
        created_at=t.created_at,
    )


# --- a change and what follows from it ------------------------------------------------
@dataclass(frozen=True)
class TicketState:
    """The fields of a ticket that decide its clocks, taken before and after a change."""

    status: str
    group_id: int | None
    assignee_id: int | None
    priority: str
    type: str
    tags: tuple[str, ...]
    category: str


def snapshot(t: Ticket) -> TicketState:
    return TicketState(
        status=t.status,
        group_id=t.group_id,
        assignee_id=t.assignee_id,
        priority=t.priority,
        type=t.type,
        tags=tuple(t.tags or ()),
        category=t.category,
    )


@dataclass(frozen=True)
class Touch:
    """What someone did besides changing fields: `by` is the staff user acting (None for a
    customer or automation), `reply` a message written with the change."""

    by: int | None = None
    groups: tuple[int, ...] | None = None
    reply: Literal["public", "note", "customer"] | None = None


@dataclass(frozen=True)
class Transition:
    """Everything a change asks of the clocks and the events, derived once (rules.transition)
    and carried out by the service's one after-change epilogue, in this field order."""

    created: bool = False
    reopened: bool = False  # solved -> open: counted, `ticket.reopened`
    solved: bool = False  # -> solved: stamped, `ticket.solved`
    closed: bool = False  # -> closed: stamped
    agent_replied: bool | None = None  # the first/next-reply clocks (True: public)
    member_acted: bool = False  # a person acted: the specialist clock may be met
    group_changed: bool = False  # the specialist clock starts or stops
    sla_status: tuple[str, str] | None = None  # the clocks pause, resume, settle, reopen
    refit: bool = False  # a policy input changed: the policy is picked again
    acknowledged: bool = False  # a person took the ticket on (assignee or status)
    customer_replied: bool = False  # the next-reply clock starts


# The fields a policy's filter reads (sla/matching.py): a change re-picks the policy.
POLICY_INPUTS = ("priority", "type", "group_id", "tags", "category")


def customer_wrote(status: str) -> str:
    """The reopen rule: a customer writing on a solved or pending ticket opens it again."""
    return S.OPEN if status in (S.SOLVED, S.PENDING) else status


def transition(before: TicketState | None, after: TicketState, touch: Touch | None = None) -> Transition:
    """What a change (`before` None: a new ticket) asks of the SLA engine, the specialist
    clock and the events. Closing a solved ticket moves no clock (they settled on solving);
    closing an unsolved one (a merge) settles them as solving does."""
    touch = touch or Touch()
    if before is None:
        return Transition(created=True)
    old, new = before.status, after.status
    moved = old != new
    sla_status: tuple[str, str] | None = None
    if moved and not (old == S.SOLVED and new == S.CLOSED):
        sla_status = (old, S.SOLVED if new == S.CLOSED else new)
    staff_reply = touch.reply in ("public", "note")
    return Transition(
        reopened=old == S.SOLVED and new == S.OPEN,
        solved=moved and new == S.SOLVED,
        closed=moved and new == S.CLOSED,
        agent_replied=(touch.reply == "public") if staff_reply else None,
        member_acted=touch.by is not None and (staff_reply or moved),
        group_changed=before.group_id != after.group_id,
        sla_status=sla_status,
        refit=any(getattr(before, f) != getattr(after, f) for f in POLICY_INPUTS),
        acknowledged=touch.by is not None
        and not staff_reply
        and (moved or before.assignee_id != after.assignee_id),
        customer_replied=touch.reply == "customer",
    )
