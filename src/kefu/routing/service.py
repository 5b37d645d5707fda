"""Queue-first routing. A router run takes the cluster-wide routing lock, walks a group's
queue in priority/wait order and claims each conversation for an online agent with the
skills and a spare slot; the claim is a conditional UPDATE, so a conversation can never
get two agents. Presence changes return unstarted work to the queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.config import current_settings
from kefu.conversation import frames
from kefu.conversation.service import conversation_service
from kefu.errors import NotFound, Unprocessable
from kefu.kit import channels, jobs
from kefu.kit.db import after_commit
from kefu.kit.events import publish
from kefu.kit.realtime import get_bus
from kefu.kit.time import utcnow
from kefu.models import AgentState, Conversation, RoutingRule
from kefu.models.conversation import ConversationStatus, Presence
from kefu.routing import repository as repo
from kefu.routing.events import ROUTE_JOB, PresenceChanged
from kefu.routing.schemas import (
    AgentOut,
    AgentSettingsIn,
    AtRiskOut,
    LiveOut,
    QueueOut,
    QueueStatus,
    RuleIn,
    RuleOut,
)
from kefu.routing.scoring import Candidate, Waiting, candidates_for, eta_seconds, overflow_due
from kefu.sla.service import sla_service
from kefu.team.service import team_service
from kefu.ticket.schemas import TicketUpdate
from kefu.ticket.service import ticket_service

DEFAULT_HANDLE_SECONDS = 240.0
AT_RISK_WAIT = timedelta(minutes=2)
DEFAULT_CHAT_CAPACITY = 5  # the agent_states column defaults, for staff without a row yet
DEFAULT_TICKET_CAPACITY = 20  # the seed plans' bot/human response targets


def fresh_after() -> datetime:
    """Heartbeats older than this mean the agent is gone (grace period, real time)."""
    return utcnow() - timedelta(seconds=current_settings().presence_grace_seconds)


def _waiting(c: Conversation) -> Waiting:
    queued_at = c.queued_at or c.created_at
    return Waiting(
        conversation_id=c.id,
        priority=c.priority,
        first_queued_at=c.first_queued_at or queued_at,
        queued_at=queued_at,
        required_skills=frozenset(c.required_skills or ()),
        sticky_agent_id=c.sticky_agent_id,
        sticky_until=c.sticky_until,
    )


class RoutingService:
    # --- the router ---------------------------------------------------------------------
    async def route(
        self, session: AsyncSession, group_id: int | None, *, now: datetime | None = None
    ) -> list[tuple[int, int]]:
        """Assign what can be assigned in one group's queue; [(conversation_id, agent_id)]."""
        await repo.lock_routing(session)
        now = now or utcnow()
        if group_id is None:
            return await self._adopt_groupless(session)
        rule = await repo.rule(session, group_id)
        items = list(await repo.queued(session, group_id))
        if not items:
            return []
        members = await repo.online_members(session, group_id, fresh_after())
        loads = await repo.chat_loads(session, [s.user_id for s, _ in members])
        agents = {
            s.user_id: Candidate(
                user_id=s.user_id,
                name=u.name,
                load=loads.get(s.user_id, 0),
                capacity=s.chat_capacity,
                skills=frozenset(s.skills or ()),
                last_assigned_at=s.last_assigned_at,
            )
            for s, u in members
        }
        required = frozenset(rule.required_skills or ()) if rule else frozenset()
        done: list[tuple[int, int]] = []
        still_waiting: list[Conversation] = []
        for conv in items:
            item = _waiting(conv)
            if required:
                item = Waiting(**{**item.__dict__, "required_skills": item.required_skills | required})
            overflow_to = rule.overflow_group_id if rule is not None and not conv.overflowed else None
            if overflow_to and rule and overflow_due(item, rule.overflow_after_seconds, now):
                await self._overflow(session, conv, overflow_to, now)
                continue
            agent_id = await self._try_assign(session, conv, item, list(agents.values()), group_id, now)
            if agent_id is None:
                still_waiting.append(conv)
                continue
            done.append((conv.id, agent_id))
            a = agents[agent_id]
            agents[agent_id] = Candidate(
                user_id=a.user_id,
                name=a.name,
                load=a.load + 1,
                capacity=a.capacity,
                skills=a.skills,
                last_assigned_at=now,
            )
        await self._announce_positions(session, still_waiting, len(agents), now)
        return done

    async def route_tickets(
        self, session: AsyncSession, group_id: int, *, now: datetime | None = None
    ) -> list[tuple[int, int]]:
        """Unassigned tickets of a group to their advisors and online agents (routing.tickets)."""
        from kefu.routing.tickets import ticket_router  # imports this module (fresh_after)

        return await ticket_router.route(session, group_id, now=now)

    async def _try_assign(
        self,
        session: AsyncSession,
        conv: Conversation,
        item: Waiting,
        agents: list[Candidate],
        group_id: int,
        now: datetime,
    ) -> int | None:
        ordered, why = candidates_for(item, agents, now)
        for cand in ordered:
            if await repo.lock_agent(session, cand.user_id, fresh_after()) is None:
                continue  # went offline meanwhile
            load = (await repo.chat_loads(session, [cand.user_id])).get(cand.user_id, 0)
            if load >= cand.capacity:
                continue
            reason: dict[str, Any] = {
                "rule": why,
                "group_id": group_id,
                "skills": sorted(item.required_skills),
                "load": load,
                "capacity": cand.capacity,
                "priority": item.priority,
                "waited_seconds": int((now - item.first_queued_at).total_seconds()),
            }
            if await repo.claim(session, conv.id, cand.user_id, now, reason):
                await session.refresh(conv)
                await conversation_service.assigned(session, conv, cand.user_id, reason=reason)
                return cand.user_id
        return None

    async def _overflow(
        self, session: AsyncSession, conv: Conversation, to_group: int, now: datetime
    ) -> None:
        if await repo.move_group(session, conv.id, to_group, now):
            await jobs.enqueue(session, ROUTE_JOB, {"group_id": to_group})

    async def _adopt_groupless(self, session: AsyncSession) -> list[tuple[int, int]]:
        """Conversations queued when no default group existed go to the default group now."""
        default = await team_service.default_group(session)
        if default is None:
            return []
        for conv in await repo.queued(session, None):
            conv.group_id = default.id
        await jobs.enqueue(session, ROUTE_JOB, {"group_id": default.id})
        return []

    async def route_all(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        """Every group with someone waiting (overflow timers, sticky waits running out)."""
        count = 0
        for group_id in await repo.queued_groups(session):
            count += len(await self.route(session, group_id, now=now))
        for group_id in await repo.ticket_queue_groups(session):
            count += len(await self.route_tickets(session, group_id, now=now))
        return count

    async def _announce_positions(
        self, session: AsyncSession, waiting: Sequence[Conversation], agents_online: int, now: datetime
    ) -> None:
        if not waiting:
            return
        avg = await repo.avg_handle_seconds(session, now - timedelta(days=1)) or DEFAULT_HANDLE_SECONDS
        positions = [
            (
                c.id,
                frames.ChatQueue(
                    type="queue",
                    position=i + 1,
                    eta_seconds=eta_seconds(i + 1, agents_online, avg),
                    staffed=agents_online > 0,
                ),
            )
            for i, c in enumerate(waiting)
        ]

        async def push() -> None:
            bus = get_bus()
            for conv_id, frame in positions:
                await bus.publish(channels.conversation(conv_id), frame)

        after_commit(session, push)

    async def queue_status(self, session: AsyncSession, conv: Conversation) -> QueueStatus | None:
        if conv.status != ConversationStatus.QUEUED or conv.group_id is None:
            return None
        items = await repo.queued(session, conv.group_id, limit=2000)
        position = next((i + 1 for i, c in enumerate(items) if c.id == conv.id), len(items) + 1)
        online = len(await repo.online_members(session, conv.group_id, fresh_after()))
        avg = await repo.avg_handle_seconds(session, utcnow() - timedelta(days=1)) or DEFAULT_HANDLE_SECONDS
        return QueueStatus(
            position=position, eta_seconds=eta_seconds(position, online, avg), staffed=online > 0
        )

    # --- presence -----------------------------------------------------------------------
    # `status` is what the person chose and is kept across pages, tabs and reconnects;
    # sockets only refresh `last_seen_at`. Routing needs both: online and a fresh heartbeat.
    async def set_presence(
        self, session: AsyncSession, principal: Principal, status: Presence, *, automatic: bool = False
    ) -> AgentState:
        require(principal, Perm.TICKETS_WORK)
        row = await repo.state(session, principal.id, lock=True)
        row.last_seen_at = utcnow()  # choosing a status is itself a sign of life
        row.away_auto = False
        row.away_idle = False
        return await self._change(session, row, status, automatic=automatic)

    async def idle_presence(
        self, session: AsyncSession, principal: Principal, status: Presence
    ) -> AgentState:
        """The workspace reports idle time: online → away after the idle time, and back to
        online at the next input — but only undoing its own away, never a person's choice."""
        require(principal, Perm.TICKETS_WORK)
        row = await repo.state(session, principal.id, lock=True)
        row.last_seen_at = utcnow()
        if status == Presence.AWAY and row.status == Presence.ONLINE:
            row.away_idle = True
            await self._change(session, row, Presence.AWAY, automatic=True)
            await self._return_unstarted(session, row.user_id, tickets=False)
        elif status == Presence.ONLINE and row.status == Presence.AWAY and row.away_idle:
            row.away_idle = False
            await self._change(session, row, Presence.ONLINE, automatic=True)
        return row

    async def _change(
        self, session: AsyncSession, row: AgentState, status: Presence, *, automatic: bool
    ) -> AgentState:
        old = row.status
        if old == status:
            return row
        row.status = status
        row.status_changed_at = utcnow()
        if status == Presence.OFFLINE:
            await self._return_unstarted(session, row.user_id)
        if status == Presence.ONLINE:
            for group_id in await repo.member_group_ids(session, row.user_id):
                await jobs.enqueue(session, ROUTE_JOB, {"group_id": group_id})
        await publish(
            session,
            PresenceChanged(user_id=row.user_id, old=old, new=status, automatic=automatic),
            actor_id=row.user_id,
        )
        return row

    async def _return_unstarted(self, session: AsyncSession, user_id: int, *, tickets: bool = True) -> None:
        for conv_id in await repo.unstarted_of(session, user_id):
            conv = await conversation_service.get(session, conv_id)
            if conv is not None and conv.assignee_id == user_id:
                await conversation_service.requeue(
                    session, conv, group_id=conv.group_id, why="agent_offline", reason="agent_offline"
                )
        if tickets:
            for ticket_id in await repo.unstarted_tickets_of(session, user_id):
                await ticket_service.update(session, SYSTEM, ticket_id, TicketUpdate(assignee_id=None))

    async def heartbeat(self, session: AsyncSession, user_id: int) -> str:
        """A live socket of the agent says they are here (one UPDATE in the usual case); an
        agent made away by absence comes back online. Returns the status."""
        now = utcnow()
        found = await repo.touch(session, user_id, now)
        if found is None:
            row = await repo.state(session, user_id, lock=True)
            row.last_seen_at = now
            return row.status
        status, away_auto = found
        if status == Presence.AWAY and away_auto:
            row = await repo.state(session, user_id, lock=True)
            row.away_auto = False
            await self._change(session, row, Presence.ONLINE, automatic=True)
            return Presence.ONLINE
        return status

    async def sweep_presence(self, session: AsyncSession, *, now: datetime | None = None) -> list[int]:
        """Online agents without a fresh heartbeat (every socket gone for the grace period,
        or the server that held them killed) become away; the chats they had not answered
        yet go back to the queue. Returns their ids."""
        now = now or utcnow()
        before = now - timedelta(seconds=current_settings().presence_grace_seconds)
        gone = list(await repo.stale_online(session, before))
        for user_id in gone:
            row = await repo.state(session, user_id, lock=True)
            if row.status != Presence.ONLINE or (row.last_seen_at is not None and row.last_seen_at >= before):
                continue  # came back meanwhile
            row.away_auto = True
            await self._change(session, row, Presence.AWAY, automatic=True)
            await self._return_unstarted(session, user_id, tickets=False)
        return gone

    async def signed_in(self, session: AsyncSession, principal: Principal) -> None:
        """ "Online on sign-in": agents who asked for it are online when they sign in."""
        if not principal.can(Perm.TICKETS_WORK):
            return
        row = await repo.state(session, principal.id)
        if row.online_on_login and row.status != Presence.ONLINE:
            await self.set_presence(session, principal, Presence.ONLINE)

    async def set_preferences(
        self, session: AsyncSession, principal: Principal, online_on_login: bool
    ) -> None:
        require(principal, Perm.TICKETS_WORK)
        row = await repo.state(session, principal.id, lock=True)
        row.online_on_login = online_on_login

    # --- views and settings -------------------------------------------------------------
    async def online_count(self, session: AsyncSession, group_id: int) -> int:
        return len(await repo.online_members(session, group_id, fresh_after()))

    async def me(self, session: AsyncSession, principal: Principal) -> AgentOut:
        require(principal, Perm.TICKETS_WORK)
        row = await repo.state(session, principal.id)
        return await self._agent_out(session, row, principal.name)

    async def signed_out(self, session: AsyncSession, principal: Principal) -> None:
        """Signing out is leaving: the agent is offline until they choose otherwise."""
        if principal.can(Perm.TICKETS_WORK):
            row = await repo.state(session, principal.id, lock=True)
            if row.status != Presence.OFFLINE:
                row.away_auto = False
                row.away_idle = False
                await self._change(session, row, Presence.OFFLINE, automatic=False)

    async def _agent_out(self, session: AsyncSession, row: AgentState, name: str) -> AgentOut:
        chats = await repo.chat_loads(session, [row.user_id])
        tickets = await repo.ticket_loads(session, [row.user_id])
        groups = await repo.group_ids_by_user(session, [row.user_id])
        return _out(row, row.user_id, name, chats, tickets, groups[row.user_id], fresh_after())

    async def configure_agent(
        self, session: AsyncSession, principal: Principal, user_id: int, data: AgentSettingsIn
    ) -> AgentOut:
        require(principal, Perm.REPORTS_READ)
        row = await repo.state(session, user_id, lock=True)
        if data.chat_capacity is not None:
            row.chat_capacity = data.chat_capacity
        if data.ticket_capacity is not None:
            row.ticket_capacity = data.ticket_capacity
        if data.skills is not None:
            skills = sorted({s.strip() for s in data.skills if s.strip()})
            # A skill an exam certifies (售后维修) comes only with its certificate (409).
            # Imported here: training grants certified skills through this method.
            from kefu.training.service import exam_service

            await exam_service.check_manual_skills(session, user_id, list(row.skills or []), skills)
            row.skills = skills
        for group_id in await repo.member_group_ids(session, user_id):
            await jobs.enqueue(session, ROUTE_JOB, {"group_id": group_id})
        user = await user_service.get(session, user_id)
        if user is None:
            raise NotFound("用户不存在 / no such user")
        return await self._agent_out(session, row, user.name)

    async def agent_settings(self, session: AsyncSession, principal: Principal, user_id: int) -> AgentOut:
        """Capacity and skills of one staff member (the admin's staff form)."""
        require(principal, Perm.REPORTS_READ)
        user = await user_service.get(session, user_id)
        if user is None:
            raise NotFound("用户不存在 / no such user")
        return await self._agent_out(session, await repo.state(session, user_id), user.name)

    async def get_rule(self, session: AsyncSession, principal: Principal, group_id: int) -> RuleOut:
        require(principal, Perm.REPORTS_READ)
        await team_service.get(session, group_id)
        row = await repo.rule(session, group_id)
        if row is None:
            return RuleOut(group_id=group_id)
        return RuleOut(
            group_id=group_id,
            overflow_group_id=row.overflow_group_id,
            overflow_after_seconds=row.overflow_after_seconds,
            sticky_wait_seconds=row.sticky_wait_seconds,
            required_skills=list(row.required_skills or []),
            schedule_id=row.schedule_id,
        )

    async def next_opening(
        self,
        session: AsyncSession,
        group_id: int | None = None,
        group_name: str | None = None,
        now: datetime | None = None,
    ) -> datetime | None:
        """None while the group's agents are in hours (a hand-off reaches a person now), else
        when their hours start. A group without its own hours (or no group) follows the
        default schedule."""
        group_id = await conversation_service.queue_group(session, group_id, group_name or None)
        rule = await repo.rule(session, group_id) if group_id is not None else None
        return await sla_service.next_opening(session, now, rule.schedule_id if rule else None)

    async def set_rule(
        self, session: AsyncSession, principal: Principal, group_id: int, data: RuleIn
    ) -> RuleOut:
        require(principal, Perm.GROUPS_MANAGE)
        await team_service.get(session, group_id)
        if data.overflow_group_id is not None:
            if data.overflow_group_id == group_id:
                raise Unprocessable(
                    "不能溢出到本组 / a group cannot overflow into itself", code="overflow_to_self"
                )
            await team_service.get(session, data.overflow_group_id)
        if data.schedule_id is not None:
            await sla_service.get_schedule(session, data.schedule_id)  # 404 when unknown
        await repo.save_rule(
            session,
            RoutingRule(
                group_id=group_id,
                overflow_group_id=data.overflow_group_id,
                overflow_after_seconds=data.overflow_after_seconds,
                sticky_wait_seconds=data.sticky_wait_seconds,
                required_skills=sorted(set(data.required_skills)),
                schedule_id=data.schedule_id,
            ),
        )
        await jobs.enqueue(session, ROUTE_JOB, {"group_id": group_id})
        return await self.get_rule(session, principal, group_id)

    async def agents(self, session: AsyncSession, principal: Principal) -> list[AgentOut]:
        """Every active staff member who takes chats, offline and never-seen ones included,
        with presence, last seen and load (supervisors' views, transfer targets)."""
        require(principal, Perm.TICKETS_WORK)
        rows = await repo.staff(session)
        ids = [u.id for _, u in rows]
        chats = await repo.chat_loads(session, ids)
        tickets = await repo.ticket_loads(session, ids)
        groups = await repo.group_ids_by_user(session, ids)
        fresh = fresh_after()
        agents = [_out(s, u.id, u.name, chats, tickets, groups[u.id], fresh) for s, u in rows]
        agents.sort(key=lambda a: ({"online": 0, "away": 1}.get(a.status, 2), a.name))
        return agents

    async def live(self, session: AsyncSession, principal: Principal) -> LiveOut:
        require(principal, Perm.REPORTS_READ)
        now = utcnow()
        names = await repo.group_names(session)
        queues = [
            QueueOut(
                group_id=g,
                group_name=names.get(g, "—") if g is not None else "—",
                waiting=n,
                longest_wait_seconds=int((now - oldest).total_seconds()) if oldest else 0,
            )
            for g, n, oldest in await repo.queue_stats(session)
        ]
        queues.sort(key=lambda q: q.group_name)
        agents = await self.agents(session, principal)
        return LiveOut(queues=queues, agents=agents, at_risk=await self._at_risk(session, now, names))

    async def _at_risk(self, session: AsyncSession, now: datetime, names: dict[int, str]) -> list[AtRiskOut]:
        """Waiting longer than the response target, or assigned and not yet answered."""
        outs = await conversation_service.outs(
            session,
            [
                c
                for g in await repo.queued_groups(session)
                for c in await repo.queued(session, g, limit=100)
                if c.first_queued_at is not None and now - c.first_queued_at >= AT_RISK_WAIT
            ],
        )
        return [
            AtRiskOut(
                conversation_id=o.id,
                customer_name=o.customer.name if o.customer else "",
                group_name=o.group_name or "—",
                assignee_name=o.assignee_name,
                status=o.status,
                waiting_seconds=int((now - (o.queued_at or o.created_at)).total_seconds()),
            )
            for o in outs
        ][:50]


def _away_reason(row: AgentState | None) -> str:
    if row is None or row.status != Presence.AWAY:
        return ""
    return "idle" if row.away_idle else "absent" if row.away_auto else ""


def _out(
    row: AgentState | None,
    user_id: int,
    name: str,
    chats: dict[int, int],
    tickets: dict[int, int],
    group_ids: list[int],
    fresh: datetime,
) -> AgentOut:
    """An agent's view; "online" with a stale heartbeat shows as away (the sweep is about
    to say so too)."""
    status = row.status if row is not None else Presence.OFFLINE
    seen = row.last_seen_at if row is not None else None
    if status == Presence.ONLINE and (seen is None or seen < fresh):
        status = Presence.AWAY
    return AgentOut(
        user_id=user_id,
        name=name,
        status=status,
        chosen_status=row.status if row is not None else Presence.OFFLINE,
        away_reason=_away_reason(row),
        last_seen_at=seen,
        online_on_login=row.online_on_login if row is not None else False,
        chat_capacity=row.chat_capacity if row is not None else DEFAULT_CHAT_CAPACITY,
        ticket_capacity=row.ticket_capacity if row is not None else DEFAULT_TICKET_CAPACITY,
        chat_load=chats.get(user_id, 0),
        ticket_load=tickets.get(user_id, 0),
        skills=list(row.skills or []) if row is not None else [],
        group_ids=group_ids,
    )


routing_service = RoutingService()
