"""Who gets asked and when, part of the survey service: CSAT after a solved ticket (an email
link, else the portal), the chat's survey (the widget's rating answers it) and the question
after an improvement item is fixed (整改后回访). Never commits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM
from kefu.conversation.service import conversation_service
from kefu.customer.service import customer_service
from kefu.kit.time import utcnow
from kefu.models import Survey
from kefu.models.conversation import ConversationStatus
from kefu.models.survey import SurveyKind
from kefu.models.ticket import Channel
from kefu.outbox.service import mail_service
from kefu.survey.repository import survey_repository as repo
from kefu.survey.service.base import SurveyBase
from kefu.ticket.service import ticket_service

# A ticket solved within this long after its chat was surveyed in the chat is not asked again.
CHAT_COVERS_TICKET = timedelta(days=7)


class AskingMixin(SurveyBase):
    async def _mail(self, session: AsyncSession, survey: Survey, to: str, *, subject_hint: str = "") -> None:
        """The CSAT link of a solved ticket, mailed with the ticket (a reply about the customer's
        own request; NPS campaigns invite through outreach: `campaigns`)."""
        subject = "请为本次服务评分 / How did we do?"
        lead = f"您的问题「{subject_hint}」已处理完毕。" if subject_hint else "感谢您联系我们。"
        link = self.link(survey)
        body = f"{lead}\n请花 10 秒为本次服务评分：\n{link}\n\nPlease rate our service: {link}\n"
        await mail_service.queue(
            session, to=to, subject=subject, text=body, kind="survey", ticket_id=survey.ticket_id
        )

    async def ticket_solved(self, session: AsyncSession, ticket_id: int) -> Survey | None:
        """CSAT for a solved ticket: an email link (when the customer has an address) and the
        portal. Once per ticket; not when its chat was just rated in the chat."""
        ticket = await ticket_service.get(session, None, ticket_id)
        if ticket.customer_id is None or ticket.status not in ("solved", "closed"):
            return None
        customer = await customer_service.get(session, None, ticket.customer_id)
        if customer.erased_at is not None:
            return None
        if ticket.channel == Channel.CHAT:
            # A chat ticket is rated in the chat (the widget prompt answers the chat's survey).
            for conv, _why in await conversation_service.for_ticket(session, SYSTEM, ticket_id):
                chat = await self.chat_survey(session, conv.id)
                if chat is not None:
                    return chat
        if await repo.recent_for_ticket(session, ticket_id, utcnow() - CHAT_COVERS_TICKET):
            return None
        email = await customer_service.primary_email(session, customer.id)
        survey, created = await self._create(
            session,
            key=f"ticket:{ticket_id}",
            kind=SurveyKind.CSAT,
            channel="email" if email else "portal",
            customer_id=customer.id,
            ticket_id=ticket_id,
            agent_id=ticket.assignee_id,
            group_id=ticket.group_id,
            locale=customer.locale,
        )
        if created and email:
            await self._mail(session, survey, email, subject_hint=ticket.subject[:60])
        return survey

    async def chat_survey(self, session: AsyncSession, conversation_id: int) -> Survey | None:
        """The CSAT survey of a chat that reached a human (the widget's rating prompt answers it)."""
        conv = await conversation_service.get(session, conversation_id)
        if conv is None:
            return None
        if conv.assignee_id is None and conv.first_queued_at is None:
            return None  # the bot alone served it: nothing for a person to be rated on
        survey, _ = await self._create(
            session,
            key=f"chat:{conv.id}",
            kind=SurveyKind.CSAT,
            channel=conv.channel if conv.channel != "web" else "chat",
            customer_id=conv.customer_id,
            ticket_id=conv.ticket_id,
            conversation_id=conv.id,
            agent_id=conv.assignee_id,
            group_id=conv.group_id,
            locale=conv.locale,
        )
        return survey

    async def chat_rated(self, session: AsyncSession, conversation_id: int) -> Survey | None:
        """The widget's rating becomes the answer of the chat's survey (first answer wins)."""
        conv = await conversation_service.get(session, conversation_id)
        if conv is None or conv.rating is None:
            return None
        survey = await self.chat_survey(session, conversation_id)
        if survey is None or survey.answered_at is not None:
            return survey
        if conv.status != ConversationStatus.CLOSED:
            survey.expires_at = max(survey.expires_at, utcnow() + timedelta(days=1))
        await self._record(session, survey, conv.rating, conv.rating_comment[:2000], {})
        return survey

    async def improvement_followup(
        self, session: AsyncSession, *, item_id: int, customer_id: int, subject: str
    ) -> Survey | None:
        """After an improvement item is fixed (整改后回访): one CSAT question to an affected
        customer, by email when there is an address (else in the portal). Once per item and
        customer; no ticket is attached, so a later ticket's own CSAT is not held back."""
        customer = await customer_service.get(session, None, customer_id)
        if customer.erased_at is not None:
            return None
        email = await customer_service.primary_email(session, customer.id)
        survey, created = await self._create(
            session,
            key=f"improvement:{item_id}:{customer_id}",
            kind=SurveyKind.CSAT,
            channel="email" if email else "portal",
            customer_id=customer.id,
            locale=customer.locale,
        )
        if created and email:
            link = self.link(survey)
            await mail_service.queue(
                session,
                to=email,
                subject="您反馈的问题已改进，请评价 / We fixed what you reported",
                text=(
                    f"您好，您此前反馈的问题「{subject[:60]}」我们已经完成整改。\n"
                    f"问题是否已经解决？请花 10 秒评价：\n{link}\n\n"
                    f"We fixed the problem you reported. Has it gone away? {link}\n"
                ),
                kind="survey",
            )
        return survey
