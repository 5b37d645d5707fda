"""/api/v1/customers/{id}/export and /erase (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from kefu.config import Settings
from kefu.deps import CurrentPrincipal, Session, get_settings_dep
from kefu.kit.db import writes
from kefu.kit.schemas import Id
from kefu.privacy.service import privacy_service

router = APIRouter(prefix="/api/v1/customers", tags=["privacy"])


@router.get("/{customer_id}/export")
@writes  # the export is audited
async def export_customer(customer_id: Id, principal: CurrentPrincipal, session: Session) -> dict[str, Any]:
    return await privacy_service.export(session, principal, customer_id)


@router.post("/{customer_id}/erase", status_code=status.HTTP_204_NO_CONTENT)
async def erase_customer(
    customer_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    settings: Annotated[Settings, Depends(get_settings_dep)],
) -> None:
    await privacy_service.erase(session, principal, customer_id, settings.data_dir / "attachments")
