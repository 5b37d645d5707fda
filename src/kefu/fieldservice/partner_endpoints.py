"""The partner's HMAC-signed API (/api/v1/partner: its orders, accept, decline, progress,
completion) and remote diagnostics (/api/v1/app/diagnostics from the app after consent;
/api/v1/conversations/{id}/diagnostic-consent from the customer on the web)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, status
from pydantic import BaseModel, ValidationError

from kefu.deps import CurrentPrincipal, Session
from kefu.errors import Unprocessable
from kefu.fieldservice.schemas import ConsentIn, DiagnosticIn, DiagnosticOut, ServiceOrderOut, Transition
from kefu.fieldservice.service import diagnostic_service, order_service
from kefu.fieldservice.service.partners import authenticate, point_principal
from kefu.kit.db import writes
from kefu.kit.schemas import Page, Schema

router = APIRouter(prefix="/api/v1", tags=["field service partners"])
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
AppKey = Annotated[str, Header(alias="X-Kefu-App-Key", max_length=64)]


async def _signed(request: Request, session: Session) -> tuple[Any, bytes]:
    raw = await request.body()
    point = await authenticate(session, request.method, request.url.path, request.headers, raw)
    return point_principal(point), raw


def _parse(model: type[Schema], raw: bytes) -> Any:
    try:
        return model.model_validate(json.loads(raw or b"{}"))
    except (ValueError, ValidationError) as exc:
        raise Unprocessable(f"请求无效 / invalid request: {str(exc)[:300]}", code="validation_error") from exc


async def _view(session: Session, order_id: int) -> ServiceOrderOut:
    order = await order_service.get(session, None, order_id)
    return (await order_service.views(session, [order], timeline=True))[0]


@router.get("/partner/orders", response_model=Page[ServiceOrderOut])
@writes  # the signature's nonce is stored (replays are refused)
async def partner_orders(request: Request, session: Session) -> Page[ServiceOrderOut]:
    principal, _ = await _signed(request, session)
    return Page(items=await order_service.views(session, await order_service.list_orders(session, principal)))


@router.post("/partner/orders/{order_id}/accept", response_model=ServiceOrderOut)
async def partner_accept(order_id: Id, request: Request, session: Session) -> ServiceOrderOut:
    principal, _ = await _signed(request, session)
    await order_service.transition(
        session, principal, order_id, Transition(to="appointment_confirmed", note="合作商接单")
    )
    return await _view(session, order_id)


class DeclineIn(Schema):
    reason: str = ""


@router.post("/partner/orders/{order_id}/decline", response_model=ServiceOrderOut)
async def partner_decline(order_id: Id, request: Request, session: Session) -> ServiceOrderOut:
    principal, raw = await _signed(request, session)
    body = _parse(DeclineIn, raw)
    await order_service.partner_decline(session, principal, order_id, body.reason[:200])
    return await _view(session, order_id)


@router.post("/partner/orders/{order_id}/transition", response_model=ServiceOrderOut)
async def partner_transition(order_id: Id, request: Request, session: Session) -> ServiceOrderOut:
    """Progress, parts (`parts`), the quote (`quote_cny`) and completion (`to: "done"`)."""
    principal, raw = await _signed(request, session)
    await order_service.transition(session, principal, order_id, _parse(Transition, raw))
    return await _view(session, order_id)


# --- remote diagnostics --------------------------------------------------------------------
class ConsentOut(BaseModel):
    consent_id: int


@router.post("/app/diagnostics/consent", response_model=ConsentOut, status_code=status.HTTP_201_CREATED)
async def app_consent(body: ConsentIn, session: Session, app_key: AppKey = "") -> ConsentOut:
    """The user tapped "allow" in the app's consent dialog, in their current conversation."""
    return ConsentOut(consent_id=await diagnostic_service.grant_from_app(session, app_key, body))


@router.post("/app/diagnostics/consent/revoke", status_code=status.HTTP_204_NO_CONTENT)
async def app_revoke(body: ConsentIn, session: Session, app_key: AppKey = "") -> None:
    await diagnostic_service.revoke(session, app_key, body)


@router.post("/app/diagnostics", response_model=DiagnosticOut, status_code=status.HTTP_201_CREATED)
async def app_upload(body: DiagnosticIn, session: Session, app_key: AppKey = "") -> DiagnosticOut:
    """403 `consent_required` until the customer granted access in that conversation."""
    return await diagnostic_service.upload(session, app_key, body)


@router.post(
    "/conversations/{conversation_id}/diagnostic-consent",
    response_model=ConsentOut,
    status_code=status.HTTP_201_CREATED,
)
async def web_consent(conversation_id: Id, principal: CurrentPrincipal, session: Session) -> ConsentOut:
    return ConsentOut(consent_id=await diagnostic_service.grant(session, principal, conversation_id))
