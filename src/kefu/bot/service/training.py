"""Training: the enabled intents' examples become a model in a separate process (the chats'
event loop never waits for it), stored as plain arrays; the fingerprint skips a retrain when
the examples did not change."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.bot import repository as repo
from kefu.bot.schemas import ModelOut
from kefu.bot.service.base import BotBase
from kefu.config import current_settings
from kefu.kit.db import Database
from kefu.models.bot import BotModel
from kefu.nlp.embed_cache import EmbeddingCache
from kefu.nlp.nlu import IntentModel
from kefu.nlp.oos import background

log = structlog.get_logger(__name__)

# A company's examples carry no out-of-scope rows and nothing tells how much of its traffic is
# off-topic: the threshold weighs a wrong answer and a needless decline equally.
OOS_PRIOR = 0.5


def _train_arrays(
    texts: list[str], labels: list[str], cache_dir: Path | None = None
) -> tuple[bytes, dict[str, float], float]:
    """Runs in a worker process: the chats' event loop never waits for training. The shipped
    background questions train the "none of these" class (see `oos.py`)."""
    started = time.perf_counter()
    cache = EmbeddingCache(cache_dir) if cache_dir is not None else None
    model = IntentModel.train(texts, labels, background=background(), oos_prior=OOS_PRIOR, cache=cache)
    buf = io.BytesIO()
    np.savez_compressed(buf, **model.to_arrays())  # type: ignore[arg-type]
    return buf.getvalue(), dict(model.validation), time.perf_counter() - started


_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        import multiprocessing

        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def shutdown_training() -> None:
    """End the training process with the server (a stopped server left it orphaned): pending
    work is cancelled and the worker process terminated; the next start retrains if needed."""
    global _pool
    pool, _pool = _pool, None
    if pool is None:
        return
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():  # still importing or stuck in a native call: SIGKILL
            process.kill()
            process.join(timeout=5)


def _fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text, label in sorted(zip(texts, labels, strict=True)):
        digest.update(f"{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def _load_model(blob: bytes) -> IntentModel:
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        return IntentModel.from_arrays({name: npz[name] for name in npz.files})


class BotTraining(BotBase):
    # ---- training ----------------------------------------------------------------------

    async def training_data(self, session: AsyncSession) -> tuple[list[str], list[str]]:
        enabled = {i.id: i.name for i in await repo.intents(session, enabled_only=True)}
        texts, labels = [], []
        for ex in await repo.examples(session, list(enabled)):
            texts.append(ex.text)
            labels.append(enabled[ex.intent_id])
        return texts, labels

    async def train(self, db: Database, *, in_process: bool = False) -> BotModel | None:
        """Train when the enabled intents' examples changed; None when nothing to do."""
        async with db.read() as session:
            texts, labels = await self.training_data(session)
            latest = await repo.latest_model_info(session)
        fingerprint = _fingerprint(texts, labels)
        if not texts or (latest is not None and latest[1] == fingerprint):
            return None
        settings = current_settings()
        cache_dir = settings.effective_cache_dir() if settings.embedding_cache else None
        if in_process:
            blob, validation, seconds = _train_arrays(texts, labels, cache_dir)
        else:
            loop = asyncio.get_running_loop()
            blob, validation, seconds = await loop.run_in_executor(
                _executor(), _train_arrays, texts, labels, cache_dir
            )
        async with db.transaction() as session:
            row = BotModel(
                fingerprint=fingerprint,
                arrays=blob,
                n_intents=len(set(labels)),
                n_examples=len(texts),
                train_seconds=round(seconds, 3),
                validation=validation,
            )
            session.add(row)
            await session.flush()
            await repo.prune_models(session)
        self._checked = 0.0
        log.info("bot.trained", intents=row.n_intents, examples=row.n_examples, seconds=round(seconds, 2))
        return row

    async def model_info(self, session: AsyncSession, principal: Principal) -> ModelOut:
        require(principal, Perm.KB_MANAGE)
        latest = await repo.latest_model(session)
        texts, labels = await self.training_data(session)
        pending = bool(texts) and (latest is None or latest.fingerprint != _fingerprint(texts, labels))
        if latest is None:
            return ModelOut(
                id=None,
                n_intents=0,
                n_examples=0,
                train_seconds=0.0,
                validation={},
                created_at=None,
                pending=pending,
            )
        return ModelOut(
            id=latest.id,
            n_intents=latest.n_intents,
            n_examples=latest.n_examples,
            train_seconds=latest.train_seconds,
            validation=latest.validation,
            created_at=latest.created_at,
            pending=pending,
        )
