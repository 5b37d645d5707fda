"""Tier rules, benefits and programme-wide rewards (pure): data with the plans' defaults,
admin-editable.

Defaults (plan 003), on rolling 12-month spend and **repurchases** — paid orders in the
window other than the customer's very first order:
- none: no purchase in the last 12 months
- high (高价值): spend above 50,000 CNY and ≥ 3 repurchases
- mid (中价值): spend 10,000–50,000 CNY, or 1–2 repurchases
- potential (潜力): otherwise — a first purchase, or spend below 10,000 CNY
The plan says "1–2 repurchases" for mid; customers with more repurchases but little spend are
kept in mid as well (they are more loyal, not less).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

TIERS = ("none", "potential", "mid", "high")


class TierRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    high_spend: Decimal = Field(default=Decimal(50_000), ge=0)  # spend strictly above this
    high_repurchases: int = Field(default=3, ge=0)
    mid_spend: Decimal = Field(default=Decimal(10_000), ge=0)  # spend at least this
    mid_repurchases: int = Field(default=1, ge=1)
    advisor_spend: Decimal = Field(default=Decimal(100_000), ge=0)

    @model_validator(mode="before")
    @classmethod
    def _legacy_purchase_counts(cls, data: Any) -> Any:
        """Configurations saved before repurchases counted purchases (`high_purchases: 3`
        meant 3 orders, i.e. 2 repurchases); read them in today's terms."""
        if isinstance(data, dict) and ("high_purchases" in data or "mid_purchases" in data):
            data = dict(data)
            for old, new in (("high_purchases", "high_repurchases"), ("mid_purchases", "mid_repurchases")):
                if old in data:
                    value = data.pop(old)
                    if new not in data and isinstance(value, int | str) and str(value).isdigit():
                        data[new] = max(int(value) - 1, 1 if new == "mid_repurchases" else 0)
        return data

    @model_validator(mode="after")
    def _ordered(self) -> TierRules:
        if self.high_spend < self.mid_spend:
            raise ValueError("high_spend must not be below mid_spend")
        return self


class Benefits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points_multiplier: Decimal = Field(default=Decimal(1), ge=0, le=100)
    redeem_bonus: Decimal = Field(default=Decimal(0), ge=0, le=10)  # extra value per point (high: +20 %)
    routing_boost: int = Field(default=0, ge=0, le=1000)  # places ahead in the chat queue
    discount_percent: int = Field(default=0, ge=0, le=100)
    priority_queue: bool = False  # chats go to the VIP queue (VIP专席)
    # After-sales tickets ahead in the ticket queue. Stored for the ticket domain to read;
    # the ticket queue does not order by it yet.
    ticket_priority: bool = False
    free_onsite_service: bool = False
    early_access: bool = False  # new-product early access (shown to the customer)
    # A customer's first after-sales service order costs nothing (field service fees).
    first_service_free: bool = False
    birthday_coupon_cny: Decimal = Field(default=Decimal(0), ge=0, le=100_000)
    # A coupon with the order that makes a customer a member of this tier for the first time
    # (their first order ever); 0 = none.
    welcome_coupon_cny: Decimal = Field(default=Decimal(0), ge=0, le=100_000)


def _default_benefits() -> dict[str, Benefits]:
    return {
        "high": Benefits(
            # Double points like mid: moving up never earns less.
            points_multiplier=Decimal(2),
            redeem_bonus=Decimal("0.2"),
            routing_boost=30,
            discount_percent=15,
            priority_queue=True,
            ticket_priority=True,
            free_onsite_service=True,
            early_access=True,
            birthday_coupon_cny=Decimal(200),
        ),
        "mid": Benefits(
            points_multiplier=Decimal(2),
            routing_boost=10,
            ticket_priority=True,
            birthday_coupon_cny=Decimal(100),
        ),
        "potential": Benefits(
            first_service_free=True,
            birthday_coupon_cny=Decimal(50),
            welcome_coupon_cny=Decimal(30),
        ),
        "none": Benefits(),
    }


class Programme(BaseModel):
    """Rewards that do not depend on the tier."""

    model_config = ConfigDict(extra="forbid")
    # Points earned on an order placed in the customer's birthday month are multiplied by
    # this on top of the tier's multiplier (1 = nothing extra).
    birthday_points_multiplier: Decimal = Field(default=Decimal(2), ge=1, le=10)
    # Referral: both coupons when the referred customer's first order is recorded.
    referrer_reward_cny: Decimal = Field(default=Decimal(100), ge=0, le=100_000)
    referred_reward_cny: Decimal = Field(default=Decimal(50), ge=0, le=100_000)
    referral_validity_days: int = Field(default=90, ge=1, le=3650)
    # Long-term award: paid orders in each of this many consecutive calendar years.
    long_term_years: int = Field(default=5, ge=2, le=30)
    long_term_reward_cny: Decimal = Field(default=Decimal(200), ge=0, le=100_000)
    long_term_validity_days: int = Field(default=365, ge=1, le=3650)
    anniversary_coupon_cny: Decimal = Field(default=Decimal(30), ge=0, le=100_000)


class LoyaltyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: TierRules = Field(default_factory=TierRules)
    benefits: dict[str, Benefits] = Field(default_factory=_default_benefits)
    programme: Programme = Field(default_factory=Programme)

    @model_validator(mode="after")
    def _all_tiers(self) -> LoyaltyConfig:
        missing = set(TIERS) - set(self.benefits)
        extra = set(self.benefits) - set(TIERS)
        if missing or extra:
            raise ValueError(f"benefits must name exactly the tiers {list(TIERS)}")
        return self

    def benefit(self, tier: str) -> Benefits:
        return self.benefits.get(tier, self.benefits["none"])


DEFAULT_CONFIG = LoyaltyConfig()


def repurchases(orders_in_window: int, first_order_in_window: bool) -> int:
    """Orders in the window after the customer's very first order."""
    return max(orders_in_window - (1 if first_order_in_window else 0), 0)


def tier_for(
    spend_cny: Decimal, orders: int, repurchased: int, rules: TierRules = DEFAULT_CONFIG.rules
) -> str:
    """`orders` paid orders in the window, `repurchased` of them after the first ever."""
    if orders <= 0:
        return "none"
    if spend_cny > rules.high_spend and repurchased >= rules.high_repurchases:
        return "high"
    if spend_cny >= rules.mid_spend or repurchased >= rules.mid_repurchases:
        return "mid"
    return "potential"


def earned_points(
    amount_cny: Decimal,
    tier: str,
    config: LoyaltyConfig = DEFAULT_CONFIG,
    *,
    birthday_month: bool = False,
) -> int:
    """1 point per whole CNY, times the multiplier of the tier the customer holds (and the
    birthday-month multiplier for an order in the customer's birthday month)."""
    factor = config.benefit(tier).points_multiplier
    if birthday_month:
        factor *= config.programme.birthday_points_multiplier
    return int((amount_cny * factor).to_integral_value("ROUND_FLOOR"))


TIER_MAIL_NAMES = {"high": "高价值会员", "mid": "中价值会员", "potential": "潜力会员"}


def tier_change_mail(customer_name: str | None, new: str) -> tuple[str, str]:
    """(subject, text) of the e-mail that tells a customer they moved up to `new`."""
    name = TIER_MAIL_NAMES.get(new, new)
    return (
        f"恭喜升级为{name}",
        f"{customer_name or '您'}好：\n\n您的会员等级已升级为「{name}」，"
        "积分倍数与专属服务已生效。感谢您对星辰电子的支持！",
    )


def in_birthday_month(birthday: date | None, placed_on: date) -> bool:
    return birthday is not None and birthday.month == placed_on.month


def has_consecutive_years(years: set[int], n: int) -> bool:
    """Purchases in each of `n` consecutive calendar years somewhere in `years`."""
    return any(all(y + k in years for k in range(n)) for y in years)


@dataclass(frozen=True)
class CouponPlan:
    """A coupon an occasion calls for; its fixed `code` makes issuing it idempotent."""

    customer_id: int
    reason: str
    amount: Decimal
    validity_days: int
    code: str


def plan_occasions(
    today: date,
    birthdays: list[tuple[int, int, str]],
    first_orders: list[tuple[int, date]],
    years: dict[int, set[int]],
    config: LoyaltyConfig = DEFAULT_CONFIG,
) -> list[CouponPlan]:
    """The day's occasion coupons: the tier's birthday coupon in the birthday month
    (`birthdays`: customer, month, tier), the first-purchase anniversary, and the long-term
    award for purchases in each of `long_term_years` consecutive years (once per customer)."""
    p = config.programme
    out: list[CouponPlan] = []
    for cid, month, tier in birthdays:
        amount = config.benefit(tier).birthday_coupon_cny
        if month == today.month and amount > 0:
            out.append(CouponPlan(cid, "birthday", amount, 31, f"BD{today.year}-{cid}"))
    for cid, first in first_orders:
        anniversary = today.year > first.year and (first.month, first.day) == (today.month, today.day)
        if anniversary and p.anniversary_coupon_cny > 0:
            code = f"AN{today.year}-{cid}"
            out.append(CouponPlan(cid, "anniversary", p.anniversary_coupon_cny, 30, code))
    if p.long_term_reward_cny > 0:
        for cid, bought in years.items():
            if has_consecutive_years(bought, p.long_term_years):
                code = f"LY{p.long_term_years}-{cid}"
                out.append(
                    CouponPlan(cid, "loyalty", p.long_term_reward_cny, p.long_term_validity_days, code)
                )
    return out
