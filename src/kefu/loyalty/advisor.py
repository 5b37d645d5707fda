"""Dedicated advisors (专属顾问) for customers whose rolling 12-month spend reaches the
admin's threshold (`rules.advisor_spend`, 100,000 CNY by default).

A supervisor or an admin assigns and reassigns the advisor — an active member of the advisor
group (`KEFU_ADVISOR_GROUP`, VIP专席) — with an audited action; the advisor is removed
automatically when the customer's spend falls below the threshold (at every order or refund
and in the nightly recalculation), audited too, and the advisors hear of every change by
email. Routing gives the customer's new tickets to the advisor (see `advisor_rules`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, ensure_can_see_customer, require, require_staff
from kefu.config import current_settings
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.loyalty.advisor_rules import eligible
from kefu.loyalty.events import AdvisorChanged
from kefu.loyalty.repository import loyalty_repository
from kefu.loyalty.schemas import AdvisorOut, AdvisorRef, BookEntry
from kefu.loyalty.tiers import LoyaltyConfig
from kefu.models import Customer, User
from kefu.outbox.service import mail_service
from kefu.team.service import team_service

WINDOW = timedelta(days=365)  # the rolling 12 months, as for tiers
AUTO_REASON = "spend_below_threshold"


class AdvisorService:
    async def threshold(self, session: AsyncSession) -> Decimal:
        stored = await loyalty_repository.setting(session, "loyalty")
        return (LoyaltyConfig.model_validate(stored) if stored else LoyaltyConfig()).rules.advisor_spend

    async def spend(self, session: AsyncSession, customer_id: int, *, now: datetime | None = None) -> Decimal:
        since = (now or utcnow()) - WINDOW
        return (await loyalty_repository.spend_since(session, [customer_id], since))[customer_id]

    async def group_id(self, session: AsyncSession) -> int | None:
        group = await team_service.by_name(session, current_settings().advisor_group)
        return group.id if group else None

    async def advisors(self, session: AsyncSession) -> list[tuple[User, int]]:
        """Active members of the advisor group with how many customers each advises."""
        gid = await self.group_id(session)
        if gid is None:
            return []
        members = next((g.member_ids for g in await team_service.list_groups(session) if g.id == gid), [])
        users = [u for u in await user_service.list_all(session) if u.id in members and u.is_active]
        counts = await loyalty_repository.advised_counts(session, [u.id for u in users])
        return [(u, counts[u.id]) for u in sorted(users, key=lambda u: u.name)]

    async def is_advisor(self, session: AsyncSession, principal: Principal) -> bool:
        """Members of the advisor group (their menu links 我的客户)."""
        gid = await self.group_id(session) if principal.is_staff else None
        return gid is not None and gid in principal.group_ids

    async def _customer(self, session: AsyncSession, customer_id: int) -> Customer:
        customer = await loyalty_repository.lock_customer(session, customer_id)
        if customer is None or customer.erased_at is not None:
            raise NotFound("客户不存在 / customer not found")
        return customer

    async def status(self, session: AsyncSession, principal: Principal, customer_id: int) -> AdvisorOut:
        """The customer's advisor and eligibility (staff, and the customer themself)."""
        ensure_can_see_customer(principal, customer_id)
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("客户不存在 / customer not found")
        return await self._out(session, customer)

    async def _out(self, session: AsyncSession, customer: Customer) -> AdvisorOut:
        spend, threshold = await self.spend(session, customer.id), await self.threshold(session)
        user = await user_service.get(session, customer.advisor_id) if customer.advisor_id else None
        return AdvisorOut(
            customer_id=customer.id,
            advisor=AdvisorRef(user_id=user.id, name=user.name) if user else None,
            eligible=eligible(spend, threshold),
            spend_12m=spend,
            threshold=threshold,
        )

    async def name_of(self, session: AsyncSession, customer: Customer) -> str | None:
        """The advisor's name as the customer sees it (portal, app)."""
        if customer.advisor_id is None:
            return None
        user = await user_service.get(session, customer.advisor_id)
        return user.name if user is not None and user.is_active else None

    async def assign(
        self, session: AsyncSession, principal: Principal, customer_id: int, user_id: int, reason: str = ""
    ) -> AdvisorOut:
        """Assign or reassign: 409 `advisor_not_eligible` below the threshold, 422
        `not_an_advisor` for anyone but an active member of the advisor group."""
        require(principal, Perm.ADVISORS_ASSIGN)
        customer = await self._customer(session, customer_id)
        spend, threshold = await self.spend(session, customer_id), await self.threshold(session)
        if not eligible(spend, threshold):
            raise Conflict(
                "customer is not eligible for a dedicated advisor: 12-month spend {spend} CNY is below "
                "{threshold} CNY",
                code="advisor_not_eligible",
                params={"spend": f"{spend:,.2f}", "threshold": f"{threshold:,.2f}"},
            )
        if user_id not in {u.id for u, _n in await self.advisors(session)}:
            raise Unprocessable(
                "the advisor must be an active member of the group {group}",
                code="not_an_advisor",
                params={"group": current_settings().advisor_group},
            )
        old = customer.advisor_id
        if old != user_id:
            customer.advisor_id = user_id
            await self._changed(session, customer, old, user_id, reason.strip(), actor=principal)
        return await self._out(session, customer)

    async def remove(
        self, session: AsyncSession, principal: Principal, customer_id: int, reason: str = ""
    ) -> None:
        """Idempotent: a customer without an advisor stays without one."""
        require(principal, Perm.ADVISORS_ASSIGN)
        customer = await self._customer(session, customer_id)
        if customer.advisor_id is not None:
            old, customer.advisor_id = customer.advisor_id, None
            await self._changed(session, customer, old, None, reason.strip(), actor=principal)

    async def spend_changed(self, session: AsyncSession, customer: Customer, spend: Decimal) -> bool:
        """An order or refund changed the 12-month spend: below the threshold the advisor
        goes (True). Assigning stays a person's decision."""
        if customer.advisor_id is None or eligible(spend, await self.threshold(session)):
            return False
        old, customer.advisor_id = customer.advisor_id, None
        await self._changed(session, customer, old, None, AUTO_REASON, actor=None)
        return True

    async def sweep(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """Nightly: every advised customer whose spend fell (orders aged out of the window)."""
        customers = await loyalty_repository.advised(session)
        spend = await loyalty_repository.spend_since(
            session, [c.id for c in customers], (now or utcnow()) - WINDOW
        )
        removed = 0
        for c in customers:
            if await self.spend_changed(session, c, spend[c.id]):
                removed += 1
        return removed

    async def _changed(
        self,
        session: AsyncSession,
        customer: Customer,
        old: int | None,
        new: int | None,
        reason: str,
        *,
        actor: Principal | None,
    ) -> None:
        action = "customer.advisor_removed" if new is None else "customer.advisor_assigned"
        audit_service.record(
            session,
            action,
            actor=actor,
            target_type="customer",
            target_id=customer.id,
            detail={"from": old, "to": new, "reason": reason, "automatic": actor is None},
        )
        await publish(
            session,
            AdvisorChanged(
                customer_id=customer.id,
                old_advisor_id=old,
                advisor_id=new,
                reason=reason,
                automatic=actor is None,
            ),
            actor_id=actor.user_id if actor else None,
        )

    async def tell_advisors(self, session: AsyncSession, event: AdvisorChanged) -> int:
        """Mail the advisor who lost the customer and the one who gained them."""
        customer = await session.get(Customer, event.customer_id)
        if customer is None:
            return 0
        link = f"{current_settings().public_url.rstrip('/')}/agent/customers/{customer.id}"
        name = customer.name or f"#{customer.id}"
        if event.automatic:
            why = f"近 12 个月消费已低于 {await self.threshold(session):,.0f} 元"
        else:
            why = event.reason or "主管调整"
        sent = 0
        for uid, gained in ((event.old_advisor_id, False), (event.advisor_id, True)):
            user = await user_service.get(session, uid) if uid is not None else None
            if user is None or not user.is_active:
                continue
            text = (
                f"您已成为客户「{name}」的专属顾问。"
                if gained
                else f"客户「{name}」已不再由您担任专属顾问（{why}）。"
            )
            await mail_service.queue(
                session,
                to=user.email,
                kind="advisor_changed",
                subject=f"[专属顾问] {text}"[:200],
                text=f"{user.name}您好：\n\n{text}\n{link}\n",
            )
            sent += 1
        return sent

    # --- the books ------------------------------------------------------------------------
    async def book(
        self, session: AsyncSession, principal: Principal, advisor_id: int | None = None
    ) -> list[BookEntry]:
        """我的客户: an advisor's customers with tier, 12-month spend, open tickets and the
        last contact, biggest spend first. Supervisors may look at anyone's."""
        require_staff(principal)
        require(principal, Perm.TICKETS_WORK)
        if advisor_id is None:
            advisor_id = principal.id
        if advisor_id != principal.id:
            require(principal, Perm.ADVISORS_ASSIGN)
        customers = await loyalty_repository.advised(session, advisor_id)
        return await self._entries(session, customers)

    async def unassigned(self, session: AsyncSession, principal: Principal) -> list[BookEntry]:
        """Eligible customers still waiting for an advisor (the supervisors' to-do)."""
        require(principal, Perm.ADVISORS_ASSIGN)
        rows = await loyalty_repository.unadvised_big_spenders(
            session, utcnow() - WINDOW, await self.threshold(session)
        )
        return await self._entries(session, [c for c, _s in rows])

    async def _entries(self, session: AsyncSession, customers: Sequence[Customer]) -> list[BookEntry]:
        ids = [c.id for c in customers]
        spend = await loyalty_repository.spend_since(session, ids, utcnow() - WINDOW)
        facts = await loyalty_repository.contact_facts(session, ids)
        out = [
            BookEntry(
                customer_id=c.id,
                name=c.name,
                tier=c.tier,
                advisor_id=c.advisor_id,
                spend_12m=spend[c.id],
                open_tickets=facts[c.id][0],
                last_contact_at=facts[c.id][1],
            )
            for c in customers
        ]
        out.sort(key=lambda e: (-e.spend_12m, e.customer_id))
        return out


advisor_service = AdvisorService()
