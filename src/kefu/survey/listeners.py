"""Surveys go out when a ticket is solved or a chat ends; a chat rating answers the chat's survey."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.conversation.events import ConversationClosed, ConversationRated
from kefu.kit import jobs
from kefu.kit.events import listener
from kefu.survey.service import survey_service
from kefu.ticket.events import TicketSolved


@listener(TicketSolved)
async def survey_solved_ticket(session: AsyncSession, event: TicketSolved) -> None:
    await survey_service.ticket_solved(session, event.ticket_id)


@listener(ConversationClosed)
async def survey_ended_chat(session: AsyncSession, event: ConversationClosed) -> None:
    await survey_service.chat_survey(session, event.conversation_id)


@listener(ConversationRated)
async def answer_chat_survey(session: AsyncSession, event: ConversationRated) -> None:
    await survey_service.chat_rated(session, event.conversation_id)


@jobs.periodic("survey.run_campaigns", every_seconds=3600)
async def run_campaigns(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await survey_service.run_due(session)
