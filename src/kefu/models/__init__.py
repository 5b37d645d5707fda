"""All ORM models; importing this package registers every table on `Base.metadata`."""

from kefu.kit.db import Base
from kefu.kit.events import EventRecord
from kefu.kit.jobs import Job
from kefu.models.audit import AuditEntry
from kefu.models.auth import ApiToken, WebSession
from kefu.models.customer import Customer, Identity, IdentityKind
from kefu.models.kb import Article, ArticleVersion, SearchMiss
from kefu.models.user import Group, GroupMember, Role, User
from kefu.models.webhook import WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiToken",
    "Article",
    "ArticleVersion",
    "AuditEntry",
    "Base",
    "Customer",
    "EventRecord",
    "Group",
    "GroupMember",
    "Identity",
    "IdentityKind",
    "Job",
    "Role",
    "SearchMiss",
    "User",
    "WebSession",
    "WebhookDelivery",
    "WebhookSubscription",
]
