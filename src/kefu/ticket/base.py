"""What every ticket operation shares: loading with the visibility check, the facts the SLA
engine needs, custom-field definitions and the assignee check."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, ensure_can_see_group_object
from kefu.customer.service import customer_service
from kefu.errors import NotFound, Unprocessable
from kefu.models.ticket import Ticket
from kefu.sla.schemas import TicketSlaFacts
from kefu.ticket.repository import ticket_repository
from kefu.ticket.rules import sla_facts


class TicketBase:
    # --- helpers ------------------------------------------------------------------------
    async def _facts(self, session: AsyncSession, t: Ticket, *, tier: str | None = None) -> TicketSlaFacts:
        if tier is None:
            tier = "none"
            if t.customer_id is not None:
                tier = (await customer_service.get(session, None, t.customer_id)).tier
        return sla_facts(t, tier)

    async def _field_defs(self, session: AsyncSession) -> dict[str, tuple[str, list[str], bool]]:
        return {
            d.key: (d.kind, list(d.options or []), d.required)
            for d in await ticket_repository.field_defs(session)
        }

    async def _check_assignee(
        self, session: AsyncSession, actor: Principal | None, assignee_id: int, group_id: int | None
    ) -> None:
        user = await user_service.get(session, assignee_id)
        if user is None or not user.is_active:
            raise Unprocessable(
                "处理人不存在或已停用 / assignee is not an active staff member", code="invalid_assignee"
            )
        if group_id is None or (actor is not None and actor.can(Perm.TICKETS_READ_ALL)):
            return
        if group_id not in await user_service.group_ids(session, assignee_id):
            raise Unprocessable(
                "处理人不在该技能组 / assignee is not in the ticket's group", code="assignee_not_in_group"
            )

    def _visible(self, principal: Principal, t: Ticket) -> None:
        if principal.is_staff and t.owner_id == principal.id:
            return  # 首问负责制: the owner follows the ticket into any group
        ensure_can_see_group_object(
            principal, group_id=t.group_id, assignee_id=t.assignee_id, customer_id=t.customer_id
        )

    def can_see(self, principal: Principal, t: Ticket) -> bool:
        """Whether the ticket is in the caller's view (after a change that may have moved it
        out: an agent who hands a ticket to another group keeps the change, not the view)."""
        try:
            self._visible(principal, t)
        except NotFound:
            return False
        return True

    async def _load(
        self, session: AsyncSession, principal: Principal | None, ticket_id: int, *, lock: bool = False
    ) -> Ticket:
        t = await ticket_repository.get(session, ticket_id, lock=lock)
        if t is None:
            raise NotFound("工单不存在 / ticket not found")
        if principal is not None:
            self._visible(principal, t)
        return t
