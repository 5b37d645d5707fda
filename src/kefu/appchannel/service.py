"""App channel rules: integrations (admin) with their scoped reply webhook, authentication
of apps (key), of their users (user_hash) and of service points (body signature), app users
as customers with one conversation each, visits as tickets. Never commits."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.appchannel.repository import app_repository as repo
from kefu.appchannel.schemas import IntegrationCreate, VisitIn
from kefu.appchannel.signing import check_user_hash
from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Forbidden, Unauthorized
from kefu.kit.events import EventRecord
from kefu.models.appchannel import AppIntegration, AppUser, ServiceVisit
from kefu.models.ticket import Channel
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service
from kefu.webhook.schemas import SubscriptionCreate
from kefu.webhook.service import webhook_service
from kefu.webhook.signing import verify

SIGNATURE_WINDOW_SECONDS = 300
REPLY_EVENT = "message.created"


def scope_of(integration_id: int) -> str:
    return f"app:{integration_id}"


class AppChannelService:
    async def create_integration(
        self, session: AsyncSession, principal: Principal, data: IntegrationCreate
    ) -> tuple[AppIntegration, str | None]:
        """The integration and, when it has a reply URL, that webhook's signing secret."""
        require(principal, Perm.SETTINGS_MANAGE)
        integration = AppIntegration(
            name=data.name, key="app_" + secrets.token_hex(12), secret=secrets.token_urlsafe(32)
        )
        session.add(integration)
        await session.flush()
        webhook_secret = None
        if data.webhook_url:
            sub, webhook_secret = await webhook_service.create(
                session,
                principal,
                SubscriptionCreate(name=f"{data.name} · 回复", url=data.webhook_url, events=[REPLY_EVENT]),
                scope=scope_of(integration.id),
            )
            integration.webhook_id = sub.id
        audit_service.record(
            session,
            "app.integration_created",
            actor=principal,
            target_type="app_integration",
            target_id=integration.id,
        )
        return integration, webhook_secret

    async def by_key(self, session: AsyncSession, key: str) -> AppIntegration:
        integration = await repo.by_key(session, key) if key else None
        if integration is None or not integration.active:
            raise Unauthorized("应用密钥无效 / unknown or missing X-Kefu-App-Key", code="bad_app_key")
        return integration

    def check_user(self, integration: AppIntegration, user_id: str, user_hash: str) -> None:
        if not check_user_hash(integration.secret, user_id, user_hash):
            raise Forbidden("用户签名无效 / user_hash does not match user_id", code="bad_user_hash")

    def check_body(self, integration: AppIntegration, headers: Mapping[str, str], body: bytes) -> None:
        """Server-to-server calls (service points) sign "<timestamp>.<body>" with the secret."""
        ts_raw, sig = headers.get("x-kefu-timestamp", ""), headers.get("x-kefu-signature", "")
        if not ts_raw or not sig:
            raise Unauthorized(
                "缺少签名 / missing X-Kefu-Timestamp or X-Kefu-Signature", code="missing_signature"
            )
        try:
            ts = int(ts_raw)
        except ValueError as exc:
            raise Unauthorized("时间戳无效 / invalid timestamp", code="bad_timestamp") from exc
        if abs(time.time() - ts) > SIGNATURE_WINDOW_SECONDS:
            raise Unauthorized("签名已过期 / signature timestamp outside the window", code="stale")
        if not verify(integration.secret, ts, body, sig):
            raise Forbidden("签名无效 / invalid signature", code="bad_signature")

    async def app_user(
        self,
        session: AsyncSession,
        integration: AppIntegration,
        user_id: str,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> AppUser:
        """The app's user as a customer: the app's user id is the company's external id."""
        user = await repo.user(session, integration.id, user_id)
        if user is not None and user.customer_id is not None:
            return user
        customer = await customer_service.find_or_create(
            session, CustomerCreate(name=name or "App 用户", external_id=user_id, email=email, phone=phone)
        )
        if user is None:
            user = AppUser(integration_id=integration.id, user_id=user_id, customer_id=customer.id)
            session.add(user)
        else:
            user.customer_id, user.conversation_id = customer.id, None
        await session.flush()
        return user

    async def link_conversation(self, session: AsyncSession, app_user_id: int, conversation_id: int) -> None:
        user = await session.get(AppUser, app_user_id, with_for_update=True)
        if user is not None:
            user.conversation_id = conversation_id

    async def route_reply(self, session: AsyncSession, record: EventRecord) -> None:
        """A reply in an app conversation goes to that app's own webhook, with its user id."""
        user = await repo.user_by_conversation(session, int(record.payload["conversation_id"]))
        if user is None:
            return
        await webhook_service.record_scoped(
            session, scope_of(user.integration_id), record, {"app_user_id": user.user_id}
        )

    async def log_visit(
        self, session: AsyncSession, integration: AppIntegration, data: VisitIn
    ) -> tuple[bool, ServiceVisit]:
        """(is_new, visit): one ticket per visit id, on the visitor's customer."""
        existing = await repo.visit(session, integration.id, data.visit_id)
        if existing is not None:
            return False, existing
        c = data.customer
        customer_id = None
        if c.user_id or c.email or c.phone:
            customer = await customer_service.find_or_create(
                session,
                CustomerCreate(
                    name=c.name or "到店客户", external_id=c.user_id, email=c.email, phone=c.phone
                ),
            )
            customer_id = customer.id
        ticket = await ticket_service.create(
            session,
            TicketCreate(
                subject=data.subject,
                description=f"服务网点：{data.service_point}\n\n{data.description}".strip(),
                channel=Channel.SERVICE_POINT,
                customer_id=customer_id,
                category=data.category,
                tags=["service_point"],
            ),
            actor=None,
        )
        visit = ServiceVisit(
            integration_id=integration.id,
            visit_id=data.visit_id,
            service_point=data.service_point,
            customer_id=customer_id,
            ticket_id=ticket.id,
        )
        if data.visited_at is not None:
            visit.visited_at = data.visited_at
        session.add(visit)
        await session.flush()
        return True, visit


app_channel_service = AppChannelService()
