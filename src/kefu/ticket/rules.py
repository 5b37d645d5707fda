"""Ticket rules without I/O: status transitions, the category tree, custom-field values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

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
