"""Reactions to field-service events: a missed clock compensates the customer per the
compensation rules (metric `appointment_confirm` or `completion`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.fieldservice.events import ServiceSlaBreached
from kefu.fieldservice.service import order_service
from kefu.kit.events import listener


@listener(ServiceSlaBreached)
async def compensate(session: AsyncSession, event: ServiceSlaBreached) -> None:
    await order_service.compensate(session, event.order_id, event.metric)
