"""Redeem points for catalogue rewards; coupon templates staff hand out as gifts.

One transaction does it all: lock the customer row (PostgreSQL; SQLite serialises writers
with BEGIN IMMEDIATE), check the ledger balance, take one unit of stock with a conditional
UPDATE, append the debit to the points ledger and create what the points bought — a coupon for
a voucher, a pending fulfilment record for a product or service. Any refusal raises and rolls
the whole transaction back, so points are never overdrawn and stock never goes below 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import SYSTEM, Perm, Principal, ensure_can_see_customer, require
from kefu.config import current_settings
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models import Customer
from kefu.models.loyalty import (
    Coupon,
    CouponTemplate,
    PointsEntry,
    Redemption,
    RedemptionStatus,
    Referral,
    Reward,
    RewardKind,
)
from kefu.rewards import referral_codes
from kefu.rewards.repository import rewards_repository
from kefu.rewards.schemas import RewardCreate, TemplateCreate

CENT = Decimal("0.01")


def _actor(principal: Principal) -> str:
    return f"user:{principal.id}" if principal.is_staff else f"customer:{principal.customer_id}"


class RewardsService:
    async def create(self, session: AsyncSession, principal: Principal, data: RewardCreate) -> Reward:
        require(principal, Perm.SETTINGS_MANAGE)
        reward = Reward(
            name=data.name.strip(),
            kind=data.kind,
            points=data.points,
            value_cny=data.value_cny,
            stock=data.stock,
            validity_days=data.validity_days,
            active=True,
            created_at=utcnow(),
        )
        session.add(reward)
        await session.flush()
        audit_service.record(
            session, "reward.created", actor=principal, target_type="reward", target_id=reward.id
        )
        return reward

    async def catalogue(self, session: AsyncSession, principal: Principal) -> Sequence[Reward]:
        # Customers see what they can redeem; admins also see retired rewards.
        return await rewards_repository.rewards(
            session, active_only=not (principal.is_staff and principal.can(Perm.SETTINGS_MANAGE))
        )

    async def _customer(self, session: AsyncSession, principal: Principal, customer_id: int) -> Customer:
        """The locked customer row, after checking who may spend their points: the customer
        themself, or staff who may change customers (others' customers are a 404)."""
        ensure_can_see_customer(principal, customer_id)
        if principal.is_staff:
            require(principal, Perm.CUSTOMERS_WRITE)
        customer = await rewards_repository.lock_customer(session, customer_id)
        if customer is None:
            raise NotFound("客户不存在 / customer not found")
        return customer

    async def redeem(
        self, session: AsyncSession, principal: Principal, customer_id: int, reward_id: int
    ) -> Redemption:
        customer = await self._customer(session, principal, customer_id)
        reward = await rewards_repository.reward(session, reward_id)
        if reward is None or not reward.active:
            raise NotFound("奖励不存在 / reward not found")
        balance = await loyalty_service.balance(session, customer_id)
        if reward.points > balance:
            raise Conflict(
                f"积分不足 / not enough points: balance {balance}, needs {reward.points}",
                code="insufficient_points",
            )
        if not await rewards_repository.take_stock(session, reward_id):
            raise Conflict("库存不足 / this reward is out of stock", code="out_of_stock")
        session.add(
            PointsEntry(
                customer_id=customer_id,
                delta=-reward.points,
                reason="redeem",
                note=f"兑换 {reward.name}"[:300],
                created_at=utcnow(),
            )
        )
        value = reward.value_cny
        coupon_id: int | None = None
        if reward.kind == RewardKind.VOUCHER and value is not None:
            # The tier's redemption bonus (high: +20 %) raises what the voucher is worth.
            bonus = (await loyalty_service.config(session)).benefit(customer.tier).redeem_bonus
            value = (value * (1 + bonus)).quantize(CENT)
            coupon_id = await loyalty_service.issue(
                session, customer_id, reason="redemption", amount=value, validity_days=reward.validity_days
            )
        redemption = Redemption(
            customer_id=customer_id,
            reward_id=reward_id,
            points=reward.points,
            value_cny=value,
            status=RedemptionStatus.ISSUED if coupon_id is not None else RedemptionStatus.PENDING,
            coupon_id=coupon_id,
            actor=_actor(principal),
            created_at=utcnow(),
        )
        session.add(redemption)
        await session.flush()
        audit_service.record(
            session,
            "reward.redeemed",
            actor=principal,
            target_type="customer",
            target_id=customer_id,
            detail={"reward_id": reward_id, "points": reward.points, "redemption_id": redemption.id},
        )
        return redemption

    async def cancel(self, session: AsyncSession, principal: Principal, redemption_id: int) -> Redemption:
        """Undo a redemption: the points come back, the stock too, the voucher is void. A
        voucher already used, or a fulfilled order, cannot be cancelled."""
        redemption = await rewards_repository.redemption(session, redemption_id)
        if redemption is None:
            raise NotFound("兑换记录不存在 / redemption not found")
        await self._customer(session, principal, redemption.customer_id)
        await session.refresh(redemption)  # re-read under the customer lock
        if redemption.status not in (RedemptionStatus.ISSUED, RedemptionStatus.PENDING):
            raise Conflict(
                f"无法取消 / this redemption is {redemption.status}", code="redemption_not_cancellable"
            )
        if redemption.coupon_id is not None and not await rewards_repository.void_coupon(
            session, redemption.coupon_id
        ):
            raise Conflict("优惠券已使用或失效 / the voucher was already used", code="coupon_unavailable")
        session.add(
            PointsEntry(
                customer_id=redemption.customer_id,
                delta=redemption.points,
                reason="refund",
                note=f"取消兑换 #{redemption.id}",
                created_at=utcnow(),
            )
        )
        await rewards_repository.return_stock(session, redemption.reward_id)
        redemption.status, redemption.cancelled_at = RedemptionStatus.CANCELLED, utcnow()
        audit_service.record(
            session,
            "reward.redemption_cancelled",
            actor=principal,
            target_type="customer",
            target_id=redemption.customer_id,
            detail={"redemption_id": redemption.id, "points": redemption.points},
        )
        return redemption

    async def redemptions(
        self, session: AsyncSession, principal: Principal, customer_id: int
    ) -> Sequence[Redemption]:
        ensure_can_see_customer(principal, customer_id)
        return await rewards_repository.redemptions(session, customer_id, 200)

    # --- coupon templates: a fixed amount or a percentage off, issued by staff ------------
    async def create_template(
        self, session: AsyncSession, principal: Principal, data: TemplateCreate
    ) -> CouponTemplate:
        require(principal, Perm.SETTINGS_MANAGE)
        if (data.amount is None) == (data.percent is None):
            raise Unprocessable(
                "给出金额或折扣百分比之一 / give either amount or percent", code="invalid_template"
            )
        if await rewards_repository.template_by_name(session, data.name) is not None:
            raise Conflict("模板已存在 / template exists", code="template_exists")
        template = CouponTemplate(
            name=data.name,
            amount=data.amount,
            percent=data.percent,
            validity_days=data.validity_days,
            active=True,
        )
        session.add(template)
        await session.flush()
        return template

    async def templates(self, session: AsyncSession, principal: Principal) -> Sequence[CouponTemplate]:
        require(principal, Perm.TICKETS_WORK)
        return await rewards_repository.templates(session)

    async def issue_from_template(
        self, session: AsyncSession, principal: Principal, customer_id: int, template_id: int
    ) -> Coupon:
        require(principal, Perm.CUSTOMERS_WRITE)
        await customer_service.get(session, principal, customer_id)
        template = await rewards_repository.template(session, template_id)
        if template is None or not template.active:
            raise NotFound("优惠券模板不存在 / coupon template not found")
        coupon_id = await loyalty_service.issue(
            session,
            customer_id,
            reason="manual",
            amount=template.amount or Decimal(0),
            validity_days=template.validity_days,
            percent=template.percent,
            template_id=template.id,
        )
        coupon = await rewards_repository.coupon(session, coupon_id or 0)
        if coupon is None:  # a random code collided: nothing was issued
            raise Conflict("请重试 / please try again", code="coupon_code_taken")
        audit_service.record(
            session,
            "coupon.issued",
            actor=principal,
            target_type="customer",
            target_id=customer_id,
            detail={"template": template.name},
        )
        return coupon

    # --- referral codes and links (self-service) ---------------------------------------------
    def referral_code(self, customer_id: int) -> str:
        return referral_codes.code_for(current_settings().secret_key, customer_id)

    def referral_link(self, customer_id: int) -> str:
        return current_settings().public_url.rstrip("/") + "/r/" + self.referral_code(customer_id)

    async def referrer_of_code(self, session: AsyncSession, code: str) -> Customer:
        customer_id = referral_codes.customer_of(current_settings().secret_key, code)
        customer = await session.get(Customer, customer_id) if customer_id else None
        if customer is None or customer.erased_at is not None:
            raise NotFound("invalid referral link", code="bad_referral_code")
        return customer

    async def join_by_referral(
        self, session: AsyncSession, code: str, *, name: str, email: str | None, phone: str | None
    ) -> Referral:
        """A friend opens the link and leaves their details: they become a customer (or are
        found by address) and the referral is registered; the coupons follow their first
        order (loyalty's rule). Someone already referred or already buying is a 409."""
        referrer = await self.referrer_of_code(session, code)
        if not email and not phone:
            raise Unprocessable("give an email address or a mobile number", code="contact_needed")
        friend = await customer_service.find_or_create(
            session, CustomerCreate(name=name, email=email or None, phone=phone or None)
        )
        return await loyalty_service.refer(session, SYSTEM, referrer.id, friend.id)

    async def my_referrals(self, session: AsyncSession, principal: Principal) -> list[dict[str, object]]:
        """The customer's own referrals (the friend's name masked) with their status."""
        me = principal.customer_id
        if me is None:
            raise NotFound("customer not found", code="customer_not_found")
        out: list[dict[str, object]] = []
        for r in await loyalty_service.referrals(session, principal, me):
            if r.referrer_id != me:
                continue
            friend = await session.get(Customer, r.referred_id)
            name = (friend.name if friend else "") or "—"
            out.append(
                {
                    "name": name[:1] + "*" * max(len(name) - 1, 1),
                    "status": r.status,
                    "created_at": r.created_at,
                }
            )
        return out


rewards_service = RewardsService()
