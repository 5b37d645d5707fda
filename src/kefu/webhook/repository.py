"""Webhook queries."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.webhook import WebhookDelivery, WebhookSubscription


class WebhookRepository:
    async def get(self, session: AsyncSession, sub_id: int) -> WebhookSubscription | None:
        return await session.get(WebhookSubscription, sub_id)

    async def list_subscriptions(self, session: AsyncSession) -> Sequence[WebhookSubscription]:
        stmt = sa.select(WebhookSubscription).order_by(WebhookSubscription.id)
        return (await session.execute(stmt)).scalars().all()

    async def active(self, session: AsyncSession) -> Sequence[WebhookSubscription]:
        stmt = sa.select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def scoped(self, session: AsyncSession, scope: str) -> Sequence[WebhookSubscription]:
        stmt = sa.select(WebhookSubscription).where(
            WebhookSubscription.scope == scope, WebhookSubscription.active.is_(True)
        )
        return (await session.execute(stmt)).scalars().all()

    async def delivery(self, session: AsyncSession, delivery_id: int) -> WebhookDelivery | None:
        return await session.get(WebhookDelivery, delivery_id)

    async def deliveries(
        self, session: AsyncSession, sub_id: int, status: str | None, limit: int
    ) -> Sequence[WebhookDelivery]:
        stmt = (
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == sub_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        if status:
            stmt = stmt.where(WebhookDelivery.status == status)
        return (await session.execute(stmt)).scalars().all()


webhook_repository = WebhookRepository()
