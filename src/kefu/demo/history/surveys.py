"""Surveys of the history: CSAT after chats and solved tickets (about half answered, worse
after a breach or a reopen) and a monthly NPS round to the customer base."""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.demo.history.world import SEED, World

CSAT_COMMENTS = {
    5: ["解决得很快，谢谢！", "客服很耐心", "非常满意", ""],
    4: ["还不错", "处理及时", ""],
    3: ["一般吧", "等得有点久", ""],
    2: ["问题没有彻底解决", "回复太慢了"],
    1: ["太失望了，问了三次都没解决", "态度很差"],
}


def csat(
    world: World,
    sent: datetime,
    customer_id: int,
    ticket_id: int | None,
    conversation_id: int | None,
    channel: str,
    agent: int,
    group_id: int,
    *,
    breached: bool,
) -> int | None:
    """A CSAT survey; about half are answered, worse after a breach or a reopen."""
    rng = world.rng
    if sent >= world.now:
        return None
    sid = world.ids.take("surveys")
    world.token_seq += 1
    answered = rng.random() < 0.48
    weights = [0.12, 0.12, 0.2, 0.3, 0.26] if breached else [0.02, 0.03, 0.08, 0.27, 0.6]
    score = rng.choices([1, 2, 3, 4, 5], weights)[0] if answered else None
    answered_at = sent + timedelta(minutes=rng.randint(1, 240)) if answered else None
    if answered_at is not None and answered_at >= world.now:
        answered_at, score = None, None
    via = "chat" if conversation_id else "email"
    world.rows.surveys.append(
        {
            "id": sid,
            "kind": "csat",
            "customer_id": customer_id,
            "ticket_id": ticket_id,
            "conversation_id": conversation_id,
            "channel": via,
            "token": f"demo-h-{SEED}-{world.token_seq:07d}",
            "dedupe_key": f"chat:{conversation_id}" if conversation_id else f"ticket:{ticket_id}",
            "agent_id": agent,
            "group_id": group_id,
            "locale": "zh_CN",
            "sent_at": sent,
            "expires_at": sent + timedelta(days=7),
            "answered_at": answered_at,
            "score": score,
            "score_100": (score - 1) * 25 if score else None,
            "comment": rng.choice(CSAT_COMMENTS[score]) if score else "",
            "answers": {},
        }
    )
    base = {
        "survey_id": sid,
        "kind": "csat",
        "customer_id": customer_id,
        "ticket_id": ticket_id,
        "conversation_id": conversation_id,
        "agent_id": agent,
        "group_id": group_id,
    }
    world.event("survey.sent", "survey", sid, sent, {**base, "channel": via})
    if score is not None and answered_at is not None:
        world.event(
            "survey.answered",
            "survey",
            sid,
            answered_at,
            {**base, "score": score, "score_100": (score - 1) * 25},
        )
    return score


NPS_SAMPLE = 400  # customers asked per monthly round


def nps(world: World) -> None:
    """One NPS round a month to the customer base (no campaign row: a demo one-off)."""
    rng = world.rng
    for months_ago in (2, 1):
        sent = world.now - timedelta(days=30 * months_ago + 3)
        for cid, tier in rng.sample(world.customers, min(NPS_SAMPLE, len(world.customers))):
            sid = world.ids.take("surveys")
            world.token_seq += 1
            answered = rng.random() < 0.3
            weights = (
                [1, 1, 1, 2, 2, 3, 5, 9, 14, 18, 14]
                if tier != "high"
                else [0, 0, 1, 1, 1, 2, 3, 7, 14, 22, 20]
            )
            score = rng.choices(range(11), weights)[0] if answered else None
            at = sent + timedelta(hours=rng.randint(1, 96)) if answered else None
            world.rows.surveys.append(
                {
                    "id": sid,
                    "kind": "nps",
                    "customer_id": cid,
                    "ticket_id": None,
                    "conversation_id": None,
                    "channel": "email",
                    "token": f"demo-h-{SEED}-{world.token_seq:07d}",
                    "dedupe_key": f"demo-nps:{months_ago}:{cid}",
                    "agent_id": None,
                    "group_id": None,
                    "locale": "zh_CN",
                    "sent_at": sent,
                    "expires_at": sent + timedelta(days=14),
                    "answered_at": at,
                    "score": score,
                    "score_100": None,
                    "comment": "",
                    "answers": {},
                }
            )
            base = {
                "survey_id": sid,
                "kind": "nps",
                "customer_id": cid,
                "ticket_id": None,
                "conversation_id": None,
                "agent_id": None,
                "group_id": None,
            }
            world.event("survey.sent", "survey", sid, sent, {**base, "channel": "email"})
            if at is not None and score is not None:
                world.event("survey.answered", "survey", sid, at, {**base, "score": score, "score_100": None})
