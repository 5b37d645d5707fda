"""Webhook queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.webhook import DeliveryStatus, WebhookDelivery, WebhookSubscription

_D = cast(sa.Table, WebhookDelivery.__table__)
_S = cast(sa.Table, WebhookSubscription.__table__)


def _queue_statement(cast_binds: bool) -> sa.Insert:
    """INSERT … SELECT from the subscription row: a subscription deleted or switched off by
    another process since this one cached the active list (2 s) gets no delivery, instead
    of a foreign-key error that would roll back the change the event reports. PostgreSQL
    needs the bound values typed in a SELECT list; SQLite must not have them CAST (a CAST
    to JSON or DATETIME there turns the text into a number)."""
    names = ("event_id", "event_name", "payload", "status", "attempts", "created_at")
    binds: list[Any] = [sa.bindparam(n, type_=_D.c[n].type) for n in names]
    if cast_binds:
        binds = [sa.cast(b, _D.c[n].type) for b, n in zip(binds, names, strict=True)]
    select = sa.select(_S.c.id, *binds).where(_S.c.id == sa.bindparam("sub_id"), _S.c.active.is_(True))
    return sa.insert(_D).from_select(["subscription_id", *names], select).returning(_D.c.id)


# Built once: building them cost more CPU than running them, on every reported event.
_QUEUE = {"postgresql": _queue_statement(True), "sqlite": _queue_statement(False)}
_TO_SEND = (
    sa.select(
        _D.c.id,
        _D.c.event_name,
        _D.c.payload,
        _D.c.status,
        _D.c.attempts,
        _S.c.url,
        _S.c.secret,
        _S.c.active,
    )
    .join(_S, _S.c.id == _D.c.subscription_id)
    .where(_D.c.id.in_(sa.bindparam("delivery_ids", expanding=True)))
    .order_by(_D.c.id)
)
_ATTEMPTED = (
    sa.update(_D)
    .where(
        _D.c.id == sa.bindparam("delivery_id"),
        _D.c.status == DeliveryStatus.PENDING,
        _D.c.attempts == sa.bindparam("seen_attempts"),
    )
    .values(
        attempts=_D.c.attempts + 1,
        status=sa.bindparam("new_status"),
        last_status_code=sa.bindparam("code"),
        last_error=sa.bindparam("error"),
        delivered_at=sa.bindparam("delivered"),
        next_attempt_at=sa.bindparam("next_at"),
    )
)


class ToSend(NamedTuple):
    """A delivery with what sending it needs from its subscription."""

    id: int
    event_name: str
    payload: dict[str, Any]
    status: str
    attempts: int
    url: str
    secret: str
    active: bool


class Attempt(NamedTuple):
    """One attempt's outcome, as `record_attempt` takes it."""

    delivery_id: int
    seen_attempts: int
    status: str
    code: int | None
    error: str | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None


def _attempt_values(
    delivery_id: int,
    seen_attempts: int,
    status: str,
    code: int | None,
    error: str | None,
    delivered_at: datetime | None,
    next_attempt_at: datetime | None,
) -> dict[str, Any]:
    return {
        "delivery_id": delivery_id,
        "seen_attempts": seen_attempts,
        "new_status": status,
        "code": code,
        "error": error,
        "delivered": delivered_at,
        "next_at": next_attempt_at,
    }


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

    async def queue_delivery(
        self,
        session: AsyncSession,
        sub_id: int,
        event_id: int,
        name: str,
        body: dict[str, Any],
        now: datetime,
    ) -> int | None:
        """A pending delivery of an event to an active subscription (None: the subscription
        is gone or off); one statement, on the unit's connection (no ORM flush)."""
        conn = await session.connection()
        values = {
            "sub_id": sub_id,
            "event_id": event_id,
            "event_name": name,
            "payload": body,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
        }
        stmt = _QUEUE["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
        row = (await conn.execute(stmt, values)).first()
        return None if row is None else int(row[0])

    async def to_send(self, session: AsyncSession, delivery_ids: list[int]) -> list[ToSend]:
        """The deliveries (those that still exist), in id order, in one statement."""
        rows = (await session.execute(_TO_SEND, {"delivery_ids": delivery_ids})).all()
        return [ToSend(*row) for row in rows]

    async def record_attempt(
        self,
        session: AsyncSession,
        delivery_id: int,
        *,
        seen_attempts: int,
        status: str,
        code: int | None,
        error: str | None,
        delivered_at: datetime | None,
        next_attempt_at: datetime | None,
    ) -> bool:
        """One attempt's outcome, if the delivery is still the pending one that was sent
        (not redelivered or settled meanwhile); False: someone else's attempt counts."""
        result = await session.execute(
            _ATTEMPTED,
            _attempt_values(delivery_id, seen_attempts, status, code, error, delivered_at, next_attempt_at),
        )
        return bool(getattr(result, "rowcount", 0))

    async def record_settled(self, session: AsyncSession, attempts: list[Attempt]) -> None:
        """Outcomes that need no retry (delivered, or given up), one statement for all (an
        executemany): each applies under the same condition as `record_attempt`."""
        if attempts:
            conn = await session.connection()
            await conn.execute(_ATTEMPTED, [_attempt_values(*a) for a in attempts])

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
