"""Jinja filters for numbers people read: use these in every template instead of raw values.

    {{ seconds|duration }}            2天3小时 / 2 d 3 h   (— for None)
    {{ seconds|clock }}               1:25:10            {{ minutes * 60|clock(False) }} → 1:25
    {{ rate|pct }}                    95.3%
    {{ value|num }}                   2.5 (at most one decimal)
    {{ amount|money(currency) }}      ¥1,860.00 / US$12.50 (currency defaults to CNY)
    {{ ticket.status|label("status") }}   处理中 — catalog id `status_open`

Label kinds with catalog ids (`<kind>_<value>`): status, priority, type, channel, emotion,
job, presence, chat_status, metric, sla, tier, role, sender, outcome. Python code (CSV,
ECharts data) calls `kefu.kit.humanize` with the request's locale instead.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from kefu.kit import humanize


def _locale(ctx: Context) -> str:
    return str(ctx.get("locale") or "zh_CN")


@pass_context
def duration_filter(ctx: Context, seconds: Any, parts: int = 2) -> str:
    return humanize.duration(seconds, _locale(ctx), parts)


def clock_filter(seconds: Any, with_seconds: bool = True) -> str:
    return humanize.clock(seconds, with_seconds)


def pct_filter(rate: Any, digits: int = 1) -> str:
    return humanize.percent(rate, digits)


def num_filter(value: Any, digits: int = 1) -> str:
    return humanize.number(value, digits)


def money_filter(amount: Any, currency: str = "CNY", digits: int = 2) -> str:
    return humanize.money(amount, currency, digits)


@pass_context
def label_filter(ctx: Context, value: Any, kind: str) -> str:
    return humanize.label(kind, value, _locale(ctx))


FILTERS: dict[str, Any] = {
    "duration": duration_filter,
    "clock": clock_filter,
    "pct": pct_filter,
    "num": num_filter,
    "money": money_filter,
    "label": label_filter,
}


def install(env: Environment) -> None:
    env.filters.update(FILTERS)
