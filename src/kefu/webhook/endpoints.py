"""/api/v1/webhooks — subscriptions, delivery log, redelivery, ping (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.webhook.schemas import (
    DeliveryOut,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionUpdate,
)
from kefu.webhook.service import webhook_service

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.post("", response_model=SubscriptionCreated, status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: SubscriptionCreate, principal: CurrentPrincipal, session: Session
) -> SubscriptionCreated:
    sub, secret = await webhook_service.create(session, principal, body)
    return SubscriptionCreated.model_validate(
        {**SubscriptionOut.model_validate(sub).model_dump(), "secret": secret}
    )


@router.get("", response_model=Page[SubscriptionOut])
async def list_webhooks(principal: CurrentPrincipal, session: Session) -> Page[SubscriptionOut]:
    rows = await webhook_service.list_subscriptions(session, principal)
    return Page(items=[SubscriptionOut.model_validate(r) for r in rows])


@router.patch("/{sub_id}", response_model=SubscriptionOut)
async def update_webhook(
    sub_id: Id, body: SubscriptionUpdate, principal: CurrentPrincipal, session: Session
) -> SubscriptionOut:
    return SubscriptionOut.model_validate(await webhook_service.update(session, principal, sub_id, body))


@router.delete("/{sub_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(sub_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await webhook_service.delete(session, principal, sub_id)


@router.post("/{sub_id}/ping", response_model=DeliveryOut, status_code=status.HTTP_202_ACCEPTED)
async def ping_webhook(sub_id: Id, principal: CurrentPrincipal, session: Session) -> DeliveryOut:
    return DeliveryOut.model_validate(await webhook_service.ping(session, principal, sub_id))


@router.get("/{sub_id}/deliveries", response_model=Page[DeliveryOut])
async def list_deliveries(
    sub_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    status_: str | None = Query(default=None, alias="status", pattern="^(pending|succeeded|failed)$"),
    limit: int = Query(default=100, ge=1, le=500),
) -> Page[DeliveryOut]:
    rows = await webhook_service.deliveries(session, principal, sub_id, status_, limit)
    return Page(items=[DeliveryOut.model_validate(r) for r in rows])


@router.post("/{sub_id}/deliveries/{delivery_id}/redeliver", status_code=status.HTTP_202_ACCEPTED)
async def redeliver(
    sub_id: Id, delivery_id: Id, principal: CurrentPrincipal, session: Session
) -> dict[str, str]:
    await webhook_service.redeliver(session, principal, sub_id, delivery_id)
    return {"status": "queued"}
