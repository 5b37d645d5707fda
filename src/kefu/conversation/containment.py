"""Did the bot resolve this conversation? (pure) — decided when a conversation the bot kept
to itself closes, so "containment" means resolved, not merely "nobody asked for a person".

Resolved when the customer confirms after the bot's last answer ("好的，谢谢", "解决了"), or
leaves silently right after a real answer (an intent's answer or a business-system lookup)
without having asked the same thing twice. Not resolved when it ended on a decline, a
"did you mean" question, article suggestions or a question the bot asked back, or when the
customer had to repeat a question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

ANSWERS = frozenset({"answered", "action"})

_CONFIRM = re.compile(
    r"谢谢|多谢|感谢|谢啦|解决了|明白了|懂了|知道了|清楚了|好的|好滴|可以了|没问题|搞定|"
    r"\b(?:thanks?|thank you|thx|got it|solved|ok(?:ay)?|great|perfect)\b",
    re.IGNORECASE,
)
# "还是没解决", "不明白", "没用": a thank-you that is really a complaint does not count.
_NOT = re.compile(
    r"没(?:有)?(?:解决|用|明白|懂)|不(?:明白|懂|行|对|清楚)|还是|not (?:solved|working)|doesn'?t",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BotTurn:
    outcome: str  # a bot TurnOutcome value
    intent: str | None
    question: str  # what the customer wrote that the turn answered


def confirms(text: str) -> bool:
    """The customer says the answer helped."""
    return bool(_CONFIRM.search(text)) and not _NOT.search(text)


def bot_resolved(turns: Sequence[BotTurn], said_after_last_turn: Sequence[str]) -> bool:
    """`turns`: the bot's turns in order; `said_after_last_turn`: what the customer wrote
    after the bot's last turn (no reply came before the chat closed)."""
    answers = [t for t in turns if t.outcome in ANSWERS]
    if not answers:
        return False  # the bot never answered anything
    if any(confirms(text) for text in said_after_last_turn):
        return True
    if said_after_last_turn:
        return False  # they wrote again and got no answer
    last = turns[-1]
    if confirms(last.question) and len(turns) > 1 and any(t.outcome in ANSWERS for t in turns[:-1]):
        return True  # "好的，谢谢" after an answer, whatever the bot made of the thanks
    if last.outcome not in ANSWERS:
        return False
    intents = [t.intent for t in answers if t.intent]
    return len(intents) == len(set(intents))  # the same question twice: the answer did not help
