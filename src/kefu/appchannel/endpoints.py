"""/api/v1/channels/app (integrations, admin) and /api/v1/app (the apps themselves)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status
from pydantic import ValidationError

from kefu.appchannel import intake
from kefu.appchannel.schemas import (
    AppMessageIn,
    AppMessageOut,
    IntegrationCreate,
    IntegrationCreated,
    VisitIn,
    VisitOut,
)
from kefu.appchannel.service import app_channel_service
from kefu.config import Settings
from kefu.deps import CurrentPrincipal, Session, get_db, get_settings_dep
from kefu.errors import Unprocessable
from kefu.kit.db import Database

router = APIRouter(prefix="/api/v1", tags=["app channel"])
DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AppKey = Annotated[str, Header(alias="X-Kefu-App-Key", max_length=64)]


@router.post("/channels/app", response_model=IntegrationCreated, status_code=status.HTTP_201_CREATED)
async def create_integration(
    body: IntegrationCreate, principal: CurrentPrincipal, session: Session
) -> IntegrationCreated:
    integration, webhook_secret = await app_channel_service.create_integration(session, principal, body)
    return IntegrationCreated(
        id=integration.id,
        key=integration.key,
        secret=integration.secret,
        webhook_id=integration.webhook_id,
        webhook_secret=webhook_secret,
    )


@router.post("/app/messages", response_model=AppMessageOut)
async def post_message(
    body: AppMessageIn, db: DbDep, settings: SettingsDep, app_key: AppKey = ""
) -> AppMessageOut:
    """A user's message: `user_hash` = hex HMAC-SHA256(secret, user_id) from the app's server."""
    return await intake.post_message(db, settings.secret_key, app_key, body)


@router.post("/app/visits", response_model=VisitOut)
async def log_visit(request: Request, session: Session, app_key: AppKey = "") -> VisitOut:
    """A service point's visit, signed like our webhooks (X-Kefu-Timestamp, X-Kefu-Signature)."""
    raw = await request.body()
    integration = await app_channel_service.by_key(session, app_key)
    app_channel_service.check_body(integration, request.headers, raw)
    try:
        data = VisitIn.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise Unprocessable(
            f"无效的到店记录 / invalid visit: {str(exc)[:300]}", code="invalid_visit"
        ) from exc
    is_new, visit = await app_channel_service.log_visit(session, integration, data)
    return VisitOut(
        status="created" if is_new else "duplicate", ticket_id=visit.ticket_id, customer_id=visit.customer_id
    )
