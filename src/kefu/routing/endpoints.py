"""/api/v1/agents (presence, capacity) and /api/v1/routing (rules, live view)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.conversation.availability import availability_service
from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.routing.schemas import AgentOut, AgentSettingsIn, LiveOut, PresenceIn, RuleIn, RuleOut
from kefu.routing.service import routing_service

router = APIRouter(prefix="/api/v1", tags=["routing"])


@router.get("/agents", response_model=Page[AgentOut])
async def agents(principal: CurrentPrincipal, session: Session) -> Page[AgentOut]:
    return Page(items=await routing_service.agents(session, principal))


@router.get("/agents/me", response_model=AgentOut)
async def me(principal: CurrentPrincipal, session: Session) -> AgentOut:
    return await _me(session, principal)


@router.put("/agents/me/presence", response_model=AgentOut)
async def set_presence(body: PresenceIn, principal: CurrentPrincipal, session: Session) -> AgentOut:
    if body.reason == "idle":
        await routing_service.idle_presence(session, principal, body.status)
    else:
        await routing_service.set_presence(session, principal, body.status)
    if body.online_on_login is not None:
        await routing_service.set_preferences(session, principal, body.online_on_login)
    return await _me(session, principal)


async def _me(session: AsyncSession, principal: Principal) -> AgentOut:
    out = await routing_service.me(session, principal)
    out.idle_minutes = (await availability_service.settings(session)).agent_idle_minutes
    return out


@router.put("/agents/{user_id}", response_model=AgentOut)
async def configure_agent(
    user_id: Id, body: AgentSettingsIn, principal: CurrentPrincipal, session: Session
) -> AgentOut:
    return await routing_service.configure_agent(session, principal, user_id, body)


@router.get("/routing/live", response_model=LiveOut)
async def live(principal: CurrentPrincipal, session: Session) -> LiveOut:
    return await routing_service.live(session, principal)


@router.get("/routing/rules/{group_id}", response_model=RuleOut)
async def get_rule(group_id: Id, principal: CurrentPrincipal, session: Session) -> RuleOut:
    return await routing_service.get_rule(session, principal, group_id)


@router.put("/routing/rules/{group_id}", response_model=RuleOut)
async def set_rule(group_id: Id, body: RuleIn, principal: CurrentPrincipal, session: Session) -> RuleOut:
    return await routing_service.set_rule(session, principal, group_id, body)
