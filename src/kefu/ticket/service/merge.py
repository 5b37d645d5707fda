"""Tickets: merging one into another, links between tickets, followers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require, require_staff
from kefu.errors import Conflict, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.ticket import Ticket, TicketComment, TicketStatus
from kefu.ticket import rules
from kefu.ticket.events import TicketMerged, TicketUpdated
from kefu.ticket.repository import ticket_repository
from kefu.ticket.service.base import TicketBase


class TicketMerging(TicketBase):
    # --- merge, links, followers --------------------------------------------------------
    async def merge(
        self, session: AsyncSession, principal: Principal, source_id: int, target_id: int
    ) -> Ticket:
        require(principal, Perm.TICKETS_WORK)
        if source_id == target_id:
            raise Unprocessable("不能合并到自身 / cannot merge a ticket into itself", code="merge_self")
        source = await self._load(session, principal, source_id, lock=True)
        target = await self._load(session, principal, target_id, lock=True)
        if TicketStatus.CLOSED in (source.status, target.status):
            raise Conflict("已关闭的工单不能合并 / closed tickets cannot be merged", code="ticket_closed")
        now = utcnow()
        comments = await ticket_repository.comments(session, source.id, public_only=False)
        summary = "\n\n".join(f"[{c.created_at:%Y-%m-%d %H:%M}] {c.body}" for c in comments)
        session.add(
            TicketComment(
                ticket_id=target.id,
                author_user_id=principal.id,
                public=False,
                via="merge",
                created_at=now,
                body=f"合并自工单 #{source.id}：{source.subject}\n\n{summary}"[:100_000],
            )
        )
        session.add(
            TicketComment(
                ticket_id=source.id,
                author_user_id=principal.id,
                public=True,
                via="merge",
                created_at=now,
                body=f"此工单已合并到 #{target.id} / merged into #{target.id}",
            )
        )
        before = rules.snapshot(source)
        source.merged_into_id = target.id
        source.status = TicketStatus.CLOSED
        source.updated_at = now
        await ticket_repository.add_link(session, source.id, target.id)
        await publish(
            session,
            TicketMerged(ticket_id=source.id, customer_id=source.customer_id, target_id=target.id),
            actor_id=principal.user_id,
        )
        await publish(
            session,
            TicketUpdated(
                ticket_id=source.id,
                customer_id=source.customer_id,
                changes={"status": [before.status, "closed"], "merged_into_id": [None, target.id]},
            ),
            actor_id=principal.user_id,
        )
        # Not a person working the source: its clocks settle as on solving, none is "met".
        await self._after_change(session, source, before, now=now)
        audit_service.record(
            session,
            "ticket.merged",
            actor=principal,
            target_type="ticket",
            target_id=source.id,
            detail={"into": target.id},
        )
        return target

    async def link(self, session: AsyncSession, principal: Principal, ticket_id: int, other_id: int) -> None:
        require(principal, Perm.TICKETS_WORK)
        if ticket_id == other_id:
            raise Unprocessable("不能关联自身 / cannot link a ticket to itself", code="link_self")
        await self._load(session, principal, ticket_id)
        await self._load(session, principal, other_id)
        await ticket_repository.add_link(session, ticket_id, other_id)

    async def follow(self, session: AsyncSession, principal: Principal, ticket_id: int) -> None:
        require_staff(principal)
        await self._load(session, principal, ticket_id)
        await ticket_repository.add_follower(session, ticket_id, principal.id)
