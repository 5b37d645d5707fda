"""The demo's outreach journeys (idempotent by name; an admin's edits are kept): notices when
a coupon or points are credited or the tier changes, the birthday greeting with the tier's
benefit, the shipment-delay apology with a 20 CNY coupon, logistics milestones 揽收/中转/派送,
the phone onboarding guide with its day-7 follow-up, the purchase anniversary 感恩回馈,
monthly content by tier from the KB collections 行业洞察 and 使用技巧, the National Day and
Spring Festival greetings, the quarterly NPS survey's invitation with its campaign (first
round on the next quarter's first day) and the 服务升级报告 mailing. The demo customers with a birthday
said yes to marketing, so the greetings reach them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM
from kefu.customer.schemas import CustomerUpdate
from kefu.customer.service import customer_service
from kefu.kb.schemas import ArticleCreate
from kefu.kb.service import kb_service
from kefu.kit.time import utcnow
from kefu.models.kb import ArticleStatus
from kefu.outreach.schemas import JourneyIn
from kefu.outreach.service import outreach_service
from kefu.survey.schemas import CampaignCreate
from kefu.survey.service import survey_service

SHANGHAI = ZoneInfo("Asia/Shanghai")

JOURNEYS = [
    JourneyIn(
        name="优惠券到账通知",
        trigger="coupon_issued",
        purpose="service",
        subject_zh="{name}，您有一张 {coupon_amount} 元优惠券到账",
        body_zh="{name}您好：\n\n一张 {coupon_amount} 元优惠券已存入您的账户，可在「我的优惠券」查看。\n\n{company}",
        subject_en="{name}, a {coupon_amount} CNY coupon is in your account",
        body_en="Hello {name},\n\nA {coupon_amount} CNY coupon is now in your account.\n\n{company}",
    ),
    JourneyIn(
        name="积分到账通知",
        trigger="points_credited",
        purpose="service",
        subject_zh="{points} 积分已到账",
        body_zh="{name}您好：\n\n本次订单为您累积 {points} 积分。感谢您的支持！\n\n{company}",
        subject_en="{points} points credited",
        body_en="Hello {name},\n\nYour order earned {points} points. Thank you!\n\n{company}",
    ),
    JourneyIn(
        # By SMS: upgrades are already announced by e-mail from the loyalty programme.
        name="会员等级变化短信",
        trigger="tier_changed",
        channel="sms",
        purpose="service",
        body_zh="【{company}】{name}您好，您的会员等级已更新为{tier}。",
        body_en="[{company}] {name}, your membership is now: {tier}.",
    ),
    JourneyIn(
        name="生日问候",
        trigger="birthday",
        purpose="marketing",
        subject_zh="{name}，生日快乐！",
        body_zh="亲爱的{name}：\n\n祝您生日快乐！作为{tier}，您本月享有{benefit}。\n\n{company}\n退订：{unsubscribe_url}",
        subject_en="Happy birthday, {name}!",
        body_en="Dear {name},\n\nHappy birthday! As a {tier} you enjoy {benefit} this month.\n\n"
        "{company}\nUnsubscribe: {unsubscribe_url}",
    ),
    JourneyIn(
        name="物流延误致歉",
        trigger="shipment_delayed",
        purpose="service",
        subject_zh="订单 {order_ref} 配送延误致歉",
        body_zh="{name}您好：\n\n非常抱歉，您的订单 {order_ref} 未能在承诺的 {promised_at} 前送达。"
        "我们已为您送上 {coupon_amount} 元优惠券，并在加急处理。\n\n{company}",
        subject_en="We are sorry: order {order_ref} is late",
        body_en="Hello {name},\n\nWe are sorry that order {order_ref} missed its promised date ({promised_at}). "
        "A {coupon_amount} CNY coupon is in your account.\n\n{company}",
        coupon_amount=Decimal(20),
        coupon_validity_days=30,
    ),
]


MORE = [
    JourneyIn(
        name="物流节点通知",
        trigger="shipment_milestone",
        purpose="service",
        subject_zh="订单 {order_ref}：{milestone}",
        body_zh="{name}您好：\n\n您的订单 {order_ref} {milestone}。\n\n{company}",
        subject_en="Order {order_ref}: {milestone}",
        body_en="Hello {name},\n\nYour order {order_ref} is {milestone}.\n\n{company}",
    ),
    JourneyIn(
        name="手机上手指南",
        trigger="first_purchase",
        purpose="service",
        product_line="手机",
        kb_category="使用/手机",
        subject_zh="欢迎使用星辰手机：上手指南",
        body_zh="{name}您好：\n\n感谢选购{product_line}！这些文章帮您快速上手：\n{articles}\n\n{company}",
    ),
    JourneyIn(
        name="感恩回馈·购买周年",
        trigger="anniversary",
        purpose="marketing",
        subject_zh="{name}，感谢 {years} 年相伴",
        body_zh="{name}您好：\n\n今天是您第一次在{company}购物的 {years} 周年。送您 {coupon_amount} 元感恩回馈券，"
        "已存入「我的优惠券」。",
        coupon_amount=Decimal(30),
        coupon_validity_days=30,
    ),
    JourneyIn(
        name="月度行业洞察（高价值会员）",
        trigger="monthly_content",
        purpose="marketing",
        segment={"tiers": ["high"]},  # type: ignore[arg-type]
        kb_category="行业洞察",
        subject_zh="本月行业洞察",
        body_zh="{name}您好：\n\n为{tier}精选的本月行业洞察：\n{articles}\n\n{company}",
    ),
    JourneyIn(
        name="月度使用技巧（潜力会员）",
        trigger="monthly_content",
        purpose="marketing",
        segment={"tiers": ["potential"]},  # type: ignore[arg-type]
        kb_category="使用技巧",
        subject_zh="本月使用技巧",
        body_zh="{name}您好：\n\n本月的使用小技巧：\n{articles}\n\n{company}",
    ),
    JourneyIn(
        name="国庆节问候",
        trigger="holiday",
        purpose="marketing",
        holiday="national_day",
        subject_zh="{holiday}快乐",
        body_zh="{name}您好：\n\n{company}祝您{holiday}快乐！",
    ),
    JourneyIn(
        name="春节问候",
        trigger="holiday",
        purpose="marketing",
        holiday="spring_festival",
        subject_zh="{holiday}快乐",
        body_zh="{name}您好：\n\n{company}给您拜年，祝您{holiday}快乐、万事如意！",
    ),
    JourneyIn(
        # The quarterly NPS campaign's invitation (the survey domain plans it each round).
        name="季度满意度调查邀请",
        trigger="survey",
        purpose="marketing",
        subject_zh="{name}，花 10 秒告诉我们您的感受",
        body_zh="{name}您好：\n\n您有多大可能向朋友推荐{company}？（0–10 分）\n{survey_url}\n\n"
        "每季度一次，感谢您的反馈。\n{company}",
        subject_en="{name}, ten seconds to tell us how we did",
        body_en="Hello {name},\n\nHow likely are you to recommend {company} to a friend (0–10)?\n"
        "{survey_url}\n\nWe ask once a quarter. Thank you!\n{company}",
    ),
    JourneyIn(
        name="服务升级报告",
        trigger="service_report",
        purpose="marketing",
        subject_zh="本月服务升级报告",
        body_zh="{name}您好：\n\n根据大家的反馈，我们本月做了这些改进：{report_url}\n\n{company}",
    ),
]
FOLLOW_UP = JourneyIn(
    name="手机上手第7天回访",
    trigger="followup",
    purpose="service",
    follows_id=1,  # replaced by the guide's id when seeded
    delay_days=7,
    subject_zh="用了一周，感觉如何？",
    body_zh="{name}您好：\n\n新{product_line}用了一周了，有问题随时回复本邮件或在 App 里找我们。\n\n{company}",
)
# The quarterly NPS survey: every tier, first round on the next quarter's first day (10:00).
QUARTERLY = CampaignCreate(name="季度 NPS 调查", interval_days=91, expires_days=14)


def next_quarter(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    month = (local.month - 1) // 3 * 3 + 4
    year = local.year + (month > 12)
    return datetime(year, (month - 1) % 12 + 1, 1, 10, 0, tzinfo=SHANGHAI)


COLLECTIONS = [
    (
        "行业洞察",
        "2026 智能终端趋势：端侧 AI 走进日常",
        "端侧大模型让手机、耳机与家居设备在本地理解语音和图像……",
    ),
    ("行业洞察", "以旧换新与绿色回收：行业新规解读", "新规要求厂商公开回收渠道与数据清除流程……"),
    ("使用技巧", "三步延长手机电池寿命", "1. 开启优化充电；2. 避免高温环境充电；3. 定期更新系统。"),
    ("使用技巧", "耳机降噪模式怎么选", "通勤选强降噪，办公选通透模式，运动选环境声……"),
]


async def load(session: AsyncSession) -> int:
    """Returns how many journeys were created (a name that exists is left as it is)."""
    for category, title, body in COLLECTIONS:
        if await kb_service.by_title(session, title, "zh_CN") is None:
            await kb_service.create(
                session,
                SYSTEM,
                ArticleCreate(title=title, body=body, category=category, status=ArticleStatus.PUBLISHED),
            )
    names = {j.name: j for j in await outreach_service.list_journeys(session, SYSTEM)}
    created = 0
    for journey in [*JOURNEYS, *MORE]:
        if journey.name not in names:
            names[journey.name] = await outreach_service.create(session, None, journey)
            created += 1
    guide = names["手机上手指南"]
    if FOLLOW_UP.name not in names:
        await outreach_service.create(session, None, FOLLOW_UP.model_copy(update={"follows_id": guide.id}))
        created += 1
    if QUARTERLY.name not in {c.name for c in await survey_service.campaigns(session, SYSTEM)}:
        await survey_service.create_campaign(
            session, SYSTEM, QUARTERLY.model_copy(update={"first_run_at": next_quarter(utcnow())})
        )
    from kefu.demo.company import CUSTOMERS  # company loads this module: import when called

    for _name, email, _phone, _ext, birthday in CUSTOMERS:
        customer = await customer_service.by_email(session, email)
        if birthday is None or customer is None or "marketing" in (customer.consents or {}):
            continue  # a customer's own answer is never overwritten
        await customer_service.update(
            session, SYSTEM, customer.id, CustomerUpdate(consents={"marketing": True})
        )
    return created
