"""Queue-first routing on both backends: exactly-once assignment under 100 concurrent
routers, capacity, priority, sticky owner, overflow, presence returning work, and an agent
coming online being handed what was waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from kefu.authz import Principal
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.service import conversation_service
from kefu.kit.db import Database
from kefu.kit.realtime import InProcessBus, set_bus
from kefu.kit.time import utcnow
from kefu.models import AgentState, Conversation, Message, RoutingRule
from kefu.models.conversation import Presence
from kefu.models.user import Role
from kefu.routing.service import routing_service
from tests.factories import make_customer, make_group, make_ticket, make_user


def staff(user: Any, group_ids: list[int]) -> Principal:
    return Principal(kind="staff", id=user.id, name=user.name, role=user.role, group_ids=frozenset(group_ids))


async def waiting_conversation(db: Database, **customer: Any) -> int:
    async with db.transaction() as session:
        conv = await conversation_service.start(session, WidgetSessionIn(**customer))
        await conversation_service.append(session, conv, sender="customer", text="我要找人工")  # type: ignore[arg-type]
        await conversation_service.handoff(session, conv, reason="test")
        return conv.id


async def go_online(db: Database, principal: Principal, *, capacity: int = 5) -> None:
    async with db.transaction() as session:
        await routing_service.set_presence(session, principal, Presence.ONLINE)
        row = await session.get(AgentState, principal.id)
        assert row is not None
        row.chat_capacity = capacity


async def route(db: Database, group_id: int, now: Any = None) -> list[tuple[int, int]]:
    async with db.transaction() as session:
        return await routing_service.route(session, group_id, now=now)


async def many_routers(db: Database, group_id: int, count: int, processes: int = 4) -> list[tuple[int, int]]:
    """`count` concurrent router runs over `processes` separate connection pools (each
    capped at 10 connections, within PostgreSQL's default connection limit)."""
    engines = [Database(db.url) for _ in range(processes)]
    gates = [asyncio.Semaphore(10) for _ in range(processes)]

    async def one(i: int) -> list[tuple[int, int]]:
        async with gates[i % processes]:
            return await route(engines[i % processes], group_id)

    try:
        results = await asyncio.gather(*(one(i) for i in range(count)))
    finally:
        for e in engines:
            await e.dispose()
    return [r for rs in results for r in rs]


async def conversation(db: Database, conv_id: int) -> Conversation:
    async with db.transaction() as session:
        conv = await session.get(Conversation, conv_id)
        assert conv is not None
        return conv


@pytest.fixture(autouse=True)
def bus() -> Iterator[InProcessBus]:
    b = InProcessBus()
    set_bus(b)
    yield b
    set_bus(None)


@pytest.fixture
async def group(db: Database) -> int:
    async with db.transaction() as session:
        return (await make_group(session, name="售前咨询", is_default=True)).id


async def agent(db: Database, group_id: int, name: str = "") -> Principal:
    async with db.transaction() as session:
        user = await make_user(session, role=Role.AGENT, name=name or "坐席", group_ids=[group_id])
    return staff(user, [group_id])


class TestExactlyOnce:
    async def test_100_concurrent_routers_assign_one_conversation_exactly_once(
        self, db: Database, group: int
    ) -> None:
        agents = [await agent(db, group, f"坐席{i}") for i in range(3)]
        for a in agents:
            await go_online(db, a)
        conv_id = await waiting_conversation(db, name="张三")
        winners = await many_routers(db, group, 100)
        assert len(winners) == 1 and winners[0][0] == conv_id
        async with db.transaction() as session:
            system_notes = (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(Message)
                    .where(Message.conversation_id == conv_id, Message.text.like("客服%为您服务。"))
                )
            ).scalar_one()
        assert system_notes == 1
        assert (await conversation(db, conv_id)).assignee_id == winners[0][1]

    async def test_capacity_is_never_exceeded_under_concurrent_routers(
        self, db: Database, group: int
    ) -> None:
        a = await agent(db, group)
        await go_online(db, a, capacity=2)
        ids = [await waiting_conversation(db) for _ in range(6)]
        await many_routers(db, group, 30, processes=3)
        assigned = [c for c in [await conversation(db, i) for i in ids] if c.status == "assigned"]
        assert len(assigned) == 2
        # The two who waited longest got the slots.
        assert sorted(c.id for c in assigned) == ids[:2]


class TestOrder:
    async def test_higher_priority_first_then_longest_wait(self, db: Database, group: int) -> None:
        a = await agent(db, group)
        first = await waiting_conversation(db)
        vip = await waiting_conversation(db)
        async with db.transaction() as session:
            row = await session.get(Conversation, vip)
            assert row is not None
            row.priority = 30  # e.g. the high tier's routing boost
        await go_online(db, a, capacity=1)
        assert await route(db, group) == [(vip, a.id)]
        assert (await conversation(db, first)).status == "queued"

    async def test_skills_required_by_the_group_rule(self, db: Database, group: int) -> None:
        plain = await agent(db, group, "普通")
        english = await agent(db, group, "英语")
        async with db.transaction() as session:
            session.add(RoutingRule(group_id=group, required_skills=["en"]))
        await go_online(db, plain)
        await go_online(db, english)
        async with db.transaction() as session:
            row = await session.get(AgentState, english.id)
            assert row is not None
            row.skills = ["en"]
        conv_id = await waiting_conversation(db)
        assert await route(db, group) == [(conv_id, english.id)]
        assert (await conversation(db, conv_id)).assign_reason["skills"] == ["en"]


class TestStickyOwner:
    async def test_returning_customer_goes_back_to_the_owner_of_their_open_ticket(
        self, db: Database, group: int
    ) -> None:
        owner = await agent(db, group, "老坐席")
        other = await agent(db, group, "新坐席")
        async with db.transaction() as session:
            customer = await make_customer(session, email="returning@example.cn")
            t = await make_ticket(session, customer_id=customer.id)
            t.owner_id = owner.id
        await go_online(db, other)
        conv_id = await waiting_conversation(db, email="returning@example.cn")
        c = await conversation(db, conv_id)
        assert c.ticket_id == t.id  # attached to the open ticket, not a new one
        assert c.sticky_agent_id == owner.id
        # Owner not online yet: nobody else takes it within the sticky wait.
        assert await route(db, group) == []
        await go_online(db, owner)
        assert await route(db, group) == [(conv_id, owner.id)]
        assert (await conversation(db, conv_id)).assign_reason["rule"] == "sticky_owner"

    async def test_after_the_sticky_wait_anyone_available_takes_it(self, db: Database, group: int) -> None:
        owner = await agent(db, group, "老坐席")
        other = await agent(db, group, "新坐席")
        async with db.transaction() as session:
            customer = await make_customer(session, email="late@example.cn")
            t = await make_ticket(session, customer_id=customer.id)
            t.owner_id = owner.id
        await go_online(db, other)
        conv_id = await waiting_conversation(db, email="late@example.cn")
        later = utcnow() + timedelta(seconds=61)
        assert await route(db, group, now=later) == [(conv_id, other.id)]


class TestOverflow:
    async def test_overflow_to_another_group_after_the_configured_wait(
        self, db: Database, group: int
    ) -> None:
        async with db.transaction() as session:
            backup = (await make_group(session, name="售后维修")).id
            session.add(RoutingRule(group_id=group, overflow_group_id=backup, overflow_after_seconds=120))
        helper = await agent(db, backup, "后援")
        await go_online(db, helper)
        conv_id = await waiting_conversation(db)
        assert await route(db, group) == []  # nobody online in the first group
        assert (await conversation(db, conv_id)).group_id == group
        await route(db, group, now=utcnow() + timedelta(seconds=121))
        c = await conversation(db, conv_id)
        assert c.group_id == backup and c.overflowed
        assert await route(db, backup) == [(conv_id, helper.id)]


class TestPresence:
    async def test_an_agent_coming_online_is_handed_the_work_already_waiting(
        self, db: Database, group: int
    ) -> None:
        ids = [await waiting_conversation(db) for _ in range(3)]
        assert await route(db, group) == []
        a = await agent(db, group)
        await go_online(db, a, capacity=2)
        # Going online enqueued a router run for the agent's groups; run it as the worker would.
        from kefu import registry
        from kefu.kit.jobs import Worker

        registry.load_all()  # the job handlers a worker process has
        worker = Worker(db, concurrency=1)
        await worker.run_until_idle()
        statuses = [(await conversation(db, i)).status for i in ids]
        assert statuses == ["assigned", "assigned", "queued"]

    async def test_going_offline_returns_unstarted_work_and_keeps_started_work(
        self, db: Database, group: int
    ) -> None:
        a = await agent(db, group)
        await go_online(db, a)
        started, unstarted = await waiting_conversation(db), await waiting_conversation(db)
        await route(db, group)
        async with db.transaction() as session:
            await conversation_service.staff_message(session, a, started, "c1", "您好")
        async with db.transaction() as session:
            await routing_service.set_presence(session, a, Presence.OFFLINE)
        assert (await conversation(db, started)).status == "assigned"
        back = await conversation(db, unstarted)
        assert back.status == "queued" and back.assignee_id is None
        assert back.first_queued_at is not None and back.queued_at is not None
        assert back.first_queued_at <= back.queued_at  # waiting time counts from the first queue


class TestTransfer:
    async def test_transfer_to_an_agent_and_to_a_group_keeps_history_and_records_the_note(
        self, db: Database, group: int
    ) -> None:
        a = await agent(db, group, "甲")
        b = await agent(db, group, "乙")
        await go_online(db, a)
        conv_id = await waiting_conversation(db)
        await route(db, group)
        from kefu.conversation.schemas import TransferIn

        async with db.transaction() as session:
            await conversation_service.transfer(
                session, a, conv_id, TransferIn(to_user_id=b.id, note="客户要退货，已核实订单")
            )
        c = await conversation(db, conv_id)
        assert c.assignee_id == b.id and c.assign_reason["rule"] == "transfer"
        async with db.transaction() as session:
            detail = await conversation_service.detail(session, b, conv_id)
        notes = [m for m in detail.messages if m.internal]
        assert notes and "已核实订单" in notes[0].text
        assert any(m.text == "我要找人工" for m in detail.messages)  # the story is kept
        async with db.transaction() as session:
            await conversation_service.transfer(session, b, conv_id, TransferIn(to_group_id=group, note=""))
        assert (await conversation(db, conv_id)).status == "queued"


class TestTicketQueue:
    async def test_unassigned_tickets_go_to_online_agents_urgent_first_within_ticket_capacity(
        self, db: Database, group: int
    ) -> None:
        a = await agent(db, group)
        async with db.transaction() as session:
            normal = await make_ticket(session, group_id=group, subject="普通问题")
            urgent = await make_ticket(session, group_id=group, subject="紧急故障", priority="urgent")
        await go_online(db, a)
        async with db.transaction() as session:
            row = await session.get(AgentState, a.id)
            assert row is not None
            row.ticket_capacity = 1
        async with db.transaction() as session:
            assert await routing_service.route_tickets(session, group) == [(urgent.id, a.id)]
        async with db.transaction() as session:
            assert await routing_service.route_tickets(session, group) == []  # capacity 1 is used
            me = await routing_service.me(session, a)
        assert me.ticket_load == 1 and normal.id != urgent.id

    async def test_a_ticket_whose_conversation_waits_is_routed_with_the_conversation(
        self, db: Database, group: int
    ) -> None:
        conv_id = await waiting_conversation(db, email="chat@example.cn")
        ticket_id = (await conversation(db, conv_id)).ticket_id
        a = await agent(db, group)
        await go_online(db, a)
        async with db.transaction() as session:
            assert await routing_service.route_tickets(session, group) == []
        assert await route(db, group) == [(conv_id, a.id)]
        async with db.transaction() as session:
            from kefu.models import Ticket

            t = await session.get(Ticket, ticket_id)
            assert t is not None and t.assignee_id == a.id  # the ticket followed its conversation


class TestTierQueue:
    async def test_a_high_tier_customer_waits_in_the_priority_queue_with_a_boost(
        self, db: Database, group: int
    ) -> None:
        async with db.transaction() as session:
            vip = (await make_group(session, name="VIP专席")).id
            customer = await make_customer(session, email="vip@example.cn")
            customer.tier = "high"  # by default: priority queue, routing boost 30
        conv_id = await waiting_conversation(db, email="vip@example.cn")
        c = await conversation(db, conv_id)
        assert c.group_id == vip and c.priority == 30 and c.tier == "high"


class TestQueueStatus:
    async def test_nobody_online_gives_no_wait_estimate_and_an_online_agent_does(
        self, db: Database, group: int
    ) -> None:
        # Saturday night with every agent off: "about 8 min to wait" would be a promise nobody
        # keeps, so the widget is told the queue is unstaffed instead.
        ids = [await waiting_conversation(db) for _ in range(2)]
        async with db.read() as session:
            status = await routing_service.queue_status(session, await session.get_one(Conversation, ids[1]))
        assert status is not None
        assert (status.position, status.staffed, status.eta_seconds) == (2, False, 0)

        await go_online(db, await agent(db, group), capacity=1)
        async with db.read() as session:
            status = await routing_service.queue_status(session, await session.get_one(Conversation, ids[1]))
        assert status is not None
        assert status.position == 2 and status.staffed and status.eta_seconds > 0
