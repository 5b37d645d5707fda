"""The phone line of the history: the inbound call behind each phone ticket (rung, answered by
the ticket's agent, talked) and the calls nobody answered, so the phone figures (offered,
answered within 30 s, abandonment, speed of answer) read like a real line's."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from kefu.demo.history.world import World
from kefu.models.phone import CallStatus

MISSED_SHARE = 0.07  # calls abandoned before anyone answered, per answered call


def phone_calls(world: World, answered_at: datetime, customer_id: int, agent: int) -> None:
    """The answered call that opened a phone ticket, and now and then a missed one before it."""
    rng = world.rng
    speed = min(240.0, rng.lognormvariate(math.log(12), 0.8))  # seconds ringing before an answer
    rung = answered_at - timedelta(seconds=speed)
    if rng.random() < MISSED_SHARE:  # the customer gave up once, then called again
        gave_up = rung - timedelta(minutes=rng.randint(3, 40))
        _call(world, gave_up, customer_id, None, None, gave_up + timedelta(seconds=rng.randint(15, 90)))
    talk = timedelta(seconds=rng.randint(90, 600))
    _call(world, rung, customer_id, agent, answered_at, answered_at + talk)


def _call(
    world: World,
    rung: datetime,
    customer_id: int,
    agent: int | None,
    answered: datetime | None,
    ended: datetime,
) -> None:
    cid = world.ids.take("calls")
    speed = (answered - rung).total_seconds() if answered else None
    world.rows.calls.append(
        {
            "id": cid,
            "integration_id": world.phone_line,
            "external_id": f"demo-{cid}",
            "direction": "inbound",
            "caller": f"+86 13{world.rng.randint(0, 9)}****{world.rng.randint(1000, 9999)}",
            "callee": "400-820-0000",
            "customer_id": customer_id,
            "status": CallStatus.ENDED if answered else CallStatus.MISSED,
            "agent_id": agent,
            "ringing_at": rung,
            "answered_at": answered,
            "ended_at": ended,
            "speed_of_answer_seconds": round(speed, 1) if speed is not None else None,
            "answered_within_30s": speed <= 30 if speed is not None else None,
            "recording_url": "",
            "transcript": "",
            "created_at": rung,
        }
    )
