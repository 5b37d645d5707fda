"""An agent's public reply on an email ticket is mailed to the customer."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import listener
from kefu.mail.service.replies import mail_reply_service
from kefu.ticket.events import CommentAdded


@listener(CommentAdded)
async def mail_agent_reply(session: AsyncSession, event: CommentAdded) -> None:
    if event.public and (event.author_user_id is not None or event.automatic):
        await mail_reply_service.reply_for_comment(session, event.ticket_id, event.comment_id)
