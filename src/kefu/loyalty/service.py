"""Orders feed tiers and points; coupons reward and compensate.

A customer's first order recorded brings the first-order rewards: the tier's welcome coupon
and, for a referred customer, both referral coupons (registered referrals wait for it).

Balances are derived from the append-only ledger. Earn and redeem for one customer are
serialised by locking the customer row first, so a balance is never overdrawn by two
concurrent redemptions. Compensation coupons are unique per (rule, ticket), so a breach event
delivered twice still issues one coupon.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, ensure_can_see_customer, require
from kefu.config import current_settings
from kefu.customer.service import customer_service
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.loyalty.advisor import advisor_service
from kefu.loyalty.events import CouponIssued, OrderRecorded, TierChanged
from kefu.loyalty.repository import loyalty_repository
from kefu.loyalty.schemas import OrderCreate, RuleCreate
from kefu.loyalty.tiers import (
    TIERS,
    LoyaltyConfig,
    earned_points,
    in_birthday_month,
    plan_occasions,
    repurchases,
    tier_change_mail,
    tier_for,
)
from kefu.models import Customer
from kefu.models.loyalty import (
    CompensationRule,
    Coupon,
    CouponStatus,
    Order,
    OrderStatus,
    PointsEntry,
    Referral,
    ReferralStatus,
)
from kefu.outbox.service import mail_service

WINDOW = timedelta(days=365)
POINTS_LIFETIME = timedelta(days=730)
WELCOME_VALIDITY_DAYS = 90


def _local_date(at: datetime) -> date:
    """The calendar day in the company's time zone (birthday months, occasions)."""
    return at.astimezone(ZoneInfo(current_settings().display_timezone)).date()


class LoyaltyService:
    async def _customer(
        self, session: AsyncSession, principal: Principal | None, customer_id: int, *, lock: bool = False
    ) -> Customer:
        if principal is not None:
            ensure_can_see_customer(principal, customer_id)
        customer = (
            await loyalty_repository.lock_customer(session, customer_id)
            if lock
            else await session.get(Customer, customer_id)
        )
        if customer is None:
            raise NotFound("客户不存在 / customer not found")
        return customer

    # --- orders and tiers ---------------------------------------------------------------
    async def record_order(
        self, session: AsyncSession, principal: Principal | None, customer_id: int, data: OrderCreate
    ) -> tuple[Order, bool]:
        """(order, created). The same external id again returns the stored order."""
        if principal is not None:
            require(principal, Perm.ORDERS_RECORD)
        rates = current_settings().currency_rates
        currency = data.currency.upper()
        if currency not in rates:
            raise Unprocessable(
                f"不支持的币种 / unknown currency {data.currency!r}; accepted: {sorted(rates)}",
                code="unknown_currency",
            )
        if data.placed_at > utcnow() + timedelta(days=1):
            # A future order would count towards the tier forever (and year 9999 overflows).
            raise Unprocessable("下单时间不能在未来 / placed_at is in the future", code="order_in_future")
        customer = await self._customer(session, principal, customer_id, lock=True)
        existing = await loyalty_repository.order_by_external(session, data.external_id)
        if existing is not None:
            if existing.customer_id != customer_id or existing.amount != data.amount:
                raise Conflict(
                    f"订单号 {data.external_id} 已用于其他订单 / external id already used",
                    code="order_conflict",
                )
            return existing, False
        first_order = not await loyalty_repository.has_orders(session, customer_id)
        amount_cny = (data.amount * Decimal(str(rates[currency]))).quantize(Decimal("0.01"))
        order = Order(
            customer_id=customer_id,
            external_id=data.external_id,
            amount=data.amount,
            currency=currency,
            amount_cny=amount_cny,
            placed_at=data.placed_at,
            status=OrderStatus.PAID,
        )
        session.add(order)
        await session.flush()
        config = await self.config(session)
        birthday = in_birthday_month(customer.birthday, _local_date(data.placed_at))
        # The tier held when buying; an order in the birthday month earns extra.
        points = earned_points(amount_cny, customer.tier, config, birthday_month=birthday)
        if points:
            session.add(
                PointsEntry(
                    customer_id=customer_id,
                    delta=points,
                    reason="earn",
                    order_id=order.id,
                    note=f"订单 {data.external_id}" + ("（生日月）" if birthday else ""),
                )
            )
        await self.recalculate(session, customer)
        if first_order:
            await self._first_order_rewards(session, customer, order, config)
        await publish(
            session,
            OrderRecorded(
                customer_id=customer_id, order_id=order.id, amount_cny=str(amount_cny), points=points
            ),
        )
        return order, True

    async def refund(self, session: AsyncSession, principal: Principal, order_id: int) -> Order:
        require(principal, Perm.CUSTOMERS_WRITE)
        order = await loyalty_repository.order(session, order_id)
        if order is None:
            raise NotFound("订单不存在 / order not found")
        customer = await self._customer(session, principal, order.customer_id, lock=True)
        if order.status == OrderStatus.REFUNDED:
            raise Conflict("订单已退款 / order already refunded", code="already_refunded")
        order.status = OrderStatus.REFUNDED
        earned = await loyalty_repository.earned_for_order(session, order.id)
        if earned > 0:
            session.add(
                PointsEntry(
                    customer_id=customer.id,
                    delta=-earned,
                    reason="refund",
                    order_id=order.id,
                    note=f"退款 {order.external_id}",
                )
            )
        await self.recalculate(session, customer)
        return order

    async def recalculate(
        self, session: AsyncSession, customer: Customer, *, now: datetime | None = None
    ) -> str:
        spend, count, first_in = await loyalty_repository.window(
            session, customer.id, (now or utcnow()) - WINDOW
        )
        config = await self.config(session)
        await advisor_service.spend_changed(session, customer, spend)  # removed below the threshold
        new = tier_for(spend, count, repurchases(count, first_in), config.rules)
        if new != customer.tier:
            old, customer.tier = customer.tier, new
            await publish(session, TierChanged(customer_id=customer.id, old=old, new=new))
        return new

    async def config(self, session: AsyncSession) -> LoyaltyConfig:
        stored = await loyalty_repository.setting(session, "loyalty")
        return LoyaltyConfig.model_validate(stored) if stored else LoyaltyConfig()

    async def set_config(
        self, session: AsyncSession, principal: Principal, data: LoyaltyConfig
    ) -> LoyaltyConfig:
        """Tier thresholds and benefits are data; the next recalculation applies them."""
        require(principal, Perm.SETTINGS_MANAGE)
        await loyalty_repository.save_setting(session, "loyalty", data.model_dump(mode="json"))
        audit_service.record(
            session, "loyalty.config_changed", actor=principal, detail=data.model_dump(mode="json")
        )
        return data

    async def notify_tier_change(self, session: AsyncSession, customer_id: int, old: str, new: str) -> None:
        """Tell the customer by e-mail when they move up (moving down is not announced)."""
        customer = await session.get(Customer, customer_id)
        if TIERS.index(new) <= TIERS.index(old) or customer is None or customer.erased_at is not None:
            return
        email = await customer_service.primary_email(session, customer_id)
        if email is not None:
            subject, text = tier_change_mail(customer.name, new)
            await mail_service.queue(session, to=email, kind="tier_changed", subject=subject, text=text)

    async def recalculate_all(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """Nightly: one grouped query for everybody; only changed tiers are written."""
        rules = (await self.config(session)).rules
        windows = {
            cid: tier_for(s, n, repurchases(n, first_in), rules)
            for cid, s, n, first_in in await loyalty_repository.windows_all(
                session, (now or utcnow()) - WINDOW
            )
        }
        current = await loyalty_repository.tiers(session)
        changes = {
            cid: windows.get(cid, "none") for cid, tier in current.items() if windows.get(cid, "none") != tier
        }
        await loyalty_repository.set_tiers(session, changes)
        for cid, new in list(changes.items())[:10_000]:
            await publish(session, TierChanged(customer_id=cid, old=current[cid], new=new))
        await advisor_service.sweep(session, now=now)  # spend that aged out of the window
        return len(changes)

    async def orders(self, session: AsyncSession, principal: Principal, customer_id: int) -> Sequence[Order]:
        await self._customer(session, principal, customer_id)
        return await loyalty_repository.orders(session, customer_id, 200)

    # --- points -------------------------------------------------------------------------
    async def balance(self, session: AsyncSession, customer_id: int) -> int:
        return await loyalty_repository.balance(session, customer_id)

    async def ledger(
        self, session: AsyncSession, principal: Principal, customer_id: int
    ) -> tuple[int, Sequence[PointsEntry]]:
        await self._customer(session, principal, customer_id)
        return await self.balance(session, customer_id), await loyalty_repository.ledger(
            session, customer_id, 200
        )

    async def redeem(
        self, session: AsyncSession, principal: Principal, customer_id: int, points: int
    ) -> tuple[int, Decimal]:
        """Spend points (1 point = 0.01 CNY; high tier +20 % value). Never overdraws."""
        customer = await self._customer(session, principal, customer_id, lock=True)
        balance = await loyalty_repository.balance(session, customer_id)
        if points > balance:
            raise Conflict(
                f"积分不足 / not enough points: balance {balance}, asked {points}", code="insufficient_points"
            )
        session.add(PointsEntry(customer_id=customer_id, delta=-points, reason="redeem"))
        bonus = (await self.config(session)).benefit(customer.tier).redeem_bonus
        value = (Decimal(points) / 100 * (1 + bonus)).quantize(Decimal("0.01"))
        return balance - points, value

    async def adjust(
        self, session: AsyncSession, principal: Principal, customer_id: int, delta: int, reason: str
    ) -> int:
        require(principal, Perm.SETTINGS_MANAGE)
        await self._customer(session, principal, customer_id, lock=True)
        balance = await loyalty_repository.balance(session, customer_id)
        if balance + delta < 0:
            raise Conflict("调整后积分为负 / the balance would go negative", code="insufficient_points")
        session.add(
            PointsEntry(
                customer_id=customer_id,
                delta=delta,
                reason="adjust",
                note=reason,
                approver_id=principal.user_id,
            )
        )
        audit_service.record(
            session,
            "points.adjusted",
            actor=principal,
            target_type="customer",
            target_id=customer_id,
            detail={"delta": delta, "reason": reason},
        )
        return balance + delta

    async def expire_points(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """Points expire POINTS_LIFETIME after they were earned (oldest used first)."""
        total = 0
        for customer_id, points in await loyalty_repository.expiring(
            session, (now or utcnow()) - POINTS_LIFETIME
        ):
            session.add(PointsEntry(customer_id=customer_id, delta=-points, reason="expire", note="积分到期"))
            total += points
        return total

    # --- coupons ------------------------------------------------------------------------
    async def coupons(
        self, session: AsyncSession, principal: Principal, customer_id: int
    ) -> Sequence[Coupon]:
        await self._customer(session, principal, customer_id)
        rows = await loyalty_repository.coupons(session, customer_id)
        now = utcnow()
        for c in rows:  # expire lazily on read
            if c.status == CouponStatus.ACTIVE and c.valid_until <= now:
                if session.info.get("read_only"):
                    # A GET shows it expired without writing; redeeming re-checks and stores it.
                    session.expunge(c)
                c.status = CouponStatus.EXPIRED
        return rows

    async def redeem_coupon(self, session: AsyncSession, principal: Principal, coupon_id: int) -> Coupon:
        coupon = await loyalty_repository.coupon(session, coupon_id)
        if coupon is None:
            raise NotFound("优惠券不存在 / coupon not found")
        await self._customer(session, principal, coupon.customer_id, lock=True)
        if coupon.status == CouponStatus.ACTIVE and coupon.valid_until <= utcnow():
            coupon.status = CouponStatus.EXPIRED
        if coupon.status != CouponStatus.ACTIVE:
            raise Conflict(f"优惠券不可用 / coupon is {coupon.status}", code="coupon_unavailable")
        coupon.status, coupon.redeemed_at = CouponStatus.USED, utcnow()
        return coupon

    async def issue(
        self,
        session: AsyncSession,
        customer_id: int,
        *,
        reason: str,
        amount: Decimal,
        validity_days: int,
        ticket_id: int | None = None,
        rule_id: int | None = None,
        code: str | None = None,
        percent: int | None = None,
        template_id: int | None = None,
    ) -> int | None:
        """Issue a coupon; with a fixed `code` it is issued at most once (birthday per year...)."""
        unique_on = ("code",) if code else ("rule_id", "ticket_id")
        coupon_id = await loyalty_repository.insert_coupon_once(
            session,
            {
                "customer_id": customer_id,
                "code": code or "KF" + secrets.token_hex(6).upper(),
                "reason": reason,
                "amount": amount,
                "currency": "CNY",
                "percent": percent,
                "template_id": template_id,
                "status": CouponStatus.ACTIVE,
                "valid_until": utcnow() + timedelta(days=validity_days),
                "ticket_id": ticket_id,
                "rule_id": rule_id,
                "created_at": utcnow(),
            },
            unique_on,
        )
        if coupon_id is not None:
            await publish(
                session,
                CouponIssued(
                    customer_id=customer_id,
                    coupon_id=coupon_id,
                    reason=reason,
                    amount=str(amount),
                    ticket_id=ticket_id,
                ),
            )
        return coupon_id

    # --- occasions: birthday month, purchase anniversary, long-term award, referral ------
    async def issue_occasion_coupons(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """Daily: each coupon has a fixed code per occasion and year, so reruns issue nothing."""
        plans = plan_occasions(
            _local_date(now or utcnow()),
            await loyalty_repository.birthdays(session),
            [(cid, _local_date(first)) for cid, first in await loyalty_repository.first_orders(session)],
            await loyalty_repository.order_years(session),
            await self.config(session),
        )
        issued = 0
        for p in plans:
            if await self.issue(
                session,
                p.customer_id,
                reason=p.reason,
                amount=p.amount,
                validity_days=p.validity_days,
                code=p.code,
            ):
                issued += 1
        return issued

    async def refer(
        self, session: AsyncSession, principal: Principal, referrer_id: int, referred_id: int
    ) -> Referral:
        """Register that `referrer_id` brought in `referred_id`, a customer without orders yet.
        The coupons (100 CNY and 50 CNY by default) follow the referred customer's first order."""
        require(principal, Perm.CUSTOMERS_WRITE)
        if referrer_id == referred_id:
            raise Unprocessable("不能推荐自己 / a customer cannot refer themself", code="self_referral")
        await self._customer(session, principal, referrer_id)
        await self._customer(session, principal, referred_id, lock=True)  # against a racing first order
        if await loyalty_repository.referral_of(session, referred_id) is not None:
            raise Conflict("该客户已被推荐过 / this customer was already referred", code="already_referred")
        if await loyalty_repository.has_orders(session, referred_id):
            raise Conflict(
                "该客户已有订单，推荐只适用于尚未下单的新客户 / the referred customer already has orders; "
                "only new customers can be referred",
                code="referred_has_orders",
            )
        referral = Referral(
            referrer_id=referrer_id,
            referred_id=referred_id,
            status=ReferralStatus.PENDING,
            created_at=utcnow(),
        )
        session.add(referral)
        await session.flush()
        audit_service.record(
            session,
            "referral.registered",
            actor=principal,
            target_type="customer",
            target_id=referred_id,
            detail={"referrer_id": referrer_id},
        )
        return referral

    async def referrals(
        self, session: AsyncSession, principal: Principal, customer_id: int
    ) -> Sequence[Referral]:
        await self._customer(session, principal, customer_id)
        return await loyalty_repository.referrals_of(session, customer_id)

    async def _first_order_rewards(
        self, session: AsyncSession, customer: Customer, order: Order, config: LoyaltyConfig
    ) -> None:
        """The customer's first order: the welcome coupon of the tier it brought them into,
        and the referral coupons if someone referred them (each once, by fixed codes)."""
        welcome = config.benefit(customer.tier).welcome_coupon_cny
        if welcome > 0:
            await self.issue(
                session,
                customer.id,
                reason="welcome",
                amount=welcome,
                validity_days=WELCOME_VALIDITY_DAYS,
                code=f"WP-{customer.id}",
            )
        referral = await loyalty_repository.referral_of(session, customer.id)
        if referral is None or referral.status != ReferralStatus.PENDING:
            return
        p = config.programme
        ids = [
            await self.issue(
                session,
                target,
                reason="referral",
                amount=amount,
                validity_days=p.referral_validity_days,
                code=f"RF{customer.id}-{suffix}",
            )
            if amount > 0
            else None
            for target, amount, suffix in (
                (referral.referrer_id, p.referrer_reward_cny, "A"),
                (customer.id, p.referred_reward_cny, "B"),
            )
        ]
        referral.referrer_coupon_id, referral.referred_coupon_id = ids
        referral.status, referral.order_id, referral.rewarded_at = ReferralStatus.REWARDED, order.id, utcnow()

    # --- service compensation -----------------------------------------------------------
    async def create_rule(
        self, session: AsyncSession, principal: Principal | None, data: RuleCreate
    ) -> CompensationRule:
        if principal is not None:
            require(principal, Perm.SETTINGS_MANAGE)
        rule = CompensationRule(
            metric=data.metric,
            tier=data.tier,
            amount=data.amount,
            validity_days=data.validity_days,
            active=True,
        )
        session.add(rule)
        await session.flush()
        return rule

    async def all_rules(self, session: AsyncSession, principal: Principal) -> Sequence[CompensationRule]:
        """Active and deactivated rules (the admin's list)."""
        require(principal, Perm.SETTINGS_MANAGE)
        return await loyalty_repository.all_rules(session)

    async def get_rule(self, session: AsyncSession, principal: Principal, rule_id: int) -> CompensationRule:
        require(principal, Perm.SETTINGS_MANAGE)
        rule = await loyalty_repository.rule(session, rule_id)
        if rule is None:
            raise NotFound("补偿规则不存在 / compensation rule not found")
        return rule

    async def update_rule(
        self,
        session: AsyncSession,
        principal: Principal,
        rule_id: int,
        data: RuleCreate,
        *,
        active: bool = True,
    ) -> CompensationRule:
        rule = await self.get_rule(session, principal, rule_id)
        rule.metric, rule.tier, rule.amount = data.metric, data.tier, data.amount
        rule.validity_days, rule.active = data.validity_days, active
        audit_service.record(
            session,
            "loyalty.rule_changed",
            actor=principal,
            target_type="compensation_rule",
            target_id=rule.id,
        )
        return rule

    async def deactivate_rule(self, session: AsyncSession, principal: Principal, rule_id: int) -> None:
        """Coupons already issued under the rule stay valid; no new ones are issued."""
        rule = await self.get_rule(session, principal, rule_id)
        rule.active = False

    async def list_rules(self, session: AsyncSession, principal: Principal) -> Sequence[CompensationRule]:
        require(principal, Perm.TICKETS_WORK)
        return await loyalty_repository.rules(session)

    async def compensate(
        self, session: AsyncSession, *, ticket_id: int, customer_id: int | None, metric: str, tier: str
    ) -> int:
        """A breach of `metric` on a ticket: one coupon per matching rule (exactly once)."""
        if customer_id is None:
            return 0
        issued = 0
        for rule in await loyalty_repository.rules(session):
            if rule.metric != metric or (rule.tier is not None and rule.tier != tier):
                continue
            if await self.issue(
                session,
                customer_id,
                reason="compensation",
                amount=rule.amount,
                validity_days=rule.validity_days,
                ticket_id=ticket_id,
                rule_id=rule.id,
            ):
                issued += 1
        return issued


loyalty_service = LoyaltyService()
