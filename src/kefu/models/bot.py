"""The bot's admin-managed intents, trained models (plain arrays), and the log of its turns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow


class IntentAction(StrEnum):
    ANSWER = "answer"  # reply with the answer (and its articles, buttons)
    HANDOFF = "handoff"  # pass to a group (after the pre-hand-off questions)
    HTTP = "http"  # collect slots, call the company's system, render its reply
    TICKET = "ticket"  # record a ticket for the customer without waiting for a human


class TurnOutcome(StrEnum):
    ANSWERED = "answered"
    BUTTONS = "buttons"  # a close call: asked which intent with buttons
    KB = "kb"  # not understood, suggested articles
    MISSED = "missed"
    HANDOFF = "handoff"
    SLOT = "slot"  # asked for a slot or a pre-hand-off question
    ACTION = "action"  # a business-system answer


class Intent(Base):
    __tablename__ = "bot_intents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(40))  # the quick-reply button label
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answer_en: Mapped[str] = mapped_column(sa.Text, default="")
    buttons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    article_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    action: Mapped[str] = mapped_column(sa.String(10), default=IntentAction.ANSWER)
    # handoff: {"group"}; http: {"url", "method", "slots": [{name, prompt, pattern}], "timeout"}
    config: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    human_only: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class IntentExample(Base):
    __tablename__ = "bot_intent_examples"
    __table_args__ = (sa.UniqueConstraint("intent_id", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intent_id: Mapped[int] = mapped_column(sa.ForeignKey("bot_intents.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")


class BotModel(Base):
    """A trained intent model as an .npz of plain arrays (no pickle); the newest one serves."""

    __tablename__ = "bot_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), index=True)  # of the training data
    arrays: Mapped[bytes] = mapped_column(sa.LargeBinary)
    n_intents: Mapped[int] = mapped_column(default=0)
    n_examples: Mapped[int] = mapped_column(default=0)
    train_seconds: Mapped[float] = mapped_column(default=0.0)
    validation: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BotTurnLog(Base):
    """Every bot turn: what the customer said, the intent and confidence, what the bot did."""

    __tablename__ = "bot_turns"
    __table_args__ = (sa.Index("ix_bot_turns_outcome_created", "outcome", "created_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(sa.String(500), default="")
    intent: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    confidence: Mapped[float | None] = mapped_column(nullable=True)
    outcome: Mapped[str] = mapped_column(sa.String(10))
    emotion: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
