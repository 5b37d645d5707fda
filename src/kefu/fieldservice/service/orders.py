"""Service orders: creation with fee and dispatch, the audited state machine, quotes, the
customer's rating, SLA clocks (24 h confirmation, partner accept/complete) and their scan.
Never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Forbidden, NotFound, Unprocessable
from kefu.fieldservice import fees, states
from kefu.fieldservice.dispatch import rank
from kefu.fieldservice.events import (
    ServiceOrderCreated,
    ServiceOrderDispatched,
    ServiceOrderRated,
    ServiceOrderRescheduled,
    ServiceOrderShipment,
    ServiceOrderTransitioned,
    ServiceSlaBreached,
)
from kefu.fieldservice.repository import field_repository as repo
from kefu.fieldservice.schemas import (
    ClockOut,
    LogisticsIn,
    Rating,
    ServiceOrderCreate,
    ServiceOrderOut,
    StepOut,
    Transition,
)
from kefu.fieldservice.service.common import actor_kind, actor_user, is_partner, local_date, require_agent
from kefu.fieldservice.service.devices import device_service
from kefu.fieldservice.service.points import point_service
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models.fieldservice import PointKind, ServiceClock, ServiceOrder, ServiceOrderEvent
from kefu.ticket.service import ticket_service

S = states.OrderStatus
MILESTONES = {
    "label_created": "已生成寄件单",
    "picked_up": "快递已揽收",
    "in_transit": "运输中",
    "delivered_to_center": "已送达维修中心",
    "shipped_back": "已寄回",
    "delivered": "客户已签收",
}
CONFIRM_HOURS = 24  # 服务预约24小时内确认
CONFIRM = "appointment_confirm"
PARTNER_ACCEPT = "partner_accept"
COMPLETION = "completion"


class OrderService:
    # --- create ------------------------------------------------------------------------
    async def create(
        self, session: AsyncSession, principal: Principal, data: ServiceOrderCreate
    ) -> ServiceOrder:
        if is_partner(principal):
            raise Forbidden("合作商不能创建服务单 / partners cannot create service orders")
        if principal.is_staff:
            require_agent(principal)
        ticket = await ticket_service.get(session, principal, data.ticket_id)
        device = await device_service.get(session, principal, data.device_id)
        if ticket.customer_id is not None and ticket.customer_id != device.customer_id:
            raise Unprocessable(
                "设备不属于该工单的客户 / the device belongs to another customer", code="device_mismatch"
            )
        now = utcnow()
        if data.appointment_at is not None and data.appointment_at < now - timedelta(hours=1):
            raise Unprocessable("预约时间已过 / the appointment is in the past", code="past_appointment")
        customer = await customer_service.get(session, None, device.customer_id)
        benefit = (await loyalty_service.config(session)).benefit(customer.tier)
        rule = await device_service.rule(session, device.product_line)
        warranty = fees.in_warranty(device.warranty_until, local_date(now))
        fee = fees.service_fee(
            in_warranty=warranty,
            kind=data.kind,
            rule=rule,
            free_onsite=benefit.free_onsite_service,
            first_service_free=benefit.first_service_free,
            is_first_order=await repo.prior_orders(session, customer.id) == 0,
        )
        order = ServiceOrder(
            ticket_id=ticket.id,
            customer_id=device.customer_id,
            device_id=device.id,
            kind=data.kind,
            status=S.CREATED,
            fault=data.fault,
            fault_codes=data.fault_codes,
            province=data.province,
            city=data.city,
            address=data.address,
            appointment_at=data.appointment_at,
            in_warranty=warranty,
            fee_cny=fee.amount_cny,
            fee_reason=fee.reason,
            created_at=now,
            updated_at=now,
        )
        session.add(order)
        await session.flush()
        self._step(session, order, None, S.CREATED, principal, "")
        session.add(
            ServiceClock(order_id=order.id, metric=CONFIRM, due_at=now + timedelta(hours=CONFIRM_HOURS))
        )
        await publish(
            session,
            ServiceOrderCreated(
                order_id=order.id,
                ticket_id=order.ticket_id,
                customer_id=order.customer_id,
                kind=order.kind,
                status=order.status,
                fee_cny=order.fee_cny,
            ),
            actor_id=actor_user(principal),
        )
        await self._dispatch(session, order, device.product_line)
        return order

    async def _dispatch(self, session: AsyncSession, order: ServiceOrder, product_line: str) -> None:
        """Reserve the best covering point with room that day; none → waits for an agent."""
        day = local_date(order.appointment_at)
        candidates = await point_service.candidates(session, await repo.loads(session, day))
        exclude = frozenset(order.declined_by or ())
        for point_id in rank(candidates, city=order.city, product_line=product_line, exclude=exclude):
            if await repo.reserve(session, point_id, day):
                order.service_point_id, order.load_day = point_id, day
                point = await point_service.get(session, point_id)
                now = utcnow()
                if point.kind == PointKind.PARTNER:
                    self._clock(session, order.id, PARTNER_ACCEPT, now + timedelta(hours=point.accept_hours))
                self._clock(session, order.id, COMPLETION, now + timedelta(days=point.complete_days))
                await session.flush()
                await publish(
                    session,
                    ServiceOrderDispatched(
                        order_id=order.id,
                        ticket_id=order.ticket_id,
                        customer_id=order.customer_id,
                        service_point_id=point_id,
                    ),
                )
                return

    def _clock(self, session: AsyncSession, order_id: int, metric: str, due: datetime) -> None:
        session.add(ServiceClock(order_id=order_id, metric=metric, due_at=due))

    def _step(
        self,
        session: AsyncSession,
        order: ServiceOrder,
        src: str | None,
        dst: str,
        principal: Principal | None,
        note: str,
    ) -> None:
        session.add(
            ServiceOrderEvent(
                order_id=order.id,
                from_status=src,
                to_status=dst,
                actor_kind=actor_kind(principal),
                actor_id=actor_user(principal)
                or (principal.id if principal and not principal.is_staff else None),
                note=note,
                created_at=utcnow(),
            )
        )

    # --- read --------------------------------------------------------------------------
    async def get(
        self, session: AsyncSession, principal: Principal | None, order_id: int, *, lock: bool = False
    ) -> ServiceOrder:
        order = await repo.order(session, order_id, lock=lock)
        if order is None:
            raise NotFound("服务单不存在 / service order not found")
        if principal is None:
            return order
        if is_partner(principal):
            point = await point_service.partner_point(session, principal)
            if order.service_point_id != point.id:
                raise NotFound("服务单不存在 / service order not found")
        else:
            try:
                await ticket_service.get(session, principal, order.ticket_id)
            except NotFound as exc:
                raise NotFound("服务单不存在 / service order not found") from exc
        return order

    async def views(
        self, session: AsyncSession, orders: Sequence[ServiceOrder], *, timeline: bool = False
    ) -> list[ServiceOrderOut]:
        ids = [o.id for o in orders]
        clocks: dict[int, list[ClockOut]] = defaultdict(list)
        for c in await repo.clocks(session, ids) if ids else []:
            if c.status != "cancelled":
                clocks[c.order_id].append(ClockOut.model_validate(c))
        steps: dict[int, list[StepOut]] = defaultdict(list)
        if timeline and ids:
            for s in await repo.steps(session, ids):
                steps[s.order_id].append(StepOut.model_validate(s))
        return [
            ServiceOrderOut.model_validate(o).model_copy(
                update={
                    "sla": clocks[o.id],
                    "next": states.next_steps(o.status, o.kind),
                    "timeline": steps[o.id],
                }
            )
            for o in orders
        ]

    async def list_orders(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        ticket_id: int | None = None,
        customer_id: int | None = None,
        status: str | None = None,
    ) -> Sequence[ServiceOrder]:
        if is_partner(principal):
            point = await point_service.partner_point(session, principal)
            return await repo.orders(session, point_id=point.id, status=status)
        if not principal.is_staff:
            return await repo.orders(
                session, customer_id=principal.customer_id, status=status, ticket_id=ticket_id
            )
        if ticket_id is not None:
            await ticket_service.get(session, principal, ticket_id)
            return await repo.orders(session, ticket_id=ticket_id, status=status)
        require_agent(principal)
        return await repo.orders(session, customer_id=customer_id, status=status)

    # --- change ------------------------------------------------------------------------
    async def transition(
        self, session: AsyncSession, principal: Principal, order_id: int, data: Transition
    ) -> ServiceOrder:
        order = await self.get(session, principal, order_id, lock=True)
        target = data.to
        if is_partner(principal):
            if target not in states.PARTNER_MOVES:
                raise Forbidden(
                    "合作商不能执行此操作 / partners may not make this change", code="not_allowed"
                )
        elif not principal.is_staff:
            if target not in states.CUSTOMER_MOVES:
                raise Forbidden("客户不能执行此操作 / customers may not make this change", code="not_allowed")
        else:
            require_agent(principal)
        if not states.allowed(order.status, target, order.kind):
            raise Conflict(
                f"服务单不能从 {order.status} 变为 {target} / illegal transition {order.status} → {target}",
                code="illegal_transition",
            )
        if target == S.QUOTED:
            if data.quote_cny is None:
                raise Unprocessable("报价需要金额 / a quote needs quote_cny", code="quote_required")
            order.quote_cny, order.quote_note = data.quote_cny, data.note
        if data.parts is not None:
            order.parts = data.parts
        if data.tracking_no is not None:
            order.tracking_no = data.tracking_no
        await self._apply(session, order, target, principal, data.note)
        return order

    async def _apply(
        self, session: AsyncSession, order: ServiceOrder, target: str, principal: Principal | None, note: str
    ) -> None:
        now = utcnow()
        src = order.status
        order.status, order.updated_at = target, now
        if target == S.APPOINTMENT_CONFIRMED:
            await repo.settle_clocks(session, order.id, [CONFIRM, PARTNER_ACCEPT], "fulfilled", now)
        elif target in states.FINISHED and order.completed_at is None:
            order.completed_at = now
            await repo.settle_clocks(session, order.id, [COMPLETION], "fulfilled", now)
        elif target == S.CANCELLED:
            await repo.settle_clocks(
                session, order.id, [CONFIRM, PARTNER_ACCEPT, COMPLETION], "cancelled", now
            )
            await self._release(session, order)
        self._step(session, order, src, target, principal, note)
        await publish(
            session,
            ServiceOrderTransitioned(
                order_id=order.id,
                ticket_id=order.ticket_id,
                customer_id=order.customer_id,
                service_point_id=order.service_point_id,
                from_status=src,
                to_status=target,
                actor_kind=actor_kind(principal),
            ),
            actor_id=actor_user(principal),
        )

    async def _release(self, session: AsyncSession, order: ServiceOrder) -> None:
        if order.service_point_id is not None and order.load_day is not None:
            await repo.release(session, order.service_point_id, order.load_day)
        order.load_day = None

    async def partner_decline(
        self, session: AsyncSession, principal: Principal, order_id: int, reason: str
    ) -> ServiceOrder:
        """The partner refuses the job: its capacity is freed and dispatch tries the next point."""
        order = await self.get(session, principal, order_id, lock=True)
        if order.status != S.CREATED:
            raise Conflict(
                "已接单的服务单不能拒绝 / an accepted order cannot be declined", code="illegal_transition"
            )
        point_id = order.service_point_id
        await self._release(session, order)
        await repo.settle_clocks(session, order.id, [PARTNER_ACCEPT, COMPLETION], "cancelled", utcnow())
        order.declined_by = [*(order.declined_by or []), *([point_id] if point_id else [])]
        order.service_point_id = None
        self._step(session, order, order.status, order.status, principal, f"合作商拒单：{reason}".strip("："))
        await session.flush()
        # A later dispatch may reuse the clock rows' metrics: drop the cancelled ones.
        device = await device_service.get(session, None, order.device_id)
        await repo.drop_cancelled_clocks(session, order.id)
        await self._dispatch(session, order, device.product_line)
        return order

    async def assign(
        self, session: AsyncSession, principal: Principal, order_id: int, point_id: int
    ) -> ServiceOrder:
        """An agent dispatches by hand (capacity still applies)."""
        require_agent(principal)
        order = await self.get(session, principal, order_id, lock=True)
        if order.status in states.TERMINAL:
            raise Conflict("服务单已结束 / the order is closed", code="order_closed")
        point = await point_service.get(session, point_id)
        day = local_date(order.appointment_at)
        if not await repo.reserve(session, point.id, day):
            raise Conflict("该网点当日已满 / the point is fully booked that day", code="no_capacity")
        await self._release(session, order)
        order.service_point_id, order.load_day = point.id, day
        await publish(
            session,
            ServiceOrderDispatched(
                order_id=order.id,
                ticket_id=order.ticket_id,
                customer_id=order.customer_id,
                service_point_id=point.id,
            ),
            actor_id=actor_user(principal),
        )
        return order

    async def reschedule(
        self, session: AsyncSession, principal: Principal, order_id: int, when: datetime
    ) -> ServiceOrder:
        """Move the appointment: the point's unit moves to the new day atomically (409 when
        that day is full), before the visit only."""
        if principal.is_staff and not is_partner(principal):
            require_agent(principal)
        order = await self.get(session, principal, order_id, lock=True)
        if order.status not in (S.CREATED, S.APPOINTMENT_CONFIRMED):
            raise Conflict("已开始服务，不能改约 / the service has started", code="illegal_transition")
        if when < utcnow() - timedelta(hours=1):
            raise Unprocessable("预约时间已过 / the appointment is in the past", code="past_appointment")
        day = local_date(when)
        if order.service_point_id is not None and order.load_day != day:
            if not await repo.reserve(session, order.service_point_id, day):
                raise Conflict("该网点当日已约满 / the point is fully booked that day", code="no_capacity")
            if order.load_day is not None:
                await repo.release(session, order.service_point_id, order.load_day)
            order.load_day = day
        order.appointment_at, order.updated_at = when, utcnow()
        self._step(session, order, order.status, order.status, principal, f"改约至 {day.isoformat()}")
        await publish(
            session,
            ServiceOrderRescheduled(
                order_id=order.id,
                ticket_id=order.ticket_id,
                customer_id=order.customer_id,
                service_point_id=order.service_point_id,
                appointment_at=when,
            ),
            actor_id=actor_user(principal),
        )
        return order

    async def logistics(
        self, session: AsyncSession, principal: Principal, order_id: int, data: LogisticsIn
    ) -> ServiceOrder:
        """A courier/ERP milestone on a mail-in order: kept on its timeline (the customer sees
        where the device is) and sent to webhooks; the completion clock catches delays."""
        if not is_partner(principal):
            require_agent(principal)
        order = await self.get(session, principal, order_id, lock=True)
        if order.kind != "mail_in":
            raise Conflict("只有寄修单有物流 / only mail-in orders ship", code="not_mail_in")
        if order.status == S.CANCELLED:
            raise Conflict("服务单已取消 / the order is cancelled", code="order_closed")
        if data.tracking_no:
            order.tracking_no = data.tracking_no
        order.updated_at = utcnow()
        note = f"物流：{MILESTONES[data.milestone]} {data.carrier} {order.tracking_no}".strip()
        self._step(session, order, order.status, order.status, principal, note[:400])
        await publish(
            session,
            ServiceOrderShipment(
                order_id=order.id,
                ticket_id=order.ticket_id,
                customer_id=order.customer_id,
                service_point_id=order.service_point_id,
                milestone=data.milestone,
                tracking_no=order.tracking_no,
                at=data.at or utcnow(),
            ),
            actor_id=actor_user(principal),
        )
        return order

    async def rate(
        self, session: AsyncSession, principal: Principal, order_id: int, data: Rating
    ) -> ServiceOrder:
        if principal.is_staff:
            raise Forbidden("只有客户可以评价 / only the customer rates the repair")
        order = await self.get(session, principal, order_id, lock=True)
        if order.status not in states.FINISHED:
            raise Conflict("维修完成后才能评价 / rate the repair after it is finished", code="not_finished")
        if order.rating is not None:
            raise Conflict("已评价 / already rated", code="already_rated")
        order.rating, order.rating_comment = data.rating, data.comment
        await publish(
            session,
            ServiceOrderRated(
                order_id=order.id,
                ticket_id=order.ticket_id,
                customer_id=order.customer_id,
                service_point_id=order.service_point_id,
                rating=data.rating,
            ),
        )
        return order

    async def approve_by_link(self, session: AsyncSession, order_id: int, approve: bool) -> ServiceOrder:
        """A signed quote link stands for the customer (checked by the caller)."""
        order = await self.get(session, None, order_id, lock=True)
        target = S.APPROVED if approve else S.DECLINED
        if not states.allowed(order.status, target, order.kind):
            raise Conflict("报价已处理 / the quote was already answered", code="illegal_transition")
        await self._apply(session, order, target, None, "签名链接 / signed link")
        return order

    async def compensate(self, session: AsyncSession, order_id: int, metric: str) -> int:
        """A missed clock issues the coupons the compensation rules name for it (once per
        rule and ticket, by loyalty's own guarantee)."""
        order = await repo.order(session, order_id)
        if order is None or order.customer_id is None:
            return 0
        customer = await customer_service.get(session, None, order.customer_id)
        return await loyalty_service.compensate(
            session, ticket_id=order.ticket_id, customer_id=customer.id, metric=metric, tier=customer.tier
        )

    # --- clocks ------------------------------------------------------------------------
    async def scan(self, session: AsyncSession, *, now: datetime | None = None, limit: int = 500) -> int:
        """Breach each overdue clock exactly once, however many workers scan."""
        now = now or utcnow()
        emitted = 0
        for clock in await repo.due_clocks(session, now, limit):
            if not await repo.claim_breach(session, clock.id, now):
                continue
            order = await repo.order(session, clock.order_id)
            if order is None:
                continue
            await publish(
                session,
                ServiceSlaBreached(
                    order_id=order.id,
                    ticket_id=order.ticket_id,
                    customer_id=order.customer_id,
                    service_point_id=order.service_point_id,
                    metric=clock.metric,
                    due_at=clock.due_at,
                ),
            )
            emitted += 1
        return emitted


order_service = OrderService()
