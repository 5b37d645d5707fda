"""The NLU bot in the conversation's bot slot: classify, apply the dialogue policy, fetch
articles or call the business system when the policy asks, and answer as a `BotTurn`.

It is not `inline`: it reads the knowledge base and may wait on the company's systems, so
its turn runs in a transaction of its own after the customer's message is acknowledged.
Until a company has trained intents it answers like the rule bot.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.bot import actions
from kefu.bot.policy import HUMAN_BUTTON, ArticleRef, Decision, Turn
from kefu.bot.service import bot_service
from kefu.conversation.bot_slot import BotContext, BotTurn, RuleBot, greeting, set_bot
from kefu.customer.service import customer_service
from kefu.errors import NotFound
from kefu.kb.service import kb_service
from kefu.kit.db import Database
from kefu.sla.service import sla_service

RECENT = 5  # earlier customer messages kept in the state (pre-hand-off answers found in them)
MIN_ARTICLE_SCORE = 1.0  # BM25: below this a "suggestion" is noise


class NluBot:
    inline = False

    def __init__(self, db: Database) -> None:
        self.db = db
        self.fallback = RuleBot()

    async def greet(self, ctx: BotContext) -> BotTurn:
        async with self.db.read() as session:
            settings = (await bot_service.brain(session)).settings
        human = HUMAN_BUTTON[1] if ctx.locale.startswith("en") else HUMAN_BUTTON[0]
        text = (
            settings.greeting
            if settings.greeting and not ctx.locale.startswith("en")
            else greeting(ctx.locale)
        )
        return BotTurn(replies=[text], buttons=[*settings.greeting_buttons, human])

    async def respond(self, ctx: BotContext) -> BotTurn:
        async with self.db.read() as session:
            brain = await bot_service.brain(session)
            if brain.model is None:
                return await self.fallback.respond(ctx)
            recent = [str(t) for t in ctx.state.get("recent") or []][-RECENT:]
            turn = Turn(
                text=ctx.text[:1000],
                locale=ctx.locale,
                misses=ctx.misses,
                tier=ctx.tier,
                anger=ctx.anger,
                emotion=ctx.emotion,
                history="\n".join(recent),
                names={"name": await self._name(session, ctx.customer_id)} if brain.needs_name else {},
            )
            prediction = bot_service.predict(brain, ctx.text)
            decision = brain.policy.step(turn, prediction, ctx.state)
            # Business hours matter only to a hand-off's wording: looked up then, not per turn.
            if decision.handoff and not await sla_service.is_open_now(session):
                turn = replace(turn, open_now=False)
                decision = brain.policy.step(turn, prediction, ctx.state)
            if decision.search:
                decision = brain.policy.with_articles(
                    decision, await self._articles(session, decision.search), turn
                )
        if decision.call is not None:
            spec = brain.policy.intents[decision.call.intent]
            asked, result = decision, await actions.call(spec, decision.call.values)
            decision = brain.policy.after_call(asked, turn, result)
            if decision.handoff and not await self._open_now():  # failed: a hand-off after all
                decision = brain.policy.after_call(asked, replace(turn, open_now=False), result)
        state = dict(decision.state)
        if not decision.handoff:
            state["recent"] = [*recent, ctx.text[:200]][-RECENT:]
        return _bot_turn(replace(decision, state=state))

    async def _open_now(self) -> bool:
        async with self.db.read() as session:
            return await sla_service.is_open_now(session)

    async def _articles(self, session: AsyncSession, query: str) -> list[ArticleRef]:
        found = await kb_service.search(session, None, query, limit=3)
        return [ArticleRef(a.id, a.title) for a in found.items if a.score >= MIN_ARTICLE_SCORE]

    async def _name(self, session: AsyncSession, customer_id: int | None) -> str:
        if customer_id is None:
            return ""
        try:
            customer = await customer_service.get(session, None, customer_id)
        except NotFound:
            return ""
        return customer.name or ""


def _bot_turn(d: Decision) -> BotTurn:
    return BotTurn(
        replies=list(d.replies),
        buttons=list(d.buttons),
        handoff=d.handoff,
        group_name=d.group,
        reason=d.reason,
        missed=d.missed,
        intent=d.intent,
        confidence=d.confidence,
        facts=dict(d.facts),
        note=d.note,
        ticket=d.ticket,
        articles=[a.as_dict() for a in d.articles],
        state=dict(d.state),
        outcome=d.outcome,
    )


def install(db: Database) -> None:
    """Put the NLU bot in the conversation's bot slot (at app start)."""
    set_bot(NluBot(db))


def uninstall() -> None:
    """Back to the rule bot (app shutdown): nothing keeps a bot bound to a closed database."""
    set_bot(RuleBot())
