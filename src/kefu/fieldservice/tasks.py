"""Field-service periodic work (the SLA scan, old nonces) and the interceptor that sends an
order's events to its partner's own webhook."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.fieldservice.service import device_service, order_service, point_service
from kefu.kit import jobs
from kefu.kit.events import EventRecord, intercept_all
from kefu.kit.time import utcnow


@jobs.periodic("fieldservice.scan", every_seconds=60)
async def scan(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await order_service.scan(session)


@jobs.periodic("fieldservice.warranty_campaign", every_seconds=86_400)
async def warranty_campaign(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await device_service.warranty_campaign(session)


@jobs.periodic("fieldservice.forget_nonces", every_seconds=3600)
async def forget_nonces(session: AsyncSession, _payload: dict[str, Any]) -> None:
    # Twice the signature window: an older nonce's timestamp is refused anyway.
    await point_service.forget_nonces(session, utcnow() - timedelta(minutes=10))


@intercept_all
async def partner_webhook(session: AsyncSession, record: EventRecord) -> None:
    if record.name.startswith("service_order."):
        await point_service.route_partner_event(session, record)
