"""/api/v1/groups."""

from __future__ import annotations

from fastapi import APIRouter, status

from kefu.authz import require_staff
from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.team.schemas import GroupCreate, GroupOut, GroupUpdate
from kefu.team.service import team_service

router = APIRouter(prefix="/api/v1/groups", tags=["groups"])


@router.get("", response_model=Page[GroupOut])
async def list_groups(principal: CurrentPrincipal, session: Session) -> Page[GroupOut]:
    require_staff(principal)
    return Page(items=await team_service.list_groups(session))


@router.post("", response_model=GroupOut, status_code=status.HTTP_201_CREATED)
async def create_group(body: GroupCreate, principal: CurrentPrincipal, session: Session) -> GroupOut:
    group = await team_service.create(session, body, actor=principal)
    return GroupOut.model_validate(group)


@router.patch("/{group_id}", response_model=GroupOut)
async def update_group(
    group_id: Id, body: GroupUpdate, principal: CurrentPrincipal, session: Session
) -> GroupOut:
    group = await team_service.update(session, principal, group_id, body)
    return GroupOut.model_validate(group)
