"""A conversation's life: started (with its customer), closed (by a person, idleness or
the channel; whether the bot resolved it), rated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.conversation import repository as repo
from kefu.conversation.containment import BotTurn as BotTurnRecord
from kefu.conversation.containment import bot_resolved
from kefu.conversation.events import ConversationClosed, ConversationRated, ConversationStarted
from kefu.conversation.schemas import RatingIn, WidgetSessionIn
from kefu.conversation.service.base import ConversationBase
from kefu.conversation.tokens import ChatTicket
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Conflict
from kefu.kit import jobs
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import Conversation
from kefu.models.conversation import ConversationStatus, Sender
from kefu.routing.events import ROUTE_JOB
from kefu.ticket.schemas import TicketUpdate
from kefu.ticket.service import ticket_service


class ConversationLifecycle(ConversationBase):
    async def start(
        self,
        session: AsyncSession,
        data: WidgetSessionIn,
        *,
        channel: str = "chat",
        customer_id: int | None = None,
    ) -> Conversation:
        """A new conversation; `customer_id` when the channel already knows the customer."""
        fields = CustomerCreate(
            name=data.name or "", email=data.email, phone=data.phone, external_id=data.external_id
        )
        if customer_id is not None:
            customer = await customer_service.get(session, None, customer_id)
        elif data.email or data.phone or data.external_id:
            customer = await customer_service.find_or_create(session, fields)
        else:
            customer = await customer_service.create(
                session, fields.model_copy(update={"name": data.name or "访客"}), actor=None
            )
        conv = Conversation(
            customer_id=customer.id,
            channel=channel,
            status=ConversationStatus.BOT,
            locale=(data.locale or customer.locale or "zh_CN")[:10],
            tier=customer.tier,
        )
        session.add(conv)
        await session.flush()
        await publish(
            session, ConversationStarted(conversation_id=conv.id, customer_id=customer.id, channel=channel)
        )
        return conv

    async def close(
        self,
        session: AsyncSession,
        principal: Principal | None,
        conversation_id: int,
        *,
        solve_ticket: bool = False,
        why: str = "agent",
    ) -> Conversation:
        conv = await self._locked(session, conversation_id)
        if principal is not None:
            require(principal, Perm.TICKETS_WORK)
            self._check_workable(principal, conv)
        if conv.status == ConversationStatus.CLOSED:
            return conv
        now = utcnow()
        text = "会话已结束，感谢您的咨询。" if why != "idle" else "由于长时间没有新消息，会话已结束。"
        await self.append(session, conv, sender=Sender.SYSTEM, text=text)
        assignee = conv.assignee_id
        if conv.status == ConversationStatus.BOT:  # the bot kept it: did it resolve it?
            conv.bot_resolved = await self._bot_resolved(session, conv.id)
        conv.status = ConversationStatus.CLOSED
        conv.closed_at = now
        await publish(
            session,
            ConversationClosed(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                assignee_id=assignee,
                group_id=conv.group_id,
            ),
            actor_id=principal.user_id if principal else None,
        )
        if solve_ticket and conv.ticket_id is not None and principal is not None:
            await ticket_service.update(session, principal, conv.ticket_id, TicketUpdate(status="solved"))
        if assignee is not None:
            await jobs.enqueue(session, ROUTE_JOB, {"group_id": conv.group_id})  # capacity freed
        return conv

    async def _bot_resolved(self, session: AsyncSession, conversation_id: int) -> bool:
        logged = await repo.bot_turns(session, conversation_id)
        turns = [BotTurnRecord(t.outcome, t.intent, t.question) for t in logged]
        after = (
            await repo.customer_texts_after(session, conversation_id, logged[-1].created_at) if logged else []
        )
        return bot_resolved(turns, after)

    async def rate(self, session: AsyncSession, chat: ChatTicket, data: RatingIn) -> None:
        conv = await self._locked(session, chat.conversation_id)
        if conv.rating is not None:
            raise Conflict("已经评价过了 / this conversation is already rated", code="already_rated")
        if (
            conv.status == ConversationStatus.BOT
            and conv.assignee_id is None
            and conv.first_queued_at is None
        ):
            raise Conflict("人工服务后才能评价 / rate after talking to an agent", code="nothing_to_rate")
        conv.rating = data.score
        conv.rating_comment = data.comment
        if conv.ticket_id is not None:
            ticket_service.record_conversation(
                session,
                conv.ticket_id,
                author_type="customer",
                customer_id=conv.customer_id,
                body=f"满意度评价：{data.score}/5" + (f"，{data.comment}" if data.comment else ""),
                public=False,
                via=conv.channel,
                conversation_id=conv.id,
                seq=conv.last_seq,
                data={"rating": data.score, "comment": data.comment or ""},
            )
        await publish(
            session,
            ConversationRated(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                score=data.score,
                assignee_id=conv.assignee_id,
            ),
        )

    async def close_idle(self, session: AsyncSession, *, bot_minutes: int, human_minutes: int) -> int:
        now = utcnow()
        closed = 0
        for cid in await repo.idle(
            session, now - timedelta(minutes=bot_minutes), [ConversationStatus.BOT], 200
        ):
            await self.close(session, None, cid, why="idle")
            closed += 1
        for cid in await repo.idle(
            session, now - timedelta(minutes=human_minutes), [ConversationStatus.ASSIGNED], 200
        ):
            await self.close(session, None, cid, why="idle")
            closed += 1
        return closed
