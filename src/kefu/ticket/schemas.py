"""Ticket payloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import EmailStr, Field, field_validator, model_validator

from kefu.kit.schemas import BoundedAwareDatetime, Id, OutSchema, Schema
from kefu.models.ticket import Channel, FieldKind, TicketPriority, TicketStatus, TicketType


class Requester(Schema):
    name: str | None = Field(default=None, max_length=120)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)


class TicketCreate(Schema):
    subject: str = Field(min_length=1, max_length=250)
    description: str = Field(default="", max_length=100_000)
    customer_id: Id | None = None
    requester: Requester | None = None
    channel: Channel = Channel.WEB
    type: TicketType = TicketType.QUESTION
    priority: TicketPriority = TicketPriority.NORMAL
    category: str = Field(default="", max_length=120)
    tags: list[str] = Field(default_factory=list, max_length=30)
    group_id: Id | None = None
    assignee_id: Id | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    problem_id: Id | None = None
    parent_id: Id | None = None
    due_at: BoundedAwareDatetime | None = None


class TicketUpdate(Schema):
    subject: str | None = Field(default=None, min_length=1, max_length=250)
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    type: TicketType | None = None
    category: str | None = Field(default=None, max_length=120)
    tags: list[str] | None = Field(default=None, max_length=30)
    group_id: Id | None = None
    assignee_id: Id | None = None
    custom_fields: dict[str, Any] | None = None
    problem_id: Id | None = None
    due_at: BoundedAwareDatetime | None = None
    # The owner confirms, when solving (or after), that the customer accepted the result.
    customer_accepted: bool | None = None


class CommentCreate(Schema):
    body: str = Field(min_length=1, max_length=100_000)
    public: bool = True
    # Staff: also send this public reply by email, with the ticket's conversation below it
    # (for tickets that did not come by email; email tickets are always answered by mail).
    email: bool = False

    @model_validator(mode="after")
    def _email_is_public(self) -> CommentCreate:
        if self.email and not self.public:
            raise ValueError("an internal note is never emailed: email needs public true")
        return self


class SlaOut(OutSchema):
    metric: str
    due_at: datetime | None
    status: str


class AttachmentOut(OutSchema):
    id: int
    comment_id: int | None
    filename: str
    content_type: str
    size: int
    created_at: datetime


class CommentOut(OutSchema):
    id: int
    ticket_id: int
    author_type: str  # customer, agent, bot or system
    author_user_id: int | None
    author_customer_id: int | None
    author_name: str | None = None  # filled by GET /tickets/{id}/comments
    body: str
    public: bool
    via: str  # the channel it came through (web, email, chat, wechat, app, phone ...)
    created_at: datetime
    conversation_id: int | None = None  # set for lines of a conversation
    seq: int | None = None
    data: dict[str, Any] | None = None  # transcript before hand-off, facts, rating
    attachments: list[AttachmentOut] = Field(default_factory=list)


class TicketOut(OutSchema):
    id: int
    subject: str
    description: str
    status: str
    priority: str
    type: str
    category: str
    tags: list[str]
    custom_fields: dict[str, Any]
    channel: str
    customer_id: int | None
    group_id: int | None
    assignee_id: int | None
    owner_id: int | None
    problem_id: int | None
    parent_id: int | None
    merged_into_id: int | None
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    first_replied_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    accepted_at: datetime | None = None  # the owner's confirmation that the customer accepted
    accepted_by_id: int | None = None
    sla: list[SlaOut] = Field(default_factory=list)


class TicketDetail(TicketOut):
    comments: list[CommentOut] = Field(default_factory=list)
    linked_ids: list[int] = Field(default_factory=list)
    child_ids: list[int] = Field(default_factory=list)
    follower_ids: list[int] = Field(default_factory=list)
    # False after a change that moved the ticket out of the caller's view (an agent handing
    # it to a group they are not in): the change is kept, the body is the ticket as it is
    # now without its timeline, and the next GET is a 404 for them.
    in_view: bool = True


class HistoryEntry(OutSchema):
    event: str
    actor_id: int | None
    created_at: datetime
    changes: dict[str, Any]


class OwnerReassign(Schema):
    owner_id: Id
    reason: str = Field(min_length=1, max_length=500)  # required; blanks are stripped first


class NoticeOut(OutSchema):
    id: int
    ticket_id: int
    kind: str  # group_changed, assignee_changed, customer_wrote, sla_warning, sla_breached, owner_changed
    detail: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NoticesRead(Schema):
    ids: list[Id] | None = Field(default=None, max_length=500)  # None: all of mine


class EscalationConfig(Schema):
    """Timed escalation: which groups are second line, and how long until one of their
    members must first act (minutes; per category, the longest matching path wins)."""

    second_line_group_ids: list[Id] = Field(default_factory=list, max_length=200)
    default_minutes: int = Field(default=720, gt=0, le=525_600)
    category_minutes: dict[str, int] = Field(default_factory=dict, max_length=200)

    @field_validator("category_minutes")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        for key, minutes in value.items():
            if not key.strip() or len(key) > 120 or not 0 < minutes <= 525_600:
                raise ValueError("each category needs a name and 1 to 525600 minutes")
        return value


class MergeRequest(Schema):
    target_id: Id


class LinkRequest(Schema):
    other_id: Id


class FieldDefCreate(Schema):
    key: str = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=120)
    kind: FieldKind
    options: list[str] = Field(default_factory=list, max_length=200)
    required: bool = False


class FieldDefOut(OutSchema):
    id: int
    key: str
    label: str
    kind: str
    options: list[str]
    required: bool
    active: bool


class CategoryCreate(Schema):
    path: str = Field(min_length=1, max_length=120)


# "queue": the order agents work in — priority, then customers whose loyalty tier has the
# ticket_priority benefit, then the longest waiting ("priority" breaks ties the same way).
SORT_KEYS = ("queue", "created_at", "-created_at", "updated_at", "-updated_at", "priority", "id", "-id")


@dataclass
class TicketFilter:
    customer_id: int | None = None
    status: list[str] | None = None
    channel: str | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    owner_id: int | None = None  # first-contact owner (首问负责人)
    unassigned: bool = False
    priority: str | None = None
    tag: str | None = None
    q: str | None = None
    visible_groups: frozenset[int] | None = None  # agents: their groups (plus own assignments)
    visible_user: int | None = None
    ids: list[int] | None = None  # restrict to these (SLA views)
    # The agent's inbox: their unfinished tickets plus unassigned new/open ones of these groups.
    inbox_user: int | None = None
    inbox_groups: frozenset[int] = frozenset()
    # Loyalty tiers whose tickets go first within a priority (sorts "queue" and "priority").
    priority_tiers: frozenset[str] = frozenset()
    sort: str = "-updated_at"
    limit: int = 50
    offset: int = 0


class TicketSettings(Schema):
    """Solved tickets close after this many quiet days (None: the server's
    KEFU_TICKET_AUTO_CLOSE_DAYS; the service fills it in)."""

    auto_close_days: int | None = Field(default=None, ge=1, le=90)
