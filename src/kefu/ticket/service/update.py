"""Tickets: changing fields and status (with history), and closing solved tickets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.errors import Conflict, Forbidden, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.ticket import Ticket, TicketStatus, TicketType
from kefu.team.service import team_service
from kefu.ticket import rules
from kefu.ticket.events import TicketUpdated
from kefu.ticket.ownership import ownership_service
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import TicketSettings, TicketUpdate
from kefu.ticket.service.base import TicketBase, touch

AUTO_CLOSE_DAYS = 4
Change = Callable[[str, Any], None]  # sets a field and records [old, new] in the history


SETTINGS_KEY = "ticket.settings"


class TicketUpdating(TicketBase):
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
        before = rules.snapshot(t)
        changes: dict[str, list[Any]] = {}

        def change(field: str, value: Any) -> None:
            old = getattr(t, field)
            if old != value:
                changes[field] = [
                    old.isoformat() if isinstance(old, datetime) else old,
                    value.isoformat() if isinstance(value, datetime) else value,
                ]
                setattr(t, field, value)

        await self._change_fields(session, principal, t, fields, change)
        new_status = fields.get("status")
        if new_status is None and "assignee_id" in changes and t.status == TicketStatus.NEW and t.assignee_id:
            new_status = TicketStatus.OPEN
        if new_status is not None and new_status != t.status:
            await self._check_status(session, principal, t, new_status)
            change("status", new_status)
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
        await self._after_change(session, t, before, now=now, by=touch(principal), actor_id=principal.user_id)
        return t

    async def _change_fields(
        self, session: AsyncSession, principal: Principal, t: Ticket, fields: dict[str, Any], change: Change
    ) -> None:
        """Every field but the status, each checked (group, assignee, category, custom fields,
        problem link)."""
        if "group_id" in fields and fields["group_id"] is not None:
            await team_service.get(session, fields["group_id"])
            change("group_id", fields["group_id"])
        if "assignee_id" in fields:
            if fields["assignee_id"] is not None:
                await self._check_assignee(session, principal, fields["assignee_id"], t.group_id)
            change("assignee_id", fields["assignee_id"])
        for key in ("subject", "priority", "type"):
            if fields.get(key):
                change(key, fields[key])
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

    async def _check_status(self, session: AsyncSession, principal: Principal, t: Ticket, new: str) -> None:
        rules.check_transition(t.status, new)
        if new in (TicketStatus.SOLVED, TicketStatus.CLOSED) and principal.user_id:
            # A person solving it (not automation) fills the required fields first.
            rules.check_required_fields(t.custom_fields or {}, await self._field_defs(session))
        if new == TicketStatus.SOLVED:
            open_children = [
                c.id
                for c in await ticket_repository.children(session, t.id)
                if c.status in rules.OPEN_STATUSES
            ]
            if open_children:
                raise Conflict(
                    f"子工单未完成 / child tickets still open: {open_children}", code="children_open"
                )

    # --- periodic -----------------------------------------------------------------------
    async def settings(self, session: AsyncSession) -> TicketSettings:
        stored = await ticket_repository.setting(session, SETTINGS_KEY)
        data = TicketSettings.model_validate(stored or {})
        return TicketSettings(
            auto_close_days=data.auto_close_days or current_settings().ticket_auto_close_days
        )

    async def save_settings(self, session: AsyncSession, principal: Principal, data: TicketSettings) -> None:
        require(principal, Perm.SETTINGS_MANAGE)
        await ticket_repository.save_setting(session, SETTINGS_KEY, data.model_dump(), utcnow())
        audit_service.record(
            session, "ticket.settings_changed", actor=principal, target_type="setting", target_id=SETTINGS_KEY
        )

    async def close_solved(
        self, session: AsyncSession, *, days: int = AUTO_CLOSE_DAYS, now: datetime | None = None
    ) -> int:
        """Solved tickets close after `days` quietly: their clocks settled on solving."""
        now = now or utcnow()
        closed = 0
        for t in await ticket_repository.solved_before(session, now - timedelta(days=days), limit=500):
            before = rules.snapshot(t)
            t.status = TicketStatus.CLOSED
            t.updated_at = now
            await publish(
                session,
                TicketUpdated(
                    ticket_id=t.id, customer_id=t.customer_id, changes={"status": ["solved", "closed"]}
                ),
            )
            await self._after_change(session, t, before, now=now)
            closed += 1
        return closed
