"""Assignment: the notices once a conversation has its agent, transfers, requeues,
takeovers, and the agent a channel already put on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require
from kefu.conversation.events import ConversationAssigned, ConversationUnassigned
from kefu.conversation.schemas import TransferIn
from kefu.conversation.service.handoff import ConversationHandoff
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import Conversation, Message
from kefu.models.conversation import ConversationStatus, Sender
from kefu.team.service import team_service
from kefu.ticket.service import ticket_service


class ConversationAssignment(ConversationHandoff):
    async def assigned(
        self,
        session: AsyncSession,
        conv: Conversation,
        agent_id: int,
        *,
        reason: dict[str, Any],
        previous_agent_id: int | None = None,
    ) -> None:
        """After the conversation row says `assigned` to agent_id: notices, ticket follows."""
        agent = await user_service.get(session, agent_id)
        agent_name = agent.name if agent else ""
        conv.assign_reason = reason
        conv.updated_at = utcnow()
        if conv.ticket_id is not None:
            await ticket_service.channel_assigned(session, conv.ticket_id, agent_id)
        customer_name = ""
        if conv.customer_id is not None:
            customer_name = (await customer_service.get(session, None, conv.customer_id)).name
        await self.append(session, conv, sender=Sender.SYSTEM, text=f"客服 {agent_name} 为您服务。")
        await publish(
            session,
            ConversationAssigned(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                agent_id=agent_id,
                agent_name=agent_name,
                previous_agent_id=previous_agent_id,
                ticket_id=conv.ticket_id,
                customer_name=customer_name,
                group_id=conv.group_id,
                reason=reason,
            ),
            actor_id=agent_id,
        )

    async def transfer(
        self, session: AsyncSession, principal: Principal, conversation_id: int, data: TransferIn
    ) -> Conversation:
        require(principal, Perm.TICKETS_WORK)
        conv = await self._locked(session, conversation_id)
        self._check_workable(principal, conv)
        previous = conv.assignee_id
        note = data.note.strip()
        if note:
            await self.append(
                session,
                conv,
                sender=Sender.AGENT,
                user_id=principal.id,
                text=f"转接备注：{note}",
                internal=True,
            )
        if data.to_user_id is not None:
            target = await user_service.get(session, data.to_user_id)
            if target is None or not target.is_active:
                raise Unprocessable("转接对象不存在或已停用 / no such active agent", code="invalid_agent")
            if data.to_user_id == previous:
                raise Conflict("会话已在该坐席名下 / already assigned to that agent", code="same_agent")
            await self._hand_to(
                session,
                conv,
                target.id,
                {"rule": "transfer", "by": principal.id, "note": note},
                "transferred",
            )
            return conv
        assert data.to_group_id is not None
        await team_service.get(session, data.to_group_id)
        await self.requeue(session, conv, group_id=data.to_group_id, why="transferred", reason="transfer")
        return conv

    async def requeue(
        self, session: AsyncSession, conv: Conversation, *, group_id: int | None, why: str, reason: str
    ) -> None:
        """Back into a queue (transfer to a group, agent offline); waiting time is kept."""
        previous = conv.assignee_id
        conv.status = ConversationStatus.QUEUED
        conv.assignee_id = None
        conv.group_id = group_id if group_id is not None else conv.group_id
        conv.queued_at = utcnow()
        conv.sticky_agent_id = None
        conv.sticky_until = None
        if previous is not None:
            await self._unassigned(session, conv, previous, why)
        await self.append(session, conv, sender=Sender.SYSTEM, text="正在为您转接其他客服，请稍候。")
        await self._announce_queued(session, conv, reason)

    async def _hand_to(
        self, session: AsyncSession, conv: Conversation, agent_id: int, reason: dict[str, Any], why: str
    ) -> None:
        """A person chose the agent (transfer, takeover): no queue, no capacity check."""
        previous = conv.assignee_id
        conv.status = ConversationStatus.ASSIGNED
        conv.assignee_id = agent_id
        conv.assigned_at = utcnow()
        if previous is not None:
            await self._unassigned(session, conv, previous, why)
        await self.assigned(session, conv, agent_id, reason=reason, previous_agent_id=previous)

    async def _unassigned(self, session: AsyncSession, conv: Conversation, agent_id: int, why: str) -> None:
        await publish(
            session,
            ConversationUnassigned(
                conversation_id=conv.id, customer_id=conv.customer_id, agent_id=agent_id, why=why
            ),
        )

    async def takeover(
        self, session: AsyncSession, principal: Principal, conversation_id: int
    ) -> Conversation:
        require(principal, Perm.REPORTS_READ)  # supervisors and admins
        require(principal, Perm.TICKETS_WORK)
        conv = await self._locked(session, conversation_id)
        if conv.status == ConversationStatus.CLOSED:
            raise Conflict("会话已结束 / the conversation is closed", code="closed")
        if conv.assignee_id != principal.id:
            await self._hand_to(
                session, conv, principal.id, {"rule": "takeover", "by": principal.id}, "taken_over"
            )
        return conv

    async def channel_assign(
        self, session: AsyncSession, conversation_id: int, agent_id: int, reason: dict[str, Any]
    ) -> None:
        """A channel already put a person on it (the agent who answered a phone call)."""
        conv = await self._locked(session, conversation_id)
        if conv.status != ConversationStatus.CLOSED and conv.assignee_id != agent_id:
            await self._record_before_handoff(session, conv, {})  # when the call has a ticket
            await self._hand_to(session, conv, agent_id, reason, "channel")

    async def channel_note(
        self, session: AsyncSession, conversation_id: int, text: str, extra: dict[str, Any] | None = None
    ) -> Message:
        """A system line a channel adds (call answered, recording, transcript)."""
        conv = await self._locked(session, conversation_id)
        return await self.append(session, conv, sender=Sender.SYSTEM, text=text, extra=extra)
