"""The NLU bot in the conversation's bot slot: classify, apply the dialogue policy, fetch
articles or call the business system when the policy asks, and answer as a `BotTurn`.

It is not `inline`: it reads the knowledge base and may wait on the company's systems, so
its turn runs in a transaction of its own after the customer's message is acknowledged.
Until a company has trained intents it answers like the rule bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.bot import actions
from kefu.bot.policy import HUMAN_BUTTON, ArticleRef, Decision, Turn
from kefu.bot.service import Brain, bot_service
from kefu.conversation.bot_slot import BotContext, BotTurn, RuleBot, greeting, set_bot
from kefu.customer.service import customer_service
from kefu.errors import NotFound
from kefu.kb.service import kb_service
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.nlp.nlu import IntentModel, Prediction
from kefu.routing.service import routing_service

log = structlog.get_logger(__name__)
PREFETCH_BATCH = 32  # texts per encoder call (one onnxruntime run)
PREDICTED_MAX = 4096  # predictions made ahead, kept by text
RECENT = 5  # earlier customer messages kept in the state (pre-hand-off answers found in them)
MIN_ARTICLE_SCORE = 1.0  # BM25: below this a "suggestion" is noise


class NluBot:
    inline = False

    def __init__(self, db: Database) -> None:
        self.db = db
        self.fallback = RuleBot()
        self._queued: list[tuple[str, asyncio.Future[None]]] = []
        self._draining = False
        self._drainer: asyncio.Task[None] | None = None  # kept referenced while it runs
        # Predictions made ahead by `prefetch`, by text (a prediction depends on the model
        # and the text only; quick-reply buttons repeat): bounded, oldest out first.
        self._predicted: dict[str, tuple[IntentModel, Prediction | None]] = {}

    async def prefetch(self, text: str) -> None:
        """Classify `text` before the message's write unit, in a worker thread and batched
        with whatever else arrived meanwhile (one encoder run for the batch), so the turn
        decided inside the unit (`respond_in`) finds its prediction ready: the encoder's
        ~10 ms and the classifier's ~1 ms of CPU stay out of the writer's critical section,
        which runs every unit of the process one after another on the event loop. Best
        effort: on any problem the unit predicts by itself."""
        brain = await self.refresh()
        model = brain.model if brain is not None else None
        key = text[:1000]
        if brain is None or model is None or self._ready(model, key) is not None:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((key, future))
        if not self._draining:
            self._draining = True
            self._drainer = asyncio.create_task(self._drain(brain))
        await future

    async def refresh(self) -> Brain | None:
        """The brain, checked against the database before (not in) a write unit: after a
        retrain or an intent edit the new model loads here, on a reader (seconds for a large
        model). Inside a message's or a widget session's unit the load held SQLite's only
        writer, so every other chat waited for it. Best effort: on a failure the unit checks
        by itself."""
        if bot_service.stale():
            try:
                async with self.db.read() as session:
                    return await bot_service.brain(session)
            except Exception as exc:
                log.warning("bot.refresh_failed", error=repr(exc))
        return bot_service.cached_brain()

    async def _drain(self, brain: Brain) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued[:PREFETCH_BATCH], self._queued[PREFETCH_BATCH:]
                try:
                    await asyncio.to_thread(self._predict_ahead, brain, [text for text, _ in batch])
                except Exception as exc:  # the unit predicts on its own
                    log.warning("bot.prefetch_failed", error=repr(exc))
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
        finally:
            self._draining = False

    def _predict_ahead(self, brain: Brain, texts: list[str]) -> None:
        """In a worker thread: embed the batch at once, then classify each text."""
        model = brain.model
        assert model is not None
        model.prefetch(texts)
        for text in texts:
            self._predicted[text] = (model, bot_service.predict(brain, text))
        while len(self._predicted) > PREDICTED_MAX:  # oldest first (dicts keep insertion order)
            self._predicted.pop(next(iter(self._predicted)), None)

    def _ready(self, model: IntentModel, text: str) -> tuple[Prediction | None] | None:
        """The prediction `prefetch` made for this text with this model, if any."""
        made = self._predicted.get(text)
        return (made[1],) if made is not None and made[0] is model else None

    def _prediction(self, brain: Brain, text: str) -> Prediction | None:
        ready = self._ready(brain.model, text[:1000]) if brain.model is not None else None
        return ready[0] if ready is not None else bot_service.predict(brain, text)

    async def greet(self, ctx: BotContext) -> BotTurn:
        async with self.db.read() as session:
            return await self.greet_in(session, ctx)

    async def greet_in(self, session: AsyncSession, ctx: BotContext) -> BotTurn:
        """The greeting, read in the caller's transaction (the new conversation's own unit)."""
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
            decided = await self._decide(session, ctx)
        if isinstance(decided, BotTurn):
            return decided
        decision, brain, turn, recent = decided
        if decision.call is not None:
            spec = brain.policy.intents[decision.call.intent]
            asked, result = decision, await actions.call(spec, decision.call.values)
            decision = brain.policy.after_call(asked, turn, result)
            if decision.handoff:  # the call failed: a hand-off after all
                async with self.db.read() as session:
                    closed = await self._closed(session, decision.group, ctx.locale)
                if closed is not None:
                    decision = brain.policy.after_call(asked, closed(turn), result)
        return _finish(decision, ctx, recent)

    async def respond_in(self, session: AsyncSession, ctx: BotContext) -> BotTurn | None:
        """The turn decided inside the caller's transaction — the customer's message's own
        write unit, so message and answer share one commit — or None when the turn must
        call a business system (that waits on the network: `respond` runs it after the
        commit, holding no lock)."""
        decided = await self._decide(session, ctx)
        if isinstance(decided, BotTurn):
            return decided
        decision, _brain, _turn, recent = decided
        if decision.call is not None:
            return None
        return _finish(decision, ctx, recent)

    async def _decide(
        self, session: AsyncSession, ctx: BotContext
    ) -> BotTurn | tuple[Decision, Brain, Turn, list[str]]:
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
        prediction = self._prediction(brain, ctx.text)
        decision = brain.policy.step(turn, prediction, ctx.state)
        # The hand-off group's agent hours matter only to a hand-off's wording: looked
        # up then, not per turn. The bot itself answers 7×24.
        if decision.handoff:
            closed = await self._closed(session, decision.group, ctx.locale)
            if closed is not None:
                turn = closed(turn)
                decision = brain.policy.step(turn, prediction, ctx.state)
        if decision.search:
            articles = await self._articles(session, decision.search)
            decision = brain.policy.with_articles(decision, articles, turn)
        return decision, brain, turn, recent

    async def _closed(
        self, session: AsyncSession, group: str | None, locale: str
    ) -> Callable[[Turn], Turn] | None:
        """None while the group's agents are in hours, else how to mark the turn closed."""
        opens = await routing_service.next_opening(session, group_name=group)
        if opens is None:
            return None
        when = opening_text(opens, utcnow().astimezone(opens.tzinfo), en=locale.startswith("en"))
        return lambda turn: replace(turn, open_now=False, opens_at=when)

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


def _finish(decision: Decision, ctx: BotContext, recent: list[str]) -> BotTurn:
    state = dict(decision.state)
    if not decision.handoff:
        state["recent"] = [*recent, ctx.text[:200]][-RECENT:]
    return _bot_turn(replace(decision, state=state))


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


async def warm(db: Database) -> None:
    """Load the brain and run one prediction (the encoder's session, the pinyin lexicon)
    before customers ask: done by the first message instead, it held the writer for about
    a second (0.7 s to load the demo's model, 0.4 s for the first prediction) while every
    socket's messages queued behind it. Both heavy parts run in threads."""
    async with db.read() as session:
        brain = await bot_service.brain(session)
    if brain.model is not None:
        await asyncio.to_thread(brain.model.predict, "你好")


def uninstall() -> None:
    """Back to the rule bot (app shutdown): nothing keeps a bot bound to a closed database."""
    set_bot(RuleBot())


WEEKDAYS_ZH = "一二三四五六日"


def opening_text(opens: datetime, now: datetime, *, en: bool = False) -> str:
    """When agents are back, as a customer reads it: 今天/明天 09:00, else the date."""
    days = (opens.date() - now.date()).days
    hm = opens.strftime("%H:%M")
    if en:
        day = "today" if days == 0 else "tomorrow" if days == 1 else opens.strftime("%a %d %b")
        return f"{hm} {day}"
    if days in (0, 1):
        return f"{'今天' if days == 0 else '明天'} {hm}"
    return f"{opens.month}月{opens.day}日（周{WEEKDAYS_ZH[opens.weekday()]}）{hm}"
