"""Conversation events; their after-commit hooks push frames to the sockets (hints only:
sockets fill any gap from the database by `seq`)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from kefu.conversation import frames
from kefu.kit import channels
from kefu.kit.events import DomainEvent, on_commit, register
from kefu.kit.realtime import get_bus


class _ConversationEvent(DomainEvent):
    aggregate: ClassVar[str] = "conversation"
    conversation_id: int
    customer_id: int | None = None

    def aggregate_id(self) -> int | None:
        return self.conversation_id


@register
class MessageCreated(_ConversationEvent):
    name: ClassVar[str] = "message.created"
    seq: int
    sender: str
    text: str
    internal: bool = False
    user_id: int | None = None
    assignee_id: int | None = None
    ticket_id: int | None = None
    created_at: str
    extra: dict[str, Any] = Field(default_factory=dict)
    channel: str = ""  # the conversation's channel: channels send replies out by it
    emotion: str | None = None  # customer messages (staff see it; the customer's socket drops it)
    anger: float | None = None

    def frame(self) -> frames.MessageFrame:
        """The socket frame of this message (customer and agent alike)."""
        return frames.message(
            self.conversation_id,
            self.seq,
            self.sender,
            self.text,
            self.created_at,
            user_id=self.user_id,
            internal=self.internal,
            extra=self.extra,
            emotion=self.emotion,
            anger=self.anger,
        )


@register
class ConversationStarted(_ConversationEvent):
    name: ClassVar[str] = "conversation.started"
    channel: str


@register
class ConversationQueued(_ConversationEvent):
    name: ClassVar[str] = "conversation.queued"
    group_id: int | None
    ticket_id: int | None = None
    reason: str = ""


@register
class ConversationAssigned(_ConversationEvent):
    name: ClassVar[str] = "conversation.assigned"
    agent_id: int
    agent_name: str
    previous_agent_id: int | None = None
    ticket_id: int | None = None
    customer_name: str = ""
    group_id: int | None = None
    reason: dict[str, Any] = Field(default_factory=dict)


@register
class ConversationUnassigned(_ConversationEvent):
    """The agent lost it: transferred away, taken over, or returned to the queue."""

    name: ClassVar[str] = "conversation.unassigned"
    agent_id: int
    why: str


@register
class ConversationClosed(_ConversationEvent):
    name: ClassVar[str] = "conversation.closed"
    assignee_id: int | None = None
    group_id: int | None = None


@register
class ConversationRated(_ConversationEvent):
    name: ClassVar[str] = "conversation.rated"
    score: int
    assignee_id: int | None = None


@on_commit(MessageCreated)
async def _push_message(event: MessageCreated) -> None:
    bus = get_bus()
    frame = event.frame()
    if not event.internal:
        await bus.publish(channels.conversation(event.conversation_id), frame)
    if event.assignee_id is not None:
        await bus.publish(channels.user(event.assignee_id), frame)


@on_commit(ConversationQueued)
async def _push_queued(event: ConversationQueued) -> None:
    await get_bus().publish(channels.SUPERVISORS, frames.QueueChanged(type="queue_changed"))


@on_commit(ConversationAssigned)
async def _push_assigned(event: ConversationAssigned) -> None:
    bus = get_bus()
    await bus.publish(
        channels.conversation(event.conversation_id),
        frames.ChatAssigned(type="assigned", agent_name=event.agent_name),
    )
    await bus.publish(
        channels.user(event.agent_id),
        frames.AgentAssigned(
            type="assigned",
            conversation_id=event.conversation_id,
            ticket_id=event.ticket_id,
            customer_name=event.customer_name,
            reason=event.reason,
        ),
    )
    await bus.publish(channels.SUPERVISORS, frames.QueueChanged(type="queue_changed"))


@on_commit(ConversationUnassigned)
async def _push_unassigned(event: ConversationUnassigned) -> None:
    await get_bus().publish(
        channels.user(event.agent_id),
        frames.AgentUnassigned(type="unassigned", conversation_id=event.conversation_id, why=event.why),
    )


@on_commit(ConversationClosed)
async def _push_closed(event: ConversationClosed) -> None:
    bus = get_bus()
    await bus.publish(channels.conversation(event.conversation_id), frames.ChatClosed(type="closed"))
    if event.assignee_id is not None:
        await bus.publish(
            channels.user(event.assignee_id),
            frames.AgentClosed(type="closed", conversation_id=event.conversation_id),
        )
    await bus.publish(channels.SUPERVISORS, frames.QueueChanged(type="queue_changed"))
