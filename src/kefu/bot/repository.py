"""Queries of the bot domain: intents and their examples, trained models, the turn log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import fastsql
from kefu.kit.time import utcnow
from kefu.models.bot import BotModel, BotTurnLog, Intent, IntentExample
from kefu.models.settings import SettingValue, read_setting, write_setting

SETTINGS_KEY = "bot"


async def intents(session: AsyncSession, *, enabled_only: bool = False) -> Sequence[Intent]:
    stmt = sa.select(Intent).order_by(Intent.id)
    if enabled_only:
        stmt = stmt.where(Intent.enabled.is_(True))
    return (await session.scalars(stmt)).all()


async def intent(session: AsyncSession, intent_id: int) -> Intent | None:
    return await session.get(Intent, intent_id)


async def intent_by_name(session: AsyncSession, name: str) -> Intent | None:
    return await session.scalar(sa.select(Intent).where(Intent.name == name))


async def examples(session: AsyncSession, intent_ids: Sequence[int] | None = None) -> Sequence[IntentExample]:
    stmt = sa.select(IntentExample).order_by(IntentExample.intent_id, IntentExample.id)
    if intent_ids is not None:
        stmt = stmt.where(IntentExample.intent_id.in_(intent_ids))
    return (await session.scalars(stmt)).all()


async def replace_examples(session: AsyncSession, intent_id: int, texts: Sequence[tuple[str, str]]) -> None:
    await session.execute(sa.delete(IntentExample).where(IntentExample.intent_id == intent_id))
    session.add_all(IntentExample(intent_id=intent_id, text=t, locale=loc) for t, loc in texts)


async def latest_model(session: AsyncSession) -> BotModel | None:
    return await session.scalar(sa.select(BotModel).order_by(BotModel.id.desc()).limit(1))


async def latest_model_info(session: AsyncSession) -> tuple[int, str] | None:
    row = (
        await session.execute(
            sa.select(BotModel.id, BotModel.fingerprint).order_by(BotModel.id.desc()).limit(1)
        )
    ).first()
    return (int(row[0]), str(row[1])) if row else None


async def prune_models(session: AsyncSession, keep: int = 3) -> None:
    ids = (await session.scalars(sa.select(BotModel.id).order_by(BotModel.id.desc()).offset(keep))).all()
    if ids:
        await session.execute(sa.delete(BotModel).where(BotModel.id.in_(ids)))


async def version(session: AsyncSession) -> tuple[Any, ...]:
    """What the serving bot depends on: newest model, intents' last change, the settings."""
    model_id = await session.scalar(sa.select(sa.func.max(BotModel.id)))
    changed = await session.scalar(sa.select(sa.func.max(Intent.updated_at)))
    count = await session.scalar(sa.select(sa.func.count(Intent.id)))
    settings_at = await session.scalar(
        sa.select(SettingValue.updated_at).where(SettingValue.key == SETTINGS_KEY)
    )
    return (model_id, changed, count, settings_at)


async def settings(session: AsyncSession) -> dict[str, Any] | None:
    return await read_setting(session, SETTINGS_KEY)


async def save_settings(session: AsyncSession, value: dict[str, Any]) -> None:
    await write_setting(session, SETTINGS_KEY, value)


async def unanswered(session: AsyncSession, since: datetime, limit: int = 5000) -> Sequence[BotTurnLog]:
    stmt = (
        sa.select(BotTurnLog)
        .where(BotTurnLog.created_at >= since, BotTurnLog.outcome.in_(("missed", "kb")))
        .order_by(BotTurnLog.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def turn_counts(session: AsyncSession, since: datetime) -> dict[str, int]:
    rows = await session.execute(
        sa.select(BotTurnLog.outcome, sa.func.count())
        .where(BotTurnLog.created_at >= since)
        .group_by(BotTurnLog.outcome)
    )
    return {str(o): int(n) for o, n in rows.all()}


# Built once: `.values(...)` per call cost more CPU than SQLite took to run the insert.
_INSERT_TURN = fastsql.Statement(sa.insert(cast(sa.Table, BotTurnLog.__table__)))  # raw on the SQLite writer


async def log_turn(
    session: AsyncSession,
    *,
    conversation_id: int,
    question: str,
    intent: str | None,
    confidence: float | None,
    outcome: str,
) -> None:
    """One bot-turn row by Core INSERT on the session's connection (one per chat message;
    nobody reads it back in the same unit, so no ORM object)."""
    values = {
        "conversation_id": conversation_id,
        "question": question,
        "intent": intent,
        "confidence": confidence,
        "outcome": outcome,
        "emotion": None,
        "created_at": utcnow(),
    }
    await _INSERT_TURN.rows(session, values)
