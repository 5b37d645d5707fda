"""/api/v1/macros and applying one to a ticket."""

from __future__ import annotations

from fastapi import APIRouter, status

from kefu.automation.schemas import MacroIn, MacroOut, MacroPreview, TriggerIn, TriggerOut
from kefu.automation.service import automation_service
from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page, Schema

router = APIRouter(prefix="/api/v1", tags=["macros"])


class ApplyBody(Schema):
    body: str | None = None


@router.get("/macros", response_model=Page[MacroOut])
async def list_macros(principal: CurrentPrincipal, session: Session) -> Page[MacroOut]:
    return Page(
        items=[MacroOut.model_validate(m) for m in await automation_service.macros_for(session, principal)]
    )


@router.post("/macros", response_model=MacroOut, status_code=status.HTTP_201_CREATED)
async def create_macro(body: MacroIn, principal: CurrentPrincipal, session: Session) -> MacroOut:
    return MacroOut.model_validate(await automation_service.create_macro(session, principal, body))


@router.put("/macros/{macro_id}", response_model=MacroOut)
async def update_macro(
    macro_id: Id, body: MacroIn, principal: CurrentPrincipal, session: Session
) -> MacroOut:
    return MacroOut.model_validate(await automation_service.update_macro(session, principal, macro_id, body))


@router.get("/tickets/{ticket_id}/macros/{macro_id}/preview", response_model=MacroPreview)
async def preview_macro(
    ticket_id: Id, macro_id: Id, principal: CurrentPrincipal, session: Session
) -> MacroPreview:
    return MacroPreview(body=await automation_service.preview(session, principal, macro_id, ticket_id))


@router.post("/tickets/{ticket_id}/macros/{macro_id}", status_code=status.HTTP_200_OK)
async def apply_macro(
    ticket_id: Id, macro_id: Id, body: ApplyBody, principal: CurrentPrincipal, session: Session
) -> dict[str, object]:
    t = await automation_service.apply(session, principal, macro_id, ticket_id, body.body)
    return {
        "id": t.id,
        "status": t.status,
        "priority": t.priority,
        "tags": t.tags,
        "assignee_id": t.assignee_id,
    }


@router.get("/triggers", response_model=Page[TriggerOut])
async def list_triggers(principal: CurrentPrincipal, session: Session) -> Page[TriggerOut]:
    return Page(
        items=[
            TriggerOut.model_validate(t) for t in await automation_service.list_triggers(session, principal)
        ]
    )


@router.post("/triggers", response_model=TriggerOut, status_code=status.HTTP_201_CREATED)
async def create_trigger(body: TriggerIn, principal: CurrentPrincipal, session: Session) -> TriggerOut:
    return TriggerOut.model_validate(await automation_service.create_trigger(session, principal, body))
