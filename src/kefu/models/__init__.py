"""All ORM models; importing this package registers every table on `Base.metadata`."""

from kefu.kit.db import Base
from kefu.kit.events import EventRecord
from kefu.kit.jobs import Job
from kefu.models.analytics import AnalyticsState, DailyRollup, PainPoint
from kefu.models.appchannel import AppIntegration, AppUser, ServiceVisit
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
    WidgetSession,
)
from kefu.models.customer import Customer, Identity, IdentityKind
from kefu.models.fieldservice import (
    Device,
    DiagnosticBundle,
    DiagnosticConsent,
    PartnerNonce,
    ServiceClock,
    ServiceOrder,
    ServiceOrderEvent,
    ServicePoint,
    ServicePointLoad,
    ServicePointUser,
    WarrantyRule,
)
from kefu.models.goal import Goal, GoalAlert
from kefu.models.importer import ImportMapping
from kefu.models.improvement import (
    ImprovementDepartment,
    ImprovementIntegration,
    ImprovementItem,
    ImprovementLog,
)
from kefu.models.incident import Incident
from kefu.models.kb import Article, ArticleVersion, SearchMiss
from kefu.models.loyalty import (
    CompensationRule,
    Coupon,
    CouponTemplate,
    Order,
    PointsEntry,
    Redemption,
    Reward,
)
from kefu.models.mail import InboundMail, InboundStatus, MailAddress, Mailbox, OutboundMail
from kefu.models.outreach import (
    OutreachJourney,
    OutreachOptout,
    OutreachProvider,
    OutreachSend,
    OutreachUnsubscribe,
    ServiceReport,
)
from kefu.models.phone import Call, CallEvent, PhoneIntegration
from kefu.models.quality import QaInspection, QaReview, QaRule, QaScorecard
from kefu.models.settings import SettingValue
from kefu.models.sla import AppliedSla, Schedule, SlaEvent, SlaPolicy
from kefu.models.survey import FollowUp, Survey, SurveyCampaign
from kefu.models.ticket import (
    CustomFieldDef,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketComment,
    TicketFollower,
    TicketLink,
)
from kefu.models.training import (
    CaseNote,
    Certificate,
    Exam,
    ExamAttempt,
    ExamQuestion,
    LearningItem,
    LearningPath,
    LearningProgress,
    Mentorship,
    TrainingCase,
)
from kefu.models.triage import TicketTriage
from kefu.models.user import Group, GroupMember, Role, User
from kefu.models.webhook import WebhookDelivery, WebhookSubscription
from kefu.models.wechat import WechatAccount, WechatInbound, WechatNonce, WechatUser
from kefu.models.wfm import Shift

__all__ = [
    "AgentState",
    "AnalyticsState",
    "ApiToken",
    "AppIntegration",
    "AppUser",
    "AppliedSla",
    "Article",
    "ArticleVersion",
    "AuditEntry",
    "Base",
    "BotModel",
    "BotTurnLog",
    "Call",
    "CallEvent",
    "CaseNote",
    "Certificate",
    "ChatAttachment",
    "CompensationRule",
    "Conversation",
    "ConversationStatus",
    "Coupon",
    "CouponTemplate",
    "CustomFieldDef",
    "Customer",
    "DailyRollup",
    "Device",
    "DiagnosticBundle",
    "DiagnosticConsent",
    "EventRecord",
    "Exam",
    "ExamAttempt",
    "ExamQuestion",
    "FollowUp",
    "Goal",
    "GoalAlert",
    "Group",
    "GroupMember",
    "Identity",
    "IdentityKind",
    "ImportMapping",
    "ImprovementDepartment",
    "ImprovementIntegration",
    "ImprovementItem",
    "ImprovementLog",
    "InboundMail",
    "InboundStatus",
    "Incident",
    "Intent",
    "IntentExample",
    "Job",
    "LearningItem",
    "LearningPath",
    "LearningProgress",
    "Macro",
    "MailAddress",
    "Mailbox",
    "Mentorship",
    "Message",
    "Order",
    "OutboundMail",
    "OutreachJourney",
    "OutreachOptout",
    "OutreachProvider",
    "OutreachSend",
    "OutreachUnsubscribe",
    "PainPoint",
    "PartnerNonce",
    "PhoneIntegration",
    "PointsEntry",
    "Presence",
    "QaInspection",
    "QaReview",
    "QaRule",
    "QaScorecard",
    "Redemption",
    "Reward",
    "Role",
    "RoutingRule",
    "Schedule",
    "SearchMiss",
    "Sender",
    "ServiceClock",
    "ServiceOrder",
    "ServiceOrderEvent",
    "ServicePoint",
    "ServicePointLoad",
    "ServicePointUser",
    "ServiceReport",
    "ServiceVisit",
    "SettingValue",
    "Shift",
    "SlaEvent",
    "SlaPolicy",
    "Survey",
    "SurveyCampaign",
    "Ticket",
    "TicketAttachment",
    "TicketCategory",
    "TicketComment",
    "TicketFollower",
    "TicketLink",
    "TicketTriage",
    "TrainingCase",
    "Trigger",
    "TriggerRun",
    "User",
    "WarrantyRule",
    "WebSession",
    "WebhookDelivery",
    "WebhookSubscription",
    "WechatAccount",
    "WechatInbound",
    "WechatNonce",
    "WechatUser",
    "WidgetSession",
]
