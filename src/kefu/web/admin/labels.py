"""Words for the codes admin objects store (each a message id, translated when shown)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kefu.web.crud import N_

PRIORITY = {
    "urgent": N_("priority_urgent"),
    "high": N_("priority_high"),
    "normal": N_("priority_normal"),
    "low": N_("priority_low"),
}
STATUS = {
    "new": N_("status_new"),
    "open": N_("status_open"),
    "pending": N_("status_pending"),
    "hold": N_("status_hold"),
    "solved": N_("status_solved"),
    "closed": N_("status_closed"),
}
TYPE = {
    "question": N_("type_question"),
    "incident": N_("type_incident"),
    "problem": N_("type_problem"),
    "task": N_("type_task"),
}
CHANNEL = {
    "chat": N_("channel_chat"),
    "email": N_("channel_email"),
    "phone": N_("channel_phone"),
    "wechat": N_("channel_wechat"),
    "portal": N_("channel_portal"),
    "web": N_("channel_web"),
    "app": N_("channel_app"),
    "api": N_("channel_api"),
    "service_point": N_("channel_service_point"),
}
TIER = {
    "high": N_("tier_high"),
    "mid": N_("tier_mid"),
    "potential": N_("tier_potential"),
    "none": N_("tier_none"),
}
METRIC = {
    "acknowledge": N_("metric_acknowledge"),
    "first_reply": N_("metric_first_reply"),
    "next_reply": N_("metric_next_reply"),
    "resolution": N_("metric_resolution"),
}
ROLE = {"agent": N_("agent"), "supervisor": N_("supervisor"), "admin": N_("admin")}
WEEKDAY = [
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
]


def options(table: dict[str, str], _: Callable[[str], str]) -> list[tuple[str, str]]:
    return [(code, _(label)) for code, label in table.items()]


def words(table: dict[str, str], codes: Iterable[object], _: Callable[[str], str], sep: str = "、") -> str:
    return sep.join(_(table[str(c)]) if str(c) in table else str(c) for c in codes)


def minutes_text(minutes: int | float, _: Callable[[str], str]) -> str:
    """2天3小时 / 1小时30分钟 / 45分钟 / 30秒 — a duration for people."""
    total = round(minutes * 60)
    if total < 60:
        return _("{n} s").format(n=total)
    m = total // 60
    d, rest = divmod(m, 1440)
    h, mm = divmod(rest, 60)
    parts = []
    if d:
        parts.append(_("{n} d").format(n=d))
    if h:
        parts.append(_("{n} h").format(n=h))
    if mm and not d:
        parts.append(_("{n} min").format(n=mm))
    return "".join(parts) if _("{n} h") != "{n} h" else " ".join(parts)
