"""Routing events: presence changes (supervisors' views refresh, agents see their status)."""

from __future__ import annotations

from typing import ClassVar

from kefu.conversation import frames
from kefu.kit import channels
from kefu.kit.events import DomainEvent, on_commit, register
from kefu.kit.realtime import get_bus

# The routing job's name, owned here so every domain that asks for routing uses one constant.
ROUTE_JOB = "routing.route"


@register
class PresenceChanged(DomainEvent):
    name: ClassVar[str] = "agent.presence_changed"
    aggregate: ClassVar[str] = "user"
    user_id: int
    old: str
    new: str
    automatic: bool = False

    def aggregate_id(self) -> int | None:
        return self.user_id


@on_commit(PresenceChanged)
async def _push_presence(event: PresenceChanged) -> None:
    bus = get_bus()
    await bus.publish(
        channels.user(event.user_id),
        frames.AgentPresence(type="presence", status=event.new, automatic=event.automatic),
    )
    await bus.publish(channels.SUPERVISORS, frames.QueueChanged(type="queue_changed"))
