"""The bot slot: what serves a conversation before a human does.

Routing never looks inside the bot: a bot turn returns replies and, when it gives up or the
customer asks, a hand-off request (with an optional group name and collected facts). The
rule bot below answers until the NLU bot (kefu.bot) registers itself with `set_bot`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

HANDOFF_WORDS = re.compile(
    r"转人工|人工客服|人工服务|找人工|真人|\bhuman\b|\bagent\b|\boperator\b", re.IGNORECASE
)


@dataclass(frozen=True)
class BotContext:
    conversation_id: int
    customer_id: int | None
    text: str
    locale: str = "zh_CN"
    misses: int = 0
    tier: str = "none"
    state: dict[str, Any] = field(default_factory=dict)  # the bot's own dialogue state
    emotion: str = "neutral"  # of this customer message (negative / neutral / positive)
    anger: float = 0.0  # 0..1


@dataclass
class BotTurn:
    replies: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    handoff: bool = False
    group_name: str | None = None  # None: the default group
    reason: str = ""
    missed: bool = False  # the bot did not understand (counts toward auto hand-off)
    intent: str | None = None
    confidence: float | None = None
    facts: dict[str, Any] = field(default_factory=dict)  # collected before hand-off
    note: str = ""  # an internal note for the agent who takes over (what the bot collected)
    ticket: bool = False  # record a ticket for the customer without a hand-off
    articles: list[dict[str, Any]] = field(default_factory=list)  # {id, title, url} shown as links
    state: dict[str, Any] | None = None  # the bot's new dialogue state (None: unchanged)
    outcome: str = ""  # answered / buttons / kb / missed / handoff / slot / action (logged)


class BotSlot(Protocol):
    # True for a bot that only computes (no network, no database): its turn is stored in the
    # same commit as the customer's message. A bot that calls business systems says False
    # and answers in a transaction of its own, so no lock is held while it waits.
    inline: bool

    async def greet(self, ctx: BotContext) -> BotTurn: ...

    async def respond(self, ctx: BotContext) -> BotTurn: ...


# (keywords, Chinese answer, English answer)
_RULES: list[tuple[tuple[str, ...], str, str]] = [
    (
        ("营业时间", "工作时间", "几点", "上班", "opening hours", "business hours"),
        "人工客服服务时间为工作日 9:00–18:00（法定节假日按国家安排调整），机器人 7×24 小时在线。",
        "Human agents are available on workdays 9:00–18:00 (China time); the bot answers 24/7.",
    ),
    (
        ("退货", "退款", "退换", "refund", "return"),
        "签收后 7 天内可无理由退货，15 天内质量问题可换货。"
        "请在“我的订单”中申请，审核通过后 1–3 个工作日退款。",
        "You can return an item within 7 days of delivery, or exchange it within 15 days for a defect. "
        "Apply under My orders; refunds arrive 1–3 workdays after approval.",
    ),
    (
        ("发货", "物流", "快递", "到货", "shipping", "delivery", "track"),
        "订单一般在付款后 24 小时内发货，发货后可在“我的订单”查看物流单号。",
        "Orders ship within 24 hours of payment; the tracking number appears under My orders.",
    ),
    (
        ("保修", "维修", "售后", "warranty", "repair"),
        "星辰电子产品整机保修一年，电池保修六个月。可在服务中心提交寄修申请，或前往就近服务网点。",
        "Our products carry a one-year warranty (batteries six months). Request a repair in the help "
        "center or visit a service point.",
    ),
    (
        ("发票", "invoice"),
        "电子发票会在订单完成后发送到您的邮箱，也可在“我的订单”中下载。",
        "The e-invoice is emailed when the order completes and can be downloaded under My orders.",
    ),
]
GREETING = (
    "您好，我是星辰电子智能客服，请问有什么可以帮您？输入“转人工”可联系人工客服。",
    "Hello! I'm the virtual assistant. How can I help? Type “human” to reach an agent.",
)
MISS = (
    "抱歉，我还没理解您的问题。您可以换个说法，或点击“转人工”。",
    "Sorry, I didn't get that. Try rephrasing, or ask for a human.",
)
HANDOFF = ("好的，正在为您转接人工客服，请稍候。", "Sure — connecting you to an agent, please wait.")
MAX_MISSES = 3


class RuleBot:
    """Greeting, keyword answers and 转人工; three misses in a row hand off too."""

    inline = True

    async def greet(self, ctx: BotContext) -> BotTurn:
        return BotTurn(replies=[_pick(GREETING, ctx.locale)], buttons=["转人工"])

    async def respond(self, ctx: BotContext) -> BotTurn:
        text = ctx.text.strip()
        if HANDOFF_WORDS.search(text):
            return BotTurn(replies=[_pick(HANDOFF, ctx.locale)], handoff=True, reason="customer_asked")
        lowered = text.lower()
        for keywords, zh, en in _RULES:
            if any(k in lowered for k in keywords):
                return BotTurn(replies=[_pick((zh, en), ctx.locale)], intent=keywords[0], confidence=1.0)
        if ctx.misses + 1 >= MAX_MISSES:
            return BotTurn(
                replies=[_pick(HANDOFF, ctx.locale)], handoff=True, missed=True, reason="bot_missed"
            )
        return BotTurn(replies=[_pick(MISS, ctx.locale)], buttons=["转人工"], missed=True)


def greeting(locale: str) -> str:
    return _pick(GREETING, locale)


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale.startswith("en") else pair[0]


_bot: BotSlot = RuleBot()


def set_bot(bot: BotSlot) -> None:
    """The bot issue's NLU bot plugs in here; routing is untouched."""
    global _bot
    _bot = bot


def get_bot() -> BotSlot:
    return _bot
