"""The demo company's training (idempotent: nothing when a path exists): a new-hire path of
the internal service script and two help articles plus a video, the 售后维修 certification
exam (passing it grants the routing skill 售后维修), a monthly product exam and a mentor for
agent1. The demo does not make any group require the skill, so routing stays as before
until an admin adds 售后维修 to a group's required skills."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import SYSTEM
from kefu.kb.service import kb_service
from kefu.kit.time import utcnow
from kefu.training.schemas import ExamIn, ItemIn, MentorshipIn, PathIn, QuestionIn
from kefu.training.service import exam_service, learning_service

ARTICLES = ["【内部】投诉安抚话术", "耳机蓝牙连不上怎么办？", "星辰手机 X5 和 X5 Pro 有什么区别？"]
REPAIR_QUESTIONS = [
    QuestionIn(
        kind="single",
        text="手机进水后，首先应该建议客户？",
        options=["立即充电试机", "关机断电，尽快送修", "用吹风机加热吹干"],
        correct=[1],
    ),
    QuestionIn(
        kind="multiple",
        text="办理寄修需要登记哪些信息？",
        options=["设备序列号", "购买凭证", "客户星座", "故障描述"],
        correct=[0, 1, 3],
        points=2,
    ),
    QuestionIn(
        kind="single",
        text="在保修期内的非人为故障，维修费用是？",
        options=["免费", "按配件价收取", "收取检测费"],
        correct=[0],
    ),
]
MONTHLY_QUESTIONS = [
    QuestionIn(
        kind="single",
        text="X5 Pro 相比 X5 多了什么？",
        options=["长焦镜头与无线充电", "更大的屏幕", "更小的电池"],
        correct=[0],
    ),
    QuestionIn(kind="short", text="客户情绪激动时，你会如何安抚？请写出你的话术。", points=2),
]


async def load(session: AsyncSession) -> int:
    """Seeds once; returns the paths created."""
    if await learning_service.list_paths(session, SYSTEM):
        return 0
    path = await learning_service.create_path(
        session,
        SYSTEM,
        PathIn(name="新员工入职", description="入职第一周：服务话术、常见问题与产品基础。", level="new_hire"),
    )
    for n, title in enumerate(ARTICLES):
        article = await kb_service.by_title(session, title)
        if article is not None:
            await learning_service.add_item(
                session, SYSTEM, path.id, ItemIn(kind="article", article_id=article.id, position=n)
            )
    await learning_service.add_item(
        session,
        SYSTEM,
        path.id,
        ItemIn(
            kind="video",
            title="星辰电子服务礼仪（视频）",
            url="https://video.example.cn/kefu/etiquette",
            position=9,
        ),
    )
    await learning_service.create_path(
        session,
        SYSTEM,
        PathIn(
            name="智能家居产品线",
            description="扫地机、音箱与摄像头的常见故障。",
            level="product_line",
            product_line="智能家居",
        ),
    )
    repair = await exam_service.create(
        session,
        SYSTEM,
        ExamIn(
            name="售后维修认证考试",
            description="通过后获得「售后维修」技能。",
            pass_mark=80,
            max_attempts=3,
            grants_skill="售后维修",
        ),
    )
    for n, q in enumerate(REPAIR_QUESTIONS):
        await exam_service.add_question(session, SYSTEM, repair.id, q.model_copy(update={"position": n}))
    now = utcnow()
    monthly = await exam_service.create(
        session,
        SYSTEM,
        ExamIn(
            name="本月产品知识考核",
            pass_mark=60,
            max_attempts=2,
            available_from=now - timedelta(days=1),
            available_until=now + timedelta(days=14),
        ),
    )
    for n, q in enumerate(MONTHLY_QUESTIONS):
        await exam_service.add_question(session, SYSTEM, monthly.id, q.model_copy(update={"position": n}))
    mentee = await user_service.by_email(session, "agent1@kefu.demo")
    mentor = await user_service.by_email(session, "agent2@kefu.demo")
    if mentee is not None and mentor is not None:
        await learning_service.assign_mentor(
            session, SYSTEM, MentorshipIn(mentee_id=mentee.id, mentor_id=mentor.id, path_id=path.id)
        )
    return 2
