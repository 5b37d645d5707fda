"""Recording security-relevant actions (login, tokens, denials, unmasking, export...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.repository import audit_repository
from kefu.authz import Perm, Principal, require
from kefu.kit import context
from kefu.models import AuditEntry


class AuditService:
    def record(
        self,
        session: AsyncSession,
        action: str,
        *,
        actor: Principal | None = None,
        actor_user_id: int | None = None,
        target_type: str = "",
        target_id: object = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        audit_repository.add(
            session,
            AuditEntry(
                action=action,
                actor_user_id=actor.user_id if actor else actor_user_id,
                actor_customer_id=actor.customer_id if actor else None,
                target_type=target_type,
                target_id=str(target_id),
                ip=context.client_ip.get(),
                request_id=context.request_id.get(),
                detail=detail or {},
            ),
        )

    async def list_entries(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[AuditEntry]:
        require(principal, Perm.AUDIT_READ)
        return await audit_repository.list_entries(session, action=action, limit=limit, offset=offset)


audit_service = AuditService()
