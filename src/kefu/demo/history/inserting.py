"""Writing the history: every table in bulk (2,000 rows a statement), explicit ids, and the
PostgreSQL sequences moved past them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.demo.history.world import Rows
from kefu.kit.events import EventRecord
from kefu.models import (
    AppliedSla,
    BotTurnLog,
    Call,
    Conversation,
    Customer,
    Message,
    Order,
    PointsEntry,
    SlaEvent,
    Survey,
    Ticket,
    TicketComment,
)


async def insert(session: AsyncSession, rows: Rows) -> None:
    models: tuple[tuple[Any, list[dict[str, Any]]], ...] = (
        (Customer, rows.customers),
        (Order, rows.orders),
        (PointsEntry, rows.points),
        (Ticket, rows.tickets),
        (TicketComment, rows.comments),
        (Conversation, rows.conversations),
        (Message, rows.messages),
        (AppliedSla, rows.clocks),
        (SlaEvent, rows.sla_events),
        (Survey, rows.surveys),
        (BotTurnLog, rows.bot_turns),
        (Call, rows.calls),
        (EventRecord, rows.events),
    )
    for model, data in models:
        table: sa.Table = model.__table__
        for i in range(0, len(data), 2000):
            await session.execute(sa.insert(table), _complete(table, data[i : i + 2000]))
        if session.get_bind().dialect.name == "postgresql" and data:
            # Explicit ids: move the sequence past them so later inserts do not collide.
            await session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"  # noqa: S608 - our table names
                )
            )


def _complete(table: sa.Table, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany wants the same keys in every row: a key some rows leave out is NULL there
    (columns no row mentions get their defaults)."""
    keys = {k for row in batch for k in row} & {c.name for c in table.columns}
    return [{k: row.get(k) for k in keys} for row in batch]
