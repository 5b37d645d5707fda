"""Bot payloads: intents, settings, the try-it box, unanswered clusters, agent assist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from kefu.kit.schemas import BoundedDatetime, Id, OutSchema, Schema
from kefu.models.bot import IntentAction

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class SlotIn(Schema):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    prompt: str = Field(min_length=1, max_length=300)
    pattern: str = Field(min_length=1, max_length=200)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        import re

        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return value


class ActionConfig(Schema):
    group: str | None = Field(default=None, max_length=80)  # hand-off / human-only target
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")  # http action
    method: str = Field(default="GET", pattern="^(GET|POST)$")
    timeout: float = Field(default=3.0, gt=0, le=8.0)  # under the bot's 10 s turn limit
    slots: list[SlotIn] = Field(default_factory=list, max_length=5)


class IntentIn(Schema):
    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=1, max_length=40)
    examples: list[str] = Field(min_length=1, max_length=500)
    answer: str = Field(default="", max_length=4000)
    answer_en: str = Field(default="", max_length=4000)
    buttons: list[str] = Field(default_factory=list, max_length=6)
    article_ids: list[Id] = Field(default_factory=list, max_length=5)
    action: IntentAction = IntentAction.ANSWER
    config: ActionConfig = Field(default_factory=ActionConfig)
    human_only: bool = False
    enabled: bool = True

    @field_validator("examples")
    @classmethod
    def _clean_examples(cls, value: list[str]) -> list[str]:
        out = list(dict.fromkeys(e.strip()[:500] for e in value if e.strip()))
        if not out:
            raise ValueError("at least one non-blank example is required")
        return out


class IntentUpdate(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=40)
    examples: list[str] | None = Field(default=None, min_length=1, max_length=500)
    answer: str | None = Field(default=None, max_length=4000)
    answer_en: str | None = Field(default=None, max_length=4000)
    buttons: list[str] | None = Field(default=None, max_length=6)
    article_ids: list[Id] | None = Field(default=None, max_length=5)
    action: IntentAction | None = None
    config: ActionConfig | None = None
    human_only: bool | None = None
    enabled: bool | None = None

    _clean_examples = field_validator("examples")(
        lambda cls, v: None if v is None else IntentIn._clean_examples(v)  # type: ignore[operator]
    )


class IntentOut(OutSchema):
    id: int
    name: str
    title: str
    answer: str
    answer_en: str
    buttons: list[str]
    article_ids: list[int]
    action: str
    config: dict[str, Any]
    human_only: bool
    enabled: bool
    examples: list[str] = Field(default_factory=list)
    updated_at: datetime


class QuestionIn(Schema):
    field: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    label: str = Field(min_length=1, max_length=40)
    prompt: str = Field(min_length=1, max_length=300)
    options: list[str] = Field(default_factory=list, max_length=8)
    pattern: str = Field(default="", max_length=200)


class BotSettings(Schema):
    greeting: str = Field(default="", max_length=1000)
    greeting_buttons: list[str] = Field(default_factory=list, max_length=6)
    offer_human_after: int = Field(default=2, ge=1, le=10)
    max_misses: int = Field(default=3, ge=1, le=10)
    anger_handoff: float = Field(default=0.55, gt=0, le=1)
    handoff_tiers: list[str] = Field(default_factory=list, max_length=10)
    close_call_floor: float = Field(default=0.35, ge=0, le=1)
    close_call_margin: float = Field(default=0.15, ge=0, le=1)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=4)


class ModelOut(Schema):
    id: int | None
    n_intents: int
    n_examples: int
    train_seconds: float
    validation: dict[str, Any]
    created_at: BoundedDatetime | None
    pending: bool  # intents changed since that model was trained


class TryIn(Schema):
    text: str = Field(min_length=1, max_length=4000)


class TryArticle(Schema):
    id: int
    title: str
    url: str


class TryOut(Schema):
    """What the bot would do with a first message: `intent` is None when it would decline."""

    intent: str | None
    confidence: float
    # [[intent, confidence], ...] — pairs as lists: a tuple type renders an OpenAPI 3.1
    # schema (`items: [...]`) that validators reject.
    ranked: list[list[str | float]]
    emotion: str
    anger: float
    reply: str = ""  # the exact text the customer would get (several messages: one per line)
    replies: list[str] = Field(default_factory=list)
    buttons: list[str] = Field(default_factory=list)
    articles: list[TryArticle] = Field(default_factory=list)
    declined: bool = False  # the bot would not answer with an intent
    off_topic: bool = False  # ... because the question is outside the company's business
    handoff: bool = False


class ClusterOut(Schema):
    size: int
    label: str  # the words the questions share most
    examples: list[str]


class ImportResult(Schema):
    created: int
    updated: int
    examples: int


class AssistArticle(Schema):
    id: int
    title: str
    snippet: str
    url: str


class AssistMacro(Schema):
    id: int
    title: str
    body: str


class AssistOut(Schema):
    question: str
    intent: str | None
    confidence: float
    draft: str  # the bot's best answer, for the agent to edit
    articles: list[AssistArticle]
    macros: list[AssistMacro]
    emotion: str | None
