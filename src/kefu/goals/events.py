"""Goal events: a goal was missed over a period (once per goal and period)."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit import channels, notice_frames
from kefu.kit.events import DomainEvent, on_commit, register
from kefu.kit.realtime import get_bus


@register
class GoalMissed(DomainEvent):
    name: ClassVar[str] = "goal.missed"
    aggregate: ClassVar[str] = "goal"
    goal_id: int
    label: str  # the goal's name in Chinese
    period_from: str  # ISO dates, `period_to` exclusive
    period_to: str
    value_text: str
    target_text: str
    text: str  # one sentence for people: what was missed, over which days

    def aggregate_id(self) -> int | None:
        return self.goal_id


@on_commit(GoalMissed)
async def _push_missed(event: GoalMissed) -> None:
    # In-app: every supervisor screen listens on "supervisors"; the event row is the record.
    await get_bus().publish(
        channels.SUPERVISORS,
        notice_frames.GoalMissed(
            type="goal_missed", goal_id=event.goal_id, label=event.label, text=event.text
        ),
    )
