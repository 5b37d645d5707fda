"""App channel queries."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.appchannel import AppIntegration, AppUser, ServiceVisit


class AppRepository:
    async def integration(self, session: AsyncSession, integration_id: int) -> AppIntegration | None:
        return await session.get(AppIntegration, integration_id)

    async def by_key(self, session: AsyncSession, key: str) -> AppIntegration | None:
        stmt = sa.select(AppIntegration).where(AppIntegration.key == key)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def user(self, session: AsyncSession, integration_id: int, user_id: str) -> AppUser | None:
        stmt = (
            sa.select(AppUser)
            .where(AppUser.integration_id == integration_id, AppUser.user_id == user_id)
            .with_for_update()
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def user_by_conversation(self, session: AsyncSession, conversation_id: int) -> AppUser | None:
        stmt = sa.select(AppUser).where(AppUser.conversation_id == conversation_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def visit(self, session: AsyncSession, integration_id: int, visit_id: str) -> ServiceVisit | None:
        stmt = sa.select(ServiceVisit).where(
            ServiceVisit.integration_id == integration_id, ServiceVisit.visit_id == visit_id
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def visits_of_customer(self, session: AsyncSession, customer_id: int) -> Sequence[ServiceVisit]:
        stmt = (
            sa.select(ServiceVisit).where(ServiceVisit.customer_id == customer_id).order_by(ServiceVisit.id)
        )
        return (await session.execute(stmt)).scalars().all()


app_repository = AppRepository()
