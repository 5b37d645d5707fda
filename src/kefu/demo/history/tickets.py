"""A ticket of the history: replies, solves, some reopens, comments and events, and the SLA
clocks the engine would hold, computed with its own calendar and policy matching."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from kefu.demo.history.calls import phone_calls
from kefu.demo.history.surveys import csat
from kefu.demo.history.world import World, pick_agent
from kefu.models import (
    SlaPolicy,
)
from kefu.sla.calendar import BusinessCalendar, add_business_minutes, business_minutes_between
from kefu.sla.matching import choose
from kefu.sla.schemas import TicketSlaFacts

PRIORITIES = [("low", 0.15), ("normal", 0.6), ("high", 0.18), ("urgent", 0.07)]


def _calendar(world: World, policy: SlaPolicy) -> BusinessCalendar | None:
    if not policy.business_hours:
        return None
    sid = policy.schedule_id or world.default_schedule
    return world.calendars.get(sid) if sid is not None else None


def _after(cal: BusinessCalendar | None, start: datetime, minutes: float) -> datetime:
    return add_business_minutes(cal, start, minutes) if cal else start + timedelta(minutes=minutes)


def _took(cal: BusinessCalendar | None, start: datetime, end: datetime) -> float:
    return business_minutes_between(cal, start, end) if cal else (end - start).total_seconds() / 60


def ticket(
    world: World,
    at: datetime,
    channel: str,
    topic: tuple[str, str, float, float, list[str]],
    customer_id: int,
    tier: str,
    *,
    conversation_id: int | None,
    assigned: tuple[int, int, datetime] | None = None,
) -> int:
    rng = world.rng
    category, group_name, _share, _containment, subjects = topic
    subject = rng.choice(subjects)
    priority = rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
    if category.startswith("投诉"):
        priority = rng.choice(["normal", "high"])
    gid, agent = (assigned[0], assigned[1]) if assigned else pick_agent(world, group_name, tier)
    tid = world.ids.take("tickets")
    kind = "incident" if category in ("售后/维修", "使用/智能家居") else "question"
    facts = TicketSlaFacts(
        ticket_id=tid,
        customer_id=customer_id,
        priority=priority,
        type=kind,
        channel=channel,
        status="new",
        tier=tier,
        group_id=gid,
        tags=(),
        category=category,
        created_at=at,
    )
    policy = choose(world.policies, facts)
    cal = _calendar(world, policy) if policy else None
    targets = dict(policy.targets) if policy else {}
    # Reply and resolution times drawn relative to the policy's targets (in its own time),
    # so most tickets meet them and some do not.
    if assigned:
        first_reply = assigned[2]  # the agent's first chat message
    else:
        target = targets.get("first_reply") or targets.get("acknowledge") or 240
        first_reply = _after(cal, at, max(1.0, target * rng.lognormvariate(math.log(0.3), 0.75)))
    if "resolution" in targets:
        solve_minutes = targets["resolution"] * min(1.6, rng.lognormvariate(math.log(0.35), 0.7))
        solved = max(_after(cal, at, solve_minutes), first_reply + timedelta(minutes=5))
    else:
        solved = first_reply + timedelta(minutes=rng.lognormvariate(math.log(40 if assigned else 300), 0.8))
    reopened = rng.random() < 0.07
    final_solved = solved + timedelta(hours=rng.uniform(6, 48)) if reopened else solved
    # History is finished work: nothing left open to fill agents' inboxes and capacity (the
    # live demo tickets are the backlog). The latest tickets were simply answered sooner.
    latest = world.now - timedelta(minutes=1)
    if final_solved >= latest:
        reopened = reopened and solved < latest - timedelta(hours=1)
        first_reply = min(first_reply, at + (latest - at) / 3)
        solved = min(solved, at + (latest - at) * 2 / 3) if not reopened else solved
        final_solved = latest
    if final_solved + timedelta(days=4) < world.now:
        status, solved_at, closed_at = "closed", final_solved, final_solved + timedelta(days=4)
    else:
        status, solved_at, closed_at = "solved", final_solved, None
    replied: datetime | None = first_reply
    # 首问负责制: the owner records that the customer accepted the result for most solved
    # tickets (a reopened one was not accepted the first time; some customers never answer).
    accepted = final_solved + timedelta(minutes=rng.randint(2, 90)) if rng.random() < 0.7 else None
    if accepted is not None and accepted >= world.now:
        accepted = None
    updated = closed_at or solved_at or first_reply
    world.rows.tickets.append(
        {
            "id": tid,
            "subject": subject,
            "description": subject,
            "status": status,
            "priority": priority,
            "type": kind,
            "category": category,
            "tags": [],
            "custom_fields": {},
            "channel": channel,
            "customer_id": customer_id,
            "group_id": gid,
            "assignee_id": agent if replied else None,
            "owner_id": agent if replied else None,
            "created_at": at,
            "updated_at": updated,
            "first_replied_at": replied,
            "solved_at": solved_at,
            "accepted_at": accepted,
            "closed_at": closed_at,
            "reopen_count": 1 if reopened and status != "open" else 0,
        }
    )
    if channel == "phone":
        phone_calls(world, at, customer_id, agent)
    base = {"ticket_id": tid, "customer_id": customer_id}
    world.event(
        "ticket.created",
        "ticket",
        tid,
        at,
        {
            **base,
            "subject": subject,
            "channel": channel,
            "priority": priority,
            "type": kind,
            "category": category,
            "group_id": gid,
            "assignee_id": None,
        },
    )
    _comment(world, tid, at, subject, customer_id=customer_id, via=channel)
    if replied is None:
        return tid
    _comment(
        world,
        tid,
        replied,
        "您好，已收到您的问题，正在为您处理。",
        user=agent,
        group_id=gid,
        customer_id=customer_id,
    )
    world.event(
        "ticket.updated",
        "ticket",
        tid,
        replied,
        {**base, "changes": {"status": ["new", "open"]}, "group_id": gid, "assignee_id": agent},
        agent,
    )
    if final_solved is not None:
        if reopened:
            world.event(
                "ticket.updated",
                "ticket",
                tid,
                solved,
                {**base, "changes": {"status": ["open", "solved"]}, "group_id": gid, "assignee_id": agent},
                agent,
            )
            world.event(
                "ticket.solved",
                "ticket",
                tid,
                solved,
                {**base, "group_id": gid, "assignee_id": agent, "owner_id": agent},
                agent,
            )
            back = solved + timedelta(hours=rng.uniform(2, 5))
            _comment(world, tid, back, "问题又出现了，麻烦再看一下。", customer_id=customer_id, via=channel)
            world.event(
                "ticket.updated",
                "ticket",
                tid,
                back,
                {**base, "changes": {"status": ["solved", "open"]}, "group_id": gid, "assignee_id": agent},
            )
            world.event("ticket.reopened", "ticket", tid, back, base)
        _comment(
            world,
            tid,
            final_solved,
            "您的问题已处理完毕，如有其他问题欢迎随时联系我们。",
            user=agent,
            group_id=gid,
            customer_id=customer_id,
        )
        world.event(
            "ticket.updated",
            "ticket",
            tid,
            final_solved,
            {**base, "changes": {"status": ["open", "solved"]}, "group_id": gid, "assignee_id": agent},
            agent,
        )
        world.event(
            "ticket.solved",
            "ticket",
            tid,
            final_solved,
            {**base, "group_id": gid, "assignee_id": agent, "owner_id": agent},
            agent,
        )
        if closed_at is not None:
            world.event(
                "ticket.updated",
                "ticket",
                tid,
                closed_at,
                {**base, "changes": {"status": ["solved", "closed"]}},
            )
    breached = _clocks(world, tid, policy, cal, at, replied, final_solved, facts)
    if final_solved is not None and conversation_id is None and rng.random() < 0.55:
        csat(
            world,
            final_solved + timedelta(minutes=rng.randint(5, 600)),
            customer_id,
            tid,
            None,
            channel,
            agent,
            gid,
            breached=breached or reopened,
        )
    return tid


def _comment(
    world: World,
    tid: int,
    at: datetime,
    body: str,
    *,
    customer_id: int,
    user: int | None = None,
    group_id: int | None = None,
    via: str = "web",
) -> None:
    cid = world.ids.take("ticket_comments")
    world.rows.comments.append(
        {
            "id": cid,
            "ticket_id": tid,
            "author_user_id": user,
            "author_customer_id": None if user else customer_id,
            "body": body,
            "public": True,
            "via": via,
            "created_at": at,
        }
    )
    world.event(
        "ticket.comment_added",
        "ticket",
        tid,
        at,
        {
            "ticket_id": tid,
            "customer_id": customer_id,
            "comment_id": cid,
            "public": True,
            "author_user_id": user,
            "author_customer_id": None if user else customer_id,
            "group_id": group_id,
            "assignee_id": user,
        },
        user,
    )


def _clocks(
    world: World,
    tid: int,
    policy: SlaPolicy | None,
    cal: BusinessCalendar | None,
    at: datetime,
    replied: datetime | None,
    solved: datetime | None,
    facts: TicketSlaFacts,
) -> bool:
    """The AppliedSla rows the SLA engine would hold by now, with its warnings and breaches."""
    if policy is None:
        return False
    breached_any = False
    for metric, target in policy.targets.items():
        if metric == "next_reply":
            continue  # starts only with a customer reply after an agent's
        done = replied if metric in ("first_reply", "acknowledge") else solved
        due = _after(cal, at, target)
        warn = _after(cal, at, target * policy.warn_at)
        end = done or world.now
        row: dict[str, Any] = {
            "id": world.ids.take("applied_slas"),
            "ticket_id": tid,
            "metric": metric,
            "policy_id": policy.id,
            "policy": {
                "name": policy.name,
                "targets": dict(policy.targets),
                "pause_on": list(policy.pause_on),
            },
            "target_minutes": int(target),
            "business_hours": cal is not None,
            "schedule_id": (policy.schedule_id or world.default_schedule) if cal else None,
            "started_at": at,
            "warn_ratio": policy.warn_at,
            "due_at": due,
            "warned_at": warn if end > warn else None,
            "breached_at": due if end > due else None,
        }
        if done is not None:
            row.update(
                status="fulfilled",
                fulfilled_at=done,
                run_started_at=None,
                breach_at=None,
                warn_due_at=None,
                achieved_minutes=round(_took(cal, at, done), 2),
                consumed_seconds=_took(cal, at, done) * 60,
            )
        else:
            row.update(
                status="active",
                run_started_at=at,
                consumed_seconds=0.0,
                fulfilled_at=None,
                achieved_minutes=None,
                breach_at=None if end > due else due,
                warn_due_at=None if end > warn else warn,
            )
        world.rows.clocks.append(row)
        for kind, when in (("warning", row["warned_at"]), ("breach", row["breached_at"])):
            if when is None:
                continue
            world.rows.sla_events.append(
                {
                    "id": world.ids.take("sla_events"),
                    "ticket_id": tid,
                    "metric": metric,
                    "kind": kind,
                    "due_at": due,
                    "created_at": when,
                }
            )
            world.event(
                "sla.breached" if kind == "breach" else "sla.warning",
                "ticket",
                tid,
                when,
                {
                    "ticket_id": tid,
                    "metric": metric,
                    "due_at": due.isoformat(),
                    "customer_id": facts.customer_id,
                    "tier": facts.tier,
                    "group_id": facts.group_id,
                    "priority": facts.priority,
                },
            )
            breached_any = breached_any or kind == "breach"
    return breached_any
