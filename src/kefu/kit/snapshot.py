"""Process-wide copies of small settings tables, never used after a change.

Hot paths read settings rows on every request: a ticket create read the default group, the
categories, the custom-field definitions, the SLA policies and a schedule's stamp — five
round trips for rows that change a few times a year. A `Snapshot` keeps what its loader made
of them (plain data, never ORM objects) per engine, and checks it with one read of a version
token: database triggers on every watched table replace the token in the same transaction as
any change to that table (`TRIGGERED_TABLES`, migration 20261209_f1a3c5e7b9d2). So a copy is
used only while the token it was made under is the one this session sees — a change
committed by another process, another connection or a plain SQL statement is seen by the
next read, and a unit that changed a watched table (uncommitted) sees its own change.

Tokens are random, so a rolled-back change can never make an old copy look current. With no
token row (a database emptied by tests) nothing is cached. SQLite's batch migrations rebuild
a table and drop its triggers: a migration that rebuilds a watched table creates its trigger
again (tests/kit/test_snapshot.py checks every watched table has one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base

T = TypeVar("T")

# Tables whose every change replaces the token (a trigger each, created by the migration).
TRIGGERED_TABLES = ("groups", "ticket_categories", "ticket_field_defs", "sla_policies", "schedules")


class ConfigVersion(Base):
    """One row (id 1): the token of the current settings, replaced by the triggers."""

    __tablename__ = "config_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(40))


_TOKEN = sa.select(ConfigVersion.token).where(ConfigVersion.id == 1)


async def current_token(session: AsyncSession) -> str | None:
    """The token this session sees (its own uncommitted changes included)."""
    token: str | None = (await session.execute(_TOKEN)).scalar_one_or_none()
    return token


_SHARED = "kefu.snapshot.shared_token"


@asynccontextmanager
async def shared_token(session: AsyncSession) -> AsyncIterator[None]:
    """Inside the block every snapshot of this session uses the token read first: one read
    for work that takes several snapshots (a ticket create: its own settings, then the SLA
    policies). Only for work that changes no watched table in between."""
    if _SHARED in session.info:  # nested: the outer block's read holds
        yield
        return
    session.info[_SHARED] = []
    try:
        yield
    finally:
        session.info.pop(_SHARED, None)


async def _token(session: AsyncSession) -> str | None:
    shared: list[str | None] | None = session.info.get(_SHARED)
    if shared:
        return shared[0]
    token = await current_token(session)
    if shared is not None:
        shared.append(token)
    return token


def _engine(session: AsyncSession) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


class Snapshot(Generic[T]):
    """`await snapshot.get(session)`: the loader's value, made again only when the watched
    tables changed (one token read per call, or per `shared_token` block; the loader must
    return immutable plain data)."""

    def __init__(self, load: Callable[[AsyncSession], Awaitable[T]]) -> None:
        self._load = load
        self._copies: WeakKeyDictionary[Engine, tuple[str, T]] = WeakKeyDictionary()
        self.loads = 0  # how often the loader ran (tests, benchmarks)

    async def get(self, session: AsyncSession) -> T:
        token = await _token(session)
        engine = _engine(session)
        if token is not None:
            copy = self._copies.get(engine)
            if copy is not None and copy[0] == token:
                return copy[1]
        value = await self._load(session)
        self.loads += 1
        if token is not None:
            self._copies[engine] = (token, value)
        return value
