"""What every part of the bot service shares: the serving brain's type and cache, the
settings, and the retrain that an intent edit schedules."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.bot import repository as repo
from kefu.bot.policy import Policy
from kefu.bot.schemas import BotSettings
from kefu.kit import jobs
from kefu.kit.time import utcnow
from kefu.nlp.nlu import IntentModel

TRAIN_JOB = "bot.train"
REFRESH_SECONDS = 2.0  # how stale a process's brain may be after an edit elsewhere


@dataclass(frozen=True)
class Brain:
    """What answers customers: the trained model, the policy over the enabled intents."""

    model: IntentModel | None
    policy: Policy
    settings: BotSettings
    version: tuple[Any, ...]
    needs_name: bool = False  # an answer says {name}: the customer's name is looked up


class BotBase:
    def __init__(self) -> None:
        self._brain: Brain | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    def _brain_lock(self) -> asyncio.Lock:
        """The brain's lock, made for the running loop: held across a thread (loading a
        model), it is contended, and a contended asyncio lock belongs to one loop (tests run
        a loop per test; the service is a process-wide singleton)."""
        loop = asyncio.get_running_loop()
        if self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def _changed(self, session: AsyncSession) -> None:
        """Retrain shortly (edits in a row, or a CSV of many intents, share one training)
        and refresh brains."""
        if not await jobs.is_queued(session, TRAIN_JOB):
            await jobs.enqueue(session, TRAIN_JOB, {}, run_at=utcnow() + timedelta(seconds=2))
        self._checked = 0.0

    # ---- settings ----------------------------------------------------------------------

    async def settings(self, session: AsyncSession) -> BotSettings:
        stored = await repo.settings(session)
        return BotSettings.model_validate(stored) if stored else BotSettings()

    async def save_settings(
        self, session: AsyncSession, principal: Principal, data: BotSettings
    ) -> BotSettings:
        require(principal, Perm.SETTINGS_MANAGE)
        await repo.save_settings(session, data.model_dump(mode="json"))
        self._checked = 0.0
        return data


def _locale_of(text: str) -> str:
    return "zh_CN" if any("\u3400" <= ch <= "\u9fff" for ch in text) else "en"
