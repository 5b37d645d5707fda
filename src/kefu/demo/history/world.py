"""The demo history's world: the shape of the traffic (volumes, hours, channels, topics,
names), the rows being built with their explicit ids, and the company they are about (groups,
agents, SLA policies, calendars, the customer base) read once from the database."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.demo.history.orders import purchases
from kefu.kit.events import EventRecord
from kefu.kit.time import utcnow
from kefu.models import (
    AppliedSla,
    BotTurnLog,
    Call,
    Conversation,
    Customer,
    Group,
    GroupMember,
    Message,
    Order,
    PhoneIntegration,
    PointsEntry,
    Schedule,
    SlaEvent,
    SlaPolicy,
    Survey,
    Ticket,
    TicketComment,
    User,
)
from kefu.sla.calendar import BusinessCalendar, parse_schedule
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
CUSTOMER_BASE = 3600
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建鑫晨宇浩然欣怡子涵梓轩雨桐思远佳琪嘉豪俊杰"
)


@dataclass
class Ids:
    """Explicit primary keys, so related rows can be inserted in bulk without round trips."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table]


@dataclass
class Rows:
    customers: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    sla_events: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    bot_turns: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class World:
    rng: random.Random
    ids: Ids
    rows: Rows
    now: datetime
    groups: dict[str, int]
    members: dict[int, list[int]]  # group id -> agent ids
    customers: list[tuple[int, str]]  # (id, tier)
    policies: list[SlaPolicy]
    calendars: dict[int, BusinessCalendar]
    default_schedule: int | None
    phone_line: int  # the demo's phone integration (the calls' line)
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


async def build_world(session: AsyncSession, days: int) -> World | None:
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
    ids = Ids()
    for table, model in (
        ("customers", Customer),
        ("tickets", Ticket),
        ("ticket_comments", TicketComment),
        ("conversations", Conversation),
        ("messages", Message),
        ("applied_slas", AppliedSla),
        ("sla_events", SlaEvent),
        ("surveys", Survey),
        ("bot_turns", BotTurnLog),
        ("calls", Call),
        ("events", EventRecord),
        ("orders", Order),
        ("points_ledger", PointsEntry),
    ):
        ids.next[table] = int((await session.execute(sa.select(sa.func.max(model.id)))).scalar() or 0)
    rng = random.Random(SEED)
    world = World(
        phone_line=await _phone_line(session, sorted({a for m in members.values() for a in m})),
        rng=rng,
        ids=ids,
        rows=Rows(),
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
    # The customer base the history talks to: large enough that ~80 contacts a day come back
    # within a week about as often as in a real shop (a fifth of contacts, not most of them:
    # the repeat-contact and first-contact-resolution figures read this).
    buying = random.Random(SEED + 1)  # purchases draw from their own seeded stream
    for n in range(CUSTOMER_BASE):
        cid = ids.take("customers")
        tier, orders, points = purchases(buying, ids, cid, world.now)
        world.rows.orders += orders
        world.rows.points += points
        joined = start + timedelta(seconds=29 * 86400 * n // CUSTOMER_BASE)  # before the history
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
                "created_at": min([joined, *(o["placed_at"] for o in orders)]),
            }
        )
        world.customers.append((cid, tier))
    world.customers += existing
    return world


async def _phone_line(session: AsyncSession, agents: list[int]) -> int:
    """The company's hotline (400-820-0000) as a phone integration: the history's calls came
    in on it; an admin sees it under 电话接入 with its own secret and the agents on
    extensions 8001, 8002 …, like one they added."""
    line = (
        await session.execute(sa.select(PhoneIntegration).order_by(PhoneIntegration.id).limit(1))
    ).scalar_one_or_none()
    if line is None:
        extensions = {str(8001 + i): agent for i, agent in enumerate(agents)}
        line = PhoneIntegration(name="400 客服热线", secret=secrets.token_urlsafe(32), extensions=extensions)
        session.add(line)
        await session.flush()
    return line.id


def day_volume(world: World, day: date, index: int) -> int:
    kind = day_kind(day)
    factor = HOLIDAY_FACTOR if kind == 7 else WEEKDAY_FACTOR[min(kind, 6)]
    for anchor, bumps in (((11, 11), [2.3, 2.0, 1.7, 1.45, 1.25, 1.1]), ((10, 8), [1.5, 1.25, 1.1])):
        lag = (day - date(day.year, *anchor)).days
        if 0 <= lag < len(bumps):
            factor *= bumps[lag]  # 双十一 orders arrive; the first days after 国庆
    trend = 1 + 0.002 * index
    return max(0, round(world.rng.gauss(BASE_PER_DAY * factor * trend, 3)))


def pick_agent(world: World, group_name: str, tier: str) -> tuple[int, int]:
    name = "VIP专席" if tier == "high" and world.rng.random() < 0.7 else group_name
    gid = world.groups.get(name) or next(iter(world.groups.values()))
    pool = world.members.get(gid) or [a for m in world.members.values() for a in m]
    return gid, world.rng.choice(pool)
