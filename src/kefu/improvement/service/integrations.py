"""The external product/R&D link: an integration is a webhook subscription to the improvement
events (signed, SSRF-guarded delivery with retries — the webhook domain's machinery) plus a
signed callback in: the tracker posts `{item_id, status}` with an HMAC-SHA256 over
"<timestamp>.<body>" made with the integration's secret (stored encrypted at rest), and the
item moves (to fixed, usually). Never commits."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Mapping, Sequence

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.errors import Forbidden, NotFound, Unauthorized, Unprocessable
from kefu.improvement.repository import improvement_repository as repo
from kefu.improvement.schemas import CallbackIn, IntegrationIn, MoveIn
from kefu.improvement.service.items import improvement_service
from kefu.models.improvement import ImprovementIntegration, ImprovementItem
from kefu.webhook.schemas import SubscriptionCreate, SubscriptionUpdate
from kefu.webhook.service import webhook_service
from kefu.webhook.signing import verify

EVENTS = ["improvement.created", "improvement.changed", "improvement.verified"]
MAX_SKEW = 300  # seconds: an older (or future) timestamp is a replay or a broken clock
HEADER_INTEGRATION = "x-kefu-integration"
HEADER_TIMESTAMP = "x-kefu-timestamp"
HEADER_SIGNATURE = "x-kefu-signature"


class IntegrationService:
    async def list_integrations(
        self, session: AsyncSession, principal: Principal
    ) -> Sequence[ImprovementIntegration]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await repo.integrations(session)

    async def get(
        self, session: AsyncSession, principal: Principal, integration_id: int
    ) -> ImprovementIntegration:
        require(principal, Perm.SETTINGS_MANAGE)
        found = await repo.integration(session, integration_id)
        if found is None:
            raise NotFound("integration not found", code="integration_not_found")
        return found

    async def create(
        self, session: AsyncSession, principal: Principal, data: IntegrationIn
    ) -> tuple[ImprovementIntegration, str]:
        """The integration and its webhook subscription (the URL passes the SSRF guard now and
        at every delivery). Returns the secret, shown once."""
        require(principal, Perm.SETTINGS_MANAGE)
        secret = data.secret or secrets.token_urlsafe(32)
        if len(secret) < 16:
            raise Unprocessable("the secret must be at least 16 characters", code="weak_secret")
        sub, _ = await webhook_service.create(
            session,
            principal,
            SubscriptionCreate(
                name=f"改进事项：{data.name}"[:120],
                url=data.url,
                events=EVENTS,
                secret=secret,
                active=data.active,
            ),
        )
        integration = ImprovementIntegration(
            name=data.name, url=data.url, secret=secret, subscription_id=sub.id, active=data.active
        )
        session.add(integration)
        await session.flush()
        audit_service.record(
            session, "improvement.integration_created", actor=principal, target_type="integration",
            target_id=integration.id,
        )  # fmt: skip
        return integration, secret

    async def update(
        self, session: AsyncSession, principal: Principal, integration_id: int, data: IntegrationIn
    ) -> ImprovementIntegration:
        integration = await self.get(session, principal, integration_id)
        if integration.subscription_id is not None:
            await webhook_service.update(
                session,
                principal,
                integration.subscription_id,
                SubscriptionUpdate(url=data.url, active=data.active),
            )
        integration.name, integration.url, integration.active = data.name, data.url, data.active
        if data.secret:
            if len(data.secret) < 16:
                raise Unprocessable("the secret must be at least 16 characters", code="weak_secret")
            integration.secret = data.secret
        await session.flush()
        return integration

    async def delete(self, session: AsyncSession, principal: Principal, integration_id: int) -> None:
        integration = await self.get(session, principal, integration_id)
        if integration.subscription_id is not None:
            with contextlib.suppress(NotFound):
                await webhook_service.delete(session, principal, integration.subscription_id)
        await session.delete(integration)
        await session.flush()

    # --- the callback -----------------------------------------------------------------------------
    async def callback(
        self, session: AsyncSession, headers: Mapping[str, str], body: bytes, *, now: float | None = None
    ) -> ImprovementItem:
        """Check the signature (401 missing/unknown/stale, 403 wrong), then move the item
        (404 unknown, 409 not allowed from its status; the same status again is accepted)."""
        raw_id = headers.get(HEADER_INTEGRATION, "")
        stamp = headers.get(HEADER_TIMESTAMP, "")
        sig = headers.get(HEADER_SIGNATURE, "")
        if not raw_id.isdigit() or not stamp.lstrip("-").isdigit() or not sig or len(raw_id) > 12:
            raise Unauthorized("signature required", code="signature_required")
        integration = await repo.integration(session, int(raw_id))
        if integration is None or not integration.active:
            raise Unauthorized("unknown integration", code="unknown_integration")
        ts = int(stamp)
        if abs((now or time.time()) - ts) > MAX_SKEW:
            raise Unauthorized("the signature has expired", code="signature_expired")
        if not verify(integration.secret, ts, body, sig):
            raise Forbidden("bad signature", code="bad_signature")
        try:
            data = CallbackIn.model_validate(json.loads(body or b"{}"))
        except (ValueError, ValidationError) as exc:
            raise Unprocessable("invalid callback body", code="validation_error") from exc
        item = await repo.item(session, data.item_id)
        if item is None:
            raise NotFound("improvement item not found", code="improvement_not_found")
        label = f"研发系统：{integration.name}"[:120]
        changed = False
        if data.external_id and data.external_id != item.external_id:
            item.external_id, changed = data.external_id, True
        if data.external_url and data.external_url != item.external_url:
            item.external_url, changed = data.external_url, True
        if item.status != data.status:
            return await improvement_service.move(
                session,
                SYSTEM,
                item.id,
                MoveIn(to=data.status, note=data.note),
                actor_label=label,
                kind="callback",
            )
        if changed:
            await session.flush()
        return item


integration_service = IntegrationService()
