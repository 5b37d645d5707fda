"""All ORM models; importing this package registers every table on `Base.metadata`."""

from kefu.kit.db import Base
from kefu.kit.events import EventRecord
from kefu.kit.jobs import Job
from kefu.models.audit import AuditEntry
from kefu.models.auth import ApiToken, WebSession
from kefu.models.automation import Macro, Trigger, TriggerRun
from kefu.models.bot import BotModel, BotTurnLog, Intent, IntentExample
from kefu.models.conversation import (
    AgentState,
    ChatAttachment,
    Conversation,
    ConversationStatus,
    Message,
    Presence,
    RoutingRule,
    Sender,
)
from kefu.models.customer import Customer, Identity, IdentityKind
from kefu.models.kb import Article, ArticleVersion, SearchMiss
from kefu.models.loyalty import CompensationRule, Coupon, CouponTemplate, Order, PointsEntry
from kefu.models.mail import OutboundMail
from kefu.models.settings import SettingValue
from kefu.models.sla import AppliedSla, Schedule, SlaEvent, SlaPolicy
from kefu.models.ticket import (
    CustomFieldDef,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketComment,
    TicketFollower,
    TicketLink,
)
from kefu.models.user import Group, GroupMember, Role, User
from kefu.models.webhook import WebhookDelivery, WebhookSubscription

__all__ = [
    "AgentState",
    "ApiToken",
    "AppliedSla",
    "Article",
    "ArticleVersion",
    "AuditEntry",
    "Base",
    "BotModel",
    "BotTurnLog",
    "ChatAttachment",
    "CompensationRule",
    "Conversation",
    "ConversationStatus",
    "Coupon",
    "CouponTemplate",
    "CustomFieldDef",
    "Customer",
    "EventRecord",
    "Group",
    "GroupMember",
    "Identity",
    "IdentityKind",
    "Intent",
    "IntentExample",
    "Job",
    "Macro",
    "Message",
    "Order",
    "OutboundMail",
    "PointsEntry",
    "Presence",
    "Role",
    "RoutingRule",
    "Schedule",
    "SearchMiss",
    "Sender",
    "SettingValue",
    "SlaEvent",
    "SlaPolicy",
    "Ticket",
    "TicketAttachment",
    "TicketCategory",
    "TicketComment",
    "TicketFollower",
    "TicketLink",
    "Trigger",
    "TriggerRun",
    "User",
    "WebSession",
    "WebhookDelivery",
    "WebhookSubscription",
]
