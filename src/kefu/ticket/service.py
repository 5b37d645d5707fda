"""Tickets: creation from any channel, updates with history, replies and notes, ownership
(首问负责制), merge, links, child tickets, automatic closing; SLAs via the SLA engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require, require_staff
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Forbidden, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.ticket import (
    Channel,
    Ticket,
    TicketAttachment,
    TicketComment,
    TicketStatus,
    TicketType,
)
from kefu.sla.schemas import SlaClock
from kefu.sla.service import sla_service
from kefu.team.service import team_service
from kefu.ticket import attachments, rules
from kefu.ticket.channels import TicketChannels
from kefu.ticket.escalation import escalation_service
from kefu.ticket.events import (
    CommentAdded,
    TicketCreated,
    TicketReopened,
    TicketSolved,
    TicketUpdated,
)
from kefu.ticket.fields import TicketFields
from kefu.ticket.links import TicketLinks
from kefu.ticket.ownership import ownership_service
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import CommentCreate, TicketCreate, TicketFilter, TicketUpdate

AUTO_CLOSE_DAYS = 4


@dataclass
class TicketView:
    ticket: Ticket
    sla: list[SlaClock]


class TicketService(TicketLinks, TicketFields, TicketChannels):
    # --- create -------------------------------------------------------------------------
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
            customer_id = customer.id
            tier: str = customer.tier
        elif customer_id is not None:
            tier = (await customer_service.get(session, None, customer_id)).tier
        else:
            tier = "none"
        group_id = data.group_id
        if group_id is None:
            default = await team_service.default_group(session)
            group_id = default.id if default else None
        else:
            await team_service.get(session, group_id)
        extra = await ticket_repository.categories(session)
        category = rules.check_category(data.category, extra)
        custom = rules.check_custom_fields(data.custom_fields, await self._field_defs(session))
        if data.type == TicketType.TASK and data.due_at is None:
            raise Unprocessable("任务类工单需要截止时间 / a task needs due_at", code="task_needs_due_at")
        if data.problem_id is not None:
            problem = await self._load(session, actor if actor and actor.is_staff else None, data.problem_id)
            if data.type != TicketType.INCIDENT or problem.type != TicketType.PROBLEM:
                raise Unprocessable(
                    "只有事件类工单可关联到问题类工单 / only incidents link to a problem ticket",
                    code="invalid_problem",
                )
        if data.parent_id is not None:
            parent = await self._load(session, actor if actor and actor.is_staff else None, data.parent_id)
            if parent.status == TicketStatus.CLOSED:
                raise Conflict("父工单已关闭 / the parent ticket is closed", code="parent_closed")
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
        if description_comment and data.description.strip():
            session.add(
                TicketComment(
                    ticket_id=t.id,
                    body=data.description,
                    public=True,
                    via=data.channel,
                    created_at=now,
                    author_customer_id=customer_id if actor is None or not actor.is_staff else None,
                    author_user_id=actor.user_id if actor is not None and actor.is_staff else None,
                )
            )
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
        # The customer's tier is known already and a new ticket has no clocks: two reads fewer.
        await sla_service.apply(session, await self._facts(session, t, tier=tier), now=now, new=True)
        return t

    # --- read ---------------------------------------------------------------------------
    async def get(self, session: AsyncSession, principal: Principal | None, ticket_id: int) -> Ticket:
        return await self._load(session, principal, ticket_id)

    async def view(self, session: AsyncSession, tickets: Sequence[Ticket]) -> list[TicketView]:
        clocks = await sla_service.clocks(session, [t.id for t in tickets])
        return [TicketView(t, clocks.get(t.id, [])) for t in tickets]

    async def list_tickets(
        self, session: AsyncSession, principal: Principal, f: TicketFilter
    ) -> Sequence[Ticket]:
        if not principal.is_staff:
            f.customer_id = principal.id
        elif not principal.can(Perm.TICKETS_READ_ALL):
            f.visible_groups = principal.group_ids
            f.visible_user = principal.id
        return await ticket_repository.list_tickets(session, f)

    async def comments(
        self, session: AsyncSession, principal: Principal, t: Ticket
    ) -> Sequence[TicketComment]:
        return await ticket_repository.comments(session, t.id, public_only=not principal.is_staff)

    async def author_names(self, session: AsyncSession, comments: Sequence[TicketComment]) -> dict[int, str]:
        """Comment id → its author's name (staff and customers; bot and system have none)."""
        users: dict[int, str] = {}
        customers: dict[int, str] = {}
        out: dict[int, str] = {}
        for c in comments:
            if c.author_user_id is not None:
                if c.author_user_id not in users:
                    user = await user_service.get(session, c.author_user_id)
                    users[c.author_user_id] = user.name if user else ""
                out[c.id] = users[c.author_user_id]
            elif c.author_customer_id is not None:
                if c.author_customer_id not in customers:
                    try:
                        customer = await customer_service.get(session, None, c.author_customer_id)
                        customers[c.author_customer_id] = customer.name
                    except NotFound:
                        customers[c.author_customer_id] = ""
                out[c.id] = customers[c.author_customer_id]
        return out

    async def customer_question(
        self, session: AsyncSession, principal: Principal, ticket_id: int
    ) -> tuple[str, int | None]:
        """What the customer is asking (subject and their last words) — for agent assist."""
        t = await self.get(session, principal, ticket_id)
        asked = [c.body for c in await self.comments(session, principal, t) if c.author_customer_id][-2:]
        return "\n".join([t.subject, *(asked or [t.description])]), t.customer_id

    async def related(self, session: AsyncSession, t: Ticket) -> tuple[list[int], list[int], list[int]]:
        links = await ticket_repository.links(session, t.id)
        children = [c.id for c in await ticket_repository.children(session, t.id)]
        return links, children, await ticket_repository.followers(session, t.id)

    async def history(
        self, session: AsyncSession, principal: Principal, ticket_id: int
    ) -> list[dict[str, Any]]:
        await self._load(session, principal, ticket_id)
        require_staff(principal)
        out = []
        for e in await ticket_repository.history(session, ticket_id):
            changes = e.payload.get("changes") or {
                k: v for k, v in e.payload.items() if k not in {"ticket_id"}
            }
            out.append(
                {"event": e.name, "actor_id": e.actor_id, "created_at": e.created_at, "changes": changes}
            )
        return out

    # --- update -------------------------------------------------------------------------
    async def update(
        self, session: AsyncSession, principal: Principal, ticket_id: int, data: TicketUpdate
    ) -> Ticket:
        t = await self._load(session, principal, ticket_id, lock=True)
        fields = data.model_dump(exclude_unset=True)
        if not principal.is_staff:
            if set(fields) - {"status"} or fields.get("status") not in (TicketStatus.SOLVED, None):
                raise Forbidden("客户只能将工单标记为已解决 / customers may only mark their ticket solved")
        else:
            require(principal, Perm.TICKETS_WORK)
        if t.status == TicketStatus.CLOSED:
            raise Conflict("工单已关闭 / a closed ticket cannot be changed", code="ticket_closed")
        now = utcnow()
        changes: dict[str, list[Any]] = {}
        old_status, old_group = t.status, t.group_id

        def change(field: str, value: Any) -> None:
            old = getattr(t, field)
            if old != value:
                changes[field] = [
                    old.isoformat() if isinstance(old, datetime) else old,
                    value.isoformat() if isinstance(value, datetime) else value,
                ]
                setattr(t, field, value)

        if "group_id" in fields and fields["group_id"] is not None:
            await team_service.get(session, fields["group_id"])
            change("group_id", fields["group_id"])
        if "assignee_id" in fields:
            if fields["assignee_id"] is not None:
                await self._check_assignee(session, principal, fields["assignee_id"], t.group_id)
            change("assignee_id", fields["assignee_id"])
        if fields.get("subject"):
            change("subject", fields["subject"])
        if fields.get("priority"):
            change("priority", fields["priority"])
        if fields.get("type"):
            change("type", fields["type"])
        if "category" in fields and fields["category"] is not None:
            change(
                "category",
                rules.check_category(fields["category"], await ticket_repository.categories(session)),
            )
        if fields.get("tags") is not None:
            change("tags", rules.normalize_tags(fields["tags"]))
        if fields.get("custom_fields") is not None:
            merged = {
                **(t.custom_fields or {}),
                **rules.check_custom_fields(fields["custom_fields"], await self._field_defs(session)),
            }
            change("custom_fields", merged)
        if "due_at" in fields:
            change("due_at", fields["due_at"])
        if "problem_id" in fields:
            if fields["problem_id"] is not None:
                problem = await self._load(session, principal, fields["problem_id"])
                if problem.type != TicketType.PROBLEM or t.type != TicketType.INCIDENT:
                    raise Unprocessable(
                        "只有事件类工单可关联到问题类工单 / only incidents link to a problem ticket",
                        code="invalid_problem",
                    )
            change("problem_id", fields["problem_id"])
        new_status = fields.get("status")
        if new_status is None and "assignee_id" in changes and t.status == TicketStatus.NEW and t.assignee_id:
            new_status = TicketStatus.OPEN
        if new_status is not None and new_status != t.status:
            rules.check_transition(t.status, new_status)
            if new_status in (TicketStatus.SOLVED, TicketStatus.CLOSED) and principal.user_id:
                # A person solving it (not automation) fills the required fields first.
                rules.check_required_fields(t.custom_fields or {}, await self._field_defs(session))
            if new_status == TicketStatus.SOLVED:
                open_children = [
                    c.id
                    for c in await ticket_repository.children(session, t.id)
                    if c.status in rules.OPEN_STATUSES
                ]
                if open_children:
                    raise Conflict(
                        f"子工单未完成 / child tickets still open: {open_children}", code="children_open"
                    )
                t.solved_at = now
            if old_status == TicketStatus.SOLVED and new_status == TicketStatus.OPEN:
                t.reopen_count += 1
            change("status", new_status)
            if new_status == TicketStatus.CLOSED:
                t.closed_at = now
        if fields.get("customer_accepted") is not None:
            for key, value in ownership_service.acceptance(
                principal, t, fields["customer_accepted"], now
            ).items():
                change(key, value)
        if not changes:
            return t
        t.updated_at = now
        await publish(
            session,
            TicketUpdated(
                ticket_id=t.id,
                customer_id=t.customer_id,
                changes=changes,
                group_id=t.group_id,
                assignee_id=t.assignee_id,
                actor_id=principal.user_id,
            ),
            actor_id=principal.user_id,
        )
        if "status" in changes:  # a second-line member acting; then a transfer's new clock
            await escalation_service.member_acted(
                session, t.id, principal.user_id, group_ids=principal.group_ids
            )
        await escalation_service.group_changed(session, t, old_group, now=now)
        facts = await self._facts(session, t)
        if "status" in changes:
            await sla_service.status_changed(session, facts, old_status, t.status, now=now)
            if t.status == TicketStatus.SOLVED:
                await publish(
                    session,
                    TicketSolved(
                        ticket_id=t.id,
                        customer_id=t.customer_id,
                        group_id=t.group_id,
                        assignee_id=t.assignee_id,
                        owner_id=t.owner_id,
                    ),
                    actor_id=principal.user_id,
                )
            if old_status == TicketStatus.SOLVED and t.status == TicketStatus.OPEN:
                await publish(session, TicketReopened(ticket_id=t.id, customer_id=t.customer_id))
        if set(changes) & {"priority", "type", "group_id", "tags", "category"}:
            await sla_service.apply(session, facts, now=now)
        if principal.is_staff and principal.id != 0 and set(changes) & {"assignee_id", "status"}:
            await sla_service.acknowledged(session, t.id, now=now)
        return t

    # --- comments -----------------------------------------------------------------------
    async def add_comment(
        self,
        session: AsyncSession,
        principal: Principal | None,
        ticket_id: int,
        body: str,
        *,
        public: bool,
        author_customer_id: int | None = None,
        via: str = "web",
    ) -> TicketComment:
        t = await self._load(session, principal, ticket_id, lock=True)
        staff = principal is not None and principal.is_staff
        if staff:
            assert principal is not None
            require(principal, Perm.TICKETS_WORK)
        else:
            public = True  # customers cannot write internal notes
            author_customer_id = (
                principal.id if principal is not None else author_customer_id or t.customer_id
            )
        if t.status == TicketStatus.CLOSED:
            raise Conflict(
                "工单已关闭，请新建工单 / the ticket is closed; open a new one", code="ticket_closed"
            )
        now = utcnow()
        comment = TicketComment(
            ticket_id=t.id,
            body=body,
            public=public,
            via=via,
            created_at=now,
            author_user_id=principal.user_id if staff and principal else None,
            author_customer_id=None if staff else author_customer_id,
        )
        session.add(comment)
        await session.flush()
        old_status = t.status
        if staff and principal is not None:
            if public:
                await ownership_service.claim(session, t, principal.user_id)
                if t.first_replied_at is None:
                    t.first_replied_at = now
                if t.channel == Channel.PORTAL and t.status in (TicketStatus.NEW, TicketStatus.OPEN):
                    t.status = TicketStatus.PENDING  # answered: the customer's turn (待客户回复)
                elif t.status == TicketStatus.NEW:
                    t.status = TicketStatus.OPEN
                if t.assignee_id is None:
                    t.assignee_id = principal.id
            await sla_service.agent_replied(session, t.id, public=public, now=now)
            await escalation_service.member_acted(
                session, t.id, principal.user_id, group_ids=principal.group_ids
            )
        else:
            if t.status in (TicketStatus.SOLVED, TicketStatus.PENDING):
                if t.status == TicketStatus.SOLVED:
                    t.reopen_count += 1
                t.status = TicketStatus.OPEN
        t.updated_at = now
        await publish(
            session,
            CommentAdded(
                ticket_id=t.id,
                customer_id=t.customer_id,
                comment_id=comment.id,
                public=public,
                author_user_id=comment.author_user_id,
                author_customer_id=comment.author_customer_id,
                group_id=t.group_id,
                assignee_id=t.assignee_id,
            ),
            actor_id=comment.author_user_id,
        )
        facts = await self._facts(session, t)
        if old_status != t.status:
            await publish(
                session,
                TicketUpdated(
                    ticket_id=t.id,
                    customer_id=t.customer_id,
                    changes={"status": [old_status, t.status]},
                    group_id=t.group_id,
                    assignee_id=t.assignee_id,
                ),
                actor_id=comment.author_user_id,
            )
            await sla_service.status_changed(session, facts, old_status, t.status, now=now)
            if old_status == TicketStatus.SOLVED:
                await publish(session, TicketReopened(ticket_id=t.id, customer_id=t.customer_id))
        if not staff:
            await sla_service.customer_replied(session, facts, now=now)
        return comment

    async def acknowledge(self, session: AsyncSession, ticket_id: int, body: str) -> TicketComment | None:
        """An automatic message to the customer (a trigger's "acknowledge" action): public,
        from kefu itself, mailed on email tickets. It neither answers the ticket (no owner, no
        first reply) nor confirms it (the acknowledge SLA waits for a person)."""
        t = await self._load(session, None, ticket_id, lock=True)
        if t.status == TicketStatus.CLOSED:
            return None
        comment = TicketComment(
            ticket_id=t.id,
            body=body,
            public=True,
            via=t.channel,
            created_at=utcnow(),
            author_kind="system",
        )
        session.add(comment)
        await session.flush()
        await publish(
            session,
            CommentAdded(
                ticket_id=t.id,
                customer_id=t.customer_id,
                comment_id=comment.id,
                public=True,
                group_id=t.group_id,
                assignee_id=t.assignee_id,
                automatic=True,
            ),
        )
        return comment

    async def comment(
        self, session: AsyncSession, principal: Principal, ticket_id: int, data: CommentCreate
    ) -> TicketComment:
        return await self.add_comment(session, principal, ticket_id, data.body, public=data.public)

    # --- attachments --------------------------------------------------------------------
    async def attach(
        self,
        session: AsyncSession,
        principal: Principal,
        ticket_id: int,
        root: Path,
        filename: str,
        content_type: str,
        data: bytes,
        body: str,
        *,
        public: bool = True,
    ) -> TicketAttachment:
        attachments.check(filename, content_type, len(data))
        comment = await self.add_comment(
            session, principal, ticket_id, body or f"📎 {filename}", public=public
        )
        key = attachments.store(root, data)
        att = TicketAttachment(
            ticket_id=ticket_id,
            comment_id=comment.id,
            filename=filename[:255] or "file",
            content_type=content_type.split(";")[0].strip().lower(),
            size=len(data),
            storage_key=key,
        )
        session.add(att)
        await session.flush()
        return att

    async def attachments_of(
        self, session: AsyncSession, principal: Principal, t: Ticket
    ) -> list[TicketAttachment]:
        visible = {c.id for c in await self.comments(session, principal, t)}
        return [a for a in await ticket_repository.attachments(session, t.id) if a.comment_id in visible]

    async def attachment(
        self, session: AsyncSession, principal: Principal, attachment_id: int
    ) -> TicketAttachment:
        att = await ticket_repository.attachment(session, attachment_id)
        if att is None:
            raise NotFound("附件不存在 / attachment not found")
        t = await self._load(session, principal, att.ticket_id)
        if att not in await self.attachments_of(session, principal, t):
            raise NotFound("附件不存在 / attachment not found")
        return att

    # --- periodic -----------------------------------------------------------------------
    async def close_solved(
        self, session: AsyncSession, *, days: int = AUTO_CLOSE_DAYS, now: datetime | None = None
    ) -> int:
        now = now or utcnow()
        closed = 0
        for t in await ticket_repository.solved_before(session, now - timedelta(days=days), limit=500):
            t.status = TicketStatus.CLOSED
            t.closed_at = t.updated_at = now
            await publish(
                session,
                TicketUpdated(
                    ticket_id=t.id, customer_id=t.customer_id, changes={"status": ["solved", "closed"]}
                ),
            )
            closed += 1
        return closed


ticket_service = TicketService()
