"""Macros: canned replies (service scripts, 话术) with placeholders and field changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.automation import conditions
from kefu.automation.events import SupervisorsNotified, TriggerFailed
from kefu.automation.placeholders import render, unknown_placeholders
from kefu.automation.repository import automation_repository
from kefu.automation.schemas import MacroIn, TriggerIn
from kefu.customer.service import customer_service
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.automation import Macro, Trigger
from kefu.models.ticket import Ticket
from kefu.outbox.service import mail_service
from kefu.team.service import team_service
from kefu.ticket.schemas import TicketUpdate
from kefu.ticket.service import ticket_service


class AutomationService:
    async def create_macro(self, session: AsyncSession, principal: Principal | None, data: MacroIn) -> Macro:
        if principal is not None:
            require(principal, Perm.KB_MANAGE)
        self._check(data)
        if await automation_repository.macro_by_title(session, data.title) is not None:
            raise Conflict(f"宏已存在 / macro {data.title!r} exists", code="macro_exists")
        macro = Macro(
            title=data.title,
            body=data.body,
            public=data.public,
            actions=data.actions.model_dump(exclude_defaults=True),
            group_id=data.group_id,
            active=data.active,
        )
        session.add(macro)
        await session.flush()
        return macro

    async def update_macro(
        self, session: AsyncSession, principal: Principal, macro_id: int, data: MacroIn
    ) -> Macro:
        require(principal, Perm.KB_MANAGE)
        self._check(data)
        macro = await self.get(session, macro_id)
        macro.title, macro.body, macro.public = data.title, data.body, data.public
        macro.actions = data.actions.model_dump(exclude_defaults=True)
        macro.group_id, macro.active = data.group_id, data.active
        return macro

    def _check(self, data: MacroIn) -> None:
        unknown = unknown_placeholders(data.body)
        if unknown:
            raise Unprocessable(
                f"未知占位符 / unknown placeholders: {', '.join(unknown)}", code="unknown_placeholder"
            )
        if not data.body.strip() and not data.actions.model_dump(exclude_defaults=True):
            raise Unprocessable("宏需要回复内容或操作 / a macro needs a body or actions", code="empty_macro")

    async def get(self, session: AsyncSession, macro_id: int) -> Macro:
        macro = await automation_repository.macro(session, macro_id)
        if macro is None:
            raise NotFound("宏不存在 / macro not found")
        return macro

    async def macros_for(self, session: AsyncSession, principal: Principal) -> Sequence[Macro]:
        require(principal, Perm.TICKETS_WORK)
        groups = None if principal.can(Perm.TICKETS_READ_ALL) else principal.group_ids
        return await automation_repository.macros(session, group_ids=groups, active_only=True)

    async def all_macros(self, session: AsyncSession, principal: Principal) -> Sequence[Macro]:
        require(principal, Perm.KB_MANAGE)
        return await automation_repository.macros(session, group_ids=None, active_only=False)

    async def render_for(
        self, session: AsyncSession, principal: Principal, macro: Macro, ticket: Ticket
    ) -> str:
        customer_name = ""
        if ticket.customer_id is not None:
            customer_name = (await customer_service.get(session, None, ticket.customer_id)).name
        group_name = ""
        if ticket.group_id is not None:
            group_name = (await team_service.get(session, ticket.group_id)).name
        return render(
            macro.body,
            {
                "customer.name": customer_name or "您",
                "ticket.id": str(ticket.id),
                "ticket.subject": ticket.subject,
                "agent.name": principal.name,
                "group.name": group_name,
            },
        )

    async def preview(
        self, session: AsyncSession, principal: Principal, macro_id: int, ticket_id: int
    ) -> str:
        ticket = await ticket_service.get(session, principal, ticket_id)
        return await self.render_for(session, principal, await self.get(session, macro_id), ticket)

    async def apply(
        self,
        session: AsyncSession,
        principal: Principal,
        macro_id: int,
        ticket_id: int,
        body_override: str | None = None,
    ) -> Ticket:
        """Post the macro's reply (edited text if given) and make its field changes."""
        require(principal, Perm.TICKETS_WORK)
        macro = await self.get(session, macro_id)
        if not macro.active:
            raise Conflict("宏已停用 / macro is inactive", code="macro_inactive")
        ticket = await ticket_service.get(session, principal, ticket_id)
        if (
            macro.group_id is not None
            and not principal.can(Perm.TICKETS_READ_ALL)
            and macro.group_id not in principal.group_ids
        ):
            raise NotFound("宏不存在 / macro not found")
        body = (
            body_override
            if body_override is not None
            else await self.render_for(session, principal, macro, ticket)
        )
        if body.strip():
            await ticket_service.add_comment(session, principal, ticket_id, body, public=macro.public)
        a = macro.actions or {}
        fields: dict[str, object] = {}
        for key in ("status", "priority", "group_id"):
            if a.get(key) is not None:
                fields[key] = a[key]
        if a.get("add_tags"):
            fields["tags"] = list(dict.fromkeys([*(ticket.tags or []), *a["add_tags"]]))
        if a.get("assign_to_me"):
            fields["assignee_id"] = principal.id
        if fields:
            await ticket_service.update(session, principal, ticket_id, TicketUpdate.model_validate(fields))
        macro.usage_count += 1
        return await ticket_service.get(session, principal, ticket_id)

    # --- triggers -----------------------------------------------------------------------
    async def create_trigger(
        self, session: AsyncSession, principal: Principal | None, data: TriggerIn
    ) -> Trigger:
        if principal is not None:
            require(principal, Perm.SETTINGS_MANAGE)
        conditions.validate(data.conditions, data.actions)
        if data.on.startswith("hours_since") and data.hours is None:
            raise Unprocessable("time-based triggers need hours", code="invalid_trigger")
        if await automation_repository.trigger_by_name(session, data.name) is not None:
            raise Conflict(f"触发器已存在 / trigger {data.name!r} exists", code="trigger_exists")
        trigger = Trigger(**data.model_dump())
        session.add(trigger)
        await session.flush()
        return trigger

    async def get_trigger(self, session: AsyncSession, principal: Principal, trigger_id: int) -> Trigger:
        require(principal, Perm.SETTINGS_MANAGE)
        trigger = await automation_repository.trigger(session, trigger_id)
        if trigger is None:
            raise NotFound("触发器不存在 / trigger not found")
        return trigger

    async def update_trigger(
        self, session: AsyncSession, principal: Principal, trigger_id: int, data: TriggerIn
    ) -> Trigger:
        trigger = await self.get_trigger(session, principal, trigger_id)
        conditions.validate(data.conditions, data.actions)
        if data.on.startswith("hours_since") and data.hours is None:
            raise Unprocessable("time-based triggers need hours", code="invalid_trigger")
        other = await automation_repository.trigger_by_name(session, data.name)
        if other is not None and other.id != trigger.id:
            raise Conflict(f"触发器已存在 / trigger {data.name!r} exists", code="trigger_exists")
        for key, value in data.model_dump().items():
            setattr(trigger, key, value)
        return trigger

    async def delete_trigger(self, session: AsyncSession, principal: Principal, trigger_id: int) -> None:
        await session.delete(await self.get_trigger(session, principal, trigger_id))

    async def list_triggers(self, session: AsyncSession, principal: Principal) -> Sequence[Trigger]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await automation_repository.triggers(session)

    async def _facts(
        self, session: AsyncSession, ticket_id: int, extra: dict[str, Any]
    ) -> dict[str, Any] | None:
        facts = await ticket_service.facts(session, ticket_id)
        return None if facts is None else {**facts, **extra}

    async def run_triggers(
        self, session: AsyncSession, on: str, ticket_id: int, *, metric: str | None = None
    ) -> int:
        """Fire matching triggers for one event; each at most once per ticket (and metric)."""
        fired = 0
        facts: dict[str, Any] | None = None
        for trigger in await automation_repository.triggers(session, on):
            if facts is None:  # read again only after a trigger acted (it may change the ticket)
                facts = await self._facts(session, ticket_id, {"metric": metric} if metric else {})
            if facts is None or facts["status"] == "closed":
                return fired
            if not conditions.all_hold(trigger.conditions, facts):
                continue
            if not await automation_repository.claim_run(session, trigger.id, ticket_id, metric or "once"):
                continue
            await self._act(session, trigger, ticket_id, facts)
            facts = None
            fired += 1
        return fired

    async def _act(
        self, session: AsyncSession, trigger: Trigger, ticket_id: int, facts: dict[str, Any]
    ) -> None:
        changes = conditions.ticket_changes(trigger.actions, facts)
        if changes:
            try:
                await ticket_service.update(session, SYSTEM, ticket_id, TicketUpdate.model_validate(changes))
            except (Conflict, Unprocessable) as exc:  # e.g. an invalid transition: the trigger is skipped
                await publish(
                    session, TriggerFailed(ticket_id=ticket_id, trigger_id=trigger.id, reason=exc.message)
                )
                return
        for a in trigger.actions:
            if a["action"] == "acknowledge":
                await ticket_service.acknowledge(session, ticket_id, str(a["value"]))
        if any(a["action"] == "notify_supervisors" for a in trigger.actions):
            await publish(
                session,
                SupervisorsNotified(
                    ticket_id=ticket_id,
                    trigger_id=trigger.id,
                    trigger_name=trigger.name,
                    group_id=facts.get("group_id"),
                    subject=str(facts.get("subject", "")),
                ),
            )

    async def email_supervisors(
        self,
        session: AsyncSession,
        ticket_id: int,
        group_id: int | None,
        trigger_name: str,
        subject: str,
        public_url: str,
    ) -> int:
        """Mail the supervisors of the ticket's group (all supervisors if it has none)."""
        sent = 0
        for user in await user_service.list_all(session):
            if user.role != "supervisor" or not user.is_active:
                continue
            if group_id is not None and group_id not in await user_service.group_ids(session, user.id):
                continue
            await mail_service.queue(
                session,
                to=user.email,
                kind="escalation",
                ticket_id=ticket_id,
                subject=f"[升级] #{ticket_id} {subject}"[:200],
                text=f"{user.name}您好：\n\n工单 #{ticket_id}「{subject}」触发了「{trigger_name}」。\n"
                f"{public_url.rstrip('/')}/agent/tickets/{ticket_id}",
            )
            sent += 1
        return sent

    async def run_time_based(self, session: AsyncSession, *, now: datetime | None = None) -> int:
        now = now or utcnow()
        fired = 0
        for on, column in (("hours_since_created", "created_at"), ("hours_since_updated", "updated_at")):
            for trigger in await automation_repository.triggers(session, on):
                cutoff = now - timedelta(hours=trigger.hours or 0)
                for ticket_id in await automation_repository.open_tickets_older_than(
                    session, column, cutoff, trigger.id, limit=200
                ):
                    facts = await self._facts(session, ticket_id, {})
                    if facts is None or not conditions.all_hold(trigger.conditions, facts):
                        continue
                    if await automation_repository.claim_run(session, trigger.id, ticket_id, "once"):
                        await self._act(session, trigger, ticket_id, facts)
                        fired += 1
        return fired


automation_service = AutomationService()
