"""Queries of the importer: the source-id mapping and the look-ups that match imported records
with rows kefu already has (a user by e-mail, a group by name, a macro by title)."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kefu.kit.db import Base
from kefu.models import (
    Article,
    Customer,
    CustomFieldDef,
    Group,
    ImportMapping,
    Macro,
    Message,
    TicketAttachment,
    TicketComment,
    User,
)

M = TypeVar("M", bound=Base)


class ImporterRepository:
    async def mappings(self, session: AsyncSession, source: str, kind: str) -> dict[str, ImportMapping]:
        """Every mapping of one kind (loaded once per run: thousands of point queries are slow)."""
        rows = await session.execute(
            sa.select(ImportMapping).where(ImportMapping.source == source, ImportMapping.kind == kind)
        )
        return {m.source_id: m for m in rows.scalars()}

    def add(self, session: AsyncSession, row: Base) -> None:
        session.add(row)

    async def flush(self, session: AsyncSession) -> None:
        await session.flush()

    async def get(self, session: AsyncSession, model: type[M], row_id: int) -> M | None:
        return await session.get(model, row_id)

    async def customer(self, session: AsyncSession, customer_id: int) -> Customer | None:
        return (
            await session.execute(
                sa.select(Customer)
                .options(selectinload(Customer.identities))
                .where(Customer.id == customer_id)
            )
        ).scalar_one_or_none()

    async def user_by_email(self, session: AsyncSession, email: str) -> User | None:
        return (
            await session.execute(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
        ).scalar_one_or_none()

    async def group_by_name(self, session: AsyncSession, name: str) -> Group | None:
        return (await session.execute(sa.select(Group).where(Group.name == name))).scalar_one_or_none()

    async def macro_by_title(self, session: AsyncSession, title: str) -> Macro | None:
        return (await session.execute(sa.select(Macro).where(Macro.title == title))).scalar_one_or_none()

    async def field_by_key(self, session: AsyncSession, key: str) -> CustomFieldDef | None:
        return (
            await session.execute(sa.select(CustomFieldDef).where(CustomFieldDef.key == key))
        ).scalar_one_or_none()

    async def article_by_title(self, session: AsyncSession, title: str, locale: str) -> Article | None:
        return (
            await session.execute(
                sa.select(Article).where(Article.title == title, Article.locale == locale).limit(1)
            )
        ).scalar_one_or_none()

    async def comment(self, session: AsyncSession, comment_id: int) -> TicketComment | None:
        return await session.get(TicketComment, comment_id)

    async def message(self, session: AsyncSession, message_id: int) -> Message | None:
        return await session.get(Message, message_id)

    async def counts(self, session: AsyncSession, source: str) -> dict[str, int]:
        rows = await session.execute(
            sa.select(ImportMapping.kind, sa.func.count())
            .where(ImportMapping.source == source)
            .group_by(ImportMapping.kind)
        )
        return {str(k): int(n) for k, n in rows.all()}

    async def page(self, session: AsyncSession, model: type[M], after_id: int, limit: int) -> list[M]:
        """Rows of one table in id order, keyset-paginated (exports stream big tables)."""
        id_col = model.__table__.c.id  # type: ignore[attr-defined]
        stmt = sa.select(model).where(id_col > after_id).order_by(id_col).limit(limit)
        if model is Customer:
            stmt = stmt.options(selectinload(Customer.identities))
        return list((await session.execute(stmt)).scalars())

    async def comments_of(self, session: AsyncSession, ticket_ids: list[int]) -> list[TicketComment]:
        rows = await session.execute(
            sa.select(TicketComment)
            .where(TicketComment.ticket_id.in_(ticket_ids))
            .order_by(TicketComment.ticket_id, TicketComment.created_at, TicketComment.id)
        )
        return list(rows.scalars())

    async def attachments_of(self, session: AsyncSession, ticket_ids: list[int]) -> list[TicketAttachment]:
        rows = await session.execute(
            sa.select(TicketAttachment).where(TicketAttachment.ticket_id.in_(ticket_ids))
        )
        return list(rows.scalars())

    async def set_values(self, session: AsyncSession, row: Base, values: dict[str, Any]) -> bool:
        """Assign changed attributes only; True when something changed."""
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        return changed


importer_repository = ImporterRepository()
