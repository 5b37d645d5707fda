"""Bot turns: the bot's replies stored under the conversation's lock, its state and log,
the tickets it records and the hand-offs it asks for."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.bot.service import bot_service
from kefu.conversation import repository as repo
from kefu.conversation.bot_slot import BotTurn
from kefu.conversation.service.handoff import ConversationHandoff
from kefu.models import Conversation
from kefu.models.conversation import ConversationStatus, Sender


class ConversationBot(ConversationHandoff):
    async def bot_turn(
        self,
        session: AsyncSession,
        conversation_id: int,
        turn: BotTurn,
        *,
        question: str | None = None,
        locked: Conversation | None = None,
    ) -> None:
        """Store the bot's replies (and log the turn); hand off when it asks to. Ignored once
        a human has the conversation. `locked`: the conversation as this transaction already
        loaded it under its row lock (the customer's message's own unit), saving a query."""
        conv = locked if locked is not None and locked.id == conversation_id else None
        if conv is None:
            conv = await self._locked(session, conversation_id)
        if conv.status != ConversationStatus.BOT:
            await self.write_held(session, conv)  # the customer's line, held for the answer
            return
        replies = []
        for i, text in enumerate(turn.replies):
            extra: dict[str, Any] = {}
            if turn.intent is not None:
                extra["intent"] = turn.intent
                extra["confidence"] = turn.confidence
            if i == len(turn.replies) - 1:
                if turn.buttons:
                    extra["buttons"] = list(turn.buttons)
                if turn.articles:
                    extra["articles"] = list(turn.articles)
            replies.append(await self._stage(session, conv, Sender.BOT, text, extra=extra))
        # The customer's line (when held) and the answer: one INSERT each for lines and events.
        await self.write_held(session, conv, replies)
        conv.bot_misses = conv.bot_misses + 1 if turn.missed else 0
        if turn.state is not None:
            conv.bot_state = dict(turn.state)
        if question is not None:
            await bot_service.log_turn(session, conv.id, question, turn)
        if turn.ticket and not turn.handoff and conv.customer_id is not None:
            await self._record_ticket(session, conv, turn)
        if turn.note:
            await self.append(
                session,
                conv,
                sender=Sender.SYSTEM,
                text=turn.note,
                internal=True,
                extra={"facts": turn.facts},
            )
        if turn.handoff:
            await self.handoff(
                session, conv, group_name=turn.group_name, reason=turn.reason, facts=turn.facts
            )

    async def _record_ticket(self, session: AsyncSession, conv: Conversation, turn: BotTurn) -> None:
        """A bot intent's "create a ticket" action: the customer's open ticket, else a new one
        in the intent's group; the customer is told its number."""
        group_id = await self.queue_group(session, None, turn.group_name or None)
        if conv.ticket_id is None:
            await self._attach_ticket(session, conv, group_id, turn.facts)
        text = f"已为您记录工单 #{conv.ticket_id}，客服会尽快处理并回复您。"
        if conv.locale.startswith("en"):
            text = f"Ticket #{conv.ticket_id} is recorded; our team will get back to you."
        await self.append(session, conv, sender=Sender.SYSTEM, text=text)

    async def bot_snapshot(
        self, session: AsyncSession, conversation_id: int
    ) -> tuple[dict[str, Any], int] | None:
        """(bot state, misses) of a conversation the bot still serves, else None."""
        conv = await repo.get(session, conversation_id)
        if conv is None or conv.status != ConversationStatus.BOT:
            return None
        return dict(conv.bot_state or {}), conv.bot_misses
