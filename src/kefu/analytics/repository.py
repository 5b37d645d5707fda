"""Analytics queries: the rows of a time window, rollups, live counts and pain-point texts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.facts import (
    ClockRow,
    CommentRow,
    Contact,
    ConversationRow,
    Dims,
    MessageRow,
    MessageTally,
    SurveyRow,
    TicketRow,
)
from kefu.analytics.rollup_repository import RollupStore
from kefu.analytics.slice_filters import (
    EMPTY,
    Only,
    backlog_filter,
    conversation_conditions,
    of_tickets,
    survey_conditions,
    ticket_conditions,
)
from kefu.kit.events import EventRecord
from kefu.kit.time import ensure_utc
from kefu.models import AgentState, Customer, Message
from kefu.models.analytics import PainPoint
from kefu.models.bot import BotTurnLog
from kefu.models.conversation import Conversation
from kefu.models.sla import AppliedSla
from kefu.models.survey import Survey
from kefu.models.ticket import Ticket, TicketComment

CHUNK = 500
OPEN_STATUSES = ("new", "open", "pending", "hold")
_TICKET_COLS = (
    Ticket.id,
    Ticket.created_at,
    Ticket.customer_id,
    Ticket.channel,
    Ticket.group_id,
    Ticket.assignee_id,
    Ticket.category,
    Ticket.tags,
    Ticket.first_replied_at,
    Ticket.solved_at,
    Ticket.reopen_count,
    Ticket.subject,
    Customer.tier,
)


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    items = sorted(set(ids))
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _ticket_row(r: Any) -> TicketRow:
    return TicketRow(
        id=r.id,
        created_at=ensure_utc(r.created_at),
        customer_id=r.customer_id,
        dims=Dims.of(
            channel=r.channel, group_id=r.group_id, agent_id=r.assignee_id, category=r.category, tier=r.tier
        ),
        category=r.category or "",
        tags=tuple(r.tags or ()),
        first_replied_at=ensure_utc(r.first_replied_at) if r.first_replied_at else None,
        solved_at=ensure_utc(r.solved_at) if r.solved_at else None,
        reopen_count=r.reopen_count or 0,
        subject=r.subject or "",
    )


_features: dict[str, tuple[bool, bool]] = {}


async def features(session: AsyncSession) -> tuple[bool, bool]:
    """(bot_turns table exists, messages.emotion exists): older databases lack them."""
    bind = session.get_bind()
    key = str(bind.engine.url)
    if key not in _features:

        def inspect(conn: Any) -> tuple[bool, bool]:
            insp = sa.inspect(conn)
            tables = set(insp.get_table_names())
            emotion = "messages" in tables and any(
                c["name"] == "emotion" for c in insp.get_columns("messages")
            )
            return "bot_turns" in tables, emotion

        conn = await session.connection()
        _features[key] = await conn.run_sync(inspect)
    return _features[key]


class AnalyticsRepository(RollupStore):
    """The window's source rows, live counts and pain-point texts; the stored rollups and
    watermarks come from RollupStore (rollup_repository.py)."""

    async def has_activity(self, session: AsyncSession, start: datetime, end: datetime) -> bool:
        """Anything a window reads happened in [start, end)? (Backfills skip empty days.)"""
        columns = [
            Ticket.created_at,
            Ticket.first_replied_at,
            Ticket.solved_at,
            Conversation.created_at,
            Conversation.closed_at,
            TicketComment.created_at,
            AppliedSla.breached_at,
            AppliedSla.fulfilled_at,
            Survey.sent_at,
            Survey.answered_at,
            EventRecord.created_at,
        ]
        checks = [sa.exists().where(col >= start, col < end) for col in columns]
        return bool((await session.execute(sa.select(sa.or_(*checks)))).scalar())

    # --- tickets ----------------------------------------------------------------------
    def _tickets(self) -> sa.Select[Any]:
        stmt: sa.Select[Any] = sa.select(*_TICKET_COLS)  # type: ignore[assignment]
        return stmt.outerjoin(Customer, Customer.id == Ticket.customer_id)

    async def tickets_between(
        self,
        session: AsyncSession,
        column: str,
        start: datetime,
        end: datetime,
        *,
        solved_only: bool = False,
        only: Only = EMPTY,
    ) -> list[TicketRow]:
        col = getattr(Ticket, column)
        stmt = self._tickets().where(col >= start, col < end, *ticket_conditions(only))
        if solved_only:
            stmt = stmt.where(Ticket.status.in_(("solved", "closed")))
        return [_ticket_row(r) for r in (await session.execute(stmt)).all()]

    async def tickets_by_id(self, session: AsyncSession, ids: Iterable[int]) -> dict[int, TicketRow]:
        out: dict[int, TicketRow] = {}
        for chunk in _chunks(ids):
            for r in (await session.execute(self._tickets().where(Ticket.id.in_(chunk)))).all():
                out[r.id] = _ticket_row(r)
        return out

    async def clocks(self, session: AsyncSession, ticket_ids: Iterable[int]) -> list[Any]:
        """Fulfilled first-reply/resolution clocks of these tickets (for business time)."""
        rows: list[Any] = []
        for chunk in _chunks(ticket_ids):
            stmt = sa.select(
                AppliedSla.ticket_id,
                AppliedSla.metric,
                AppliedSla.business_hours,
                AppliedSla.schedule_id,
                AppliedSla.achieved_minutes,
                AppliedSla.fulfilled_at,
            ).where(
                AppliedSla.ticket_id.in_(chunk),
                AppliedSla.metric.in_(("first_reply", "resolution")),
            )
            rows.extend((await session.execute(stmt)).all())
        return rows

    async def sla_outcomes(
        self, session: AsyncSession, start: datetime, end: datetime, only: Only = EMPTY
    ) -> list[ClockRow]:
        """Clocks breached in the window, and clocks met (fulfilled, never breached) in it."""
        cols = (AppliedSla.ticket_id, AppliedSla.metric)
        breached = sa.select(*cols, sa.literal(False).label("met"), AppliedSla.breached_at.label("at")).where(
            AppliedSla.breached_at >= start, AppliedSla.breached_at < end
        )
        met = sa.select(*cols, sa.literal(True).label("met"), AppliedSla.fulfilled_at.label("at")).where(
            AppliedSla.fulfilled_at >= start, AppliedSla.fulfilled_at < end, AppliedSla.breached_at.is_(None)
        )
        breached, met = (of_tickets(q, AppliedSla.ticket_id, only) for q in (breached, met))
        rows = [*(await session.execute(breached)).all(), *(await session.execute(met)).all()]
        tickets = await self.tickets_by_id(session, (r.ticket_id for r in rows))
        return [
            ClockRow(r.ticket_id, r.metric, bool(r.met), tickets[r.ticket_id].dims, ensure_utc(r.at))
            for r in rows
            if r.ticket_id in tickets
        ]

    async def comments_for_replies(
        self, session: AsyncSession, start: datetime, end: datetime, only: Only = EMPTY
    ) -> dict[int, list[CommentRow]]:
        """Public comments (up to `end`) of tickets that got a public agent reply in the window."""
        touched = sa.select(TicketComment.ticket_id).where(
            TicketComment.created_at >= start,
            TicketComment.created_at < end,
            TicketComment.public.is_(True),
            TicketComment.author_user_id.is_not(None),
            TicketComment.conversation_id.is_(None),  # chat lines count in the chat metrics
        )
        touched = of_tickets(touched, TicketComment.ticket_id, only)
        ids = [r[0] for r in (await session.execute(touched.distinct())).all()]
        out: dict[int, list[CommentRow]] = defaultdict(list)
        for chunk in _chunks(ids):
            stmt = (
                sa.select(TicketComment.ticket_id, TicketComment.created_at, TicketComment.author_user_id)
                .where(
                    TicketComment.ticket_id.in_(chunk),
                    TicketComment.public.is_(True),
                    TicketComment.created_at < end,
                    TicketComment.conversation_id.is_(None),
                )
                .order_by(TicketComment.ticket_id, TicketComment.created_at, TicketComment.id)
            )
            for r in (await session.execute(stmt)).all():
                out[r.ticket_id].append(
                    CommentRow(r.ticket_id, ensure_utc(r.created_at), r.author_user_id is not None)
                )
        return dict(out)

    # --- conversations ------------------------------------------------------------------
    async def conversations_between(
        self, session: AsyncSession, column: str, start: datetime, end: datetime, only: Only = EMPTY
    ) -> list[ConversationRow]:
        col = getattr(Conversation, column)
        has_turns, _ = await features(session)
        reached: Any = (
            sa.exists().where(BotTurnLog.conversation_id == Conversation.id)
            if has_turns
            else Conversation.channel.in_(("chat", "wechat"))  # the bot greets every chat
        )
        stmt = (
            sa.select(
                Conversation.id,
                Conversation.created_at,
                Conversation.customer_id,
                Conversation.ticket_id,
                Conversation.status,
                Conversation.channel,
                Conversation.group_id,
                Conversation.assignee_id,
                Conversation.tier,
                Conversation.first_queued_at,
                Conversation.assigned_at,
                Conversation.closed_at,
                Conversation.bot_resolved,
                Ticket.category,
                AgentState.chat_capacity,
                reached.label("reached_bot"),
            )
            .outerjoin(Ticket, Ticket.id == Conversation.ticket_id)
            .outerjoin(AgentState, AgentState.user_id == Conversation.assignee_id)
            .where(col >= start, col < end, *conversation_conditions(only))
        )
        return [
            ConversationRow(
                id=r.id,
                created_at=ensure_utc(r.created_at),
                customer_id=r.customer_id,
                ticket_id=r.ticket_id,
                status=r.status,
                dims=Dims.of(
                    channel=r.channel,
                    group_id=r.group_id,
                    agent_id=r.assignee_id,
                    category=r.category,
                    tier=r.tier,
                ),
                reached_bot=bool(r.reached_bot),
                first_queued_at=ensure_utc(r.first_queued_at) if r.first_queued_at else None,
                assigned_at=ensure_utc(r.assigned_at) if r.assigned_at else None,
                closed_at=ensure_utc(r.closed_at) if r.closed_at else None,
                bot_resolved=r.bot_resolved,
                capacity=r.chat_capacity or 5,
            )
            for r in (await session.execute(stmt)).all()
        ]

    async def message_tallies(
        self, session: AsyncSession, conversation_ids: Iterable[int]
    ) -> dict[int, MessageTally]:
        """Per conversation: customer messages with an emotion label, those labelled negative,
        and agent messages, counted by the database. A busy hour of bot chat has ~10^6 message
        rows and none of them is needed one by one (only agent reply times are: messages_of)."""
        out: dict[int, MessageTally] = {}
        _, has_emotion = await features(session)
        customer = Message.sender == "customer"
        if has_emotion:
            scored: Any = sa.func.count(sa.case((customer, Message.emotion)))
            negative: Any = sa.func.sum(sa.case((customer & (Message.emotion == "negative"), 1), else_=0))
        else:
            scored = negative = sa.literal(0)
        agent = sa.func.sum(sa.case((Message.sender == "agent", 1), else_=0))
        for chunk in _chunks(conversation_ids):
            stmt = (
                sa.select(Message.conversation_id, scored, negative, agent)
                .where(
                    Message.conversation_id.in_(chunk),
                    Message.internal.is_(False),
                    Message.sender.in_(("customer", "agent")),
                )
                .group_by(Message.conversation_id)
            )
            for cid, n_scored, n_negative, n_agent in (await session.execute(stmt)).all():
                out[cid] = MessageTally(int(n_scored or 0), int(n_negative or 0), int(n_agent or 0))
        return out

    async def messages_of(self, session: AsyncSession, conversation_ids: Iterable[int]) -> list[MessageRow]:
        """Customer and agent messages in order (bot and system lines never start or end a
        wait for an agent's reply)."""
        out: list[MessageRow] = []
        for chunk in _chunks(conversation_ids):
            stmt = (
                sa.select(Message.conversation_id, Message.sender, Message.created_at)
                .where(
                    Message.conversation_id.in_(chunk),
                    Message.internal.is_(False),
                    Message.sender.in_(("customer", "agent")),
                )
                .order_by(Message.conversation_id, Message.seq)
            )
            out.extend(
                MessageRow(r.conversation_id, r.sender, ensure_utc(r.created_at))
                for r in (await session.execute(stmt)).all()
            )
        return out

    async def contacts(
        self, session: AsyncSession, customer_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[Contact]:
        out: list[Contact] = []
        for chunk in _chunks(customer_ids):
            t = sa.select(Ticket.id, Ticket.customer_id, Ticket.created_at).where(
                Ticket.customer_id.in_(chunk), Ticket.created_at >= start, Ticket.created_at < end
            )
            out.extend(
                Contact(r.customer_id, ensure_utc(r.created_at), r.id)
                for r in (await session.execute(t)).all()
            )
            c = sa.select(
                Conversation.id, Conversation.customer_id, Conversation.created_at, Conversation.ticket_id
            ).where(
                Conversation.customer_id.in_(chunk),
                Conversation.created_at >= start,
                Conversation.created_at < end,
            )
            out.extend(
                Contact(r.customer_id, ensure_utc(r.created_at), r.ticket_id, r.id)
                for r in (await session.execute(c)).all()
            )
        return out

    async def owners(self, session: AsyncSession, ticket_ids: Iterable[int]) -> dict[int, tuple[int, bool]]:
        """Ticket id -> (owner id, the owner recorded the customer's acceptance) for owned ones."""
        out: dict[int, tuple[int, bool]] = {}
        for chunk in _chunks(ticket_ids):
            stmt = sa.select(Ticket.id, Ticket.owner_id, Ticket.accepted_at).where(
                Ticket.id.in_(chunk), Ticket.owner_id.is_not(None)
            )
            out.update((r.id, (r.owner_id, r.accepted_at is not None)) for r in (await session.execute(stmt)))
        return out

    # --- surveys and transfers ---------------------------------------------------------
    async def surveys_between(
        self, session: AsyncSession, column: str, start: datetime, end: datetime, only: Only = EMPTY
    ) -> list[SurveyRow]:
        col = getattr(Survey, column)
        stmt = (
            sa.select(
                Survey.kind,
                Survey.answered_at,
                Survey.score,
                Survey.score_100,
                Survey.channel,
                Survey.group_id,
                Survey.agent_id,
                Ticket.channel.label("t_channel"),
                Ticket.category,
                Conversation.channel.label("c_channel"),
                Customer.tier,
                col.label("at"),
            )
            .outerjoin(Ticket, Ticket.id == Survey.ticket_id)
            .outerjoin(Conversation, Conversation.id == Survey.conversation_id)
            .outerjoin(Customer, Customer.id == Survey.customer_id)
            .where(col >= start, col < end, *survey_conditions(only))
        )
        return [
            SurveyRow(
                kind=r.kind,
                answered=r.answered_at is not None,
                score=r.score,
                score_100=r.score_100,
                dims=Dims.of(
                    channel=r.c_channel or r.t_channel or r.channel,
                    group_id=r.group_id,
                    agent_id=r.agent_id,
                    category=r.category,
                    tier=r.tier,
                ),
                at=ensure_utc(r.at),
            )
            for r in (await session.execute(stmt)).all()
        ]

    async def transfer_events(self, session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
        cols = (EventRecord.name, EventRecord.aggregate_id, EventRecord.payload, EventRecord.created_at)
        stmt = sa.select(*cols).where(
            EventRecord.created_at >= start,
            EventRecord.created_at < end,
            EventRecord.name.in_(("ticket.updated", "conversation.unassigned")),
        )
        return list((await session.execute(stmt)).all())

    async def conversation_dims(self, session: AsyncSession, ids: Iterable[int]) -> dict[int, Dims]:
        out: dict[int, Dims] = {}
        for chunk in _chunks(ids):
            stmt = (
                sa.select(
                    Conversation.id,
                    Conversation.channel,
                    Conversation.group_id,
                    Conversation.assignee_id,
                    Conversation.tier,
                    Ticket.category,
                )
                .outerjoin(Ticket, Ticket.id == Conversation.ticket_id)
                .where(Conversation.id.in_(chunk))
            )
            for r in (await session.execute(stmt)).all():
                out[r.id] = Dims.of(
                    channel=r.channel,
                    group_id=r.group_id,
                    agent_id=r.assignee_id,
                    category=r.category,
                    tier=r.tier,
                )
        return out

    # --- live ---------------------------------------------------------------------------
    async def backlog(
        self, session: AsyncSession, only: dict[str, Any], ranks: Sequence[float]
    ) -> tuple[int, list[datetime | None]]:
        """Open tickets now, and the creation time at each rank (0..1, nearest rank, oldest
        first) — in SQL: a large backlog is not shipped row by row."""
        base = sa.select(Ticket.created_at)
        if "tier" in only:
            base = base.outerjoin(Customer, Customer.id == Ticket.customer_id)
        # The statuses written out, not bound: the planner then uses the partial index of open
        # tickets (ix_tickets_open_dims, with their dims) for the count and both ranks.
        is_open = Ticket.status.in_(
            sa.bindparam("open_statuses", OPEN_STATUSES, expanding=True, literal_execute=True)
        )
        base = backlog_filter(base.where(is_open), only)
        if "tier" in only:  # joined to customers: one read ranked here, not three
            at = [ensure_utc(r[0]) for r in (await session.execute(base.order_by(Ticket.created_at)))]
            return len(at), [
                at[min(len(at) - 1, round((1 - p) * (len(at) - 1)))] if at else None for p in ranks
            ]
        count = int(
            (await session.execute(sa.select(sa.func.count()).select_from(base.subquery()))).scalar() or 0
        )
        out: list[datetime | None] = []
        for p in ranks:
            if not count:
                out.append(None)
                continue
            # Age percentile p = creation-time percentile 1 - p (older is longer waiting).
            offset = min(count - 1, round((1 - p) * (count - 1)))
            value = (await session.execute(base.order_by(Ticket.created_at).offset(offset).limit(1))).scalar()
            out.append(ensure_utc(value) if value is not None else None)
        return count, out

    async def answered_csat_since(self, session: AsyncSession, since: datetime) -> tuple[int, float]:
        stmt = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Survey.score_100), 0)).where(
            Survey.kind == "csat", Survey.answered_at >= since, Survey.score_100.is_not(None)
        )
        row = (await session.execute(stmt)).one()
        return int(row[0]), float(row[1] or 0)

    async def open_tickets_by_status(self, session: AsyncSession) -> dict[str, int]:
        stmt = (
            sa.select(Ticket.status, sa.func.count())
            .where(Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.status)
        )
        return {str(s): int(n) for s, n in (await session.execute(stmt)).all()}

    # --- pain points --------------------------------------------------------------------
    async def topic_tickets(self, session: AsyncSession, start: datetime, end: datetime) -> list[TicketRow]:
        stmt = self._tickets().where(Ticket.created_at >= start, Ticket.created_at < end)
        return [_ticket_row(r) for r in (await session.execute(stmt)).all()]

    async def first_customer_texts(
        self, session: AsyncSession, start: datetime, end: datetime, limit: int
    ) -> list[Any]:
        """Conversations created in the window without a ticket: id, intent, first words, emotion."""
        first_turn = (
            sa.select(BotTurnLog.conversation_id, sa.func.min(BotTurnLog.id).label("turn_id"))
            .group_by(BotTurnLog.conversation_id)
            .subquery()
        )
        stmt = (
            sa.select(
                Conversation.id,
                Conversation.created_at,
                Conversation.first_queued_at,
                BotTurnLog.intent,
                BotTurnLog.question,
                BotTurnLog.emotion,
            )
            .outerjoin(first_turn, first_turn.c.conversation_id == Conversation.id)
            .outerjoin(BotTurnLog, BotTurnLog.id == first_turn.c.turn_id)
            .where(
                Conversation.created_at >= start,
                Conversation.created_at < end,
                Conversation.ticket_id.is_(None),
            )
            .order_by(Conversation.id.desc())
            .limit(limit)
        )
        return list((await session.execute(stmt)).all())

    async def negative_share_by_ticket(
        self, session: AsyncSession, ticket_ids: Iterable[int]
    ) -> dict[int, bool]:
        """Whether any scored customer message of the ticket's conversations is negative."""
        out: dict[int, bool] = {}
        for chunk in _chunks(ticket_ids):
            stmt = (
                sa.select(Conversation.ticket_id, sa.func.count())
                .join(Message, Message.conversation_id == Conversation.id)
                .where(
                    Conversation.ticket_id.in_(chunk),
                    Message.sender == "customer",
                    Message.emotion == "negative",
                )
                .group_by(Conversation.ticket_id)
            )
            out.update(
                {int(r[0]): int(r[1]) > 0 for r in (await session.execute(stmt)).all() if r[0] is not None}
            )
        return out

    async def pain_points(self, session: AsyncSession) -> dict[str, PainPoint]:
        return {p.topic: p for p in (await session.execute(sa.select(PainPoint))).scalars().all()}

    async def pain_point(self, session: AsyncSession, topic: str) -> PainPoint | None:
        stmt = sa.select(PainPoint).where(PainPoint.topic == topic)
        return (await session.execute(stmt)).scalar_one_or_none()


analytics_repository = AnalyticsRepository()
