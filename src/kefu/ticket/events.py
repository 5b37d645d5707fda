"""Ticket events (the ticket's history is read back from these)."""

from __future__ import annotations

from typing import Any, ClassVar

from kefu.kit.events import DomainEvent, register


class _TicketEvent(DomainEvent):
    aggregate: ClassVar[str] = "ticket"
    ticket_id: int
    customer_id: int | None = None

    def aggregate_id(self) -> int | None:
        return self.ticket_id


@register
class TicketCreated(_TicketEvent):
    name: ClassVar[str] = "ticket.created"
    subject: str
    channel: str
    priority: str
    type: str
    category: str
    group_id: int | None = None
    assignee_id: int | None = None


@register
class TicketUpdated(_TicketEvent):
    name: ClassVar[str] = "ticket.updated"
    changes: dict[str, list[Any]]  # field -> [old, new]
    group_id: int | None = None
    assignee_id: int | None = None
    actor_id: int | None = None  # the person who changed it (None: automation, a channel)


@register
class CommentAdded(_TicketEvent):
    name: ClassVar[str] = "ticket.comment_added"
    comment_id: int
    public: bool
    author_user_id: int | None = None
    author_customer_id: int | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    automatic: bool = False  # written by kefu (a trigger's acknowledgement), not a person


@register
class TicketSolved(_TicketEvent):
    name: ClassVar[str] = "ticket.solved"
    group_id: int | None = None
    assignee_id: int | None = None
    owner_id: int | None = None


@register
class TicketReopened(_TicketEvent):
    name: ClassVar[str] = "ticket.reopened"


@register
class TicketMerged(_TicketEvent):
    name: ClassVar[str] = "ticket.merged"
    target_id: int


@register
class TicketOwnerChanged(_TicketEvent):
    """首问负责制: a supervisor moved the ownership (the first answer sets it without one)."""

    name: ClassVar[str] = "ticket.owner_changed"
    old_owner_id: int | None = None
    owner_id: int
    reason: str
    actor_id: int | None = None


@register
class CustomerChatted(_TicketEvent):
    """The customer wrote in a chat (or WeChat, app) conversation of the ticket, and it was
    the first message of their turn (after an agent's reply, or after the chat was assigned
    or transferred): the owner hears of it. Later messages of the same turn publish nothing,
    so a chat costs one job per turn, not one per message."""

    name: ClassVar[str] = "ticket.customer_chatted"
    conversation_id: int
    seq: int
    chat_agent_id: int | None = None  # reading it live: not told
