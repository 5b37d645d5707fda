"""Router runs: on demand (hand-off, agent online, capacity freed) and a sweep every few
seconds for overflow timers and sticky waits that ran out."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.routing.events import ROUTE_JOB
from kefu.routing.service import routing_service


@jobs.handler(ROUTE_JOB)
async def route(session: AsyncSession, payload: dict[str, Any]) -> None:
    group_id = payload.get("group_id")
    await routing_service.route(session, int(group_id) if group_id is not None else None)
    if group_id is not None:
        await routing_service.route_tickets(session, int(group_id))


@jobs.periodic("routing.sweep", every_seconds=5)
async def sweep(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await routing_service.route_all(session)


@jobs.periodic("routing.presence_sweep", every_seconds=10)
async def presence_sweep(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """Agents whose sockets all went away (or whose server died) become away."""
    await routing_service.sweep_presence(session)
