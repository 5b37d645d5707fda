"""Loyalty tiers with their thresholds and benefits, and service-compensation rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import Field as PField

from kefu.kit.schemas import Schema
from kefu.loyalty.schemas import RuleCreate
from kefu.loyalty.service import loyalty_service
from kefu.loyalty.tiers import Benefits, LoyaltyConfig
from kefu.web.admin.labels import METRIC, TIER, options
from kefu.web.crud import N_, AdminView, Column, Ctx, Field

ORDER = ("high", "mid", "potential", "none")
BENEFIT_LABELS = {
    "points_multiplier": N_("Points per CNY (multiplier)"),
    "redeem_bonus": N_("Extra redemption value (0.2 = +20 %)"),
    "routing_boost": N_("Queue priority boost"),
    "discount_percent": N_("Exclusive discount (%)"),
    "priority_queue": N_("After-sales priority queue"),
    "free_onsite_service": N_("Free on-site service"),
}
THRESHOLDS = {
    "high": (
        ("high_spend", N_("12-month spend at least (CNY)")),
        ("high_purchases", N_("Purchases at least")),
    ),
    "mid": (("mid_spend", N_("12-month spend at least (CNY)")), ("mid_purchases", N_("Purchases at least"))),
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
    high_purchases: int | None = PField(default=None, ge=1)
    mid_spend: Decimal | None = PField(default=None, ge=0)
    mid_purchases: int | None = PField(default=None, ge=1)
    advisor_spend: Decimal | None = PField(default=None, ge=0)


def _benefit_fields() -> list[Field]:
    out = []
    for name, info in Benefits.model_fields.items():
        kind = "check" if info.annotation is bool else "number" if info.annotation is int else "text"
        out.append(Field(name, BENEFIT_LABELS.get(name, name), kind=kind))
    return out


def _benefits_text(ctx: Ctx, b: Benefits) -> str:
    parts = [ctx._("{x}× points").format(x=f"{b.points_multiplier:g}")]
    if b.redeem_bonus:
        parts.append(ctx._("+{p} % redemption value").format(p=f"{b.redeem_bonus * 100:g}"))
    if b.discount_percent:
        parts.append(ctx._("{p} % discount").format(p=b.discount_percent))
    if b.priority_queue:
        parts.append(ctx._("After-sales priority queue"))
    if b.free_onsite_service:
        parts.append(ctx._("Free on-site service"))
    return "，".join(parts)


def _threshold_text(ctx: Ctx, row: TierRow) -> str:
    r = row.config.rules
    if row.code == "high":
        return ctx._("spend ≥ {spend} CNY and ≥ {n} purchases").format(
            spend=f"{r.high_spend:,.0f}", n=r.high_purchases
        )
    if row.code == "mid":
        return ctx._("spend ≥ {spend} CNY or ≥ {n} purchases").format(
            spend=f"{r.mid_spend:,.0f}", n=r.mid_purchases
        )
    if row.code == "potential":
        return ctx._("a purchase in the last 12 months")
    return ctx._("no purchase in the last 12 months")


class TierView(AdminView):
    slug = "tiers"
    title = N_("Loyalty tiers")
    noun = N_("tier")
    remove = ""
    can_create = False
    create_schema = TierForm
    intro = N_(
        "Tiers are recalculated from each customer's orders of the last 12 months; "
        "changes apply at the next recalculation."
    )
    columns = (
        Column(N_("Tier"), lambda ctx, t: t.name),
        Column(N_("Who"), _threshold_text),
        Column(N_("Benefits"), lambda ctx, t: _benefits_text(ctx, t.benefits)),
    )
    fields = (
        *_benefit_fields(),
        *(Field(n, label, kind="text") for pair in THRESHOLDS.values() for n, label in pair),
        Field(ADVISOR[0], ADVISOR[1]),
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
        names = set(Benefits.model_fields)
        if obj is not None:
            names |= {n for n, _label in THRESHOLDS.get(obj.code, ())}
            if obj.code == "high":
                names.add(ADVISOR[0])
        return [f for f in self.fields if f.name in names]

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        assert obj is not None  # tiers are fixed: only edited
        return {**obj.benefits.model_dump(), **obj.config.rules.model_dump()}

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        config = await loyalty_service.config(ctx.session)
        benefits = Benefits.model_validate(data.model_dump(include=set(Benefits.model_fields)))
        thresholds = {
            k: v for k, v in data.model_dump(exclude=set(Benefits.model_fields)).items() if v is not None
        }
        new = LoyaltyConfig.model_validate(
            {
                "rules": {**config.rules.model_dump(), **thresholds},
                "benefits": {**config.benefits, obj.code: benefits},
            }
        )
        await loyalty_service.set_config(ctx.session, ctx.principal, new)
        return TierRow(obj.id, obj.code, obj.name, benefits, new)


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
