"""Factories with keyword arguments for the objects tests need."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.schemas import UserCreate
from kefu.auth.service import auth_service, user_service
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.kit.db import Database
from kefu.models import Customer, Group, User
from kefu.models.user import Role
from kefu.team.schemas import GroupCreate
from kefu.team.service import team_service

PASSWORD = "secret-pass-1"
_seq = itertools.count(1)


async def make_group(session: AsyncSession, *, name: str | None = None, is_default: bool = False) -> Group:
    return await team_service.create(
        session, GroupCreate(name=name or f"组{next(_seq)}", is_default=is_default), actor=None
    )


async def make_user(
    session: AsyncSession,
    *,
    role: Role = Role.AGENT,
    email: str | None = None,
    name: str = "",
    group_ids: list[int] | None = None,
    password: str = PASSWORD,
) -> User:
    data = UserCreate(
        email=email or f"user{next(_seq)}@example.com",
        name=name,
        password=password,
        role=role,
        group_ids=group_ids or [],
    )
    return await user_service.create(session, data, actor=None)


async def make_customer(session: AsyncSession, **fields: Any) -> Customer:
    fields.setdefault("name", f"客户{next(_seq)}")
    return await customer_service.create(session, CustomerCreate(**fields), actor=None)


async def staff_token(db: Database, *, role: Role = Role.AGENT, **kw: Any) -> tuple[User, str]:
    async with db.transaction() as session:
        user = await make_user(session, role=role, **kw)
        token = (await auth_service.issue_token(session, user)).token
    return user, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_ticket(session: AsyncSession, **fields: Any) -> Any:
    from kefu.ticket.schemas import TicketCreate
    from kefu.ticket.service import ticket_service

    fields.setdefault("subject", f"工单{next(_seq)}")
    fields.setdefault("description", "我的手机充不进电了")
    return await ticket_service.create(session, TicketCreate(**fields), actor=None)


async def customer_token(db: Database, **fields: Any) -> tuple[Customer, str]:
    async with db.transaction() as session:
        customer = await make_customer(session, **fields)
        token = (await auth_service.issue_customer_token(session, customer.id, name="portal")).token
    return customer, token
