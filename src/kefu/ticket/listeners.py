"""Reactions for 首问负责制: the owner and followers hear about transfers, customer replies and
SLA warnings and breaches; a reopened ticket drops the earlier acceptance."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import listener
from kefu.sla.events import SlaBreached, SlaWarning
from kefu.ticket.events import CommentAdded, CustomerChatted, TicketOwnerChanged, TicketUpdated
from kefu.ticket.notices import ticket_notice_service
from kefu.ticket.ownership import ownership_service


@listener(TicketUpdated)
async def on_updated(session: AsyncSession, event: TicketUpdated) -> None:
    changes = event.changes
    if "group_id" in changes:
        old, new = changes["group_id"]
        await ticket_notice_service.notify(
            session,
            event.ticket_id,
            "group_changed",
            {"old_group_id": old, "group_id": new},
            actor_id=event.actor_id,
        )
    if "assignee_id" in changes:
        old, new = changes["assignee_id"]
        await ticket_notice_service.notify(
            session,
            event.ticket_id,
            "assignee_changed",
            {"old_assignee_id": old, "assignee_id": new},
            actor_id=event.actor_id,
        )
    status = changes.get("status")
    if status and status[0] == "solved" and status[1] != "closed":
        await ownership_service.reopened(session, event.ticket_id)


@listener(CommentAdded)
async def on_comment(session: AsyncSession, event: CommentAdded) -> None:
    if event.author_customer_id is not None:
        await ticket_notice_service.notify(
            session, event.ticket_id, "customer_wrote", {"comment_id": event.comment_id}
        )


@listener(CustomerChatted)
async def on_customer_chatted(session: AsyncSession, event: CustomerChatted) -> None:
    # The agent in the chat reads it live; the owner and followers elsewhere are told.
    await ticket_notice_service.notify(
        session,
        event.ticket_id,
        "customer_wrote",
        {"conversation_id": event.conversation_id, "seq": event.seq},
        actor_id=event.chat_agent_id,
    )


@listener(TicketOwnerChanged)
async def on_owner_changed(session: AsyncSession, event: TicketOwnerChanged) -> None:
    # The previous owner hears it too, though no longer the owner.
    also = [event.old_owner_id] if event.old_owner_id is not None else []
    await ticket_notice_service.notify(
        session,
        event.ticket_id,
        "owner_changed",
        {"old_owner_id": event.old_owner_id, "owner_id": event.owner_id, "reason": event.reason},
        actor_id=event.actor_id,
        also=also,
    )


@listener(SlaWarning)
async def on_sla_warning(session: AsyncSession, event: SlaWarning) -> None:
    await ticket_notice_service.notify(session, event.ticket_id, "sla_warning", {"metric": event.metric})


@listener(SlaBreached)
async def on_sla_breached(session: AsyncSession, event: SlaBreached) -> None:
    await ticket_notice_service.notify(session, event.ticket_id, "sla_breached", {"metric": event.metric})
