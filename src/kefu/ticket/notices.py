"""Telling a ticket's owner and followers what happened to it: a stored workspace notice
(read in the agent UI and `GET /api/v1/ticket-notices`), a realtime hint on their socket after
the commit, and an email. Listeners on ticket and SLA events call `notify`, so every notice
is written once, after the change it reports has committed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Principal, require_staff
from kefu.config import current_settings
from kefu.errors import NotFound
from kefu.kit import channels, notice_frames
from kefu.kit.db import after_commit
from kefu.kit.events import publish
from kefu.kit.realtime import get_bus
from kefu.kit.time import utcnow
from kefu.models.ticket import TicketNotice
from kefu.outbox.service import mail_service
from kefu.team.service import team_service
from kefu.ticket.events import CustomerChatted
from kefu.ticket.repository import ticket_repository

METRICS_ZH = {
    "acknowledge": "确认",
    "first_reply": "首次回复",
    "next_reply": "下次回复",
    "resolution": "解决",
    "specialist_engaged": "专家介入",
}


class TicketNoticeService:
    async def _text(self, session: AsyncSession, kind: str, detail: dict[str, Any]) -> str:
        """The notice in words, for the email (staff mail is Chinese, like the demo's)."""
        if kind == "group_changed":
            try:
                name = (await team_service.get(session, int(detail["group_id"]))).name
            except (NotFound, KeyError, TypeError, ValueError):
                name = "—"
            return f"工单已转到技能组「{name}」"
        if kind in ("assignee_changed", "owner_changed"):
            uid = detail.get("assignee_id" if kind == "assignee_changed" else "owner_id")
            user = await user_service.get(session, int(uid)) if uid else None
            who = user.name if user is not None else "—"
            if kind == "owner_changed":
                return f"首问负责人变更为 {who}（原因：{detail.get('reason', '')}）"
            return f"处理人变更为 {who}"
        if kind == "customer_wrote":
            return "客户有新的回复"
        metric = METRICS_ZH.get(str(detail.get("metric")), str(detail.get("metric")))
        if kind == "sla_warning":
            return f"SLA「{metric}」即将超时"
        return f"SLA「{metric}」已超时"

    async def notify(
        self,
        session: AsyncSession,
        ticket_id: int,
        kind: str,
        detail: dict[str, Any],
        *,
        actor_id: int | None = None,
        also: Sequence[int] = (),
    ) -> list[int]:
        """Notify the owner and followers (and `also`), never the person who did it.
        Returns who was notified."""
        targets = await ticket_repository.notice_targets(session, ticket_id)
        if targets is None:
            return []
        subject, owner_id, followers = targets
        recipients: list[int] = []
        for uid in [owner_id, *followers, *also]:
            if uid is not None and uid != actor_id and uid not in recipients:
                recipients.append(uid)
        if not recipients:
            return []
        text = await self._text(session, kind, detail)
        link = f"{current_settings().public_url.rstrip('/')}/agent/tickets/{ticket_id}"
        now = utcnow()
        notified: list[int] = []
        for uid in recipients:
            user = await user_service.get(session, uid)
            if user is None or not user.is_active:
                continue
            session.add(
                TicketNotice(user_id=uid, ticket_id=ticket_id, kind=kind, detail=detail, created_at=now)
            )
            await mail_service.queue(
                session,
                to=user.email,
                kind="ticket_notice",
                ticket_id=ticket_id,
                subject=f"[工单 #{ticket_id}] {text}"[:200],
                text=f"{user.name}您好：\n\n工单 #{ticket_id}「{subject}」：{text}。\n{link}\n",
            )
            notified.append(uid)
        frame = notice_frames.TicketNotice(
            type="ticket_notice",
            ticket_id=ticket_id,
            kind=kind,
            text=text,
            subject=subject[:120],  # the pop-up names the ticket
        )

        async def push() -> None:
            for uid in notified:
                await get_bus().publish(channels.user(uid), frame)

        after_commit(session, push)
        return notified

    async def customer_chatted(
        self,
        session: AsyncSession,
        ticket_id: int,
        *,
        conversation_id: int,
        seq: int,
        chat_agent_id: int | None,
    ) -> bool:
        """The customer wrote in a conversation of the ticket (called in the chat's write
        unit). Only the first message of the customer's turn — after an agent's reply or
        after the chat was (re)assigned, whose system line is on the timeline too — becomes
        a `customer_wrote` notice; the rest of the turn costs one indexed read and no job.
        A listener on every chat message would be a job per message, and a debounce timer
        would need state of its own; the turn is already on the ticket's timeline.
        Returns whether a notice was published."""
        if await ticket_repository.customer_spoke_last(session, ticket_id, conversation_id, seq):
            return False
        await publish(
            session,
            CustomerChatted(
                ticket_id=ticket_id, conversation_id=conversation_id, seq=seq, chat_agent_id=chat_agent_id
            ),
        )
        return True

    # --- the recipient's side ----------------------------------------------------------
    async def mine(
        self, session: AsyncSession, principal: Principal, *, unread_only: bool = False, limit: int = 50
    ) -> Sequence[TicketNotice]:
        require_staff(principal)
        return await ticket_repository.notices(session, principal.id, unread_only=unread_only, limit=limit)

    async def unread(self, session: AsyncSession, principal: Principal) -> int:
        require_staff(principal)
        return await ticket_repository.unread_notices(session, principal.id)

    async def mark_read(self, session: AsyncSession, principal: Principal, ids: Sequence[int] | None) -> int:
        require_staff(principal)
        return await ticket_repository.mark_notices_read(session, principal.id, ids, utcnow())


ticket_notice_service = TicketNoticeService()
