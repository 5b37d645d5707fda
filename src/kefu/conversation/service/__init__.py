"""Conversations: messages with per-conversation `seq` and idempotent client ids, the bot
turn, hand-off into a group's queue (opening or attaching a ticket), assignment notices,
transfers, close, rating. Never commits: the caller owns the transaction.

A package by role, one mixin each, composed into the one `conversation_service`: base (the
one `append` of a chat line, loading, who may act), messages (and attachments), bot (turns),
handoff (queue, ticket, sticky agent), assignment (notices, transfer, takeover), lifecycle
(start, close, rate), reads (lists, details, the message's API shape)."""

from __future__ import annotations

from kefu.conversation.service.assignment import ConversationAssignment
from kefu.conversation.service.base import ChatError
from kefu.conversation.service.bot import ConversationBot
from kefu.conversation.service.lifecycle import ConversationLifecycle
from kefu.conversation.service.messages import ConversationMessages
from kefu.conversation.service.reads import ConversationReads, message_frame, message_out

__all__ = ["ChatError", "ConversationService", "conversation_service", "message_frame", "message_out"]


class ConversationService(
    ConversationMessages, ConversationBot, ConversationAssignment, ConversationLifecycle, ConversationReads
):
    pass


conversation_service = ConversationService()
