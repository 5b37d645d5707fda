"""Message templates with a fixed placeholder set (pure).

A template is text with `{name}`-style placeholders from `PLACEHOLDERS` only: an unknown
name, attribute or index access (`{name.__class__}`, `{0}`) or a format spec is refused when
the template is saved, so rendering can never fail or reach into objects. `{{` and `}}` are
literal braces.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "name": "the customer's name",
    "tier": "the customer's tier, in words",
    "points": "points (credited, or the balance)",
    "coupon_amount": "the coupon's amount in CNY",
    "benefit": "the tier's birthday benefit, in words",
    "order_ref": "the order (shipment delay)",
    "promised_at": "the promised delivery date (shipment delay)",
    "company": "the company's name",
    "unsubscribe_url": "the one-click unsubscribe link",
    "articles": "the journey's KB collection: titles and links, one a line",
    "milestone": "the logistics milestone, in words (揽收/中转/派送)",
    "product_line": "the product line bought (onboarding)",
    "years": "years since the first purchase (anniversary)",
    "holiday": "the holiday's name",
    "survey_url": "the survey link (survey invitations)",
    "report_url": "the published 服务升级报告 page",
}

MILESTONE_WORDS = {
    "zh": {"picked_up": "已揽收", "in_transit": "运输中（中转）", "out_for_delivery": "派送中"},
    "en": {"picked_up": "picked up", "in_transit": "in transit", "out_for_delivery": "out for delivery"},
}
HOLIDAY_WORDS = {
    "zh": {
        "new_years_day": "元旦",
        "spring_festival": "春节",
        "tomb_sweeping_day": "清明节",
        "labour_day": "劳动节",
        "dragon_boat_festival": "端午节",
        "mid_autumn_festival": "中秋节",
        "national_day": "国庆节",
    },
    "en": {
        "new_years_day": "New Year's Day",
        "spring_festival": "Spring Festival",
        "tomb_sweeping_day": "Qingming Festival",
        "labour_day": "Labour Day",
        "dragon_boat_festival": "Dragon Boat Festival",
        "mid_autumn_festival": "Mid-Autumn Festival",
        "national_day": "National Day",
    },
}

TIER_WORDS = {
    "zh": {"high": "高价值会员", "mid": "中价值会员", "potential": "潜力会员", "none": "会员"},
    "en": {"high": "Premium member", "mid": "Plus member", "potential": "Member", "none": "Member"},
}


class TemplateError(ValueError):
    """A template that uses something outside the placeholder set."""

    def __init__(self, message: str, names: list[str]) -> None:
        super().__init__(message)
        self.names = names


def placeholders_in(text: str) -> list[str]:
    """Every field the template names (raises TemplateError for malformed braces)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError("unbalanced braces: write {{ and }} for literal braces", []) from exc
    out: list[str] = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion:
            raise TemplateError(f"placeholder {{{field}}} takes no format", [field])
        out.append(field)
    return out


def check(text: str) -> None:
    unknown = [f for f in placeholders_in(text) if f not in PLACEHOLDERS]
    if unknown:
        names = ", ".join("{" + u + "}" for u in dict.fromkeys(unknown))
        raise TemplateError(
            f"unknown placeholder {names}; allowed: " + ", ".join("{" + p + "}" for p in PLACEHOLDERS),
            list(dict.fromkeys(unknown)),
        )


def render(text: str, values: Mapping[str, object]) -> str:
    """Fill a checked template; a placeholder without a value renders empty."""
    check(text)
    filled = {k: "" if values.get(k) is None else str(values.get(k)) for k in PLACEHOLDERS}
    return text.format_map(filled)


def tier_words(tier: str, lang: str) -> str:
    words = TIER_WORDS["en" if lang == "en" else "zh"]
    return words.get(tier, words["none"])


def milestone_words(milestone: str, lang: str) -> str:
    return MILESTONE_WORDS["en" if lang == "en" else "zh"].get(milestone, milestone)


def holiday_words(holiday: str, lang: str) -> str:
    return HOLIDAY_WORDS["en" if lang == "en" else "zh"].get(holiday, holiday)


def amount_text(value: object) -> str:
    """20.00 → "20", 19.90 → "19.9": amounts as people write them."""
    from decimal import Decimal, InvalidOperation

    try:
        return format(Decimal(str(value)).normalize(), "f")
    except (InvalidOperation, ValueError):
        return str(value)
