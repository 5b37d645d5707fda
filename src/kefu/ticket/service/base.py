"""What every ticket operation shares: loading with the visibility check, the facts the SLA
engine needs, custom-field definitions, the assignee check — and the one after-change
epilogue.

Call or publish (docs/architecture.md): the clocks move with the ticket in the same
transaction, so the SLA engine and the specialist clock are direct calls — all of them here,
in `_after_change`, from what the pure `rules.transition()` derives. Reactions
(`ticket.solved`, `ticket.reopened`) are events for listeners."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, ensure_can_see_group_object
from kefu.customer.service import customer_service
from kefu.errors import NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.models.sla import AppliedSla
from kefu.models.ticket import Ticket
from kefu.sla.schemas import TicketSlaFacts
from kefu.sla.service import sla_service
from kefu.ticket.escalation import escalation_service
from kefu.ticket.events import TicketReopened, TicketSolved
from kefu.ticket.repository import ticket_repository
from kefu.ticket.rules import TicketState, Touch, Transition, sla_facts, snapshot, transition


def touch(principal: Principal | None, reply: Literal["public", "note", "customer"] | None = None) -> Touch:
    """Who acted, as the clocks see it: a staff person (never automation, never a customer)."""
    person = principal is not None and principal.user_id not in (None, SYSTEM.id)
    if not person or principal is None:
        return Touch(reply=reply)
    return Touch(by=principal.user_id, groups=tuple(principal.group_ids), reply=reply)


class TicketBase:
    async def _after_change(
        self,
        session: AsyncSession,
        t: Ticket,
        before: TicketState | None,
        *,
        now: datetime,
        by: Touch | None = None,
        actor_id: int | None = None,
        tier: str | None = None,
        started: list[AppliedSla] | None = None,
    ) -> Transition:
        """The one epilogue of every ticket change (`before` None: just created): stamps,
        then the SLA and specialist clocks, then the derived events. Call it after the
        change's own events (ticket.updated, comment.added). `started` collects the clocks a
        new ticket starts."""
        tr = transition(before, snapshot(t), by)
        if tr.created:
            # A new ticket has no clocks to read, and the caller knows the tier: two reads fewer.
            facts = await self._facts(session, t, tier=tier)
            clocks = await sla_service.apply(session, facts, now=now, new=True)
            if started is not None:
                started.extend(clocks)
            return tr
        by = by or Touch()
        if tr.reopened:
            t.reopen_count += 1
        if tr.solved:
            t.solved_at = now
        if tr.closed:
            t.closed_at = now
        if tr.agent_replied is not None:
            await sla_service.agent_replied(session, t.id, public=tr.agent_replied, now=now)
        if tr.member_acted:
            await escalation_service.member_acted(session, t.id, by.by, group_ids=by.groups, now=now)
        if tr.group_changed:
            assert before is not None
            await escalation_service.group_changed(session, t, before.group_id, now=now)
        if tr.sla_status or tr.refit or tr.customer_replied:
            facts = await self._facts(session, t, tier=tier)
            if tr.sla_status:
                await sla_service.status_changed(session, facts, *tr.sla_status, now=now)
            if tr.refit:
                await sla_service.apply(session, facts, now=now)
            if tr.customer_replied:
                await sla_service.customer_replied(session, facts, now=now)
        if tr.acknowledged:
            await sla_service.acknowledged(session, t.id, now=now)
        if tr.solved:
            solved = TicketSolved(
                ticket_id=t.id,
                customer_id=t.customer_id,
                group_id=t.group_id,
                assignee_id=t.assignee_id,
                owner_id=t.owner_id,
            )
            await publish(session, solved, actor_id=actor_id)
        if tr.reopened:
            await publish(session, TicketReopened(ticket_id=t.id, customer_id=t.customer_id))
        return tr

    # --- helpers ------------------------------------------------------------------------
    async def _facts(self, session: AsyncSession, t: Ticket, *, tier: str | None = None) -> TicketSlaFacts:
        if tier is None:
            tier = "none"
            if t.customer_id is not None:
                tier = await customer_service.tier(session, t.customer_id)
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
