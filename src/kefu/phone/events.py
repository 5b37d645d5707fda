"""Call events; answering pushes a screen pop to the agent's workspace."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit import channels, notice_frames
from kefu.kit.events import DomainEvent, on_commit, register
from kefu.kit.realtime import get_bus


class _CallEvent(DomainEvent):
    aggregate: ClassVar[str] = "call"
    call_id: int
    conversation_id: int | None = None
    customer_id: int | None = None

    def aggregate_id(self) -> int | None:
        return self.call_id


@register
class CallAnswered(_CallEvent):
    name: ClassVar[str] = "call.answered"
    agent_id: int
    caller: str = ""  # masked for agents without the unmask permission
    customer_name: str = ""
    tier: str = "none"
    speed_of_answer_seconds: float | None = None


@register
class CallMissed(_CallEvent):
    name: ClassVar[str] = "call.missed"
    callback_ticket_id: int | None = None


@register
class CallEnded(_CallEvent):
    name: ClassVar[str] = "call.ended"
    duration_seconds: float | None = None


@on_commit(CallAnswered)
async def _screen_pop(event: CallAnswered) -> None:
    await get_bus().publish(
        channels.user(event.agent_id),
        notice_frames.ScreenPop(
            type="screen_pop",
            call_id=event.call_id,
            conversation_id=event.conversation_id,
            customer_id=event.customer_id,
            customer_name=event.customer_name,
            caller=event.caller,
            tier=event.tier,
        ),
    )
