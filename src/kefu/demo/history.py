"""90 days of realistic history for the demo company, so every report, the forecast and the
staffing page have data: tickets across channels, categories, groups and priorities with
first replies, solves, some reopens and SLA clocks computed by the SLA engine's own calendar
and policy matching (breaches included); chats with messages, bot-contained or handed off;
CSAT and NPS surveys; weekly and intraday patterns, quiet statutory holidays, and a spike
after 双十一 (Nov 11) and after 国庆.

This is the demo loader, not a user action: rows are written in bulk straight through the
models (with the events the services would have appended), in one transaction, from a
seeded RNG (same day, same data). A marker setting makes a second `kefu demo` a no-op.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import EventRecord
from kefu.kit.time import utcnow
from kefu.models import (
    AppliedSla,
    Conversation,
    Customer,
    Group,
    GroupMember,
    Message,
    Schedule,
    SettingValue,
    SlaEvent,
    SlaPolicy,
    Survey,
    Ticket,
    TicketComment,
    User,
)
from kefu.sla.calendar import BusinessCalendar, add_business_minutes, business_minutes_between, parse_schedule
from kefu.sla.matching import choose
from kefu.sla.schemas import TicketSlaFacts
from kefu.wfm.forecast import day_kind

MARKER = "demo.history"
TZ = ZoneInfo("Asia/Shanghai")
SEED = 20261111
BASE_PER_DAY = 56  # contacts on an ordinary Monday
WEEKDAY_FACTOR = [1.0, 0.95, 0.92, 0.93, 1.02, 0.62, 0.55]
HOLIDAY_FACTOR = 0.45
# Hourly arrival weights (local time): mornings, a lunch dip, afternoons, an evening bump.
HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 10, 12, 11, 7, 8, 11, 12, 11, 9, 7, 7, 8, 7, 4, 2]
CHANNELS = [("chat", 0.5), ("wechat", 0.12), ("portal", 0.12), ("email", 0.13), ("phone", 0.13)]
# (category, group, share, bot containment for chats, subjects)
TOPICS: list[tuple[str, str, float, float, list[str]]] = [
    (
        "咨询/产品",
        "售前咨询",
        0.2,
        0.75,
        ["X5 Pro 和 X5 有什么区别", "平板支持手写笔吗", "耳机防水等级是多少"],
    ),
    ("购买/优惠", "售前咨询", 0.12, 0.7, ["以旧换新怎么估价", "优惠券用不了", "会员日有什么活动"]),
    ("购买/发票", "售前咨询", 0.05, 0.6, ["发票抬头开错了", "怎么开增值税专票"]),
    ("售后/物流", "售后维修", 0.12, 0.55, ["快递一直没更新", "订单什么时候发货", "收到的包裹破损"]),
    ("售后/维修", "售后维修", 0.16, 0.2, ["手机充不进电", "屏幕有亮点", "耳机左耳没声音", "摄像头总是离线"]),
    ("售后/退换货", "售后维修", 0.1, 0.3, ["申请七天无理由退货", "换货进度查询", "退款什么时候到账"]),
    ("使用/智能家居", "售后维修", 0.1, 0.6, ["扫地机连不上 Wi-Fi", "音箱无法唤醒", "摄像头回放看不了"]),
    ("投诉/服务态度", "投诉处理", 0.03, 0.0, ["客服态度差", "电话一直没人接"]),
    ("投诉/物流", "投诉处理", 0.02, 0.0, ["快递员没送货就签收", "包裹丢了没人管"]),
]
PRIORITIES = [("low", 0.15), ("normal", 0.6), ("high", 0.18), ("urgent", 0.07)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建鑫晨宇浩然欣怡子涵梓轩雨桐思远佳琪嘉豪俊杰"
)
BOT_ANSWERS = {
    "咨询": "您好，我是星辰电子智能客服小星。{subject}的详细说明可以在商品详情页「规格参数」查看，还有其他问题吗？",
    "购买": "您好，关于{subject}，您可以在「我的 → 订单 → 申请开票/优惠」中自助办理。",
    "售后": "您好，关于{subject}，您可以在「服务 → 寄修/退换」中提交申请，顺丰免费上门取件。",
    "使用": "您好，请先长按设备电源键 10 秒重启，再在 App 中重新配网试试。",
    "投诉": "非常抱歉给您带来不好的体验，正在为您转接人工客服。",
}
CSAT_COMMENTS = {
    5: ["解决得很快，谢谢！", "客服很耐心", "非常满意", ""],
    4: ["还不错", "处理及时", ""],
    3: ["一般吧", "等得有点久", ""],
    2: ["问题没有彻底解决", "回复太慢了"],
    1: ["太失望了，问了三次都没解决", "态度很差"],
}


@dataclass
class _Ids:
    """Explicit primary keys, so related rows can be inserted in bulk without round trips."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table]


@dataclass
class _Rows:
    customers: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    sla_events: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _World:
    rng: random.Random
    ids: _Ids
    rows: _Rows
    now: datetime
    groups: dict[str, int]
    members: dict[int, list[int]]  # group id -> agent ids
    customers: list[tuple[int, str]]  # (id, tier)
    policies: list[SlaPolicy]
    calendars: dict[int, BusinessCalendar]
    default_schedule: int | None
    token_seq: int = 0

    def event(
        self,
        name: str,
        aggregate: str,
        aggregate_id: int,
        at: datetime,
        payload: dict[str, Any],
        actor: int | None = None,
    ) -> None:
        self.rows.events.append(
            {
                "id": self.ids.take("events"),
                "name": name,
                "aggregate": aggregate,
                "aggregate_id": aggregate_id,
                "actor_id": actor,
                "payload": payload,
                "created_at": at,
            }
        )


async def load(session: AsyncSession, days: int) -> int:
    """Generate `days` days of history before today once; returns the tickets created."""
    if days <= 0 or await session.get(SettingValue, MARKER) is not None:
        return 0
    world = await _world(session, days)
    if world is None:
        return 0
    today = world.now.astimezone(TZ).date()
    for offset in range(days, 0, -1):
        _day(world, today - timedelta(days=offset), days - offset)
    _nps(world)
    await _insert(session, world.rows)
    session.add(
        SettingValue(key=MARKER, value={"days": days, "seed": SEED, "tickets": len(world.rows.tickets)})
    )
    return len(world.rows.tickets)


async def _world(session: AsyncSession, days: int) -> _World | None:
    groups = {g.name: g.id for g in (await session.execute(sa.select(Group))).scalars()}
    if not groups:
        return None
    agents = {u.id for u in (await session.execute(sa.select(User).where(User.role == "agent"))).scalars()}
    members: dict[int, list[int]] = {gid: [] for gid in groups.values()}
    for m in (await session.execute(sa.select(GroupMember).order_by(GroupMember.user_id))).scalars():
        if m.user_id in agents:
            members.setdefault(m.group_id, []).append(m.user_id)
    if not any(members.values()):
        return None
    policies = list(
        (await session.execute(sa.select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id))).scalars()
    )
    calendars: dict[int, BusinessCalendar] = {}
    default_schedule = None
    for s in (await session.execute(sa.select(Schedule))).scalars():
        calendars[s.id] = parse_schedule(
            {
                "name": s.name,
                "timezone": s.timezone,
                "intervals": s.intervals,
                "holidays": s.holidays,
                "workdays": s.workdays,
                "cn_statutory": s.cn_statutory,
            }
        )
        if s.is_default:
            default_schedule = s.id
    ids = _Ids()
    for table, model in (
        ("customers", Customer),
        ("tickets", Ticket),
        ("ticket_comments", TicketComment),
        ("conversations", Conversation),
        ("messages", Message),
        ("applied_slas", AppliedSla),
        ("sla_events", SlaEvent),
        ("surveys", Survey),
        ("events", EventRecord),
    ):
        ids.next[table] = int((await session.execute(sa.select(sa.func.max(model.id)))).scalar() or 0)
    rng = random.Random(SEED)
    world = _World(
        rng=rng,
        ids=ids,
        rows=_Rows(),
        now=utcnow(),
        groups=groups,
        members=members,
        customers=[],
        policies=policies,
        calendars=calendars,
        default_schedule=default_schedule,
    )
    existing = [
        (c.id, c.tier) for c in (await session.execute(sa.select(Customer).order_by(Customer.id))).scalars()
    ]
    start = world.now - timedelta(days=days + 30)
    for n in range(240):  # the customer base the history talks to
        cid = ids.take("customers")
        tier = rng.choices(["none", "potential", "mid", "high"], [0.45, 0.25, 0.2, 0.1])[0]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        world.rows.customers.append(
            {
                "id": cid,
                "name": name,
                "tier": tier,
                "locale": "zh_CN",
                "tags": [],
                "attributes": {"demo_history": True},
                "consents": {},
                "address": "",
                "id_card": "",
                "organization": "",
                "created_at": start + timedelta(minutes=37 * n),
            }
        )
        world.customers.append((cid, tier))
    world.customers += existing
    return world


def _day_volume(world: _World, day: date, index: int) -> int:
    kind = day_kind(day)
    factor = HOLIDAY_FACTOR if kind == 7 else WEEKDAY_FACTOR[min(kind, 6)]
    for anchor, bumps in (((11, 11), [2.3, 2.0, 1.7, 1.45, 1.25, 1.1]), ((10, 8), [1.5, 1.25, 1.1])):
        lag = (day - date(day.year, *anchor)).days
        if 0 <= lag < len(bumps):
            factor *= bumps[lag]  # 双十一 orders arrive; the first days after 国庆
    trend = 1 + 0.002 * index
    return max(0, round(world.rng.gauss(BASE_PER_DAY * factor * trend, 3)))


def _day(world: _World, day: date, index: int) -> None:
    rng = world.rng
    after_singles_day = 0 <= (day - date(day.year, 11, 11)).days < 6
    for _ in range(_day_volume(world, day, index)):
        hour = rng.choices(range(24), HOURS)[0]
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=TZ)
        at = local.astimezone(UTC)
        if at >= world.now - timedelta(minutes=30):
            continue
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        weights = [
            t[2] * (3.0 if after_singles_day and t[0] in ("售后/物流", "投诉/物流") else 1.0) for t in TOPICS
        ]
        topic = rng.choices(TOPICS, weights)[0]
        customer_id, tier = rng.choice(world.customers)
        if channel in ("chat", "wechat"):
            _chat(world, at, channel, topic, customer_id, tier)
        else:
            _ticket(world, at, channel, topic, customer_id, tier, conversation_id=None)


def _agent(world: _World, group_name: str, tier: str) -> tuple[int, int]:
    name = "VIP专席" if tier == "high" and world.rng.random() < 0.7 else group_name
    gid = world.groups.get(name) or next(iter(world.groups.values()))
    pool = world.members.get(gid) or [a for m in world.members.values() for a in m]
    return gid, world.rng.choice(pool)


def _chat(
    world: _World,
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
        msgs.append(("system", "正在为您转接人工客服，请稍候。", t, None))
        queued = t
        gid, agent = _agent(world, group_name, tier)
        wait = rng.lognormvariate(math.log(45), 0.9)  # seconds in the queue
        assigned = queued + timedelta(seconds=min(wait, 1500))
        reply = assigned + timedelta(seconds=rng.randint(10, 50))
        ticket_id = _ticket(
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
        rating = _csat(world, t, customer_id, ticket_id, cid, channel, agent, gid, breached=wait > 600)
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


def _calendar(world: _World, policy: SlaPolicy) -> BusinessCalendar | None:
    if not policy.business_hours:
        return None
    sid = policy.schedule_id or world.default_schedule
    return world.calendars.get(sid) if sid is not None else None


def _after(cal: BusinessCalendar | None, start: datetime, minutes: float) -> datetime:
    return add_business_minutes(cal, start, minutes) if cal else start + timedelta(minutes=minutes)


def _took(cal: BusinessCalendar | None, start: datetime, end: datetime) -> float:
    return business_minutes_between(cal, start, end) if cal else (end - start).total_seconds() / 60


def _ticket(
    world: _World,
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
    gid, agent = (assigned[0], assigned[1]) if assigned else _agent(world, group_name, tier)
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
            "closed_at": closed_at,
            "reopen_count": 1 if reopened and status != "open" else 0,
        }
    )
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
        _csat(
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
    world: _World,
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
    world: _World,
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


def _csat(
    world: _World,
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


def _nps(world: _World) -> None:
    """One NPS round a month to the customer base (no campaign row: a demo one-off)."""
    rng = world.rng
    for months_ago in (2, 1):
        sent = world.now - timedelta(days=30 * months_ago + 3)
        for cid, tier in world.customers[::2]:
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


async def _insert(session: AsyncSession, rows: _Rows) -> None:
    models: tuple[tuple[Any, list[dict[str, Any]]], ...] = (
        (Customer, rows.customers),
        (Ticket, rows.tickets),
        (TicketComment, rows.comments),
        (Conversation, rows.conversations),
        (Message, rows.messages),
        (AppliedSla, rows.clocks),
        (SlaEvent, rows.sla_events),
        (Survey, rows.surveys),
        (EventRecord, rows.events),
    )
    for model, data in models:
        table: sa.Table = model.__table__
        for i in range(0, len(data), 2000):
            await session.execute(sa.insert(table), _complete(table, data[i : i + 2000]))
        if session.get_bind().dialect.name == "postgresql" and data:
            # Explicit ids: move the sequence past them so later inserts do not collide.
            await session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"  # noqa: S608 - our table names
                )
            )


def _complete(table: sa.Table, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany wants the same keys in every row: a key some rows leave out is NULL there
    (columns no row mentions get their defaults)."""
    keys = {k for row in batch for k in row} & {c.name for c in table.columns}
    return [{k: row.get(k) for k in keys} for row in batch]
