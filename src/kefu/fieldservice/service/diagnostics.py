"""Remote diagnostics with consent: the customer grants access in a conversation (from the
app or the web), only then may the app upload a bundle; it is attached to the
conversation's ticket (shown on the ticket page with the KB articles its fault codes
point to). Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.appchannel.service import app_channel_service
from kefu.audit.service import audit_service
from kefu.authz import SYSTEM, Principal
from kefu.conversation.service import conversation_service
from kefu.errors import Conflict, Forbidden, NotFound
from kefu.fieldservice.repository import field_repository as repo
from kefu.fieldservice.schemas import ConsentIn, DiagnosticIn, DiagnosticOut
from kefu.kb.service import kb_service
from kefu.kit.time import utcnow
from kefu.models.fieldservice import DiagnosticBundle, DiagnosticConsent


class DiagnosticService:
    async def _app_conversation(
        self, session: AsyncSession, app_key: str, user_id: str, user_hash: str
    ) -> tuple[int, int]:
        integration = await app_channel_service.by_key(session, app_key)
        app_channel_service.check_user(integration, user_id, user_hash)
        user = await app_channel_service.app_user(session, integration, user_id)
        if user.conversation_id is None or user.customer_id is None:
            raise Conflict("请先发起对话 / start a conversation first", code="no_conversation")
        return user.conversation_id, user.customer_id

    async def grant_from_app(self, session: AsyncSession, app_key: str, data: ConsentIn) -> int:
        conversation_id, customer_id = await self._app_conversation(
            session, app_key, data.user_id, data.user_hash
        )
        return await self._grant(session, conversation_id, customer_id)

    async def grant(self, session: AsyncSession, principal: Principal, conversation_id: int) -> int:
        """The customer themself, from the web (widget or portal)."""
        conv = await conversation_service.get(session, conversation_id)
        if principal.is_staff:
            raise Forbidden("只有客户本人可以授权 / only the customer can grant access", code="customer_only")
        if conv is None or conv.customer_id is None or conv.customer_id != principal.customer_id:
            raise NotFound("会话不存在 / conversation not found")
        return await self._grant(session, conv.id, conv.customer_id)

    async def _grant(self, session: AsyncSession, conversation_id: int, customer_id: int) -> int:
        existing = await repo.consent(session, conversation_id)
        if existing is not None:
            return existing.id
        consent = DiagnosticConsent(conversation_id=conversation_id, customer_id=customer_id)
        session.add(consent)
        await session.flush()
        audit_service.record(
            session,
            "diagnostics.consent_granted",
            target_type="conversation",
            target_id=conversation_id,
            detail={"customer_id": customer_id},
        )
        return consent.id

    async def revoke(self, session: AsyncSession, app_key: str, data: ConsentIn) -> None:
        conversation_id, _ = await self._app_conversation(session, app_key, data.user_id, data.user_hash)
        consent = await repo.consent(session, conversation_id)
        if consent is not None:
            consent.revoked_at = utcnow()

    async def upload(self, session: AsyncSession, app_key: str, data: DiagnosticIn) -> DiagnosticOut:
        conversation_id, customer_id = await self._app_conversation(
            session, app_key, data.user_id, data.user_hash
        )
        if await repo.consent(session, conversation_id) is None:
            raise Forbidden(
                "客户尚未在此会话中授权远程诊断 / the customer has not granted remote diagnostics"
                " in this conversation",
                code="consent_required",
            )
        conv = await conversation_service.get(session, conversation_id)
        ticket_id = conv.ticket_id if conv is not None else None
        device = await repo.device_by_serial(session, data.serial) if data.serial else None
        device_id = device.id if device is not None and device.customer_id == customer_id else None
        bundle = DiagnosticBundle(
            customer_id=customer_id,
            conversation_id=conversation_id,
            ticket_id=ticket_id,
            device_id=device_id,
            serial=data.serial,
            device_info=data.device_info,
            fault_codes=data.fault_codes,
            logs=data.logs,
        )
        session.add(bundle)
        await session.flush()
        suggestions = await self.suggestions(session, data.fault_codes)
        audit_service.record(
            session,
            "diagnostics.uploaded",
            target_type="diagnostic_bundle",
            target_id=bundle.id,
            detail={"customer_id": customer_id, "conversation_id": conversation_id},
        )
        return DiagnosticOut(
            id=bundle.id,
            ticket_id=ticket_id,
            device_id=device_id,
            fault_codes=data.fault_codes,
            suggestions=suggestions,
        )

    async def suggestions(self, session: AsyncSession, codes: list[str]) -> list[dict[str, Any]]:
        """KB articles that mention a fault code (by code, best first, no duplicates)."""
        out: dict[int, dict[str, Any]] = {}
        for code in codes[:5]:
            found = await kb_service.search(session, SYSTEM, code, limit=3, log_miss=False)
            for item in found.items:
                out.setdefault(item.id, {"article_id": item.id, "title": item.title, "code": code})
        return list(out.values())[:5]

    async def for_ticket(self, session: AsyncSession, ticket_id: int) -> list[DiagnosticBundle]:
        return list(await repo.bundles(session, ticket_id=ticket_id))


diagnostic_service = DiagnosticService()
