"""Automatic ticket assignment: unassigned tickets of a group (email, portal, offline
messages) go to online agents with spare ticket capacity, in the queue order the agents'
views use too (`ticket_order`: priority, loyalty tier, longest waiting). A customer's
dedicated advisor (专属顾问) gets their email, portal and web-form tickets first when
available (`loyalty.advisor_rules`); a new ticket whose advisor is signed out follows normal
routing and the advisor follows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.time import utcnow
from kefu.loyalty.advisor_rules import AdvisorState, TicketRoute, ticket_route
from kefu.routing import repository as repo
from kefu.routing.scoring import Candidate, Waiting, candidates_for
from kefu.routing.service import fresh_after
from kefu.routing.ticket_order import queue_key
from kefu.ticket.ownership import ownership_service
from kefu.ticket.queue import ticket_queue_service
from kefu.ticket.service import ticket_service


async def _advisors(session: AsyncSession, ids: set[int]) -> dict[int, AdvisorState]:
    return {
        uid: AdvisorState(user_id=uid, active=active, presence=status)
        for uid, (active, status) in (await repo.advisor_states(session, ids)).items()
    }


class TicketRouter:
    async def route(
        self,
        session: AsyncSession,
        group_id: int,
        *,
        now: datetime | None = None,
        advised: bool | None = None,
    ) -> list[tuple[int, int]]:
        """Assign what can be assigned in one group's ticket queue; [(ticket_id, agent_id)].
        `advised`: whether any customer has an advisor, when the caller has just read it."""
        await repo.lock_routing(session)
        now = now or utcnow()
        members = await repo.online_members(session, group_id, fresh_after())
        agents = [
            Candidate(
                user_id=s.user_id,
                name=u.name,
                load=0,
                capacity=s.ticket_capacity,
                skills=frozenset(s.skills or ()),
                last_assigned_at=s.last_assigned_at,
            )
            for s, u in members
            if s.ticket_capacity > 0
        ]
        loads = await repo.ticket_loads(session, [a.user_id for a in agents]) if agents else {}
        # Only agents with a spare slot can take a ticket (candidates_for agrees); knowing it
        # before the queue is read lets a full team skip reading it.
        agents = [
            Candidate(**{**a.__dict__, "load": loads.get(a.user_id, 0)})
            for a in agents
            if loads.get(a.user_id, 0) < a.capacity
        ]
        # Nobody with a spare slot: only advisors can take anything, so don't load the whole
        # queue (every new ticket asks) — nor anything, when no customer has an advisor.
        if advised is None and not agents:
            advised = await repo.any_advised_customer(session)
        if not agents and not advised:
            return []
        favoured = await ticket_queue_service.priority_tiers(session)
        rows = await repo.waiting_tickets(session, group_id, favoured, advised_only=not agents)
        if not rows:
            return []
        rows.sort(key=lambda r: queue_key(r[0].priority, r[1], favoured, r[0].created_at, r[0].id))
        advisors = await _advisors(session, {a for _t, _tier, a in rows if a is not None})
        done: list[tuple[int, int]] = []
        for t, _tier, advisor_id in rows:
            target = ticket_route(advisors.get(advisor_id) if advisor_id else None, t.channel).assign_to
            if target is not None:
                if await ticket_service.route_claim(session, t.id, target):
                    done.append((t.id, target))
                continue
            if not agents:
                continue  # the rest of the queue waits for an advisor or a free agent
            item = Waiting(
                conversation_id=t.id, priority=0, first_queued_at=t.created_at, queued_at=t.created_at
            )
            ordered, _why = candidates_for(item, agents, now)
            for cand in ordered:
                if await repo.lock_agent(session, cand.user_id, fresh_after()) is None:
                    continue
                if (await repo.ticket_loads(session, [cand.user_id])).get(cand.user_id, 0) >= cand.capacity:
                    agents = [a for a in agents if a.user_id != cand.user_id]  # full meanwhile
                    continue
                if await ticket_service.route_claim(session, t.id, cand.user_id):
                    done.append((t.id, cand.user_id))
                    agents = [
                        Candidate(**{**a.__dict__, "load": a.load + 1, "last_assigned_at": now})
                        for a in agents
                        if a.user_id != cand.user_id or a.load + 1 < a.capacity
                    ]
                break
        return done

    async def route_new(
        self,
        session: AsyncSession,
        ticket_id: int,
        *,
        group_id: int | None,
        channel: str,
        customer_id: int | None,
    ) -> TicketRoute:
        """A new unassigned ticket: to the customer's advisor when available, else the
        group's queue with the advisor following."""
        if customer_id is None and group_id is None:
            return TicketRoute()  # nothing to decide: don't queue behind the routing lock
        advisor_id, advised = await repo.advisor_and_any(session, customer_id)
        if advisor_id is None and group_id is None:
            return TicketRoute()
        await repo.lock_routing(session)
        advisors = await _advisors(session, {advisor_id} if advisor_id else set())
        decision = ticket_route(advisors.get(advisor_id) if advisor_id else None, channel)
        if decision.assign_to is not None and await ticket_service.route_claim(
            session, ticket_id, decision.assign_to
        ):
            return decision
        if decision.follower is not None:
            await ownership_service.add_follower(session, ticket_id, decision.follower)
        if group_id is not None:
            await self.route(session, group_id, advised=advised)
        return decision


ticket_router = TicketRouter()
