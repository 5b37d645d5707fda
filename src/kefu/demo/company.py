"""Groups, staff and customers of the demo company (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.schemas import UserCreate
from kefu.auth.service import user_service
from kefu.config import current_settings
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.demo import bot as bot_demo
from kefu.demo import field as field_demo
from kefu.demo import history as history_demo
from kefu.demo import kb as kb_demo
from kefu.demo import loyalty as loyalty_demo
from kefu.demo import outreach as outreach_demo
from kefu.demo import tickets as tickets_demo
from kefu.demo import training as training_demo
from kefu.errors import Conflict
from kefu.goals.service import goal_service
from kefu.improvement.service import improvement_service
from kefu.models.user import Role
from kefu.team.schemas import GroupCreate
from kefu.team.service import team_service

DEMO_PASSWORD = "kefu-demo"  # noqa: S105 - published demo credential
COMPANY = "星辰电子"

GROUPS = [
    ("售前咨询", "产品选购、价格与活动咨询；未分类的在线会话默认进入本组", True),
    ("售后维修", "故障报修、退换货、上门与寄修服务", False),
    ("投诉处理", "投诉与纠纷，4 小时内解决", False),
    ("VIP专席", "高价值客户专属服务", False),
]

STAFF = [
    ("admin@kefu.demo", "系统管理员", Role.ADMIN, []),
    (
        "supervisor@kefu.demo",
        "王主管",
        Role.SUPERVISOR,
        ["售前咨询", "售后维修", "投诉处理", "VIP专席"],
    ),
    ("agent1@kefu.demo", "李小青", Role.AGENT, ["售前咨询"]),
    ("agent2@kefu.demo", "张伟", Role.AGENT, ["售前咨询", "VIP专席"]),
    ("agent3@kefu.demo", "陈静", Role.AGENT, ["售后维修"]),
    ("agent4@kefu.demo", "刘洋", Role.AGENT, ["售后维修", "投诉处理"]),
    ("agent5@kefu.demo", "赵敏", Role.AGENT, ["投诉处理"]),
    ("agent6@kefu.demo", "孙悦", Role.AGENT, ["VIP专席", "售前咨询"]),
]

CUSTOMERS = [
    ("周杰", "zhoujie@example.cn", "13800138001", "M1001", date(1990, 3, 12)),
    ("吴芳", "wufang@example.cn", "13900139002", "M1002", date(1988, 7, 2)),
    ("郑磊", "zhenglei@example.cn", "13700137003", "M1003", None),
    ("王丽", "wangli@example.cn", "15000150004", "M1004", date(1995, 11, 23)),
    ("冯涛", "fengtao@example.cn", "18600186005", "M1005", None),
    ("何静", "hejing@example.cn", "18800188006", "M1006", date(1979, 1, 30)),
    ("Emily Chen", "emily.chen@example.com", "+85291234567", "M1007", None),
    ("林晓", "linxiao@example.cn", "13600136008", "M1008", date(2000, 5, 5)),
]


@dataclass
class DemoResult:
    created_users: int = 0
    created_groups: int = 0
    created_customers: int = 0
    created_articles: int = 0
    created_policies: int = 0
    created_tickets: int = 0
    created_intents: int = 0


async def load(session: AsyncSession) -> DemoResult:
    result = DemoResult()
    group_ids: dict[str, int] = {}
    for name, description, is_default in GROUPS:
        group = await team_service.by_name(session, name)
        if group is None:
            group = await team_service.create(
                session,
                GroupCreate(name=name, description=description, is_default=is_default),
                actor=None,
            )
            result.created_groups += 1
        group_ids[name] = group.id
    for email, name, role, groups in STAFF:
        if await user_service.by_email(session, email) is None:
            await user_service.create(
                session,
                UserCreate(
                    email=email,
                    name=name,
                    password=DEMO_PASSWORD,
                    role=role,
                    group_ids=[group_ids[g] for g in groups],
                ),
                actor=None,
            )
            result.created_users += 1
    admin = await user_service.by_email(session, STAFF[0][0])
    result.created_articles = await kb_demo.load(session, admin.id if admin else None)
    result.created_intents = await bot_demo.load(session, admin.id if admin else None)
    for name, email, phone, external_id, birthday in CUSTOMERS:
        try:
            customer = await customer_service.create(
                session,
                CustomerCreate(
                    name=name, email=email, phone=phone, external_id=external_id, birthday=birthday
                ),
                actor=None,
            )
        except Conflict:
            continue
        await customer_service.set_password(session, customer, DEMO_PASSWORD)
        result.created_customers += 1
    await _routing_rules(session, group_ids)
    result.created_policies, result.created_tickets = await tickets_demo.load(
        session, admin.id if admin else None
    )
    await field_demo.load(session, admin.id if admin else None)
    await history_demo.load(session, current_settings().demo_history_days)
    # After the history: its past breaches are not compensated, new ones are.
    await loyalty_demo.load(session)
    await goal_service.seed_plan_goals(session, history_days=current_settings().demo_history_days)
    await training_demo.load(session)
    await improvement_service.seed_departments(session)
    await outreach_demo.load(session)
    return result


async def _routing_rules(session: AsyncSession, group_ids: dict[str, int]) -> None:
    """Pre-sales chats overflow to after-sales after 5 minutes; returning customers wait up
    to 2 minutes for the agent who knows them (熟客优先). Agents take chats 9:00–21:00 every
    day, as the help center and the bot tell customers; the office schedule (with its lunch
    break) stays the default for business-hours SLAs."""
    from kefu.authz import SYSTEM
    from kefu.demo.tickets import SERVICE_DESK
    from kefu.routing.schemas import RuleIn
    from kefu.routing.service import routing_service
    from kefu.sla.service import sla_service

    schedules = {s.name: s for s in await sla_service.list_schedules(session)}
    desk = schedules.get(SERVICE_DESK.name) or await sla_service.create_schedule(session, None, SERVICE_DESK)

    for name, rule in (
        (
            "售前咨询",
            RuleIn(
                overflow_group_id=group_ids["售后维修"],
                overflow_after_seconds=300,
                sticky_wait_seconds=120,
                schedule_id=desk.id,
            ),
        ),
        ("售后维修", RuleIn(sticky_wait_seconds=120, schedule_id=desk.id)),
        (
            "投诉处理",
            RuleIn(
                overflow_group_id=group_ids["VIP专席"],
                overflow_after_seconds=600,
                sticky_wait_seconds=300,
                schedule_id=desk.id,
            ),
        ),
        ("VIP专席", RuleIn(sticky_wait_seconds=300, schedule_id=desk.id)),
    ):
        current = await routing_service.get_rule(session, SYSTEM, group_ids[name])
        if current.overflow_group_id is None and current.sticky_wait_seconds == 60:  # untouched
            await routing_service.set_rule(session, SYSTEM, group_ids[name], rule)
