"""Loyalty tiers with their thresholds and benefits, the rewards every member gets, and
service-compensation rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import Field as PField
from pydantic import field_validator

from kefu.kit.schemas import Schema
from kefu.loyalty.schemas import RuleCreate
from kefu.loyalty.service import loyalty_service
from kefu.loyalty.tiers import Benefits, LoyaltyConfig, Programme, TierRules
from kefu.web.admin.labels import METRIC, TIER, options
from kefu.web.crud import N_, AdminView, Column, Ctx, Field, FieldError

ORDER = ("high", "mid", "potential", "none")
BENEFIT_LABELS = {
    "points_multiplier": N_("Points per CNY (multiplier)"),
    "redeem_bonus": N_("Extra redemption value (0.2 = +20 %)"),
    "routing_boost": N_("Queue priority boost"),
    "discount_percent": N_("Exclusive discount (%)"),
    "priority_queue": N_("Chats go to the VIP queue"),
    "ticket_priority": N_("After-sales priority in the ticket queue"),
    "free_onsite_service": N_("Free on-site service"),
    "early_access": N_("New-product early access"),
    "first_service_free": N_("First after-sales service free"),
    "birthday_coupon_cny": N_("Birthday coupon (CNY, 0 = none)"),
    "welcome_coupon_cny": N_("Welcome pack coupon with the first order (CNY, 0 = none)"),
}
# Stored in the configuration (API) but not offered here (none today; a switch that changes
# nothing would mislead).
HIDDEN_BENEFITS: set[str] = set()
THRESHOLDS = {
    "high": (
        ("high_spend", N_("12-month spend above (CNY)")),
        ("high_repurchases", N_("Repurchases at least")),
    ),
    "mid": (
        ("mid_spend", N_("12-month spend at least (CNY)")),
        ("mid_repurchases", N_("Repurchases at least")),
    ),
}
ADVISOR = ("advisor_spend", N_("Dedicated advisor from a yearly spend of (CNY)"))


@dataclass
class TierRow:
    id: int
    code: str
    name: str  # the tier in the user's language
    benefits: Benefits
    config: LoyaltyConfig


class TierForm(Benefits):
    high_spend: Decimal | None = PField(default=None, ge=0)
    high_repurchases: int | None = PField(default=None, ge=0, le=1000)
    mid_spend: Decimal | None = PField(default=None, ge=0)
    mid_repurchases: int | None = PField(default=None, ge=1, le=1000)


def _benefit_fields() -> list[Field]:
    def kind(annotation: object) -> str:
        return "check" if annotation is bool else "number" if annotation is int else "text"

    return [
        Field(name, BENEFIT_LABELS[name], kind=kind(info.annotation))
        for name, info in Benefits.model_fields.items()
        if name not in HIDDEN_BENEFITS
    ]


def _num(value: Decimal) -> str:
    """2 → "2", 1.50 → "1.5", 0.2 × 100 → "20" (no trailing zeros, no exponent)."""
    return format(value.normalize(), "f")


def _cny(amount: Decimal) -> str:
    return f"¥{amount:,.2f}".replace(".00", "")


def _benefits_text(ctx: Ctx, b: Benefits) -> str:
    parts = [ctx._("{x}× points").format(x=_num(b.points_multiplier))]
    if b.redeem_bonus:
        parts.append(ctx._("+{p} % redemption value").format(p=_num(b.redeem_bonus * 100)))
    if b.discount_percent:
        parts.append(ctx._("{p} % discount").format(p=b.discount_percent))
    if b.priority_queue:
        parts.append(ctx._("Chats go to the VIP queue"))
    if b.ticket_priority:
        parts.append(ctx._("After-sales priority in the ticket queue"))
    if b.free_onsite_service:
        parts.append(ctx._("Free on-site service"))
    if b.early_access:
        parts.append(ctx._("New-product early access"))
    if b.first_service_free:
        parts.append(ctx._("First after-sales service free"))
    if b.birthday_coupon_cny:
        parts.append(ctx._("{amount} birthday coupon").format(amount=_cny(b.birthday_coupon_cny)))
    if b.welcome_coupon_cny:
        parts.append(ctx._("{amount} welcome pack").format(amount=_cny(b.welcome_coupon_cny)))
    return "，".join(parts)


def _threshold_text(ctx: Ctx, row: TierRow) -> str:
    r = row.config.rules
    if row.code == "high":
        return ctx._("spend above {spend} CNY and ≥ {n} repurchases").format(
            spend=f"{r.high_spend:,.0f}", n=r.high_repurchases
        )
    if row.code == "mid":
        return ctx._("spend ≥ {spend} CNY or ≥ {n} repurchases").format(
            spend=f"{r.mid_spend:,.0f}", n=r.mid_repurchases
        )
    if row.code == "potential":
        return ctx._("a first purchase, or spend below {spend} CNY").format(spend=f"{r.mid_spend:,.0f}")
    return ctx._("no purchase in the last 12 months")


class TierView(AdminView):
    slug = "tiers"
    title = N_("Loyalty tiers")
    noun = N_("tier")
    remove = ""
    can_create = False
    create_schema = TierForm
    intro = N_(
        "Tiers are recalculated from each customer's orders of the last 12 months; a repurchase "
        "is any order after the customer's first. Changes apply at the next recalculation."
    )
    columns = (
        Column(N_("Tier"), lambda ctx, t: t.name),
        Column(N_("Who"), _threshold_text),
        Column(N_("Benefits"), lambda ctx, t: _benefits_text(ctx, t.benefits)),
    )
    fields = (
        *_benefit_fields(),
        *(
            Field(n, label, kind="number" if n.endswith("repurchases") else "text")
            for pair in THRESHOLDS.values()
            for n, label in pair
        ),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        config = await loyalty_service.config(ctx.session)
        return [
            TierRow(i + 1, code, ctx._(TIER[code]), config.benefit(code), config)
            for i, code in enumerate(ORDER)
        ]

    def label(self, obj: Any) -> str:
        return str(obj.name)

    def form_fields(self, obj: Any | None) -> Sequence[Field]:
        names = set(Benefits.model_fields) - HIDDEN_BENEFITS
        if obj is not None:
            names |= {n for n, _label in THRESHOLDS.get(obj.code, ())}
        return [f for f in self.fields if f.name in names]

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        assert obj is not None  # tiers are fixed: only edited
        return {**obj.benefits.model_dump(), **obj.config.rules.model_dump()}

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        config = await loyalty_service.config(ctx.session)
        kept = config.benefit(obj.code).model_dump(include=HIDDEN_BENEFITS)
        benefits = Benefits.model_validate(
            {**data.model_dump(include=set(Benefits.model_fields) - HIDDEN_BENEFITS), **kept}
        )
        thresholds = {
            k: v for k, v in data.model_dump(exclude=set(Benefits.model_fields)).items() if v is not None
        }
        rules = {**config.rules.model_dump(), **thresholds}
        if rules["high_spend"] < rules["mid_spend"]:
            field = "high_spend" if obj.code == "high" else "mid_spend"
            raise FieldError(field, N_("The high tier's spend must not be below the mid tier's."))
        new = config.model_copy(
            update={
                "rules": TierRules.model_validate(rules),
                "benefits": {**config.benefits, obj.code: benefits},
            }
        )
        await loyalty_service.set_config(ctx.session, ctx.principal, new)
        return TierRow(obj.id, obj.code, obj.name, benefits, new)


@dataclass
class ProgrammeRow:
    id: int
    name: str
    programme: Programme
    advisor_spend: Decimal


PROGRAMME_FIELDS = (
    Field(
        "birthday_points_multiplier",
        N_("Points multiplier in the birthday month"),
        required=True,
        help=N_(
            "Applied on top of the tier's multiplier to orders placed in the birthday month; "
            "1 = nothing extra."
        ),
    ),
    Field("referrer_reward_cny", N_("Referral: coupon for the referrer (CNY)"), required=True),
    Field("referred_reward_cny", N_("Referral: coupon for the new customer (CNY)"), required=True),
    Field(
        "referral_validity_days",
        N_("Referral coupons valid for (days)"),
        kind="number",
        required=True,
        help=N_("Both coupons are issued when the referred customer's first order is recorded."),
    ),
    Field(
        "long_term_years",
        N_("Long-term award: purchases in each of this many consecutive years"),
        kind="number",
        required=True,
    ),
    Field("long_term_reward_cny", N_("Long-term award coupon (CNY, 0 = none)"), required=True),
    Field("long_term_validity_days", N_("Long-term award valid for (days)"), kind="number", required=True),
    Field("anniversary_coupon_cny", N_("Purchase anniversary coupon (CNY, 0 = none)"), required=True),
    Field(
        ADVISOR[0],
        ADVISOR[1],
        help=N_(
            "Customers whose rolling 12-month spend reaches this can get a dedicated advisor from "
            "the advisor group; the advisor is removed when their spend falls below it."
        ),
    ),
)


class ProgrammeForm(Programme):
    advisor_spend: Decimal | None = PField(default=None, ge=0, le=100_000_000)  # blank: unchanged

    @field_validator("advisor_spend", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value == "" else value


def _referral_text(ctx: Ctx, r: ProgrammeRow) -> str:
    p = r.programme
    return ctx._("{a} to the referrer, {b} to the new customer, at the new customer's first order").format(
        a=_cny(p.referrer_reward_cny), b=_cny(p.referred_reward_cny)
    )


def _long_term_text(ctx: Ctx, r: ProgrammeRow) -> str:
    p = r.programme
    return ctx._("{amount} after purchases in each of {n} consecutive years").format(
        amount=_cny(p.long_term_reward_cny), n=p.long_term_years
    )


class ProgrammeView(AdminView):
    """Rewards for every member, whatever the tier: one row, only edited."""

    slug = "loyalty-programme"
    title = N_("Member rewards")
    noun = N_("member rewards")
    remove = ""
    can_create = False
    create_schema = ProgrammeForm
    intro = N_("Rewards for every member whatever the tier: birthday month, referrals and long-term loyalty.")
    columns = (
        Column(
            N_("Birthday month"),
            lambda ctx, r: ctx._("{x}× points").format(x=_num(r.programme.birthday_points_multiplier)),
        ),
        Column(N_("Referral"), _referral_text),
        Column(N_("Long-term award"), _long_term_text),
        Column(
            N_("Dedicated advisor"),
            lambda ctx, r: ctx._("from a 12-month spend of {amount}").format(amount=_cny(r.advisor_spend)),
        ),
    )
    fields = PROGRAMME_FIELDS

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        config = await loyalty_service.config(ctx.session)
        return [ProgrammeRow(1, ctx._("Member rewards"), config.programme, config.rules.advisor_spend)]

    def label(self, obj: Any) -> str:
        return str(obj.name)

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        assert obj is not None
        values = {**obj.programme.model_dump(), ADVISOR[0]: obj.advisor_spend}
        return {k: (_num(v) if isinstance(v, Decimal) else v) for k, v in values.items()}

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        config = await loyalty_service.config(ctx.session)
        programme = Programme.model_validate(data.model_dump(exclude={ADVISOR[0]}))
        rules = config.rules
        if data.advisor_spend is not None:
            rules = rules.model_copy(update={ADVISOR[0]: data.advisor_spend})
        await loyalty_service.set_config(
            ctx.session, ctx.principal, config.model_copy(update={"programme": programme, "rules": rules})
        )
        return ProgrammeRow(obj.id, obj.name, programme, rules.advisor_spend)


class CompensationForm(Schema):
    metric: str = PField(pattern="^(acknowledge|first_reply|next_reply|resolution)$")
    tier: str | None = PField(default=None, pattern="^(high|mid|potential|none)$")
    amount: Decimal = PField(gt=0, max_digits=10, decimal_places=2)
    validity_days: int = PField(gt=0, le=3650)
    active: bool = True


class CompensationView(AdminView):
    slug = "compensation"
    title = N_("Compensation rules")
    noun = N_("compensation rule")
    remove = "deactivate"
    create_schema = CompensationForm
    intro = N_(
        "When a ticket misses an SLA target, its customer receives one coupon "
        "per matching rule (超时自动补偿)."
    )
    columns = (
        Column(N_("Missed target"), lambda ctx, r: ctx._(METRIC.get(r.metric, r.metric))),
        Column(
            N_("Customer tier"), lambda ctx, r: ctx._(TIER[r.tier]) if r.tier in TIER else ctx._("All tiers")
        ),
        Column(N_("Coupon"), lambda ctx, r: f"¥{r.amount:,.2f}"),
        Column(N_("Valid for"), lambda ctx, r: ctx._("{n} days").format(n=r.validity_days)),
    )
    fields = (
        Field("metric", N_("Missed target"), kind="select", choices="metric"),
        Field("tier", N_("Customer tier"), kind="select", choices="tier", blank=N_("All tiers")),
        Field("amount", N_("Coupon amount (CNY)"), required=True),
        Field("validity_days", N_("Valid for (days)"), kind="number"),
        Field("active", N_("Active"), kind="check", only="edit"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await loyalty_service.all_rules(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await loyalty_service.get_rule(ctx.session, ctx.principal, key)

    def label(self, obj: Any) -> str:
        return f"¥{obj.amount:,.2f}"

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"metric": options(METRIC, ctx._), "tier": options(TIER, ctx._)}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"metric": "first_reply", "validity_days": 30}
        return {
            "metric": obj.metric,
            "tier": obj.tier,
            "amount": f"{obj.amount:.2f}",
            "validity_days": obj.validity_days,
            "active": obj.active,
        }

    def _rule(self, data: CompensationForm) -> RuleCreate:
        return RuleCreate(
            metric=data.metric, tier=data.tier, amount=data.amount, validity_days=data.validity_days
        )

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await loyalty_service.create_rule(ctx.session, ctx.principal, self._rule(data))

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await loyalty_service.update_rule(
            ctx.session, ctx.principal, obj.id, self._rule(data), active=data.active
        )

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await loyalty_service.deactivate_rule(ctx.session, ctx.principal, obj.id)
