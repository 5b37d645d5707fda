"""The bot's dialogue policy, pure: given the classifier's prediction, the message's emotion
and the conversation's bot state, decide what to say and whether to hand off.

Confident → answer (or start the intent's action); a close call between two or three
intents → ask which with buttons; not understood → suggest knowledge-base articles, offer a
human after `offer_human_after` misses and hand off at `max_misses`. Explicit requests,
strong anger, configured tiers and human-only intents hand off at once — after the
configured pre-hand-off questions, so the agent starts informed. I/O (article search, the
business-system call) is left to the engine: a decision may ask for articles or a call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kefu.conversation.bot_slot import HANDOFF_WORDS
from kefu.nlp.nlu import Prediction

SKIP_WORDS = re.compile(r"^\s*(跳过|不知道|没有|无|skip|none|no)\s*[。.!！]?\s*$", re.IGNORECASE)
NONE_OF_THESE = ("都不是", "None of these")
HUMAN_BUTTON = ("转人工", "Human agent")
UPSET = 0.35  # anger from which the agent is told the customer is upset (and priority rises)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]{0,30})\}")


@dataclass(frozen=True)
class ArticleRef:
    id: int
    title: str

    @property
    def url(self) -> str:
        return f"/help/articles/{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url}


@dataclass(frozen=True)
class Slot:
    name: str
    prompt: str
    pattern: str  # a regular expression the answer must contain

    def find(self, text: str) -> str | None:
        try:
            match = re.search(self.pattern, text, re.IGNORECASE)
        except re.error:
            return None
        return match.group(0) if match else None


@dataclass(frozen=True)
class IntentSpec:
    name: str
    title: str
    answer: str = ""
    answer_en: str = ""
    buttons: tuple[str, ...] = ()
    articles: tuple[ArticleRef, ...] = ()
    action: str = "answer"  # answer | handoff | http | ticket
    group: str | None = None
    human_only: bool = False
    slots: tuple[Slot, ...] = ()
    url: str = ""  # http: the business-system endpoint ({slot} placeholders)
    method: str = "GET"
    timeout: float = 3.0

    def text(self, locale: str) -> str:
        return self.answer_en if locale.startswith("en") and self.answer_en else self.answer


@dataclass(frozen=True)
class Question:
    """Asked before a hand-off; `options` become buttons, `pattern` also finds it in the
    customer's earlier words (an order number already given is not asked again)."""

    field: str
    label: str  # shown to the agent
    prompt: str
    options: tuple[str, ...] = ()  # "label" or "label=value" (e.g. "订单问题=购买/订单")
    pattern: str = ""

    @property
    def buttons(self) -> tuple[str, ...]:
        return tuple(o.partition("=")[0] for o in self.options)

    def value_of(self, text: str) -> str | None:
        """The stored value of an answer: an option's value, a pattern match, or the text."""
        for option in self.options:
            label, _, value = option.partition("=")
            if text == label:
                return value or label
        if self.pattern:
            return Slot(self.field, self.prompt, self.pattern).find(text)
        return None


@dataclass(frozen=True)
class BotConfig:
    offer_human_after: int = 2  # misses in a row before the "human" button is offered
    max_misses: int = 3  # misses in a row that hand off
    anger_handoff: float = 0.55  # anger intensity (0..1) that hands off at once
    handoff_tiers: tuple[str, ...] = ()  # customer tiers served by humans at once
    close_call_floor: float = 0.35  # a candidate worth offering as a button
    close_call_margin: float = 0.15  # top two closer than this → ask, even when confident
    questions: tuple[Question, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BotConfig:
        questions = tuple(
            Question(
                field=str(q["field"]),
                label=str(q.get("label") or q["field"]),
                prompt=str(q["prompt"]),
                options=tuple(str(o) for o in q.get("options") or ()),
                pattern=str(q.get("pattern") or ""),
            )
            for q in data.get("questions") or ()
        )
        base = cls()
        return cls(
            offer_human_after=int(data.get("offer_human_after", base.offer_human_after)),
            max_misses=int(data.get("max_misses", base.max_misses)),
            anger_handoff=float(data.get("anger_handoff", base.anger_handoff)),
            handoff_tiers=tuple(str(t) for t in data.get("handoff_tiers") or ()),
            close_call_floor=float(data.get("close_call_floor", base.close_call_floor)),
            close_call_margin=float(data.get("close_call_margin", base.close_call_margin)),
            questions=questions,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "offer_human_after": self.offer_human_after,
            "max_misses": self.max_misses,
            "anger_handoff": self.anger_handoff,
            "handoff_tiers": list(self.handoff_tiers),
            "close_call_floor": self.close_call_floor,
            "close_call_margin": self.close_call_margin,
            "questions": [
                {
                    "field": q.field,
                    "label": q.label,
                    "prompt": q.prompt,
                    "options": list(q.options),
                    "pattern": q.pattern,
                }
                for q in self.questions
            ],
        }


@dataclass(frozen=True)
class Turn:
    """What the customer said and what the bot knows about it."""

    text: str
    locale: str = "zh_CN"
    misses: int = 0
    tier: str = "none"
    anger: float = 0.0
    emotion: str = "neutral"
    open_now: bool = True  # the hand-off group's agents are in hours
    opens_at: str = ""  # when they next are, as the customer reads it ("12月4日 周五 09:00")
    history: str = ""  # the customer's earlier words in this conversation
    names: Mapping[str, str] = field(default_factory=dict)  # placeholder values ({name} ...)


@dataclass(frozen=True)
class Call:
    intent: str
    values: dict[str, str]


@dataclass(frozen=True)
class Decision:
    replies: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()
    articles: tuple[ArticleRef, ...] = ()
    handoff: bool = False
    group: str | None = None
    reason: str = ""
    missed: bool = False
    intent: str | None = None
    confidence: float | None = None
    facts: dict[str, Any] = field(default_factory=dict)  # by question field (category, order_no ...)
    note: str = ""  # for the agent: what the bot collected before the hand-off
    state: dict[str, Any] = field(default_factory=dict)
    outcome: str = "answered"
    ticket: bool = False  # record a ticket for the customer (no hand-off)
    search: str | None = None  # the engine should look up articles for this query
    call: Call | None = None  # the engine should call the intent's business system


class Policy:
    def __init__(self, intents: Sequence[IntentSpec], config: BotConfig) -> None:
        self.intents = {i.name: i for i in intents}
        self.by_title = {i.title: i for i in intents}
        self.config = config

    # ---- the main step

    def step(self, turn: Turn, prediction: Prediction | None, state: Mapping[str, Any]) -> Decision:
        text = turn.text.strip()
        waiting = str(state.get("await") or "")
        if waiting == "question":
            return self._answer_question(turn, state)
        if HANDOFF_WORDS.search(text):  # asked for a person: no questions first (the contract)
            return self.start_handoff(turn, reason="customer_asked", ask=False)
        if turn.anger >= self.config.anger_handoff:
            return self.start_handoff(turn, reason="negative_emotion", facts={"emotion": "negative"})
        if turn.tier in self.config.handoff_tiers:
            return self.start_handoff(turn, reason="tier", ask=False)
        if waiting == "slot":
            decision = self._fill_slot(turn, prediction, state)
            if decision is not None:
                return decision
        if waiting == "choice":
            chosen = self._chosen(text, state)
            if chosen is not None:
                return self._serve(turn, chosen, 1.0)
            if text in NONE_OF_THESE:
                return self._miss(turn, None)
        by_button = self.by_title.get(text)
        if by_button is not None:  # a quick reply of an earlier answer
            return self._serve(turn, by_button, 1.0)
        if prediction is None:
            return self._miss(turn, None)
        ranked = [(n, p) for n, p in prediction.ranked if n in self.intents]
        if prediction.label in self.intents:
            close = [
                n
                for n, p in ranked[1:]
                if p >= self.config.close_call_floor and ranked[0][1] - p < self.config.close_call_margin
            ]
            if not close:
                return self._serve(turn, self.intents[prediction.label], prediction.confidence)
            return self._ask_which(turn, [ranked[0][0], *close], prediction)
        if prediction.off_topic:  # not this company's business: decline, offer articles and a person
            return self._miss(turn, prediction)
        candidates = [n for n, p in ranked if p >= self.config.close_call_floor]
        if len(candidates) >= 2:
            return self._ask_which(turn, candidates, prediction)
        return self._miss(turn, prediction, maybe=candidates)

    # ---- answering

    def _serve(self, turn: Turn, intent: IntentSpec, confidence: float) -> Decision:
        if intent.human_only or intent.action == "handoff":
            reply = render(intent.text(turn.locale), turn.names) if intent.text(turn.locale) else ""
            decision = self.start_handoff(
                turn, reason=f"intent:{intent.name}", group=intent.group, facts={"intent": intent.title}
            )
            return replace(
                decision,
                replies=((reply,) if reply else ()) + decision.replies,
                intent=intent.name,
                confidence=confidence,
            )
        if intent.action == "ticket":  # recorded for the team; no one waits on the chat
            return Decision(
                replies=(render(intent.text(turn.locale), turn.names),) if intent.answer else (),
                intent=intent.name,
                confidence=confidence,
                facts={"intent": intent.title},
                ticket=True,
                group=intent.group,
                outcome="answered",
            )
        if intent.action == "http" and intent.slots:
            values: dict[str, str] = {}
            for slot in intent.slots:
                found = slot.find(turn.text)
                if found:
                    values[slot.name] = found
            return self._next_slot(turn, intent, values, confidence)
        return Decision(
            replies=(render(intent.text(turn.locale), turn.names),),
            buttons=intent.buttons,
            articles=intent.articles,
            intent=intent.name,
            confidence=confidence,
            outcome="answered",
        )

    def _ask_which(self, turn: Turn, names: Sequence[str], prediction: Prediction) -> Decision:
        titles = [self.intents[n].title for n in dict.fromkeys(names)][:3]
        if len(titles) == 1:
            ask = f"您是想咨询「{titles[0]}」吗？" if not _en(turn) else f"Did you mean “{titles[0]}”?"
        else:
            ask = "您想咨询的是以下哪个问题？" if not _en(turn) else "Which of these do you mean?"
        none = NONE_OF_THESE[1] if _en(turn) else NONE_OF_THESE[0]
        return Decision(
            replies=(ask,),
            buttons=(*titles, none),
            intent=prediction.ranked[0][0] if prediction.ranked else None,
            confidence=prediction.confidence,
            state={"await": "choice", "options": [self.by_title[t].name for t in titles]},
            outcome="buttons",
        )

    def _chosen(self, text: str, state: Mapping[str, Any]) -> IntentSpec | None:
        options = [self.intents[n] for n in state.get("options") or () if n in self.intents]
        for intent in options:
            if text == intent.title or text == intent.name:
                return intent
        digits = text.strip().rstrip(".、")
        if digits.isdigit() and 1 <= int(digits) <= len(options):
            return options[int(digits) - 1]
        return None

    def _miss(self, turn: Turn, prediction: Prediction | None, maybe: Sequence[str] = ()) -> Decision:
        """Not understood: apologise (or show articles), offer a weak guess as a button."""
        misses = turn.misses + 1
        intent = prediction.ranked[0][0] if prediction and prediction.ranked else None
        confidence = prediction.confidence if prediction else None
        if misses >= self.config.max_misses:
            decision = self.start_handoff(turn, reason="bot_missed")
            return replace(decision, missed=True, intent=intent, confidence=confidence)
        human = HUMAN_BUTTON[1] if _en(turn) else HUMAN_BUTTON[0]
        guesses = tuple(self.intents[n].title for n in maybe)
        off_topic = prediction is not None and prediction.off_topic
        reply = (
            (DECLINE_EN if _en(turn) else DECLINE_ZH) if off_topic else (MISS_EN if _en(turn) else MISS_ZH)
        )
        offer = off_topic or misses >= self.config.offer_human_after
        return Decision(
            replies=(reply,),
            buttons=guesses + ((human,) if offer else ()),
            missed=True,
            intent=intent,
            confidence=confidence,
            outcome="missed",
            search=turn.text if _has_words(turn.text) else None,
        )

    def with_articles(self, decision: Decision, articles: Sequence[ArticleRef], turn: Turn) -> Decision:
        """A miss with articles found: suggest them instead of a bare apology."""
        if not articles:
            return decision
        if decision.replies and decision.replies[0] in (DECLINE_ZH, DECLINE_EN):
            text = DECLINE_ARTICLES_EN if _en(turn) else DECLINE_ARTICLES_ZH
        else:
            text = ARTICLES_EN if _en(turn) else ARTICLES_ZH
        return replace(decision, replies=(text,), articles=tuple(articles[:3]), outcome="kb")

    # ---- business-system actions

    def _next_slot(
        self, turn: Turn, intent: IntentSpec, values: dict[str, str], confidence: float
    ) -> Decision:
        for slot in intent.slots:
            if slot.name not in values:
                return Decision(
                    replies=(slot.prompt,),
                    intent=intent.name,
                    confidence=confidence,
                    state={"await": "slot", "intent": intent.name, "values": values, "tries": 0},
                    outcome="slot",
                )
        return Decision(
            intent=intent.name, confidence=confidence, call=Call(intent.name, values), outcome="action"
        )

    def _fill_slot(
        self, turn: Turn, prediction: Prediction | None, state: Mapping[str, Any]
    ) -> Decision | None:
        intent = self.intents.get(str(state.get("intent")))
        if intent is None:
            return None
        values = {str(k): str(v) for k, v in (state.get("values") or {}).items()}
        pending = [s for s in intent.slots if s.name not in values]
        if not pending:
            return None
        found = pending[0].find(turn.text)
        if found:
            values[pending[0].name] = found
            return self._next_slot(turn, intent, values, 1.0)
        if prediction is not None and prediction.label and prediction.label != intent.name:
            return None  # a new question: forget the form and answer it
        tries = int(state.get("tries") or 0) + 1
        if tries >= 2:
            return self.start_handoff(turn, reason="slot_failed", facts={"intent": intent.title})
        retry = "格式好像不对，" if not _en(turn) else "That doesn't look right. "
        return Decision(
            replies=(retry + pending[0].prompt,),
            intent=intent.name,
            confidence=1.0,
            state={"await": "slot", "intent": intent.name, "values": values, "tries": tries},
            missed=False,
            outcome="slot",
        )

    def after_call(self, decision: Decision, turn: Turn, result: Mapping[str, Any] | None) -> Decision:
        """Render the business system's reply, or apologise and hand off when it failed."""
        assert decision.call is not None
        intent = self.intents[decision.call.intent]
        if result is None:
            handoff = self.start_handoff(
                turn,
                reason="action_failed",
                group=intent.group,
                facts={"intent": intent.title, **decision.call.values},
            )
            return replace(
                handoff, replies=(ACTION_FAILED_EN if _en(turn) else ACTION_FAILED_ZH, *handoff.replies)
            )
        names = {**turn.names, **decision.call.values, **{k: str(v) for k, v in result.items()}}
        return replace(
            decision,
            replies=(render(intent.text(turn.locale), names),),
            buttons=intent.buttons,
            articles=intent.articles,
            call=None,
            state={},
        )

    # ---- hand-off with pre-hand-off questions

    def start_handoff(
        self,
        turn: Turn,
        *,
        reason: str,
        group: str | None = None,
        facts: Mapping[str, Any] | None = None,
        ask: bool = True,
    ) -> Decision:
        """Hand off, asking the configured questions first (`ask`); answers already in the
        customer's words are taken from there either way."""
        facts = dict(facts or {})
        if turn.anger >= min(UPSET, self.config.anger_handoff):  # "有问题" is negative, not upset
            facts.setdefault("emotion", "negative")
        known = f"{turn.history}\n{turn.text}"
        for q in self.config.questions:
            if q.field not in facts and q.pattern:
                found = Slot(q.field, q.prompt, q.pattern).find(known)
                if found:
                    facts[q.field] = found
        if not ask:
            for q in self.config.questions:
                facts.setdefault(q.field, "")
        state = {"await": "question", "facts": facts, "group": group, "reason": reason}
        return self._ask_next(turn, state)

    def _answer_question(self, turn: Turn, state: Mapping[str, Any]) -> Decision:
        facts = dict(state.get("facts") or {})
        pending = [q for q in self.config.questions if q.field not in facts]
        text = turn.text.strip()
        if pending and not HANDOFF_WORDS.search(text):
            q = pending[0]
            facts[q.field] = "" if SKIP_WORDS.match(text) else (q.value_of(text) or text[:200])
        elif pending:  # asked for a human again: stop asking
            for q in pending:
                facts.setdefault(q.field, "")
        return self._ask_next(turn, {**state, "facts": facts})

    def _ask_next(self, turn: Turn, state: Mapping[str, Any]) -> Decision:
        facts: dict[str, Any] = dict(state.get("facts") or {})
        for q in self.config.questions:
            if q.field not in facts:
                skip = "跳过" if not _en(turn) else "Skip"
                return Decision(
                    replies=(q.prompt,),
                    buttons=(*q.buttons, skip),
                    state={**state, "facts": facts},
                    outcome="slot",
                )
        reply = HANDOFF_EN if _en(turn) else HANDOFF_ZH
        if not turn.open_now:
            if turn.opens_at:
                reply = (CLOSED_AT_EN if _en(turn) else CLOSED_AT_ZH).format(when=turn.opens_at)
            else:
                reply = CLOSED_EN if _en(turn) else CLOSED_ZH
        return Decision(
            replies=(reply,),
            handoff=True,
            group=state.get("group"),
            reason=str(state.get("reason") or "bot"),
            facts={k: v for k, v in facts.items() if v not in ("", None)},
            note=self._note(facts, str(state.get("reason") or ""), turn),
            state={},
            outcome="handoff",
        )

    def _note(self, facts: Mapping[str, Any], reason: str, turn: Turn) -> str:
        labels = {q.field: q.label for q in self.config.questions}
        labels.update({"emotion": "客户情绪", "intent": "意图"})
        shown = {
            labels.get(k, k): ("不满" if k == "emotion" and v == "negative" else v)
            for k, v in facts.items()
            if v not in ("", None)
        }
        reason_text = REASONS.get(reason.partition(":")[0], reason)
        lines = [f"转人工原因：{reason_text}", *(f"{k}：{v}" for k, v in shown.items())]
        return "转人工前收集的信息\n" + "\n".join(lines)


def render(template: str, names: Mapping[str, str]) -> str:
    """Fill {placeholders}; unknown ones are left out rather than shown raw."""
    return _PLACEHOLDER.sub(lambda m: str(names.get(m.group(1), "")), template)


def _en(turn: Turn) -> bool:
    return turn.locale.startswith("en")


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


REASONS = {
    "customer_asked": "客户要求人工",
    "negative_emotion": "客户情绪激动",
    "tier": "会员等级直达人工",
    "intent": "需人工处理的问题",
    "bot_missed": "机器人多次未能理解",
    "slot_failed": "未能收集到所需信息",
    "action_failed": "业务系统查询失败",
}
MISS_ZH = "抱歉，我还没理解您的问题。您可以换个说法，或点击“转人工”。"
MISS_EN = "Sorry, I didn't get that. Try rephrasing, or ask for a human."
DECLINE_ZH = "抱歉，这个问题不在我能解答的范围内。如需帮助，可以点击“转人工”联系客服。"
DECLINE_EN = "Sorry, that's outside what I can help with. Tap “Human agent” to reach our team."
DECLINE_ARTICLES_ZH = (
    "抱歉，这个问题不在我能解答的范围内。以下帮助中心文章也许有用，也可以点击“转人工”联系客服："
)
DECLINE_ARTICLES_EN = (
    "Sorry, that's outside what I can help with. These help-center articles may help, "
    "or tap “Human agent” to reach our team:"
)
ARTICLES_ZH = "我没有完全理解您的问题，以下文章也许能帮到您："
ARTICLES_EN = "I'm not sure I understood; these articles may help:"
HANDOFF_ZH = "好的，正在为您转接人工客服，请稍候。"
HANDOFF_EN = "Sure — connecting you to an agent, please wait."
CLOSED_ZH = "现在是人工客服的非工作时间，您的问题已记录为留言，客服上班后会第一时间联系您。"
CLOSED_EN = "Our agents are offline now; your message is recorded and an agent will reply first thing."
CLOSED_AT_ZH = "现在是人工客服的非工作时间，您的问题已记录为留言。客服将于{when}上班，届时会第一时间联系您。"
CLOSED_AT_EN = "Our agents are offline now; your message is recorded and an agent will reply from {when}."
ACTION_FAILED_ZH = "抱歉，暂时查询不到相关信息。"
ACTION_FAILED_EN = "Sorry, I couldn't look that up right now."
