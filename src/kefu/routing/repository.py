"""Routing queries: queues, agent presence rows, loads and the atomic claim."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.time import utcnow
from kefu.models import AgentState, Conversation, Customer, Group, GroupMember, RoutingRule, User
from kefu.models.conversation import ConversationStatus, Presence
from kefu.models.ticket import Ticket, TicketStatus
from kefu.routing import ticket_order

ROUTING_LOCK_KEY = 0x6B656675  # "kefu": one router at a time across the cluster


async def lock_routing(session: AsyncSession) -> None:
    """Serialise routers: PostgreSQL by an advisory transaction lock; SQLite already holds
    the database write lock from BEGIN IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROUTING_LOCK_KEY})


async def state(session: AsyncSession, user_id: int, *, lock: bool = False) -> AgentState:
    stmt = sa.select(AgentState).where(AgentState.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None and session.info.get("read_only"):
        # A read (GET /agents/me before the first sign-in) sees the defaults without storing them.
        return AgentState(
            user_id=user_id,
            status=Presence.OFFLINE,
            chat_capacity=5,
            ticket_capacity=20,
            skills=[],
            away_auto=False,
            away_idle=False,
            online_on_login=False,
            status_changed_at=utcnow(),
        )
    if row is None:
        row = AgentState(user_id=user_id)
        session.add(row)
        await session.flush()
    return row


async def staff(session: AsyncSession) -> Sequence[tuple[AgentState | None, User]]:
    """Every active staff member who takes chats (agents, and anyone in a group), with
    their presence row when they have one (never signed in: none)."""
    in_group = sa.exists().where(GroupMember.user_id == User.id)
    stmt = (
        sa.select(AgentState, User)
        .select_from(User)
        .outerjoin(AgentState, AgentState.user_id == User.id)
        .where(User.is_active.is_(True), sa.or_(User.role == "agent", in_group))
    )
    return [(s, u) for s, u in (await session.execute(stmt)).all()]


# Built once: every new ticket and every queued chat asks.
_ONLINE_MEMBERS = (
    sa.select(AgentState, User)
    .join(User, User.id == AgentState.user_id)
    .join(GroupMember, GroupMember.user_id == AgentState.user_id)
    .where(
        GroupMember.group_id == sa.bindparam("group_id"),
        AgentState.status == Presence.ONLINE,
        AgentState.last_seen_at >= sa.bindparam("fresh_after"),
        User.is_active.is_(True),
    )
)


async def online_members(
    session: AsyncSession, group_id: int, fresh_after: datetime
) -> Sequence[tuple[AgentState, User]]:
    """Members who chose online and whose heartbeat is fresh (a socket is alive)."""
    rows = await session.execute(_ONLINE_MEMBERS, {"group_id": group_id, "fresh_after": fresh_after})
    return [(s, u) for s, u in rows.all()]


async def touch(session: AsyncSession, user_id: int, now: datetime) -> tuple[str, bool] | None:
    """Refresh the heartbeat in one statement; (status, away_auto), None without a row."""
    result = await session.execute(
        sa.update(AgentState)
        .where(AgentState.user_id == user_id)
        .values(last_seen_at=now)
        .returning(AgentState.status, AgentState.away_auto)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return (str(row[0]), bool(row[1])) if row is not None else None


async def stale_online(session: AsyncSession, before: datetime, limit: int = 500) -> Sequence[int]:
    """Online agents whose heartbeat stopped (or never started)."""
    stmt = (
        sa.select(AgentState.user_id)
        .where(
            AgentState.status == Presence.ONLINE,
            sa.or_(AgentState.last_seen_at.is_(None), AgentState.last_seen_at < before),
        )
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def chat_loads(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    stmt = (
        sa.select(Conversation.assignee_id, sa.func.count())
        .where(
            Conversation.assignee_id.in_(list(user_ids)), Conversation.status == ConversationStatus.ASSIGNED
        )
        .group_by(Conversation.assignee_id)
    )
    return {int(u): int(n) for u, n in (await session.execute(stmt)).all() if u is not None}


async def ticket_loads(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    stmt = (
        sa.select(Ticket.assignee_id, sa.func.count())
        .where(
            Ticket.assignee_id.in_(list(user_ids)),
            Ticket.status.in_([TicketStatus.NEW, TicketStatus.OPEN]),
        )
        .group_by(Ticket.assignee_id)
    )
    return {int(u): int(n) for u, n in (await session.execute(stmt)).all() if u is not None}


async def queued(session: AsyncSession, group_id: int | None, limit: int = 500) -> Sequence[Conversation]:
    stmt = sa.select(Conversation).where(Conversation.status == ConversationStatus.QUEUED)
    stmt = stmt.where(
        Conversation.group_id.is_(None) if group_id is None else Conversation.group_id == group_id
    )
    stmt = stmt.order_by(Conversation.priority.desc(), Conversation.first_queued_at, Conversation.id).limit(
        limit
    )
    return (await session.execute(stmt)).scalars().all()


def _ticket_queue_filter() -> list[Any]:
    live = sa.exists().where(
        Conversation.ticket_id == Ticket.id,
        Conversation.status.in_(
            [ConversationStatus.BOT, ConversationStatus.QUEUED, ConversationStatus.ASSIGNED]
        ),
    )
    return [
        Ticket.assignee_id.is_(None),
        Ticket.status.in_([TicketStatus.NEW, TicketStatus.OPEN]),
        Ticket.merged_into_id.is_(None),
        ~live,  # a ticket whose conversation is waiting is routed with that conversation
    ]


async def waiting_tickets(
    session: AsyncSession,
    group_id: int,
    favoured: Collection[str],
    *,
    advised_only: bool = False,
    limit: int = 200,
) -> list[tuple[Ticket, str | None, int | None]]:
    """(ticket, the customer's tier, the customer's dedicated advisor) of a group's unassigned
    tickets in the queue order (ticket_order). `advised_only`: only customers with an advisor
    (when no agent has a spare slot, only advisors can take anything)."""
    stmt = (
        sa.select(Ticket, Customer.tier, Customer.advisor_id)
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.group_id == group_id, *_ticket_queue_filter())
        .order_by(
            *ticket_order.sql_order(Ticket.priority, Customer.tier, Ticket.created_at, Ticket.id, favoured)
        )
        .limit(limit)
    )
    if advised_only:
        stmt = stmt.where(Customer.advisor_id.is_not(None))
    return [(t, tier, adv) for t, tier, adv in (await session.execute(stmt)).all()]


async def advisor_states(session: AsyncSession, user_ids: Collection[int]) -> dict[int, tuple[bool, str]]:
    """User → (account active, the presence they chose; offline without a row)."""
    if not user_ids:
        return {}
    stmt = (
        sa.select(User.id, User.is_active, AgentState.status)
        .outerjoin(AgentState, AgentState.user_id == User.id)
        .where(User.id.in_(sorted(user_ids)))
    )
    return {int(u): (bool(a), st or Presence.OFFLINE) for u, a, st in (await session.execute(stmt)).all()}


async def any_advised_customer(session: AsyncSession) -> bool:
    """Whether any customer has a dedicated advisor (a partial index answers it)."""
    stmt = sa.select(Customer.id).where(Customer.advisor_id.is_not(None)).limit(1)
    return (await session.execute(stmt)).first() is not None


# A new ticket's customer's advisor and whether any customer has one (the partial index
# ix_customers_advisor answers that): one statement built once, for every new ticket.
_ADVISOR_AND_ANY = sa.select(
    sa.select(Customer.advisor_id).where(Customer.id == sa.bindparam("customer_id")).scalar_subquery(),
    sa.exists().where(Customer.advisor_id.is_not(None)),
)


async def advisor_and_any(session: AsyncSession, customer_id: int | None) -> tuple[int | None, bool]:
    """(the customer's dedicated advisor, whether any customer has one)."""
    row = (await session.execute(_ADVISOR_AND_ANY, {"customer_id": customer_id})).one()
    return (None if row[0] is None else int(row[0])), bool(row[1])


async def customer_advisor(session: AsyncSession, customer_id: int | None) -> int | None:
    if customer_id is None:
        return None
    return (
        await session.execute(sa.select(Customer.advisor_id).where(Customer.id == customer_id))
    ).scalar_one_or_none()


async def ticket_queue_groups(session: AsyncSession) -> list[int]:
    stmt = sa.select(Ticket.group_id).where(Ticket.group_id.is_not(None), *_ticket_queue_filter()).distinct()
    return [g for g in (await session.execute(stmt)).scalars().all() if g is not None]


async def queued_groups(session: AsyncSession) -> list[int | None]:
    stmt = sa.select(Conversation.group_id).where(Conversation.status == ConversationStatus.QUEUED).distinct()
    return list((await session.execute(stmt)).scalars().all())


async def queue_stats(session: AsyncSession) -> Sequence[tuple[int | None, int, datetime | None]]:
    stmt = (
        sa.select(Conversation.group_id, sa.func.count(), sa.func.min(Conversation.first_queued_at))
        .where(Conversation.status == ConversationStatus.QUEUED)
        .group_by(Conversation.group_id)
    )
    return [(g, int(n), t) for g, n, t in (await session.execute(stmt)).all()]


async def lock_agent(session: AsyncSession, user_id: int, fresh_after: datetime) -> AgentState | None:
    """Take the agent's row lock (PostgreSQL) if still online and present, so two routers
    never both count the same spare slot."""
    stmt = (
        sa.select(AgentState)
        .where(
            AgentState.user_id == user_id,
            AgentState.status == Presence.ONLINE,
            AgentState.last_seen_at >= fresh_after,
        )
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def claim(
    session: AsyncSession, conversation_id: int, agent_id: int, now: datetime, reason: dict[str, Any]
) -> bool:
    """queued → assigned in one conditional UPDATE: exactly one claimant wins."""
    result = await session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == ConversationStatus.QUEUED)
        .values(
            status=ConversationStatus.ASSIGNED,
            assignee_id=agent_id,
            assigned_at=now,
            updated_at=now,
            assign_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    won = bool(getattr(result, "rowcount", 0) == 1)
    if won:
        await session.execute(
            sa.update(AgentState).where(AgentState.user_id == agent_id).values(last_assigned_at=now)
        )
    return won


async def move_group(session: AsyncSession, conversation_id: int, group_id: int, now: datetime) -> bool:
    result = await session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == ConversationStatus.QUEUED)
        .values(group_id=group_id, queued_at=now, overflowed=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def unstarted_of(session: AsyncSession, user_id: int) -> Sequence[int]:
    """Assigned conversations the agent has not answered yet."""
    stmt = sa.select(Conversation.id).where(
        Conversation.assignee_id == user_id,
        Conversation.status == ConversationStatus.ASSIGNED,
        Conversation.first_agent_reply_at.is_(None),
    )
    return (await session.execute(stmt)).scalars().all()


async def unstarted_tickets_of(session: AsyncSession, user_id: int) -> Sequence[int]:
    stmt = sa.select(Ticket.id).where(
        Ticket.assignee_id == user_id, Ticket.status == TicketStatus.NEW, Ticket.first_replied_at.is_(None)
    )
    return (await session.execute(stmt)).scalars().all()


async def rule(session: AsyncSession, group_id: int) -> RoutingRule | None:
    return await session.get(RoutingRule, group_id)


async def rules(session: AsyncSession) -> dict[int, RoutingRule]:
    return {r.group_id: r for r in (await session.execute(sa.select(RoutingRule))).scalars()}


async def save_rule(session: AsyncSession, row: RoutingRule) -> RoutingRule:
    merged = await session.merge(row)
    await session.flush()
    return merged


async def group_names(session: AsyncSession) -> dict[int, str]:
    return {i: n for i, n in (await session.execute(sa.select(Group.id, Group.name))).all()}


async def group_ids_by_user(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {u: [] for u in user_ids}
    if user_ids:
        rows = await session.execute(
            sa.select(GroupMember.user_id, GroupMember.group_id).where(
                GroupMember.user_id.in_(list(user_ids))
            )
        )
        for user_id, group_id in rows.all():
            out[user_id].append(group_id)
    return out


async def member_group_ids(session: AsyncSession, user_id: int) -> list[int]:
    stmt = sa.select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    return list((await session.execute(stmt)).scalars().all())


async def avg_handle_seconds(session: AsyncSession, since: datetime) -> float | None:
    stmt = (
        sa.select(Conversation.assigned_at, Conversation.closed_at)
        .where(Conversation.closed_at >= since, Conversation.assigned_at.is_not(None))
        .limit(500)
    )
    rows = (await session.execute(stmt)).all()
    spans = [(c - a).total_seconds() for a, c in rows if a is not None and c is not None and c > a]
    return sum(spans) / len(spans) if spans else None
