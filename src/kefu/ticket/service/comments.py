"""Tickets: replies and internal notes (staff), customer messages, automatic messages and
attachments."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.errors import Conflict, NotFound
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.ticket import Channel, Ticket, TicketAttachment, TicketComment, TicketStatus
from kefu.ticket import attachments, rules
from kefu.ticket.events import CommentAdded, TicketUpdated
from kefu.ticket.ownership import ownership_service
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import CommentCreate
from kefu.ticket.service.base import TicketBase, touch
from kefu.ticket.service.reads import TicketReads


class TicketComments(TicketReads, TicketBase):
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
        before = rules.snapshot(t)
        if staff and principal is not None:
            if public:
                await self._answered(session, t, principal, now)
        else:
            t.status = rules.customer_wrote(t.status)
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
        if before.status != t.status:
            await publish(
                session,
                TicketUpdated(
                    ticket_id=t.id,
                    customer_id=t.customer_id,
                    changes={"status": [before.status, t.status]},
                    group_id=t.group_id,
                    assignee_id=t.assignee_id,
                ),
                actor_id=comment.author_user_id,
            )
        by = touch(principal, ("public" if public else "note") if staff else "customer")
        await self._after_change(session, t, before, now=now, by=by, actor_id=comment.author_user_id)
        return comment

    async def _answered(self, session: AsyncSession, t: Ticket, principal: Principal, now: datetime) -> None:
        """A public staff reply: the first one owns the ticket (首问负责制); an open portal
        ticket waits for the customer (待客户回复), a new one opens; unassigned → the replier."""
        await ownership_service.claim(session, t, principal.user_id)
        if t.first_replied_at is None:
            t.first_replied_at = now
        if t.channel == Channel.PORTAL and t.status in (TicketStatus.NEW, TicketStatus.OPEN):
            t.status = TicketStatus.PENDING
        elif t.status == TicketStatus.NEW:
            t.status = TicketStatus.OPEN
        if t.assignee_id is None:
            t.assignee_id = principal.id

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
