"""The admin's intents: list, read, create, update, delete (each edit schedules a retrain),
the checks on an intent's action, and the demo company's pre-hand-off questions."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.bot import repository as repo
from kefu.bot.schemas import IntentIn, IntentUpdate
from kefu.bot.service.base import BotBase, _locale_of
from kefu.config import current_settings
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit import outbound
from kefu.kit.time import utcnow
from kefu.models.bot import Intent


class BotIntents(BotBase):
    # ---- intents -------------------------------------------------------------------

    async def intents(self, session: AsyncSession, principal: Principal) -> list[tuple[Intent, list[str]]]:
        require(principal, Perm.KB_MANAGE)
        rows = await repo.intents(session)
        examples: dict[int, list[str]] = {}
        for ex in await repo.examples(session):
            examples.setdefault(ex.intent_id, []).append(ex.text)
        return [(i, examples.get(i.id, [])) for i in rows]

    async def get(
        self, session: AsyncSession, principal: Principal, intent_id: int
    ) -> tuple[Intent, list[str]]:
        require(principal, Perm.KB_MANAGE)
        intent = await repo.intent(session, intent_id)
        if intent is None:
            raise NotFound("意图不存在 / intent not found")
        return intent, [e.text for e in await repo.examples(session, [intent.id])]

    async def intent_named(self, session: AsyncSession, name: str) -> Intent | None:
        return await repo.intent_by_name(session, name)

    async def create(self, session: AsyncSession, principal: Principal | None, data: IntentIn) -> Intent:
        if principal is not None:
            require(principal, Perm.KB_MANAGE)
        if await repo.intent_by_name(session, data.name) is not None:
            raise Conflict(f"意图 {data.name} 已存在 / intent exists", code="intent_exists")
        await _check_action(data.action, data.config.model_dump())
        intent = Intent(
            name=data.name,
            title=data.title,
            answer=data.answer,
            answer_en=data.answer_en,
            buttons=data.buttons,
            article_ids=data.article_ids,
            action=data.action,
            config=data.config.model_dump(exclude_none=True),
            human_only=data.human_only,
            enabled=data.enabled,
        )
        session.add(intent)
        await session.flush()
        await repo.replace_examples(session, intent.id, [(e, _locale_of(e)) for e in data.examples])
        await self._changed(session)
        return intent

    async def update(
        self, session: AsyncSession, principal: Principal, intent_id: int, data: IntentUpdate
    ) -> Intent:
        intent, _ = await self.get(session, principal, intent_id)
        fields = data.model_dump(exclude_unset=True)
        examples = fields.pop("examples", None)
        if "config" in fields:
            fields["config"] = data.config.model_dump(exclude_none=True) if data.config else {}
        await _check_action(fields.get("action", intent.action), fields.get("config", intent.config))
        for key, value in fields.items():
            setattr(intent, key, value)
        if examples is not None:
            await repo.replace_examples(session, intent.id, [(e, _locale_of(e)) for e in examples])
        intent.updated_at = utcnow()
        await self._changed(session)
        return intent

    async def delete(self, session: AsyncSession, principal: Principal, intent_id: int) -> None:
        intent, _ = await self.get(session, principal, intent_id)
        await session.delete(intent)
        await self._changed(session)


async def _check_action(action: str, config: dict[str, Any]) -> None:
    if action == "http" and not config.get("url"):
        raise Unprocessable("HTTP 动作需要 url / an http action needs config.url", code="action_needs_url")
    if action == "http":
        # Slots fill the path or query only; the host is fixed and passes the SSRF guard.
        url = re.sub(r"\{[^{}]*\}", "x", str(config["url"]))
        target = urlsplit(str(config["url"])).netloc
        try:
            if "{" in target:
                raise outbound.OutboundRefused("the host part cannot hold a slot", code="invalid_url")
            await outbound.check_url(url, outbound.Policy(current_settings().effective_outbound_allow()))
        except outbound.OutboundRefused as exc:
            message = f"HTTP 动作地址不允许 / action url refused: {exc.message}"
            raise Unprocessable(message, code=exc.code) from exc
    if action == "http" and not config.get("slots"):
        raise Unprocessable(
            "HTTP 动作需要至少一个槽位 / an http action needs slots", code="action_needs_slots"
        )


def demo_questions() -> list[dict[str, Any]]:
    """The pre-hand-off questions the demo company asks."""
    return [
        {
            "field": "category",
            "label": "问题类型",
            "prompt": "为了让客服更快帮到您，请问您需要咨询哪类问题？",
            "options": ["订单问题=购买/订单", "产品使用=使用", "售后维修=售后/维修", "投诉建议=投诉"],
            "pattern": "",
        },
        {
            "field": "order_no",
            "label": "订单号",
            "prompt": "请提供相关的订单号（以 XC 开头），没有可回复“跳过”。",
            "options": [],
            "pattern": r"XC\d{10}",
        },
    ]
