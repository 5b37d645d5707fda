"""Rewards catalogue and redemption payloads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from kefu.kit.schemas import Id, OutSchema, Schema


class RewardCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["voucher", "product", "service"]
    points: int = Field(gt=0, le=100_000_000)
    value_cny: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    stock: int | None = Field(default=None, ge=0, le=100_000_000)
    validity_days: int = Field(default=90, ge=1, le=3650)

    @model_validator(mode="after")
    def _voucher_has_value(self) -> RewardCreate:
        if self.kind == "voucher" and self.value_cny is None:
            raise ValueError("a voucher needs value_cny")
        return self


class RewardOut(OutSchema):
    id: int
    name: str
    kind: str
    points: int
    value_cny: Decimal | None
    stock: int | None
    validity_days: int
    active: bool


class RedeemReward(Schema):
    reward_id: Id


class RedemptionOut(OutSchema):
    id: int
    customer_id: int
    reward_id: int
    points: int
    value_cny: Decimal | None
    status: str
    coupon_id: int | None
    created_at: datetime
    cancelled_at: datetime | None


class TemplateCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=10, decimal_places=2)
    percent: int | None = Field(default=None, gt=0, lt=100)
    validity_days: int = Field(gt=0, le=3650)


class TemplateOut(OutSchema):
    id: int
    name: str
    amount: Decimal | None
    percent: int | None
    validity_days: int
    active: bool


class IssueCoupon(Schema):
    template_id: Id
