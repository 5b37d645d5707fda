"""What the app and the worker load: modules that register listeners, jobs and periodic
tasks, and the routers the app serves. A domain adds one line here.

Every process imports the same modules, so a job enqueued by one process can be run by any
other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kefu.kit import events

if TYPE_CHECKING:
    from fastapi import APIRouter

# Modules with @listener / @on_commit / @jobs.handler / @jobs.periodic registrations.
MODULES = [
    "kefu.customer.events",
    "kefu.ops.service",
    "kefu.auth.tasks",
    "kefu.notice.listeners",
    "kefu.webhook.tasks",
    "kefu.ticket.events",
    "kefu.ticket.tasks",
    "kefu.ticket.listeners",
    "kefu.sla.events",
    "kefu.sla.tasks",
    "kefu.automation.listeners",
    "kefu.mail.tasks",
    "kefu.outbox.tasks",
    "kefu.mail.listeners",
    "kefu.loyalty.events",
    "kefu.loyalty.listeners",
    "kefu.privacy.tasks",
    "kefu.conversation.events",
    "kefu.conversation.tasks",
    "kefu.routing.events",
    "kefu.routing.tasks",
    "kefu.routing.listeners",
    "kefu.bot.tasks",
    "kefu.wechat.events",
    "kefu.wechat.tasks",
    "kefu.phone.tasks",
    "kefu.appchannel.tasks",
    "kefu.survey.events",
    "kefu.survey.listeners",
    "kefu.quality.listeners",
    "kefu.analytics.tasks",
    "kefu.automation.events",
    "kefu.kb.events",
    "kefu.notice.events",
    "kefu.phone.events",
    "kefu.quality.events",
    "kefu.triage.tasks",
    "kefu.fieldservice.events",
    "kefu.fieldservice.tasks",
    "kefu.fieldservice.listeners",
    "kefu.incident.events",
    "kefu.incident.listeners",
    "kefu.goals.events",
    "kefu.goals.listeners",
    "kefu.goals.tasks",
    "kefu.outreach.events",
    "kefu.outreach.listeners",
    "kefu.outreach.tasks",
    "kefu.training.events",
    "kefu.improvement.events",
    "kefu.improvement.tasks",
]

# "module:attribute" of every APIRouter; page routers (catch-all-free) last.
ROUTERS = [
    "kefu.ops.endpoints:router",
    "kefu.auth.endpoints:router",
    "kefu.team.endpoints:router",
    "kefu.customer.endpoints:router",
    "kefu.audit.endpoints:router",
    "kefu.notice.endpoints:router",
    "kefu.kb.endpoints:router",
    "kefu.ticket.endpoints:router",
    "kefu.triage.endpoints:router",
    "kefu.sla.endpoints:router",
    "kefu.automation.endpoints:router",
    "kefu.loyalty.endpoints:router",
    "kefu.rewards.endpoints:router",
    "kefu.privacy.endpoints:router",
    "kefu.webhook.endpoints:router",
    "kefu.mail.endpoints:router",
    "kefu.conversation.endpoints:router",
    "kefu.routing.endpoints:router",
    "kefu.bot.endpoints:router",
    "kefu.survey.endpoints:router",
    "kefu.quality.endpoints:router",
    "kefu.wechat.endpoints:router",
    "kefu.phone.endpoints:router",
    "kefu.appchannel.endpoints:router",
    "kefu.timeline.endpoints:router",
    "kefu.analytics.endpoints:router",
    "kefu.wfm.endpoints:router",
    "kefu.fieldservice.endpoints:router",
    "kefu.fieldservice.partner_endpoints:router",
    "kefu.incident.endpoints:router",
    "kefu.goals.endpoints:router",
    "kefu.outreach.endpoints:router",
    "kefu.rewards.app_endpoints:router",
    "kefu.training.endpoints:router",
    "kefu.improvement.endpoints:router",
    "kefu.gateway.agent:router",
    "kefu.gateway.chat:router",
    # Pages, by audience (kefu.web.<audience>.<page>).
    "kefu.web.public.signin:router",
    "kefu.web.public.help:router",
    "kefu.web.public.chat:router",
    "kefu.web.public.survey:router",
    "kefu.web.public.referral:router",
    "kefu.web.public.quote:router",
    "kefu.web.public.outreach:router",
    "kefu.web.agent.workspace:router",
    "kefu.web.agent.tickets:router",
    "kefu.web.agent.assist:router",
    "kefu.web.agent.field:router",
    "kefu.web.agent.customers:router",
    "kefu.web.agent.my_customers:router",
    "kefu.web.agent.mail:router",
    "kefu.web.agent.quality:router",
    "kefu.web.agent.stats:router",
    "kefu.web.agent.training:router",
    "kefu.web.supervisor.home:router",
    "kefu.web.supervisor.reports:router",
    "kefu.web.supervisor.wallboard:router",
    "kefu.web.supervisor.quality:router",
    "kefu.web.supervisor.followups:router",
    "kefu.web.supervisor.outbox:router",
    "kefu.web.supervisor.improvements:router",
    "kefu.web.supervisor.wfm:router",
    "kefu.web.supervisor.training:router",
    "kefu.web.admin:router",
    "kefu.web.admin.jobs:router",
    "kefu.web.admin.kb:router",
    "kefu.web.admin.chat:router",
    "kefu.web.admin.ticket_settings:router",
    "kefu.web.admin.bot:router",
    "kefu.web.admin.mail:router",
    "kefu.web.admin.quality:router",
    "kefu.web.admin.survey:router",
    "kefu.web.admin.outreach:router",
    "kefu.web.admin.outreach_settings:router",
    "kefu.web.portal.signin:router",
    "kefu.web.portal.tickets:router",
    "kefu.web.portal.account:router",
    "kefu.web.portal.repairs:router",
    "kefu.web.portal.referrals:router",
    "kefu.web.portal.notifications:router",
    "kefu.web.portal.surveys:router",
    "kefu.web.portal.partner:router",
]


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(name)
    events.mark_registry_loaded()


# Served only in demo mode (Settings.demo_mode), never in production: the demo company's
# stand-in business systems.
DEMO_ROUTERS = ["kefu.demo.erp:router"]


def routers(*, demo: bool = False) -> list[APIRouter]:
    out = []
    for spec in ROUTERS + (DEMO_ROUTERS if demo else []):
        module, _, attr = spec.partition(":")
        out.append(getattr(importlib.import_module(module), attr))
    return out
