"""The demo company's bot intents (星辰电子): customer phrasings, answers backed by the KB articles,
hand-offs and the order lookup. The data is `demo/data/intents.json` (edit it there); this
module loads it into typed records for the demo loader, the tests and the NLU bench."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

DATA = "intents.json"


@dataclass(frozen=True)
class DemoIntent:
    name: str  # ascii snake_case code, unique
    title: str  # short Chinese label shown on a quick-reply button (≤ 10 chars), unique
    examples: tuple[str, ...]  # ≥ 12 varied Chinese customer phrasings
    examples_en: tuple[str, ...]  # ≥ 4 English phrasings
    answer: str  # Chinese answer, consistent with the articles (placeholders only for "http")
    answer_en: str
    articles: tuple[str, ...] = ()  # exact titles from kb_articles.ARTICLES backing the answer
    action: str = "answer"  # "answer" | "handoff" | "http"
    group: str | None = None  # for action "handoff" (or human_only): 售前咨询, 售后维修, 投诉处理, VIP专席
    human_only: bool = False  # a person must handle it (the bot hands off after asking its questions)
    buttons: tuple[str, ...] = ()  # follow-up quick replies (titles of other intents, or "转人工")
    slots: tuple[tuple[str, str, str], ...] = field(default=())  # "http": (slot, Chinese prompt, regex)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> DemoIntent:
        return cls(
            **{
                **row,
                "examples": tuple(row["examples"]),
                "examples_en": tuple(row["examples_en"]),
                "articles": tuple(row.get("articles", ())),
                "buttons": tuple(row.get("buttons", ())),
                "slots": tuple((s[0], s[1], s[2]) for s in row.get("slots", ())),
            }
        )


def load_intents() -> tuple[DemoIntent, ...]:
    """The intents in file order (package data, so it ships in the wheel)."""
    text = files("kefu.demo").joinpath("data", DATA).read_text(encoding="utf-8")
    return tuple(DemoIntent.from_json(row) for row in json.loads(text))


INTENTS: tuple[DemoIntent, ...] = load_intents()
