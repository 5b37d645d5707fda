"""The customer's history across every channel, newest first (reads other domains'
services only)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.conversation.service import conversation_service
from kefu.customer.service import customer_service
from kefu.phone.service import phone_service
from kefu.ticket.schemas import TicketFilter
from kefu.ticket.service import ticket_service
from kefu.timeline.schemas import TimelineEntry

CALL_STATUS = {"ringing": "振铃中", "answered": "通话中", "ended": "已接听", "missed": "未接"}


class TimelineService:
    async def for_customer(
        self, session: AsyncSession, principal: Principal, customer_id: int, limit: int = 100
    ) -> list[TimelineEntry]:
        await customer_service.get(session, principal, customer_id)
        entries: list[TimelineEntry] = []
        tickets = await ticket_service.list_tickets(
            session, principal, TicketFilter(customer_id=customer_id, limit=limit, sort="-created_at")
        )
        entries += [
            TimelineEntry(
                kind="ticket",
                id=t.id,
                channel=t.channel,
                title=t.subject,
                status=t.status,
                at=t.created_at,
                link=f"/agent/tickets/{t.id}",
            )
            for t in tickets
        ]
        convs = await conversation_service.list_for_staff(
            session, principal, scope="all", customer_id=customer_id
        )
        calls = {
            c.conversation_id: c
            for c in await phone_service.calls_of_customer(session, principal, customer_id)
        }
        for c in convs:
            call = calls.pop(c.id, None)
            if call is not None:
                entries.append(
                    TimelineEntry(
                        kind="call",
                        id=call.id,
                        channel="phone",
                        title=f"{call.caller or '未知号码'} · {CALL_STATUS.get(call.status, call.status)}",
                        status=call.status,
                        at=call.ringing_at or call.created_at,
                        link=f"/agent?c={c.id}",
                    )
                )
                continue
            entries.append(
                TimelineEntry(
                    kind="conversation",
                    id=c.id,
                    channel=c.channel,
                    title=(c.last_message.text if c.last_message else "")[:120],
                    status=c.status,
                    at=c.created_at,
                    link=f"/agent?c={c.id}",
                )
            )
        entries.sort(key=lambda e: e.at, reverse=True)
        return entries[:limit]


timeline_service = TimelineService()
