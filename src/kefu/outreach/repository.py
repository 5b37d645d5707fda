"""Outreach queries: the segment as one SQL statement, the send log, unsubscribes,
providers and the policy document."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.time import utcnow
from kefu.models import (
    AppUser,
    Conversation,
    Customer,
    Identity,
    Order,
    OutboundMail,
    Ticket,
    WechatUser,
)
from kefu.models.customer import IdentityKind
from kefu.models.loyalty import OrderStatus
from kefu.models.mail import OutboxStatus
from kefu.models.outreach import (
    OutreachJourney,
    OutreachOptout,
    OutreachProvider,
    OutreachSend,
    OutreachUnsubscribe,
    SendStatus,
)
from kefu.models.settings import read_setting, write_setting

SETTING_KEY = "outreach"


def _since(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def audience_filter(
    segment: dict[str, Any], *, channel: str | None, needs_consent: bool, now: datetime
) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of a segment on `customers` (all must hold); with a channel, the
    customer must also have an address on it."""
    c = Customer
    where: list[sa.ColumnElement[bool]] = [c.erased_at.is_(None)]
    if segment.get("tiers"):
        where.append(c.tier.in_(list(segment["tiers"])))

    def bought_since(days: int) -> sa.Exists:
        return sa.exists().where(
            Order.customer_id == c.id, Order.status == OrderStatus.PAID, Order.placed_at >= _since(now, days)
        )

    def contacted_since(days: int) -> sa.ColumnElement[bool]:
        since = _since(now, days)
        return sa.or_(
            sa.exists().where(Ticket.customer_id == c.id, Ticket.created_at >= since),
            sa.exists().where(Conversation.customer_id == c.id, Conversation.created_at >= since),
        )

    if segment.get("purchased_within_days"):
        where.append(bought_since(int(segment["purchased_within_days"])))
    if segment.get("no_purchase_within_days"):
        where.append(~bought_since(int(segment["no_purchase_within_days"])))
    if segment.get("birthday_month"):
        where.append(sa.extract("month", c.birthday) == int(segment["birthday_month"]))
    if segment.get("contacted_within_days"):
        where.append(contacted_since(int(segment["contacted_within_days"])))
    if segment.get("no_contact_within_days"):
        where.append(~contacted_since(int(segment["no_contact_within_days"])))

    def opted_out(purpose: str) -> sa.Exists:
        return sa.exists().where(
            OutreachOptout.customer_id == c.id,
            OutreachOptout.channel == channel,
            OutreachOptout.purpose == purpose,
        )

    if needs_consent:
        where.append(c.consents["marketing"]["granted"].as_boolean().is_(True))
        where.append(~sa.exists().where(OutreachUnsubscribe.customer_id == c.id))
        if channel is not None:
            where.append(~opted_out("marketing"))
    elif channel is not None:
        # Service notices go unless the customer switched them off (all, or this channel).
        where.append(c.consents["service"]["granted"].as_boolean().is_not(False))
        where.append(~opted_out("service"))
    if channel == "wechat":
        where.append(sa.exists().where(WechatUser.customer_id == c.id, WechatUser.subscribed.is_(True)))
    elif channel == "app":
        where.append(sa.exists().where(AppUser.customer_id == c.id))
    elif channel is not None:
        kind = IdentityKind.EMAIL if channel == "email" else IdentityKind.PHONE
        where.append(sa.exists().where(Identity.customer_id == c.id, Identity.kind == kind))
    return where


def stage_of() -> sa.ColumnElement[str]:
    """How far a send got, as one word: skipped / failed / waiting, else the furthest of
    clicked, opened, delivered (the provider confirmed, or the SMTP relay took the mail), sent."""
    s = OutreachSend
    mail_sent = sa.exists().where(
        OutboundMail.message_id == s.provider_ref, OutboundMail.status == OutboxStatus.SENT
    )
    delivered = sa.or_(s.delivered_at.is_not(None), sa.and_(s.channel == "email", mail_sent))
    return sa.case(
        (s.status == SendStatus.SKIPPED, "skipped"),
        (s.status == SendStatus.FAILED, "failed"),
        (s.status.in_([SendStatus.SCHEDULED, SendStatus.SENDING]), "waiting"),
        (s.clicked_at.is_not(None), "clicked"),
        (s.opened_at.is_not(None), "opened"),
        (delivered, "delivered"),
        else_="sent",
    )


class OutreachRepository:
    # --- journeys ------------------------------------------------------------------------
    async def journeys(self, session: AsyncSession) -> Sequence[OutreachJourney]:
        stmt = sa.select(OutreachJourney).order_by(OutreachJourney.active.desc(), OutreachJourney.id)
        return (await session.execute(stmt)).scalars().all()

    async def journey(self, session: AsyncSession, journey_id: int) -> OutreachJourney | None:
        return await session.get(OutreachJourney, journey_id)

    async def journeys_of(self, session: AsyncSession, trigger: str) -> Sequence[OutreachJourney]:
        stmt = sa.select(OutreachJourney).where(OutreachJourney.trigger == trigger)
        return (await session.execute(stmt.order_by(OutreachJourney.id))).scalars().all()

    async def active_journeys(self, session: AsyncSession, trigger: str) -> Sequence[OutreachJourney]:
        stmt = (
            sa.select(OutreachJourney)
            .where(OutreachJourney.trigger == trigger, OutreachJourney.active.is_(True))
            .order_by(OutreachJourney.id)
        )
        return (await session.execute(stmt)).scalars().all()

    # --- segments ------------------------------------------------------------------------
    async def audience_count(self, session: AsyncSession, where: list[sa.ColumnElement[bool]]) -> int:
        stmt = sa.select(sa.func.count()).select_from(Customer).where(*where)
        return int((await session.execute(stmt)).scalar_one())

    async def audience_ids(
        self, session: AsyncSession, where: list[sa.ColumnElement[bool]], limit: int = 100_000
    ) -> list[int]:
        stmt = sa.select(Customer.id).where(*where).order_by(Customer.id).limit(limit)
        return [int(i) for i in (await session.execute(stmt)).scalars().all()]

    async def audience_page(
        self,
        session: AsyncSession,
        where: list[sa.ColumnElement[bool]],
        any_of: list[list[sa.ColumnElement[bool]]],
        *,
        after_id: int,
        limit: int,
    ) -> list[int]:
        """Customers matching `where` and at least one of the `any_of` audiences, by id."""
        reach = sa.or_(*(sa.and_(*w) for w in any_of))
        stmt = (
            sa.select(Customer.id)
            .where(*where, reach, Customer.id > after_id)
            .order_by(Customer.id)
            .limit(limit)
        )
        return [int(i) for i in (await session.execute(stmt)).scalars().all()]

    async def audience_birthdays(
        self, session: AsyncSession, where: list[sa.ColumnElement[bool]]
    ) -> list[tuple[int, date]]:
        stmt = sa.select(Customer.id, Customer.birthday).where(*where, Customer.birthday.is_not(None))
        return [(int(r.id), r.birthday) for r in (await session.execute(stmt)).all()]

    async def in_audience(
        self, session: AsyncSession, customer_id: int, where: list[sa.ColumnElement[bool]]
    ) -> bool:
        stmt = sa.select(Customer.id).where(Customer.id == customer_id, *where)
        return (await session.execute(stmt)).first() is not None

    # --- customers (read for rendering, locked for the cap check) -------------------------
    async def customer(
        self, session: AsyncSession, customer_id: int, *, lock: bool = False
    ) -> Customer | None:
        stmt = sa.select(Customer).where(Customer.id == customer_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def identity(self, session: AsyncSession, customer_id: int, kind: str) -> str | None:
        stmt = (
            sa.select(Identity.value)
            .where(Identity.customer_id == customer_id, Identity.kind == kind)
            .order_by(Identity.id)
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    # --- the send log --------------------------------------------------------------------
    async def insert_send_once(self, session: AsyncSession, values: dict[str, Any]) -> int | None:
        """The new send's id, or None when its idempotency key exists already."""
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(OutreachSend)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["idem_key"])
            .returning(OutreachSend.id)
        )
        row = (await session.execute(stmt)).first()
        return int(row[0]) if row else None

    async def send(self, session: AsyncSession, send_id: int) -> OutreachSend | None:
        return await session.get(OutreachSend, send_id)

    async def sends_of_customer(
        self, session: AsyncSession, customer_id: int, limit: int
    ) -> Sequence[OutreachSend]:
        stmt = (
            sa.select(OutreachSend)
            .where(OutreachSend.customer_id == customer_id)
            .order_by(OutreachSend.id.desc())
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def sends_of_journey(
        self, session: AsyncSession, journey_id: int, limit: int
    ) -> Sequence[OutreachSend]:
        stmt = (
            sa.select(OutreachSend)
            .where(OutreachSend.journey_id == journey_id)
            .order_by(OutreachSend.id.desc())
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def marketing_sent_since(
        self, session: AsyncSession, customer_id: int, channel: str, since: datetime
    ) -> int:
        stmt = sa.select(sa.func.count()).where(
            OutreachSend.customer_id == customer_id,
            OutreachSend.channel == channel,
            OutreachSend.purpose == "marketing",
            OutreachSend.status.in_([SendStatus.SENDING, SendStatus.SENT]),
            OutreachSend.decided_at >= since,
        )
        return int((await session.execute(stmt)).scalar_one())

    async def send_by_ref(self, session: AsyncSession, channel: str, ref: str) -> OutreachSend | None:
        stmt = (
            sa.select(OutreachSend)
            .where(OutreachSend.channel == channel, OutreachSend.provider_ref == ref)
            .order_by(OutreachSend.id.desc())
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def follow_ups(self, session: AsyncSession, journey_id: int) -> Sequence[OutreachJourney]:
        stmt = (
            sa.select(OutreachJourney)
            .where(OutreachJourney.follows_id == journey_id, OutreachJourney.active.is_(True))
            .order_by(OutreachJourney.id)
        )
        return (await session.execute(stmt)).scalars().all()

    async def outbox(
        self,
        session: AsyncSession,
        *,
        customer_id: int | None,
        name_part: str,
        journey_id: int | None,
        channel: str | None,
        stage: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[tuple[OutreachSend, str | None, str | None, str]], int]:
        """The send log newest first with the customer's and the journey's names and each
        send's stage (`stage_of`); the total matching the filters."""
        s = OutreachSend
        stage_col = stage_of()
        where: list[sa.ColumnElement[bool]] = []
        if customer_id is not None:
            where.append(s.customer_id == customer_id)
        if name_part:
            where.append(Customer.name.contains(name_part, autoescape=True))
        if journey_id is not None:
            where.append(s.journey_id == journey_id)
        if channel is not None:
            where.append(s.channel == channel)
        if stage is not None:
            where.append(stage_col == stage)
        joined = (
            sa.select(s, Customer.name, OutreachJourney.name, stage_col)
            .outerjoin(Customer, Customer.id == s.customer_id)
            .outerjoin(OutreachJourney, OutreachJourney.id == s.journey_id)
            .where(*where)
        )
        total_stmt = sa.select(sa.func.count()).select_from(joined.subquery())
        total = int((await session.execute(total_stmt)).scalar_one())
        rows = await session.execute(joined.order_by(s.id.desc()).offset(offset).limit(limit))
        return [(send, cname, jname, str(st)) for send, cname, jname, st in rows.all()], total

    async def figures(self, session: AsyncSession, journey_id: int) -> dict[str, int]:
        """Counts for one journey: statuses, delivery (an email counts when the outbox handed
        it to the SMTP relay), opens, clicks, and unsubscribes from its messages' links."""
        s = OutreachSend
        mail_sent = sa.exists().where(
            OutboundMail.message_id == s.provider_ref, OutboundMail.status == OutboxStatus.SENT
        )
        delivered = sa.or_(s.delivered_at.is_not(None), sa.and_(s.channel == "email", mail_sent))
        row = (
            await session.execute(
                sa.select(
                    sa.func.count().filter(s.status == SendStatus.SENT),
                    sa.func.count().filter(s.status == SendStatus.SENT, delivered),
                    sa.func.count().filter(s.opened_at.is_not(None)),
                    sa.func.count().filter(s.clicked_at.is_not(None)),
                    sa.func.count().filter(s.status == SendStatus.SKIPPED),
                    sa.func.count().filter(s.status == SendStatus.FAILED),
                    sa.func.count().filter(s.status.in_([SendStatus.SCHEDULED, SendStatus.SENDING])),
                ).where(s.journey_id == journey_id, s.customer_id.is_not(None))
            )
        ).one()
        ids = sa.select(s.id).where(s.journey_id == journey_id).scalar_subquery()
        unsub = 0
        for model in (OutreachUnsubscribe, OutreachOptout):
            stmt = sa.select(sa.func.count()).select_from(model).where(model.send_id.in_(ids))
            unsub += int((await session.execute(stmt)).scalar_one())
        keys = ("sent", "delivered", "opened", "clicked", "skipped", "failed", "waiting")
        return {**{k: int(v) for k, v in zip(keys, row, strict=True)}, "unsubscribed": unsub}

    async def first_orders(
        self, session: AsyncSession, where: list[sa.ColumnElement[bool]]
    ) -> list[tuple[int, datetime]]:
        """(customer, first paid order) for the audience (the anniversary is checked by the
        caller in the company's time zone)."""
        first = (
            sa.select(Order.customer_id, sa.func.min(Order.placed_at).label("first"))
            .where(Order.status == OrderStatus.PAID)
            .group_by(Order.customer_id)
            .subquery()
        )
        stmt = (
            sa.select(Customer.id, first.c.first)
            .join(first, first.c.customer_id == Customer.id)
            .where(*where)
        )
        return [(int(cid), at) for cid, at in (await session.execute(stmt)).all() if at is not None]

    # --- unsubscribes and per-channel opt-outs -------------------------------------------
    async def unsubscribed(self, session: AsyncSession, customer_id: int, channel: str | None = None) -> bool:
        """From marketing on every channel, or (with a channel) on that one."""
        stmt = sa.select(OutreachUnsubscribe.id).where(OutreachUnsubscribe.customer_id == customer_id)
        if (await session.execute(stmt)).first() is not None:
            return True
        return channel is not None and await self.opted_out(session, customer_id, channel, "marketing")

    async def opted_out(self, session: AsyncSession, customer_id: int, channel: str, purpose: str) -> bool:
        stmt = sa.select(OutreachOptout.id).where(
            OutreachOptout.customer_id == customer_id,
            OutreachOptout.channel == channel,
            OutreachOptout.purpose == purpose,
        )
        return (await session.execute(stmt)).first() is not None

    async def optouts(self, session: AsyncSession, customer_id: int) -> set[tuple[str, str]]:
        """The customer's (channel, purpose) opt-outs."""
        stmt = sa.select(OutreachOptout.channel, OutreachOptout.purpose).where(
            OutreachOptout.customer_id == customer_id
        )
        return {(str(ch), str(p)) for ch, p in (await session.execute(stmt)).all()}

    async def add_unsubscribe(
        self, session: AsyncSession, customer_id: int, source: str, send_id: int | None = None
    ) -> bool:
        """True when newly recorded (a second click changes nothing)."""
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(OutreachUnsubscribe)
            .values(customer_id=customer_id, source=source, created_at=utcnow(), send_id=send_id)
            .on_conflict_do_nothing(index_elements=["customer_id"])
            .returning(OutreachUnsubscribe.id)
        )
        return (await session.execute(stmt)).first() is not None

    async def add_optout(
        self,
        session: AsyncSession,
        customer_id: int,
        channel: str,
        source: str,
        send_id: int | None = None,
        *,
        purpose: str = "marketing",
    ) -> bool:
        """True when newly recorded (a second click changes nothing)."""
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(OutreachOptout)
            .values(
                customer_id=customer_id,
                channel=channel,
                purpose=purpose,
                source=source,
                created_at=utcnow(),
                send_id=send_id,
            )
            .on_conflict_do_nothing(index_elements=["customer_id", "channel", "purpose"])
            .returning(OutreachOptout.id)
        )
        return (await session.execute(stmt)).first() is not None

    async def remove_optout(
        self, session: AsyncSession, customer_id: int, channel: str, purpose: str = "marketing"
    ) -> None:
        await session.execute(
            sa.delete(OutreachOptout).where(
                OutreachOptout.customer_id == customer_id,
                OutreachOptout.channel == channel,
                OutreachOptout.purpose == purpose,
            )
        )

    async def remove_unsubscribe(self, session: AsyncSession, customer_id: int) -> None:
        await session.execute(
            sa.delete(OutreachUnsubscribe).where(OutreachUnsubscribe.customer_id == customer_id)
        )

    async def app_user(self, session: AsyncSession, customer_id: int) -> str | None:
        """The customer's user id in the company's app (the push address)."""
        stmt = (
            sa.select(AppUser.user_id).where(AppUser.customer_id == customer_id).order_by(AppUser.id).limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    # --- providers and the policy --------------------------------------------------------
    async def provider(self, session: AsyncSession, channel: str) -> OutreachProvider | None:
        stmt = sa.select(OutreachProvider).where(OutreachProvider.channel == channel)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def setting(self, session: AsyncSession) -> dict[str, Any] | None:
        return await read_setting(session, SETTING_KEY)

    async def save_setting(self, session: AsyncSession, value: dict[str, Any]) -> None:
        await write_setting(session, SETTING_KEY, value)


outreach_repository = OutreachRepository()
