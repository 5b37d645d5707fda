"""Major-incident mode (重大事故): declare an outage with a master problem ticket, show a
banner while a P1/P2 is open, link matching new tickets, tell the linked customers at once,
and resolve everything in one step."""

from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.errors import Conflict, NotFound
from kefu.incident.events import IncidentDeclared, IncidentResolved
from kefu.incident.matching import matches
from kefu.incident.repository import incident_repository
from kefu.incident.schemas import IncidentCreate, IncidentOut, IncidentResolve
from kefu.kit.db import after_commit
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import Incident
from kefu.models.incident import IncidentStatus
from kefu.models.ticket import TicketPriority, TicketStatus, TicketType
from kefu.ticket.schemas import TicketCreate, TicketUpdate
from kefu.ticket.service import ticket_service

PRIORITY = {
    "P1": TicketPriority.URGENT,
    "P2": TicketPriority.HIGH,
    "P3": TicketPriority.NORMAL,
    "P4": TicketPriority.LOW,
}
# Types a customer's ticket may have to join an incident (problem/task tickets are internal).
LINKABLE = frozenset({TicketType.QUESTION, TicketType.INCIDENT})


TOPICS_TTL = 5.0
_topics: weakref.WeakKeyDictionary[Any, tuple[float, list[tuple[list[str], str]]]] = (
    weakref.WeakKeyDictionary()
)


async def _forget_topics() -> None:
    _topics.clear()


def default_banner(title: str) -> str:
    return f"我们正在紧急处理一项服务故障：{title}。给您带来不便，敬请谅解，恢复后会第一时间通知您。"


def default_resolution(title: str) -> str:
    return f"您好，此前影响您的服务故障（{title}）已经修复，相关工单已为您关闭。感谢您的耐心等待！"


class IncidentService:
    async def declare(self, session: AsyncSession, actor: Principal, data: IncidentCreate) -> Incident:
        require(actor, Perm.INCIDENTS_MANAGE)
        banner = data.message or default_banner(data.title)
        master = await ticket_service.create(
            session,
            TicketCreate(
                subject=f"[{data.severity}] {data.title}",
                description=banner,
                type=TicketType.PROBLEM,
                priority=PRIORITY[data.severity],
                tags=["incident"],
            ),
            actor=actor,
            description_comment=False,
        )
        incident = Incident(
            title=data.title,
            severity=data.severity,
            status=IncidentStatus.OPEN,
            keywords=data.keywords,
            customer_message=banner,
            resolution_message="",
            problem_ticket_id=master.id,
            created_by=actor.user_id or None,
            created_at=utcnow(),
        )
        session.add(incident)
        await session.flush()
        await publish(
            session,
            IncidentDeclared(
                incident_id=incident.id,
                severity=incident.severity,
                title=incident.title,
                problem_ticket_id=master.id,
            ),
            actor_id=actor.user_id or None,
        )
        after_commit(session, _forget_topics)
        audit_service.record(
            session, "incident.declared", actor=actor, target_type="incident", target_id=incident.id
        )
        return incident

    async def get(self, session: AsyncSession, actor: Principal, incident_id: int) -> IncidentOut:
        require(actor, Perm.TICKETS_WORK)  # every agent may see what is going on
        incident = await self._load(session, incident_id)
        return (await self._out(session, [incident]))[0]

    async def list_incidents(
        self, session: AsyncSession, actor: Principal, *, status: str | None
    ) -> list[IncidentOut]:
        require(actor, Perm.TICKETS_WORK)
        return await self._out(session, list(await incident_repository.list_all(session, status=status)))

    async def resolve(
        self, session: AsyncSession, actor: Principal, incident_id: int, data: IncidentResolve
    ) -> IncidentOut:
        """Solve the master and every linked ticket; each linked customer gets one public
        message. A linked ticket that cannot be solved (open child tickets) keeps its
        status but still gets the message."""
        require(actor, Perm.INCIDENTS_MANAGE)
        incident = await self._load(session, incident_id, lock=True)
        if incident.status != IncidentStatus.OPEN:
            raise Conflict("事故已解决 / the incident is already resolved", code="incident_resolved")
        message = data.message or default_resolution(incident.title)
        linked = (await incident_repository.linked_ids(session, [incident.problem_ticket_id]))[
            incident.problem_ticket_id
        ]
        solved: list[int] = []
        for tid in linked:
            t = await ticket_service.get(session, None, tid)
            if t.status == TicketStatus.CLOSED:
                continue
            if t.status != TicketStatus.SOLVED:
                try:
                    # As the system: solving in bulk skips the per-agent required-field check.
                    await ticket_service.update(
                        session, SYSTEM, tid, TicketUpdate(status=TicketStatus.SOLVED)
                    )
                    solved.append(tid)
                except Conflict:
                    pass
            await ticket_service.add_comment(session, actor, tid, message, public=True)
        master = await ticket_service.get(session, None, incident.problem_ticket_id)
        if master.status in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.HOLD):
            await ticket_service.update(session, SYSTEM, master.id, TicketUpdate(status=TicketStatus.SOLVED))
        incident.status = IncidentStatus.RESOLVED
        incident.resolution_message = message
        incident.resolved_at = utcnow()
        await publish(
            session,
            IncidentResolved(incident_id=incident.id, solved_ticket_ids=solved),
            actor_id=actor.user_id or None,
        )
        after_commit(session, _forget_topics)
        audit_service.record(
            session, "incident.resolved", actor=actor, target_type="incident", target_id=incident.id
        )
        return (await self._out(session, [incident]))[0]

    async def notify(self, session: AsyncSession, actor: Principal, incident_id: int, body: str) -> int:
        """One public comment on every linked, not yet closed ticket the caller may see;
        returns how many."""
        require(actor, Perm.TICKETS_WORK)
        incident = await self._load(session, incident_id)
        if incident.status != IncidentStatus.OPEN:
            raise Conflict("事故已解决 / the incident is already resolved", code="incident_resolved")
        linked = (await incident_repository.linked_ids(session, [incident.problem_ticket_id]))[
            incident.problem_ticket_id
        ]
        sent = 0
        for tid in linked:
            try:
                # The caller's own visibility: an agent reaches the linked tickets of their
                # groups; supervisors and admins reach all of them.
                t = await ticket_service.get(session, actor, tid)
            except NotFound:
                continue
            if t.status == TicketStatus.CLOSED:
                continue
            await ticket_service.add_comment(session, actor, tid, body, public=True)
            sent += 1
        return sent

    # --- customer-facing ----------------------------------------------------------------
    async def banner(self, session: AsyncSession) -> str | None:
        """The widget banner: the open P1/P2's customer text, or None."""
        incident = await incident_repository.current_major(session)
        return incident.customer_message if incident is not None else None

    async def outage_answer(self, session: AsyncSession, text: str) -> str | None:
        """The bot's answer when a customer's question matches an open incident."""
        for keywords, message in await self._open_topics(session):
            if matches(keywords, text):
                return message
        return None

    async def _open_topics(self, session: AsyncSession) -> list[tuple[list[str], str]]:
        """Open incidents' (keywords, text), cached: every chat message asks, and the chat
        hot path has a statement budget. Declare/resolve clear it in this process; other
        processes see a change within TOPICS_TTL seconds. Keyed by engine, so two databases
        (tests) never share an answer."""
        engine = session.get_bind().engine  # a Connection in the group-commit writer
        now = time.monotonic()
        hit = _topics.get(engine)
        if hit is not None and now - hit[0] < TOPICS_TTL:
            return hit[1]
        topics = [
            (list(i.keywords), i.customer_message)
            for i in await incident_repository.open_incidents(session)
            if i.keywords
        ]
        _topics[engine] = (now, topics)
        return topics

    # --- automatic linking --------------------------------------------------------------
    async def link_if_matching(self, session: AsyncSession, ticket_id: int) -> int | None:
        """Link a new ticket to the first open incident whose keywords it mentions; returns
        the incident id. The ticket becomes type `incident` (only those link to a problem)."""
        incidents = await incident_repository.open_incidents(session)
        if not incidents:
            return None
        try:
            t = await ticket_service.get(session, None, ticket_id)
        except NotFound:
            return None
        if t.type not in LINKABLE or t.problem_id is not None or t.status == TicketStatus.CLOSED:
            return None
        for incident in incidents:
            if incident.keywords and matches(incident.keywords, t.subject, t.description or ""):
                await ticket_service.update(
                    session,
                    SYSTEM,
                    t.id,
                    TicketUpdate(type=TicketType.INCIDENT, problem_id=incident.problem_ticket_id),
                )
                return incident.id
        return None

    async def _load(self, session: AsyncSession, incident_id: int, *, lock: bool = False) -> Incident:
        incident = await incident_repository.get(session, incident_id, lock=lock)
        if incident is None:
            raise NotFound("事故不存在 / incident not found")
        return incident

    async def _out(self, session: AsyncSession, incidents: list[Incident]) -> list[IncidentOut]:
        linked = await incident_repository.linked_ids(session, [i.problem_ticket_id for i in incidents])
        return [
            IncidentOut.model_validate(i).model_copy(
                update={"linked_ticket_ids": linked[i.problem_ticket_id]}
            )
            for i in incidents
        ]


incident_service = IncidentService()
