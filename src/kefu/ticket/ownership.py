"""首问负责制: the first person who answers the customer owns the ticket through every
transfer (group and assignee changes never move it); only a supervisor or an admin reassigns
it, with a reason, audited. The owner follows the ticket and, on solving, records that the
customer accepted the result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, ensure_can_see_group_object, require, require_staff
from kefu.errors import Conflict, Forbidden, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.ticket import Ticket, TicketStatus
from kefu.ticket.events import TicketOwnerChanged
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import OwnerReassign

STAFF_ROLES = frozenset({"agent", "supervisor", "admin"})


class OwnershipService:
    async def claim(self, session: AsyncSession, t: Ticket, user_id: int | None) -> None:
        """A person answered the customer (reply, chat, call): the first one owns the ticket
        and follows it. Automation (the system principal) never owns."""
        if t.owner_id is not None or user_id is None or user_id == SYSTEM.id:
            return
        t.owner_id = user_id
        await ticket_repository.add_follower(session, t.id, user_id)

    async def add_follower(self, session: AsyncSession, ticket_id: int, user_id: int) -> None:
        """A follower added by kefu, not by the person (a customer's dedicated advisor)."""
        await ticket_repository.add_follower(session, ticket_id, user_id)

    async def reassign(
        self, session: AsyncSession, principal: Principal, ticket_id: int, data: OwnerReassign
    ) -> Ticket:
        require_staff(principal)
        require(principal, Perm.TICKETS_REASSIGN_OWNER)
        t = await ticket_repository.get(session, ticket_id, lock=True)
        if t is None:
            raise NotFound("工单不存在 / ticket not found")
        ensure_can_see_group_object(
            principal, group_id=t.group_id, assignee_id=t.assignee_id, customer_id=t.customer_id
        )
        if t.status == TicketStatus.CLOSED:
            raise Conflict("工单已关闭 / a closed ticket cannot be changed", code="ticket_closed")
        user = await user_service.get(session, data.owner_id)
        if user is None or not user.is_active or user.role not in STAFF_ROLES:
            raise Unprocessable("the owner must be an active staff member", code="invalid_owner")
        old = t.owner_id
        if old == user.id:
            return t
        now = utcnow()
        t.owner_id = user.id
        t.updated_at = now
        await ticket_repository.add_follower(session, t.id, user.id)
        audit_service.record(
            session,
            "ticket.owner_reassigned",
            actor=principal,
            target_type="ticket",
            target_id=t.id,
            detail={"from": old, "to": user.id, "reason": data.reason},
        )
        await publish(
            session,
            TicketOwnerChanged(
                ticket_id=t.id,
                customer_id=t.customer_id,
                old_owner_id=old,
                owner_id=user.id,
                reason=data.reason,
                actor_id=principal.user_id,
            ),
            actor_id=principal.user_id,
        )
        return t

    def acceptance(self, principal: Principal, t: Ticket, accepted: bool, now: datetime) -> dict[str, Any]:
        """The fields the owner's confirmation sets (after any status change of the same
        update): only the owner confirms, and only on a solved ticket."""
        if not principal.is_staff or principal.id != t.owner_id:
            raise Forbidden(
                "only the ticket's owner confirms the customer's acceptance",
                code="not_owner",
            )
        if not accepted:
            return {"accepted_at": None, "accepted_by_id": None}
        if t.status != TicketStatus.SOLVED:
            raise Conflict(
                "confirm the customer's acceptance when solving the ticket",
                code="not_solved",
            )
        return {"accepted_at": t.accepted_at or now, "accepted_by_id": principal.id}

    async def reopened(self, session: AsyncSession, ticket_id: int) -> None:
        """The customer came back: the earlier acceptance no longer holds."""
        t = await ticket_repository.get(session, ticket_id, lock=True)
        if t is not None and t.status != TicketStatus.SOLVED and t.accepted_at is not None:
            t.accepted_at = None
            t.accepted_by_id = None


ownership_service = OwnershipService()
