"""Answering: the serving brain (model, policy over the enabled intents, settings) loaded per
process and refreshed when they change, predictions, the turn log and its unanswered
clusters, the admin's try box and agent assist."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.automation.service import automation_service
from kefu.bot import actions
from kefu.bot import repository as repo
from kefu.bot.policy import (
    HANDOFF_EN,
    HANDOFF_ZH,
    ArticleRef,
    BotConfig,
    Decision,
    IntentSpec,
    Policy,
    Slot,
    Turn,
    render,
)
from kefu.bot.schemas import AssistArticle, AssistMacro, AssistOut, TryArticle, TryOut
from kefu.bot.service.base import REFRESH_SECONDS, BotBase, Brain, _locale_of
from kefu.bot.service.training import _load_model
from kefu.conversation.bot_slot import BotTurn
from kefu.errors import NotFound
from kefu.kb.service import kb_service
from kefu.kit.time import utcnow
from kefu.models.bot import Intent, TurnOutcome
from kefu.models.conversation import Conversation
from kefu.nlp.clusters import Cluster, cluster
from kefu.nlp.emotion import analyze as analyze_emotion
from kefu.nlp.nlu import Prediction
from kefu.nlp.text import normalize, words

MIN_ARTICLE_SCORE = 1.0  # BM25: below this a "suggestion" is noise
ASSIST_FLOOR = 0.3  # an intent's answer is drafted for the agent from this confidence


class BotAnswering(BotBase):
    # ---- the serving brain --------------------------------------------------------------

    def cached_brain(self) -> Brain | None:
        """The brain as last loaded, without touching the database (may be a little old)."""
        return self._brain

    def stale(self) -> bool:
        """Whether the next `brain()` call would ask the database for the brain's version."""
        return self._brain is None or time.monotonic() - self._checked >= REFRESH_SECONDS

    async def brain(self, session: AsyncSession) -> Brain:
        now = time.monotonic()
        if self._brain is not None and now - self._checked < REFRESH_SECONDS:
            return self._brain
        async with self._brain_lock():
            version = await repo.version(session)
            self._checked = time.monotonic()
            if self._brain is not None and self._brain.version == version:
                return self._brain
            self._brain = await self._build(session, version)
            return self._brain

    async def _build(self, session: AsyncSession, version: tuple[Any, ...]) -> Brain:
        settings = await self.settings(session)
        specs = []
        for intent in await repo.intents(session, enabled_only=True):
            specs.append(await self._spec(session, intent))
        latest = await repo.latest_model(session)
        # Seconds of CPU for a large model: in a thread, so the loop keeps serving meanwhile.
        model = await asyncio.to_thread(_load_model, latest.arrays) if latest is not None else None
        config = BotConfig.from_dict(settings.model_dump())
        needs_name = any("{name}" in f"{i.answer}{i.answer_en}" for i in specs)
        return Brain(
            model=model,
            policy=Policy(specs, config),
            settings=settings,
            version=version,
            needs_name=needs_name,
        )

    async def _spec(self, session: AsyncSession, intent: Intent) -> IntentSpec:
        articles = []
        for article_id in intent.article_ids:
            try:
                article = await kb_service.read(session, None, article_id)
            except NotFound:
                continue  # unpublished or deleted: not linked
            articles.append(ArticleRef(article.id, article.title))
        config = intent.config or {}
        return IntentSpec(
            name=intent.name,
            title=intent.title,
            answer=intent.answer,
            answer_en=intent.answer_en,
            buttons=tuple(intent.buttons),
            articles=tuple(articles),
            action=intent.action,
            group=config.get("group"),
            human_only=intent.human_only,
            slots=tuple(Slot(s["name"], s["prompt"], s["pattern"]) for s in config.get("slots") or ()),
            url=str(config.get("url") or ""),
            method=str(config.get("method") or "GET"),
            timeout=float(config.get("timeout") or 3.0),
        )

    def predict(self, brain: Brain, text: str) -> Prediction | None:
        if brain.model is None or not any(ch.isalnum() for ch in normalize(text)):
            return None  # empty, emoji or punctuation only: nothing to classify
        return brain.model.predict(text[:1000])

    # ---- the turn log -----------------------------------------------------------------

    async def log_turn(
        self, session: AsyncSession, conversation_id: int, question: str, turn: BotTurn
    ) -> None:
        outcome = turn.outcome or (
            TurnOutcome.HANDOFF
            if turn.handoff
            else TurnOutcome.MISSED
            if turn.missed
            else TurnOutcome.ANSWERED
        )
        # It does not autoflush, so a conversation still pending in this session goes first.
        if any(isinstance(obj, Conversation) for obj in session.new):
            await session.flush()
        await repo.log_turn(
            session,
            conversation_id=conversation_id,
            question=question[:500],
            intent=turn.intent,
            confidence=turn.confidence,
            outcome=outcome,
        )

    async def unanswered(self, session: AsyncSession, principal: Principal, days: int = 30) -> list[Cluster]:
        require(principal, Perm.KB_MANAGE)
        rows = await repo.unanswered(session, utcnow() - timedelta(days=days), limit=2000)
        return cluster([r.question for r in rows])

    async def stats(self, session: AsyncSession, principal: Principal, days: int = 30) -> dict[str, int]:
        require(principal, Perm.KB_MANAGE)
        return await repo.turn_counts(session, utcnow() - timedelta(days=days))

    # ---- try it and agent assist --------------------------------------------------------

    async def try_text(self, session: AsyncSession, principal: Principal, text: str) -> TryOut:
        """The bot's answer to `text` as a customer's first message: its exact reply, buttons
        and articles (the business system is called as in a chat), for the admin's try box."""
        require(principal, Perm.KB_MANAGE)
        brain = await self.brain(session)
        prediction = self.predict(brain, text)
        feeling = analyze_emotion(text)
        decision = await self._preview(session, brain, text, prediction, feeling.anger, feeling.label)
        declined = decision.missed or prediction is None or prediction.label is None
        return TryOut(
            intent=None if declined or prediction is None else prediction.label,
            confidence=prediction.confidence if prediction else 0.0,
            ranked=list(prediction.ranked) if prediction else [],
            emotion=feeling.label,
            anger=feeling.anger,
            reply="\n".join(decision.replies),
            replies=list(decision.replies),
            buttons=list(decision.buttons),
            articles=[TryArticle(id=a.id, title=a.title, url=a.url) for a in decision.articles],
            declined=declined,
            off_topic=bool(prediction and prediction.off_topic),
            handoff=decision.handoff,
        )

    async def _preview(
        self,
        session: AsyncSession,
        brain: Brain,
        text: str,
        prediction: Prediction | None,
        anger: float,
        emotion: str,
    ) -> Decision:
        """The decision the chat bot would take (engine.NluBot.respond, without a state)."""
        if brain.model is None:
            return Decision(missed=True)
        # The language of the question as the model reads it: pinyin ("tui kuan duo jiu") is
        # Chinese typed in Latin letters, and the customer should get the Chinese answer.
        locale = _locale_of(brain.model.rewrite(text[:1000]))
        turn = Turn(text=text[:1000], locale=locale, anger=anger, emotion=emotion)
        decision = brain.policy.step(turn, prediction, {})
        if decision.search:
            found = await kb_service.search(session, None, decision.search, limit=3, log_miss=False)
            refs = [ArticleRef(a.id, a.title) for a in found.items if a.score >= MIN_ARTICLE_SCORE]
            decision = brain.policy.with_articles(decision, refs, turn)
        if decision.call is not None:
            spec = brain.policy.intents[decision.call.intent]
            decision = brain.policy.after_call(decision, turn, await actions.call(spec, decision.call.values))
        return decision

    async def assist(
        self, session: AsyncSession, principal: Principal, question: str, *, customer_name: str = ""
    ) -> AssistOut:
        """Suggestions for the agent: articles, macros and the bot's best answer as a draft."""
        require(principal, Perm.TICKETS_WORK)
        question = question.strip()[:1000]
        brain = await self.brain(session)
        prediction = self.predict(brain, question) if question else None
        # The best intent that answers (a hand-off intent's answer is the bot's transfer line,
        # useless to the agent already in the chat); an off-topic question has none.
        intent_name: str | None = None
        confidence = 0.0
        if prediction is not None and not prediction.off_topic:
            for name, p in prediction.ranked:
                candidate = brain.policy.intents.get(name)
                if candidate is not None and p >= ASSIST_FLOOR and not _hands_off(candidate):
                    intent_name, confidence = name, p
                    break
        spec = brain.policy.intents.get(intent_name or "")
        found = (
            await kb_service.search(session, principal, question, limit=5, log_miss=False)
            if question
            else None
        )
        articles = [
            AssistArticle(id=a.id, title=a.title, snippet=a.snippet, url=f"/help/articles/{a.id}")
            for a in (found.items if found else [])
        ]
        if spec is not None:  # the intent's own articles first
            known = {a.id for a in articles}
            articles = [
                AssistArticle(id=a.id, title=a.title, snippet="", url=a.url)
                for a in spec.articles
                if a.id not in known
            ] + articles
        draft = ""
        if spec is not None and spec.answer:
            draft = render(spec.answer, {"name": customer_name})
        elif found and found.items:
            draft = f"您好，关于您的问题，可以参考《{found.items[0].title}》：{found.items[0].snippet}"
        macros = await automation_service.macros_for(session, principal)
        return AssistOut(
            question=question,
            intent=intent_name,
            confidence=confidence,
            draft=_plain(draft),
            articles=articles[:5],
            macros=[
                AssistMacro(id=m.id, title=m.title, body=m.body) for m in _rank_macros(question, macros)[:3]
            ],
            emotion=analyze_emotion(question).label if question else None,
        )


def _rank_macros(question: str, macros: Sequence[Any]) -> list[Any]:
    """Macros sharing the most words (and characters) with the question, best first."""
    if not question:
        return []
    q_words = set(words(normalize(question)))
    q_chars = set(normalize(question))

    def score(m: Any) -> float:
        text = normalize(f"{m.title} {m.body}")
        shared = len(q_words & set(words(text)))
        return shared + 0.1 * len(q_chars & set(text))

    scored = [(score(m), m) for m in macros]
    return [m for s, m in sorted(scored, key=lambda x: -x[0]) if s >= 1.0]


def _hands_off(spec: IntentSpec) -> bool:
    """An intent whose answer is the bot's hand-off line: nothing to propose to an agent."""
    return (
        spec.human_only
        or spec.action in ("handoff", "http")
        or any(line in spec.answer for line in (HANDOFF_ZH, HANDOFF_EN, "转接人工", "转人工"))
    )


def _plain(text: str) -> str:
    return text.replace("**", "")
