"""Triggers react to ticket and SLA events; supervisors hear about escalations at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.automation.events import SupervisorsNotified
from kefu.automation.service import automation_service
from kefu.config import current_settings
from kefu.kit import channels, jobs, notice_frames
from kefu.kit.events import listener, on_commit
from kefu.kit.realtime import get_bus
from kefu.sla.events import SlaBreached, SlaWarning
from kefu.ticket.events import TicketCreated, TicketUpdated


@listener(TicketCreated)
async def on_created(session: AsyncSession, event: TicketCreated) -> None:
    await automation_service.run_triggers(session, "created", event.ticket_id)


@listener(TicketUpdated)
async def on_updated(session: AsyncSession, event: TicketUpdated) -> None:
    await automation_service.run_triggers(session, "updated", event.ticket_id)


@listener(SlaWarning)
async def on_sla_warning(session: AsyncSession, event: SlaWarning) -> None:
    await automation_service.run_triggers(session, "sla_warning", event.ticket_id, metric=event.metric)


@listener(SlaBreached)
async def on_sla_breached(session: AsyncSession, event: SlaBreached) -> None:
    await automation_service.run_triggers(session, "sla_breached", event.ticket_id, metric=event.metric)


@on_commit(SupervisorsNotified)
async def push_to_supervisors(event: SupervisorsNotified) -> None:
    # In-app: every supervisor screen listens on "supervisors"; the event row is the record.
    await get_bus().publish(
        channels.SUPERVISORS,
        notice_frames.Escalation(
            type="escalation",
            ticket_id=event.ticket_id,
            trigger=event.trigger_name,
            group_id=event.group_id,
            subject=event.subject,
        ),
    )


@listener(SupervisorsNotified)
async def email_supervisors(session: AsyncSession, event: SupervisorsNotified) -> None:
    public_url = current_settings().public_url
    await automation_service.email_supervisors(
        session, event.ticket_id, event.group_id, event.trigger_name, event.subject, public_url
    )


@jobs.periodic("automation.time_based", every_seconds=300)
async def time_based(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await automation_service.run_time_based(session)
