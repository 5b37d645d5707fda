"""Loads the demo bot: the intents of `demo.intents` (idempotent by name), the pre-hand-off
questions and greeting buttons, and the order-lookup action pointed at the demo ERP."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.bot.schemas import BotSettings, IntentIn
from kefu.bot.service import bot_service, demo_questions
from kefu.config import current_settings
from kefu.demo.intents import INTENTS
from kefu.kb.service import kb_service

GREETING = "您好，我是星辰电子智能客服小星，7×24 小时为您服务。请直接描述您的问题，或点击下方常见问题："
GREETING_BUTTONS = ["查询订单", "退换货政策", "申请维修"]


async def load(session: AsyncSession, admin_id: int | None) -> int:
    admin = Principal(kind="staff", id=admin_id or 0, name="demo", role="admin")
    created = 0
    titles = {i.title for i in INTENTS}
    for spec in INTENTS:
        if await bot_service.intent_named(session, spec.name) is not None:
            continue
        article_ids = []
        for title in spec.articles:
            article = await kb_service.by_title(session, title, "zh_CN")
            if article is not None:
                article_ids.append(article.id)
        config: dict[str, object] = {}
        if spec.group:
            config["group"] = spec.group
        if spec.action == "http":
            port = current_settings().port
            config["url"] = f"http://127.0.0.1:{port}/demo-erp/orders/{{order_no}}"
            config["slots"] = [{"name": n, "prompt": p, "pattern": r} for n, p, r in spec.slots]
        data = IntentIn(
            name=spec.name,
            title=spec.title,
            examples=[*spec.examples, *spec.examples_en],
            answer=spec.answer,
            answer_en=spec.answer_en,
            buttons=[b for b in spec.buttons if b in titles or b == "转人工"],
            article_ids=article_ids[:5],
            action=spec.action,  # type: ignore[arg-type]
            config=config,  # type: ignore[arg-type]
            human_only=spec.human_only,
        )
        await bot_service.create(session, admin, data)
        created += 1
    if created:
        settings = await bot_service.settings(session)
        if not settings.questions:
            await bot_service.save_settings(
                session,
                admin,
                BotSettings.model_validate(
                    {
                        **settings.model_dump(),
                        "greeting": GREETING,
                        "greeting_buttons": [b for b in GREETING_BUTTONS if b in titles],
                        "questions": demo_questions(),
                    }
                ),
            )
    return created
