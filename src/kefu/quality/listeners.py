"""Every closed chat and solved ticket gets its automatic inspection; a reopen re-scores the
ticket; a low survey score samples the inspection for a supervisor's review."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.conversation.events import ConversationClosed
from kefu.kit.events import listener
from kefu.quality.service import quality_service
from kefu.survey.events import SurveyAnswered
from kefu.survey.service import survey_service
from kefu.ticket.events import TicketReopened, TicketSolved


@listener(ConversationClosed)
async def inspect_closed_chat(session: AsyncSession, event: ConversationClosed) -> None:
    await quality_service.inspect_conversation(session, event.conversation_id)


@listener(TicketSolved, TicketReopened)
async def inspect_ticket(session: AsyncSession, event: TicketSolved | TicketReopened) -> None:
    await quality_service.inspect_ticket(session, event.ticket_id)


@listener(SurveyAnswered)
async def sample_low_csat(session: AsyncSession, event: SurveyAnswered) -> None:
    if await survey_service.is_low_score(session, event.kind, event.score):
        await quality_service.low_csat(
            session, conversation_id=event.conversation_id, ticket_id=event.ticket_id
        )
