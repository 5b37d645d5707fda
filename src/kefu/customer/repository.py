"""Customer and identity queries."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kefu.models import Customer, Identity


class CustomerRepository:
    async def get(self, session: AsyncSession, customer_id: int) -> Customer | None:
        stmt = (
            sa.select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.identities))
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def identity(self, session: AsyncSession, kind: str, value: str) -> Identity | None:
        stmt = sa.select(Identity).where(Identity.kind == kind, Identity.value == value)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def find(
        self,
        session: AsyncSession,
        filters: list[tuple[str, str]],
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> Sequence[Customer]:
        stmt = sa.select(Customer).options(selectinload(Customer.identities)).order_by(Customer.id)
        for kind, value in filters:
            stmt = stmt.where(
                Customer.id.in_(
                    sa.select(Identity.customer_id).where(Identity.kind == kind, Identity.value == value)
                )
            )
        return (await session.execute(stmt.limit(limit).offset(offset))).scalars().all()


customer_repository = CustomerRepository()
