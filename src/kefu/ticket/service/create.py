"""Tickets: opening one from any channel (customer, requester, group, checks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Forbidden, Unprocessable
from kefu.kit.events import publish
from kefu.kit.snapshot import Snapshot, shared_token
from kefu.kit.time import utcnow
from kefu.models.sla import AppliedSla
from kefu.models.ticket import Ticket, TicketComment, TicketStatus, TicketType
from kefu.sla.service import clock_view
from kefu.team.service import team_service
from kefu.ticket import rules
from kefu.ticket.events import TicketCreated
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service.base import TicketBase
from kefu.ticket.service.reads import TicketView


@dataclass(frozen=True)
class CreateSettings:
    """The settings every new ticket is checked against (kept process-wide in a snapshot)."""

    default_group_id: int | None
    categories: frozenset[str]
    field_defs: Mapping[str, tuple[str, list[str], bool]]  # key -> (kind, options, required)


async def _load_create_settings(session: AsyncSession) -> CreateSettings:
    default = await team_service.default_group(session)
    defs = await ticket_repository.field_defs(session)
    return CreateSettings(
        default.id if default else None,
        frozenset(await ticket_repository.categories(session)),
        MappingProxyType({d.key: (d.kind, list(d.options or []), d.required) for d in defs}),
    )


# Default group, categories and field definitions: one token read instead of three reads.
create_settings: Snapshot[CreateSettings] = Snapshot(_load_create_settings)


@dataclass
class Created:
    """A new ticket as the API shows it, from what its creation wrote (nothing read back)."""

    view: TicketView
    comments: list[TicketComment]


class TicketCreating(TicketBase):
    async def create(
        self,
        session: AsyncSession,
        data: TicketCreate,
        *,
        actor: Principal | None,
        description_comment: bool = True,
    ) -> Ticket:
        """`description_comment=False`: the timeline starts otherwise (a conversation's
        transcript), the description stays for search and classification."""
        t, _comment, _clocks = await self._open(session, data, actor, description_comment)
        return t

    async def create_with_comment(
        self, session: AsyncSession, data: TicketCreate, *, actor: Principal | None
    ) -> tuple[Ticket, TicketComment | None]:
        """`create`, with the first comment it wrote (not flushed yet): for a caller that
        needs the comment (inbound mail hangs its attachments on it) without reading it back."""
        t, comment, _clocks = await self._open(session, data, actor, True)
        return t, comment

    async def create_shown(self, session: AsyncSession, data: TicketCreate, *, actor: Principal) -> Created:
        """`create`, with the clocks it started and its first comment for the response: a
        new ticket has nothing else, so reading them back would only cost round trips."""
        t, comment, clocks = await self._open(session, data, actor, True)
        await session.flush()  # ids and defaults of the comment (INSERTs due at commit anyway)
        views = [v for v in map(clock_view, clocks) if v is not None]
        return Created(TicketView(t, views), [comment] if comment is not None else [])

    async def _open(
        self, session: AsyncSession, data: TicketCreate, actor: Principal | None, description_comment: bool
    ) -> tuple[Ticket, TicketComment | None, list[AppliedSla]]:
        # It writes no settings table: its own settings and the SLA policies share one token read.
        async with shared_token(session):
            return await self._open_once(session, data, actor, description_comment)

    async def _open_once(
        self, session: AsyncSession, data: TicketCreate, actor: Principal | None, description_comment: bool
    ) -> tuple[Ticket, TicketComment | None, list[AppliedSla]]:
        customer_id, tier = await self._requester(session, data, actor)
        settings = await create_settings.get(session)
        group_id = data.group_id
        if group_id is None:
            group_id = settings.default_group_id
        else:
            await team_service.get(session, group_id)
        category = rules.check_category(data.category, settings.categories)
        custom = rules.check_custom_fields(data.custom_fields, settings.field_defs)
        await self._check_relations(session, data, actor)
        if data.assignee_id is not None:
            if actor is not None and not actor.is_staff:
                raise Forbidden("customers cannot assign tickets")
            await self._check_assignee(session, actor, data.assignee_id, group_id)
        now = utcnow()
        t = Ticket(
            subject=data.subject,
            description=data.description,
            status=TicketStatus.OPEN if data.assignee_id else TicketStatus.NEW,
            priority=data.priority,
            type=data.type,
            category=category,
            tags=rules.normalize_tags(data.tags),
            custom_fields=custom,
            channel=data.channel,
            customer_id=customer_id,
            group_id=group_id,
            assignee_id=data.assignee_id,
            problem_id=data.problem_id,
            parent_id=data.parent_id,
            due_at=data.due_at,
            created_at=now,
            updated_at=now,
        )
        session.add(t)
        await session.flush()
        comment = None
        if description_comment and data.description.strip():
            comment = TicketComment(
                ticket_id=t.id,
                body=data.description,
                public=True,
                via=data.channel,
                created_at=now,
                author_customer_id=customer_id if actor is None or not actor.is_staff else None,
                author_user_id=actor.user_id if actor is not None and actor.is_staff else None,
            )
            session.add(comment)
        await publish(
            session,
            TicketCreated(
                ticket_id=t.id,
                customer_id=customer_id,
                subject=t.subject,
                channel=t.channel,
                priority=t.priority,
                type=t.type,
                category=t.category,
                group_id=group_id,
                assignee_id=t.assignee_id,
            ),
            actor_id=actor.user_id if actor else None,
        )
        clocks: list[AppliedSla] = []
        await self._after_change(session, t, None, now=now, tier=tier, started=clocks)
        return t, comment, clocks

    async def _requester(
        self, session: AsyncSession, data: TicketCreate, actor: Principal | None
    ) -> tuple[int | None, str]:
        """The ticket's customer (found or created from the requester) and their tier."""
        customer_id = data.customer_id
        if actor is not None and not actor.is_staff:
            customer_id = actor.id  # customers open tickets for themselves only
        elif actor is not None:
            require(actor, Perm.TICKETS_WORK)
        if (
            customer_id is None
            and data.requester is not None
            and (data.requester.email or data.requester.phone)
        ):
            customer = await customer_service.find_or_create(
                session,
                CustomerCreate(
                    name=data.requester.name or "", email=data.requester.email, phone=data.requester.phone
                ),
            )
            return customer.id, customer.tier
        if customer_id is not None:
            return customer_id, await customer_service.tier(session, customer_id)
        return None, "none"

    async def _check_relations(
        self, session: AsyncSession, data: TicketCreate, actor: Principal | None
    ) -> None:
        """A task has a due date; only an incident links to a problem; no child of a closed
        parent."""
        if data.type == TicketType.TASK and data.due_at is None:
            raise Unprocessable("任务类工单需要截止时间 / a task needs due_at", code="task_needs_due_at")
        staff = actor if actor and actor.is_staff else None
        if data.problem_id is not None:
            problem = await self._load(session, staff, data.problem_id)
            if data.type != TicketType.INCIDENT or problem.type != TicketType.PROBLEM:
                raise Unprocessable(
                    "只有事件类工单可关联到问题类工单 / only incidents link to a problem ticket",
                    code="invalid_problem",
                )
        if data.parent_id is not None:
            parent = await self._load(session, staff, data.parent_id)
            if parent.status == TicketStatus.CLOSED:
                raise Conflict("父工单已关闭 / the parent ticket is closed", code="parent_closed")
