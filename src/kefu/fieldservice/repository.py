"""Field-service queries: devices, warranty rules, points and their daily load (reserved by
conditional UPDATE), orders with their steps and clocks, partner nonces, diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.fieldservice import (
    Device,
    DiagnosticBundle,
    DiagnosticConsent,
    PartnerNonce,
    ServiceClock,
    ServiceOrder,
    ServiceOrderEvent,
    ServicePoint,
    ServicePointLoad,
    ServicePointUser,
    WarrantyRule,
)


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class FieldRepository:
    # --- devices and warranty ----------------------------------------------------------
    async def device(self, session: AsyncSession, device_id: int) -> Device | None:
        return await session.get(Device, device_id)

    async def device_by_serial(self, session: AsyncSession, serial: str) -> Device | None:
        stmt = sa.select(Device).where(sa.func.upper(Device.serial) == serial.strip().upper())
        return (await session.execute(stmt)).scalar_one_or_none()

    async def devices_of(self, session: AsyncSession, customer_id: int) -> Sequence[Device]:
        stmt = sa.select(Device).where(Device.customer_id == customer_id).order_by(Device.id)
        return (await session.execute(stmt)).scalars().all()

    async def expiring(self, session: AsyncSession, start: date, end: date, limit: int) -> Sequence[Device]:
        stmt = (
            sa.select(Device)
            .where(
                Device.warranty_until >= start,
                Device.warranty_until <= end,
                Device.warranty_notice_at.is_(None),
            )
            .order_by(Device.warranty_until, Device.id)
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def claim_notice(self, session: AsyncSession, device_id: int, now: datetime) -> bool:
        """True for exactly one caller per device, however many workers run the campaign."""
        result = await session.execute(
            sa.update(Device)
            .where(Device.id == device_id, Device.warranty_notice_at.is_(None))
            .values(warranty_notice_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def warranty_rule(self, session: AsyncSession, product_line: str) -> WarrantyRule | None:
        return await session.get(WarrantyRule, product_line)

    async def warranty_rules(self, session: AsyncSession) -> Sequence[WarrantyRule]:
        return (
            (await session.execute(sa.select(WarrantyRule).order_by(WarrantyRule.product_line)))
            .scalars()
            .all()
        )

    # --- points ------------------------------------------------------------------------
    async def point(self, session: AsyncSession, point_id: int) -> ServicePoint | None:
        return await session.get(ServicePoint, point_id)

    async def point_by_key(self, session: AsyncSession, key: str) -> ServicePoint | None:
        stmt = sa.select(ServicePoint).where(ServicePoint.api_key == key)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def points(self, session: AsyncSession, *, city: str | None = None) -> Sequence[ServicePoint]:
        stmt = sa.select(ServicePoint).order_by(ServicePoint.id)
        if city:
            stmt = stmt.where(ServicePoint.city.like(f"{city}%"))
        return (await session.execute(stmt)).scalars().all()

    async def loads(self, session: AsyncSession, day: date) -> dict[int, int]:
        stmt = sa.select(ServicePointLoad.service_point_id, ServicePointLoad.booked).where(
            ServicePointLoad.day == day
        )
        return {pid: booked for pid, booked in (await session.execute(stmt)).all()}

    async def reserve(self, session: AsyncSession, point_id: int, day: date) -> bool:
        """Take one unit of the point's capacity for that day; False when it is full. The
        conditional UPDATE is the whole guarantee: PostgreSQL re-checks `booked < capacity`
        on the row after a concurrent writer commits, SQLite has one writer."""
        await session.execute(
            _insert(session)(ServicePointLoad)
            .values(service_point_id=point_id, day=day, booked=0)
            .on_conflict_do_nothing(index_elements=["service_point_id", "day"])
        )
        capacity = sa.select(ServicePoint.daily_capacity).where(ServicePoint.id == point_id).scalar_subquery()
        result = await session.execute(
            sa.update(ServicePointLoad)
            .where(
                ServicePointLoad.service_point_id == point_id,
                ServicePointLoad.day == day,
                ServicePointLoad.booked < capacity,
            )
            .values(booked=ServicePointLoad.booked + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def release(self, session: AsyncSession, point_id: int, day: date) -> None:
        await session.execute(
            sa.update(ServicePointLoad)
            .where(
                ServicePointLoad.service_point_id == point_id,
                ServicePointLoad.day == day,
                ServicePointLoad.booked > 0,
            )
            .values(booked=ServicePointLoad.booked - 1)
            .execution_options(synchronize_session=False)
        )

    async def point_of_user(self, session: AsyncSession, user_id: int) -> int | None:
        return await session.scalar(
            sa.select(ServicePointUser.service_point_id).where(ServicePointUser.user_id == user_id)
        )

    async def use_nonce(self, session: AsyncSession, point_id: int, nonce: str) -> bool:
        result = await session.execute(
            _insert(session)(PartnerNonce)
            .values(service_point_id=point_id, nonce=nonce)
            .on_conflict_do_nothing(index_elements=["service_point_id", "nonce"])
        )
        return bool(getattr(result, "rowcount", 0))

    async def forget_nonces(self, session: AsyncSession, before: datetime) -> None:
        await session.execute(sa.delete(PartnerNonce).where(PartnerNonce.created_at < before))

    # --- orders ------------------------------------------------------------------------
    async def order(self, session: AsyncSession, order_id: int, *, lock: bool = False) -> ServiceOrder | None:
        if lock:
            stmt = sa.select(ServiceOrder).where(ServiceOrder.id == order_id).with_for_update()
            return (await session.execute(stmt)).scalar_one_or_none()
        return await session.get(ServiceOrder, order_id)

    async def orders(
        self,
        session: AsyncSession,
        *,
        ticket_id: int | None = None,
        customer_id: int | None = None,
        point_id: int | None = None,
        status: str | None = None,
        limit: int = 200,
    ) -> Sequence[ServiceOrder]:
        stmt = sa.select(ServiceOrder).order_by(ServiceOrder.id.desc()).limit(limit)
        if ticket_id is not None:
            stmt = stmt.where(ServiceOrder.ticket_id == ticket_id)
        if customer_id is not None:
            stmt = stmt.where(ServiceOrder.customer_id == customer_id)
        if point_id is not None:
            stmt = stmt.where(ServiceOrder.service_point_id == point_id)
        if status is not None:
            stmt = stmt.where(ServiceOrder.status == status)
        return (await session.execute(stmt)).scalars().all()

    async def prior_orders(self, session: AsyncSession, customer_id: int) -> int:
        stmt = sa.select(sa.func.count()).where(
            ServiceOrder.customer_id == customer_id, ServiceOrder.status != "cancelled"
        )
        return int(await session.scalar(stmt) or 0)

    async def steps(self, session: AsyncSession, order_ids: list[int]) -> Sequence[ServiceOrderEvent]:
        stmt = (
            sa.select(ServiceOrderEvent)
            .where(ServiceOrderEvent.order_id.in_(order_ids))
            .order_by(ServiceOrderEvent.created_at, ServiceOrderEvent.id)
        )
        return (await session.execute(stmt)).scalars().all()

    async def clocks(self, session: AsyncSession, order_ids: list[int]) -> Sequence[ServiceClock]:
        stmt = sa.select(ServiceClock).where(ServiceClock.order_id.in_(order_ids)).order_by(ServiceClock.id)
        return (await session.execute(stmt)).scalars().all()

    async def settle_clocks(
        self, session: AsyncSession, order_id: int, metrics: list[str], status: str, now: datetime
    ) -> None:
        """Stop running clocks (fulfilled when met, cancelled with the order)."""
        await session.execute(
            sa.update(ServiceClock)
            .where(
                ServiceClock.order_id == order_id,
                ServiceClock.metric.in_(metrics),
                ServiceClock.status == "active",
            )
            .values(status=status, fulfilled_at=now if status == "fulfilled" else None)
            .execution_options(synchronize_session=False)
        )

    async def drop_cancelled_clocks(self, session: AsyncSession, order_id: int) -> None:
        await session.execute(
            sa.delete(ServiceClock).where(
                ServiceClock.order_id == order_id, ServiceClock.status == "cancelled"
            )
        )

    async def due_clocks(self, session: AsyncSession, now: datetime, limit: int) -> Sequence[ServiceClock]:
        stmt = (
            sa.select(ServiceClock)
            .where(ServiceClock.status == "active", ServiceClock.due_at <= now)
            .order_by(ServiceClock.due_at)
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def claim_breach(self, session: AsyncSession, clock_id: int, now: datetime) -> bool:
        """True for exactly one scanner per clock."""
        result = await session.execute(
            sa.update(ServiceClock)
            .where(ServiceClock.id == clock_id, ServiceClock.status == "active", ServiceClock.due_at <= now)
            .values(status="breached", breached_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    # --- diagnostics -------------------------------------------------------------------
    async def consent(self, session: AsyncSession, conversation_id: int) -> DiagnosticConsent | None:
        stmt = (
            sa.select(DiagnosticConsent)
            .where(
                DiagnosticConsent.conversation_id == conversation_id, DiagnosticConsent.revoked_at.is_(None)
            )
            .order_by(DiagnosticConsent.id.desc())
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def bundles(
        self, session: AsyncSession, *, ticket_id: int | None = None, customer_id: int | None = None
    ) -> Sequence[DiagnosticBundle]:
        stmt = sa.select(DiagnosticBundle).order_by(DiagnosticBundle.id.desc())
        if ticket_id is not None:
            stmt = stmt.where(DiagnosticBundle.ticket_id == ticket_id)
        if customer_id is not None:
            stmt = stmt.where(DiagnosticBundle.customer_id == customer_id)
        return (await session.execute(stmt)).scalars().all()

    async def delete_bundles(
        self, session: AsyncSession, *, customer_id: int | None = None, before: datetime | None = None
    ) -> int:
        stmt = sa.delete(DiagnosticBundle)
        if customer_id is not None:
            stmt = stmt.where(DiagnosticBundle.customer_id == customer_id)
        if before is not None:
            stmt = stmt.where(DiagnosticBundle.created_at < before)
        result = await session.execute(stmt.execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    async def blank_orders(self, session: AsyncSession, customer_id: int) -> None:
        await session.execute(
            sa.update(ServiceOrder)
            .where(ServiceOrder.customer_id == customer_id)
            .values(address="", fault="", rating_comment="", quote_note="")
            .execution_options(synchronize_session=False)
        )

    # --- metrics -----------------------------------------------------------------------
    async def finished(self, session: AsyncSession, start: datetime, end: datetime) -> Sequence[Any]:
        """(id, device_id, point, product line, created, completed, reworked, rating) of orders
        completed in the window; `reworked` when quality check sent it back to repairing."""
        rework = (
            sa.select(sa.func.count())
            .where(
                ServiceOrderEvent.order_id == ServiceOrder.id,
                ServiceOrderEvent.from_status == "quality_check",
                ServiceOrderEvent.to_status == "repairing",
            )
            .scalar_subquery()
        )
        stmt = (
            sa.select(
                ServiceOrder.id,
                ServiceOrder.device_id,
                ServiceOrder.service_point_id,
                Device.product_line,
                ServiceOrder.created_at,
                ServiceOrder.completed_at,
                rework,
                ServiceOrder.rating,
            )
            .join(Device, Device.id == ServiceOrder.device_id)
            .where(ServiceOrder.completed_at >= start, ServiceOrder.completed_at < end)
        )
        return (await session.execute(stmt)).all()

    async def device_orders(self, session: AsyncSession, device_ids: list[int]) -> Sequence[Any]:
        """(device id, created_at) of every non-cancelled order on these devices."""
        stmt = sa.select(ServiceOrder.device_id, ServiceOrder.created_at).where(
            ServiceOrder.device_id.in_(device_ids), ServiceOrder.status != "cancelled"
        )
        return (await session.execute(stmt)).all()

    async def created_count(self, session: AsyncSession, start: datetime, end: datetime) -> int:
        stmt = sa.select(sa.func.count()).where(
            ServiceOrder.created_at >= start, ServiceOrder.created_at < end
        )
        return int(await session.scalar(stmt) or 0)


field_repository = FieldRepository()
