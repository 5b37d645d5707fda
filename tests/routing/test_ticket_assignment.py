"""Automatic ticket assignment on both backends: a customer's email and portal tickets go to
their dedicated advisor (专属顾问) when the advisor is available, else normal routing with
the advisor following; and the assigner works the queue in the agents' view order —
priority, then loyalty tier (high before mid before the rest), then the oldest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.authz import Principal
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.realtime import InProcessBus, set_bus
from kefu.kit.time import utcnow
from kefu.loyalty.advisor_rules import AdvisorState, TicketRoute, ticket_route
from kefu.models import AgentState, Customer, Ticket, User
from kefu.models.conversation import Presence
from kefu.models.ticket import TicketFollower
from kefu.routing.service import routing_service
from kefu.routing.ticket_order import queue_key
from kefu.ticket.schemas import TicketFilter
from kefu.ticket.service import ticket_service
from tests.factories import bearer, customer_token, make_group, make_ticket, make_user


@pytest.fixture(autouse=True)
def bus() -> Iterator[InProcessBus]:
    b = InProcessBus()
    set_bus(b)
    yield b
    set_bus(None)


def staff(user: Any, group_ids: list[int]) -> Principal:
    return Principal(kind="staff", id=user.id, name=user.name, role=user.role, group_ids=frozenset(group_ids))


async def presence(db: Database, who: Principal, status: Presence) -> None:
    async with db.transaction() as s:
        await routing_service.set_presence(s, who, status)


async def _world(db: Database) -> dict[str, Any]:
    """A support group with one agent, the VIP group with the advisor, an advised customer."""
    async with db.transaction() as s:
        support = await make_group(s, name="售后维修", is_default=True)
        vip = await make_group(s, name="VIP专席")
        agent = await make_user(s, name="李娜", group_ids=[support.id])
        advisor = await make_user(s, name="张伟", group_ids=[vip.id])
    customer, token = await customer_token(db, name="何静", email="hejing@example.cn")
    async with db.transaction() as s:
        row = await s.get(Customer, customer.id)
        assert row is not None
        row.advisor_id = advisor.id
    return {
        "support": support.id,
        "agent": staff(agent, [support.id]),
        "advisor": staff(advisor, [vip.id]),
        "customer": customer.id,
        "token": token,
    }


async def _email_ticket(db: Database, w: dict[str, Any], subject: str = "扫地机不充电") -> int:
    async with db.transaction() as s:
        t = await make_ticket(
            s, subject=subject, channel="email", customer_id=w["customer"], group_id=w["support"]
        )
        return int(t.id)


async def _ticket(db: Database, ticket_id: int) -> tuple[int | None, set[int]]:
    await Worker(db).run_until_idle()  # the ticket.created listener routes it
    async with db.transaction() as s:
        t = await s.get(Ticket, ticket_id)
        assert t is not None
        follows = (
            await s.execute(sa.select(TicketFollower.user_id).where(TicketFollower.ticket_id == ticket_id))
        ).scalars()
        return t.assignee_id, set(follows)


class TestAdvisorRouting:
    async def test_an_email_ticket_goes_to_the_online_advisor_not_the_group(self, db: Database) -> None:
        w = await _world(db)
        await presence(db, w["agent"], Presence.ONLINE)
        await presence(db, w["advisor"], Presence.ONLINE)
        assignee, _ = await _ticket(db, await _email_ticket(db, w))
        assert assignee == w["advisor"].id

    async def test_a_portal_ticket_goes_to_the_advisor_while_away(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        w = await _world(db)
        await presence(db, w["agent"], Presence.ONLINE)
        await presence(db, w["advisor"], Presence.AWAY)  # at work, between tasks: active
        r = await client.post(
            "/portal/tickets",
            headers={"accept": "text/html", **bearer(w["token"])},
            data={"subject": "屏幕有亮点", "description": "右上角有亮点", "category": ""},
        )
        assert r.status_code == 303, r.text
        async with db.transaction() as s:
            t = (await s.execute(sa.select(Ticket).where(Ticket.subject == "屏幕有亮点"))).scalar_one()
            assert t.channel == "portal"
        assignee, _ = await _ticket(db, t.id)
        assert assignee == w["advisor"].id

    async def test_a_signed_out_advisor_follows_while_normal_routing_assigns(self, db: Database) -> None:
        w = await _world(db)
        await presence(db, w["agent"], Presence.ONLINE)  # the advisor never signed in: offline
        assignee, followers = await _ticket(db, await _email_ticket(db, w))
        assert assignee == w["agent"].id and w["advisor"].id in followers

    async def test_a_deactivated_advisor_neither_gets_nor_follows(self, db: Database) -> None:
        w = await _world(db)
        await presence(db, w["agent"], Presence.ONLINE)
        await presence(db, w["advisor"], Presence.ONLINE)
        async with db.transaction() as s:
            user = await s.get(User, w["advisor"].id)
            assert user is not None
            user.is_active = False
        assignee, followers = await _ticket(db, await _email_ticket(db, w))
        assert assignee == w["agent"].id and w["advisor"].id not in followers

    async def test_a_waiting_ticket_reaches_the_advisor_when_they_come_back(self, db: Database) -> None:
        w = await _world(db)  # nobody online: the ticket waits in its group's queue
        ticket_id = await _email_ticket(db, w)
        assignee, followers = await _ticket(db, ticket_id)
        assert assignee is None and w["advisor"].id in followers
        await presence(db, w["advisor"], Presence.ONLINE)
        async with db.transaction() as s:
            await routing_service.route_all(s)  # the periodic sweep over every waiting queue
        assert (await _ticket(db, ticket_id))[0] == w["advisor"].id

    async def test_chat_and_phone_tickets_are_not_given_to_the_advisor(self) -> None:
        online = AdvisorState(user_id=7, active=True, presence="online")
        assert ticket_route(online, "phone") == TicketRoute()
        assert ticket_route(online, "chat") == TicketRoute()
        assert ticket_route(online, "email") == TicketRoute(assign_to=7)
        assert ticket_route(AdvisorState(7, True, "offline"), "portal") == TicketRoute(follower=7)
        assert ticket_route(None, "email") == TicketRoute()


class TestLoyaltyOrder:
    async def test_auto_assignment_takes_priority_then_tier_then_oldest_as_the_views_show(
        self, db: Database
    ) -> None:
        async with db.transaction() as s:
            group = await make_group(s, name="售前咨询", is_default=True)
            user = await make_user(s, name="王芳", group_ids=[group.id])
        agent = staff(user, [group.id])
        tiers = {}
        async with db.transaction() as s:
            for tier in ("none", "potential", "mid", "high"):
                c = Customer(name=f"客户-{tier}", tier=tier)
                s.add(c)
                await s.flush()
                tiers[tier] = c.id
        now = utcnow()
        made: dict[str, int] = {}
        # Oldest first: a none-tier ticket, potential, mid, then high; an urgent one newest.
        for i, (name, tier, priority) in enumerate(
            [
                ("none", "none", "normal"),
                ("potential", "potential", "normal"),
                ("mid", "mid", "normal"),
                ("high", "high", "normal"),
                ("urgent", "none", "urgent"),
                ("low-high", "high", "low"),
            ]
        ):
            async with db.transaction() as s:
                t = await make_ticket(
                    s,
                    subject=name,
                    group_id=group.id,
                    customer_id=tiers[tier],
                    priority=priority,
                    channel="api",
                )
                t.created_at = now - timedelta(minutes=60 - i)
                made[name] = t.id
        expected = ["urgent", "high", "mid", "none", "potential", "low-high"]
        # potential has no ticket_priority benefit by default: it waits with none, oldest first.
        await presence(db, agent, Presence.ONLINE)
        async with db.transaction() as s:
            row = await s.get(AgentState, agent.id)
            assert row is not None
            row.ticket_capacity = 1
        order: list[int] = []
        for _ in expected:
            async with db.transaction() as s:
                got = await routing_service.route_tickets(s, group.id)
                assert len(got) == 1 and got[0][1] == agent.id
                order.append(got[0][0])
                await s.execute(sa.update(Ticket).where(Ticket.id == got[0][0]).values(status="pending"))
        assert order == [made[n] for n in expected]
        # The agents' queue view, before any assignment, lists them in the same order.
        async with db.transaction() as s:
            await s.execute(
                sa.update(Ticket)
                .where(Ticket.id.in_(list(made.values())))
                .values(status="open", assignee_id=None)
            )
        admin = Principal(kind="staff", id=user.id, name="", role="admin")
        async with db.transaction() as s:
            from kefu.ticket.queue import ticket_queue_service

            f = await ticket_queue_service.prepare(s, TicketFilter(group_id=group.id, sort="queue", limit=50))
            view = [t.id for t in await ticket_service.list_tickets(s, admin, f)]
        assert view == order

    def test_queue_key_orders_high_before_mid_before_the_rest(self) -> None:
        at = utcnow()
        favoured = frozenset({"high", "mid"})
        keys = {
            "urgent-none": queue_key("urgent", "none", favoured, at, 9),
            "normal-high": queue_key("normal", "high", favoured, at, 8),
            "normal-mid": queue_key("normal", "mid", favoured, at - timedelta(hours=1), 7),
            "normal-none-old": queue_key("normal", None, favoured, at - timedelta(days=1), 1),
            "normal-potential": queue_key("normal", "potential", favoured, at, 2),
        }
        ranked = sorted(keys, key=lambda k: keys[k])
        assert ranked == ["urgent-none", "normal-high", "normal-mid", "normal-none-old", "normal-potential"]
        # Without the benefit on any tier the order is priority, then the oldest.
        assert queue_key("normal", "high", frozenset(), at, 1) > queue_key(
            "normal", "none", frozenset(), at, 0
        )


class TestRoutingCostWithABacklog:
    """Every new ticket routes its group's queue: with a backlog and nobody free to take it
    (and no advised customer), the queue is not read at all."""

    async def _backlog(self, db: Database, waiting: int) -> tuple[int, Principal]:
        async with db.transaction() as s:
            group = await make_group(s, name="售后维修", is_default=True)
            user = await make_user(s, name="李娜", group_ids=[group.id])
        agent = staff(user, [group.id])
        await presence(db, agent, Presence.ONLINE)
        async with db.transaction() as s:
            row = await s.get(AgentState, agent.id)
            assert row is not None
            row.ticket_capacity = 1
            await make_ticket(s, subject="已分配", group_id=group.id, channel="email", assignee_id=agent.id)
            for i in range(waiting):
                await make_ticket(s, subject=f"排队 {i}", group_id=group.id, channel="email")
        return group.id, agent

    @pytest.mark.parametrize("waiting", [3, 30])
    async def test_with_every_agent_full_the_waiting_queue_is_not_read(
        self, db: Database, waiting: int
    ) -> None:
        from tests.statements import count_statements

        group_id, _agent = await self._backlog(db, waiting)
        with count_statements(db) as counter:
            async with db.transaction() as s:
                assert await routing_service.route_tickets(s, group_id) == []
        # lock, members, loads, "anyone advised?" — the same few reads for 3 or 30 waiting
        assert counter.count <= 4, counter.report()
        queue_reads = [q for q in counter.work if "FROM tickets LEFT OUTER JOIN customers" in q]
        assert not queue_reads, counter.report()

    async def test_a_freed_slot_still_takes_the_oldest_waiting_ticket(self, db: Database) -> None:
        group_id, agent = await self._backlog(db, 3)
        async with db.transaction() as s:
            await s.execute(sa.update(Ticket).where(Ticket.assignee_id == agent.id).values(status="solved"))
        async with db.transaction() as s:
            got = await routing_service.route_tickets(s, group_id)
        async with db.transaction() as s:
            first = await s.scalar(
                sa.select(Ticket.id).where(Ticket.subject == "排队 0", Ticket.group_id == group_id)
            )
        assert got == [(first, agent.id)]
