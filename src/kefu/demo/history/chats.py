"""A chat or WeChat conversation of the history: the bot's answer, then either contained by
the bot or handed to an agent (queued, assigned, answered, closed) with its ticket and CSAT."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from kefu.demo.history.surveys import csat
from kefu.demo.history.tickets import ticket
from kefu.demo.history.world import World, pick_agent

BOT_ANSWERS = {
    "咨询": "您好，我是星辰电子智能客服小星。{subject}的详细说明可以在商品详情页「规格参数」查看，还有其他问题吗？",
    "购买": "您好，关于{subject}，您可以在「我的 → 订单 → 申请开票/优惠」中自助办理。",
    "售后": "您好，关于{subject}，您可以在「服务 → 寄修/退换」中提交申请，顺丰免费上门取件。",
    "使用": "您好，请先长按设备电源键 10 秒重启，再在 App 中重新配网试试。",
    "投诉": "非常抱歉给您带来不好的体验，正在为您转接人工客服。",
}

# The demo intent (demo/data/intents.json) the bot matched for each history question; None:
# no intent, the bot answered from the knowledge base (outcome "kb", as the live bot does).
SUBJECT_INTENT: dict[str, str | None] = {
    "X5 Pro 和 X5 有什么区别": "product_compare",
    "平板支持手写笔吗": "stylus_pairing",
    "耳机防水等级是多少": None,
    "以旧换新怎么估价": "trade_in",
    "优惠券用不了": "coupon",
    "会员日有什么活动": "membership_benefits",
    "发票抬头开错了": "invoice",
    "怎么开增值税专票": "invoice",
    "快递一直没更新": "order_status",
    "订单什么时候发货": "shipping_time",
    "收到的包裹破损": "damaged_delivery",
    "手机充不进电": "charging_problem",
    "屏幕有亮点": "repair_request",
    "耳机左耳没声音": "earbuds_one_side",
    "摄像头总是离线": "camera_offline",
    "申请七天无理由退货": "return_policy",
    "换货进度查询": None,
    "退款什么时候到账": "refund_time",
    "扫地机连不上 Wi-Fi": None,
    "音箱无法唤醒": None,
    "摄像头回放看不了": None,
    "客服态度差": "complaint",
    "电话一直没人接": "complaint",
    "快递员没送货就签收": "courier_complaint",
    "包裹丢了没人管": "courier_complaint",
}


def _turn(world: World, cid: int, question: str, intent: str | None, outcome: str, at: datetime) -> None:
    """The bot's log of one turn: what the bot report and the analytics' bot figures read."""
    world.rows.bot_turns.append(
        {
            "id": world.ids.take("bot_turns"),
            "conversation_id": cid,
            "question": question,
            "intent": intent,
            "confidence": round(world.rng.uniform(0.62, 0.97), 3) if intent else None,
            "outcome": outcome,
            "emotion": None,
            "created_at": at,
        }
    )


def chat(
    world: World,
    at: datetime,
    channel: str,
    topic: tuple[str, str, float, float, list[str]],
    customer_id: int,
    tier: str,
) -> None:
    rng = world.rng
    category, group_name, _share, containment, subjects = topic
    subject = rng.choice(subjects)
    cid = world.ids.take("conversations")
    msgs: list[tuple[str, str, datetime, int | None]] = []
    t = at
    msgs.append(("customer", subject, t, None))
    t += timedelta(seconds=rng.randint(1, 3))
    msgs.append(("bot", BOT_ANSWERS[category.split("/")[0]].format(subject=subject), t, None))
    intent = SUBJECT_INTENT.get(subject)
    outcome = "kb" if intent is None else "handoff" if category.startswith("投诉") else "answered"
    _turn(world, cid, subject, intent, outcome, t)
    world.event(
        "conversation.started",
        "conversation",
        cid,
        at,
        {"conversation_id": cid, "customer_id": customer_id, "channel": channel},
    )
    contained = rng.random() < containment
    conv: dict[str, Any] = {
        "id": cid,
        "customer_id": customer_id,
        "channel": channel,
        "status": "closed",
        "locale": "zh_CN",
        "tier": tier,
        "priority": 0,
        "required_skills": [],
        "overflowed": False,
        "assign_reason": {},
        "bot_misses": 0,
        "bot_resolved": None,
        "rating_comment": "",
        "created_at": at,
    }
    if contained:
        t += timedelta(seconds=rng.randint(20, 120))
        msgs.append(("customer", rng.choice(["好的，谢谢", "明白了", "知道了"]), t, None))
        t += timedelta(seconds=rng.randint(60, 600))
        msgs.append(("system", "由于长时间没有新消息，会话已结束。", t, None))
        conv.update(group_id=None, assignee_id=None, ticket_id=None, bot_resolved=True)
    else:
        t += timedelta(seconds=rng.randint(15, 90))
        msgs.append(("customer", "转人工", t, None))
        if outcome != "handoff":
            _turn(world, cid, "转人工", "human_agent", "handoff", t)
        msgs.append(("system", "正在为您转接人工客服，请稍候。", t, None))
        queued = t
        gid, agent = pick_agent(world, group_name, tier)
        wait = rng.lognormvariate(math.log(45), 0.9)  # seconds in the queue
        assigned = queued + timedelta(seconds=min(wait, 1500))
        reply = assigned + timedelta(seconds=rng.randint(10, 50))
        ticket_id = ticket(
            world, queued, "chat", topic, customer_id, tier, conversation_id=cid, assigned=(gid, agent, reply)
        )
        msgs.append(("system", "客服为您服务。", assigned, None))
        msgs.append(("agent", f"您好，我是星辰电子客服，关于“{subject}”我来帮您处理。", reply, agent))
        t = reply + timedelta(seconds=rng.randint(30, 180))
        msgs.append(("customer", "订单号 SO2026" + str(rng.randint(10000000, 99999999)), t, None))
        t += timedelta(seconds=rng.randint(60, 420))
        msgs.append(("agent", "已为您处理好了，还有其他可以帮您的吗？", t, agent))
        t += timedelta(seconds=rng.randint(30, 240))
        msgs.append(("system", "会话已结束，感谢您的咨询。", t, None))
        conv.update(
            group_id=gid,
            assignee_id=agent,
            ticket_id=ticket_id,
            queued_at=queued,
            first_queued_at=queued,
            assigned_at=assigned,
            first_agent_reply_at=reply,
        )
        world.event(
            "conversation.queued",
            "conversation",
            cid,
            queued,
            {
                "conversation_id": cid,
                "customer_id": customer_id,
                "group_id": gid,
                "ticket_id": ticket_id,
                "reason": "customer_asked",
            },
        )
        world.event(
            "conversation.assigned",
            "conversation",
            cid,
            assigned,
            {
                "conversation_id": cid,
                "customer_id": customer_id,
                "agent_id": agent,
                "agent_name": "",
                "previous_agent_id": None,
                "ticket_id": ticket_id,
                "customer_name": "",
                "group_id": gid,
                "reason": {"rule": "demo"},
            },
            agent,
        )
        rating = csat(world, t, customer_id, ticket_id, cid, channel, agent, gid, breached=wait > 600)
        conv["rating"] = rating
    for seq, (sender, text, when, user) in enumerate(msgs, 1):
        world.rows.messages.append(
            {
                "id": world.ids.take("messages"),
                "conversation_id": cid,
                "seq": seq,
                "sender": sender,
                "user_id": user,
                "client_id": None,
                "text": text,
                "internal": False,
                "extra": {},
                "created_at": when,
            }
        )
        world.event(
            "message.created",
            "conversation",
            cid,
            when,
            {
                "conversation_id": cid,
                "customer_id": customer_id,
                "seq": seq,
                "sender": sender,
                "text": text,
                "internal": False,
                "user_id": user,
                "assignee_id": conv.get("assignee_id"),
                "ticket_id": conv.get("ticket_id"),
                "created_at": when.isoformat(),
                "extra": {},
            },
            user,
        )
    conv.update(
        closed_at=t,
        updated_at=t,
        last_seq=len(msgs),
        last_customer_at=at,
        agent_read_seq=len(msgs),
        customer_read_seq=len(msgs),
    )
    world.event(
        "conversation.closed",
        "conversation",
        cid,
        t,
        {
            "conversation_id": cid,
            "customer_id": customer_id,
            "assignee_id": conv.get("assignee_id"),
            "group_id": conv.get("group_id"),
        },
    )
    world.rows.conversations.append(conv)
