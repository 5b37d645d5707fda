"""/api/v1/audit — read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from kefu.audit.service import audit_service
from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, OutSchema, Page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditOut(OutSchema):
    id: Id
    action: str
    actor_user_id: Id | None
    actor_customer_id: Id | None
    target_type: str
    target_id: str
    ip: str | None
    request_id: str | None
    detail: dict[str, Any]
    created_at: datetime


@router.get("", response_model=Page[AuditOut])
async def list_audit(
    principal: CurrentPrincipal,
    session: Session,
    action: str | None = Query(default=None, max_length=80),
    limit: int = Query(default=100, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> Page[AuditOut]:
    rows = await audit_service.list_entries(session, principal, action=action, limit=limit, offset=offset)
    return Page(items=[AuditOut.model_validate(r) for r in rows])
