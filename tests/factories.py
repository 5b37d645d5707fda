"""Factories with keyword arguments for the objects tests need."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
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


async def make_article(session: AsyncSession, **fields: Any) -> Any:
    """A knowledge-base article through the service (rendered, indexed); published unless
    `status` says otherwise."""
    from kefu.authz import SYSTEM
    from kefu.kb.schemas import ArticleCreate
    from kefu.kb.service import kb_service
    from kefu.models.kb import ArticleStatus

    title = fields.setdefault("title", f"文章{next(_seq)}")
    fields.setdefault("body", f"{title}的正文。")
    fields.setdefault("status", ArticleStatus.PUBLISHED)
    return await kb_service.create(session, SYSTEM, ArticleCreate(**fields))


async def make_intent(session: AsyncSession, **fields: Any) -> Any:
    """A bot intent through the service (examples validated, retraining scheduled)."""
    from kefu.bot.schemas import IntentIn
    from kefu.bot.service import bot_service

    n = next(_seq)
    fields.setdefault("name", f"intent_{n}")
    fields.setdefault("title", f"意图{n}")
    fields.setdefault("examples", [f"问题{n}"])
    fields.setdefault("answer", f"回答{n}")
    return await bot_service.create(session, None, IntentIn(**fields))


async def make_device(session: AsyncSession, customer_id: int, **fields: Any) -> Any:
    """A customer's registered device (warranty from its product line's policy)."""
    from datetime import date

    from kefu.fieldservice.schemas import DeviceCreate
    from kefu.fieldservice.service.devices import device_service

    n = next(_seq)
    fields.setdefault("model", "X1 智能手机")
    fields.setdefault("serial", f"SN{n:08d}")
    fields.setdefault("product_line", "手机")
    fields.setdefault("purchased_at", date.today())
    return await device_service.register(session, None, customer_id, DeviceCreate(**fields))


async def make_conversation(
    session: AsyncSession, *, lines: Sequence[tuple[str, str]] = (), **fields: Any
) -> Any:
    """A chat conversation (customer created unless `customer_id` given) with `lines` of
    (sender, text) as its messages, in order, a second apart."""
    from datetime import timedelta

    from kefu.kit.time import utcnow
    from kefu.models.conversation import Conversation, Message

    if "customer_id" not in fields:
        fields["customer_id"] = (await make_customer(session)).id
    fields.setdefault("channel", "chat")
    conv = Conversation(**fields)
    session.add(conv)
    await session.flush()
    start = utcnow()
    for seq, (sender, text) in enumerate(lines, start=1):
        user_id = fields.get("assignee_id") if sender == "agent" else None
        session.add(
            Message(
                conversation_id=conv.id,
                seq=seq,
                sender=sender,
                user_id=user_id,
                text=text,
                created_at=start + timedelta(seconds=seq),
            )
        )
    conv.last_seq = len(lines)
    await session.flush()
    return conv
