"""/api/v1/goals: the admin's service goals (supervisors read) and their attainment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kefu.analytics.service import resolve_range
from kefu.deps import CurrentPrincipal, Session
from kefu.goals.schemas import AttainmentOut, GoalIn, GoalOut, GoalPatch
from kefu.goals.service import goal_service
from kefu.kit.i18n import current_locale, normalize_locale
from kefu.kit.schemas import Id, Page

router = APIRouter(prefix="/api/v1/goals", tags=["goals"])
When = Annotated[str | None, Query(max_length=40)]


@router.get("", response_model=Page[GoalOut])
async def list_goals(principal: CurrentPrincipal, session: Session) -> Page[GoalOut]:
    goals = await goal_service.list_goals(session, principal)
    return Page(items=[GoalOut.model_validate(g) for g in goals])


@router.post("", response_model=GoalOut, status_code=status.HTTP_201_CREATED)
async def create_goal(body: GoalIn, principal: CurrentPrincipal, session: Session) -> GoalOut:
    return GoalOut.model_validate(await goal_service.create(session, principal, body))


@router.get("/attainment", response_model=Page[AttainmentOut])
async def attainment(
    principal: CurrentPrincipal,
    session: Session,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: When = None,
) -> Page[AttainmentOut]:
    """Every active goal over [from, to) (default: the last 30 days), against the same length
    before; texts in the request's language."""
    frm, end = resolve_range(start, to)
    locale = normalize_locale(current_locale.get())
    return Page(items=await goal_service.attainment(session, principal, frm, end, locale=locale))


@router.get("/{goal_id}", response_model=GoalOut)
async def get_goal(goal_id: Id, principal: CurrentPrincipal, session: Session) -> GoalOut:
    return GoalOut.model_validate(await goal_service.get(session, principal, goal_id))


@router.patch("/{goal_id}", response_model=GoalOut)
async def update_goal(goal_id: Id, body: GoalPatch, principal: CurrentPrincipal, session: Session) -> GoalOut:
    return GoalOut.model_validate(await goal_service.update(session, principal, goal_id, body))


@router.delete("/{goal_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_goal(goal_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await goal_service.delete(session, principal, goal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
