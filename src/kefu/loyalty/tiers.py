"""Tier rules and benefits (pure): data with the seed plans' defaults, admin-editable.

Defaults, on rolling 12-month spend and purchase count:
- none: no purchase in the last 12 months
- high (高价值): spend ≥ 50,000 CNY and ≥ 3 purchases
- mid (中价值): spend ≥ 10,000 CNY, or at least one repurchase (≥ 2 purchases)
- potential (潜力): otherwise — a first purchase below 10,000 CNY
The plans say "1–2 repurchases" for mid; customers with more repurchases but little spend are
kept in mid as well (they are more loyal, not less).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TIERS = ("none", "potential", "mid", "high")


class TierRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    high_spend: Decimal = Field(default=Decimal(50_000), ge=0)
    high_purchases: int = Field(default=3, ge=1)
    mid_spend: Decimal = Field(default=Decimal(10_000), ge=0)
    mid_purchases: int = Field(default=2, ge=1)
    advisor_spend: Decimal = Field(default=Decimal(100_000), ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> TierRules:
        if self.high_spend < self.mid_spend:
            raise ValueError("high_spend must not be below mid_spend")
        return self


class Benefits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points_multiplier: Decimal = Field(default=Decimal(1), ge=0, le=100)
    redeem_bonus: Decimal = Field(default=Decimal(0), ge=0, le=10)  # extra value per point (high: +20 %)
    routing_boost: int = Field(default=0, ge=0, le=1000)
    discount_percent: int = Field(default=0, ge=0, le=100)
    priority_queue: bool = False
    free_onsite_service: bool = False
    # A customer's first after-sales service order costs nothing (field service fees).
    first_service_free: bool = False


def _default_benefits() -> dict[str, Benefits]:
    return {
        "high": Benefits(
            points_multiplier=Decimal("1.5"),
            redeem_bonus=Decimal("0.2"),
            routing_boost=30,
            discount_percent=10,
            priority_queue=True,
            free_onsite_service=True,
        ),
        "mid": Benefits(points_multiplier=Decimal("1.2"), routing_boost=10, discount_percent=5),
        "potential": Benefits(first_service_free=True),
        "none": Benefits(),
    }


class LoyaltyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: TierRules = Field(default_factory=TierRules)
    benefits: dict[str, Benefits] = Field(default_factory=_default_benefits)

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


def tier_for(spend_cny: Decimal, purchases: int, rules: TierRules = DEFAULT_CONFIG.rules) -> str:
    if purchases <= 0:
        return "none"
    if spend_cny >= rules.high_spend and purchases >= rules.high_purchases:
        return "high"
    if spend_cny >= rules.mid_spend or purchases >= rules.mid_purchases:
        return "mid"
    return "potential"


def earned_points(amount_cny: Decimal, tier: str, config: LoyaltyConfig = DEFAULT_CONFIG) -> int:
    """1 point per whole CNY, times the multiplier of the tier the customer holds."""
    return int((amount_cny * config.benefit(tier).points_multiplier).to_integral_value("ROUND_FLOOR"))
