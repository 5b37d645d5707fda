"""Tickets: the admin's custom fields and categories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.errors import Conflict, Unprocessable
from kefu.models.ticket import CustomFieldDef, TicketCategory
from kefu.ticket import rules
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import FieldDefCreate
from kefu.ticket.service.base import TicketBase


class TicketFields(TicketBase):
    # --- settings -----------------------------------------------------------------------
    async def field_defs(self, session: AsyncSession) -> Sequence[CustomFieldDef]:
        return await ticket_repository.field_defs(session)

    async def create_field_def(
        self, session: AsyncSession, principal: Principal | None, data: FieldDefCreate
    ) -> CustomFieldDef:
        if principal is not None:
            require(principal, Perm.SETTINGS_MANAGE)
        if await ticket_repository.field_def_by_key(session, data.key) is not None:
            raise Conflict(f"字段已存在 / field {data.key} exists", code="field_exists")
        if data.kind == "dropdown" and not data.options:
            raise Unprocessable("下拉字段需要选项 / a dropdown needs options", code="invalid_field")
        d = CustomFieldDef(
            key=data.key,
            label=data.label,
            kind=data.kind,
            options=data.options,
            required=data.required,
            active=True,
        )
        session.add(d)
        await session.flush()
        return d

    async def categories(self, session: AsyncSession) -> list[str]:
        return sorted(set(rules.DEFAULT_CATEGORIES) | set(await ticket_repository.categories(session)))

    async def add_category(self, session: AsyncSession, principal: Principal, path: str) -> str:
        require(principal, Perm.SETTINGS_MANAGE)
        clean = "/".join(p.strip() for p in path.split("/") if p.strip())
        if not clean:
            raise Unprocessable("empty category", code="invalid_category")
        if clean not in await self.categories(session):
            session.add(TicketCategory(path=clean))
        return clean
