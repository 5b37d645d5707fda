"""Sentence embeddings of *training* texts kept on disk between processes.

Training embeds every example and the ~800 shipped background questions each time an intent
set is trained. With multilingual-e5 that is ~9 ms of CPU a text (~15 s for the demo bot),
paid again by every process that trains: the web process, the worker, the CLI, every test
server. Rows are keyed by the encoder's identity (model, backend, package and runtime
versions) and a hash of the text, so a changed model can never be served an old vector.

Only training goes through here: customers' chat messages are embedded in memory and never
written to disk. Any failure (read-only disk, locked or damaged file) falls back to encoding,
never to an error: the cache only saves time.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
FILE_NAME = "embeddings.sqlite3"
_CHUNK = 500  # keys per SELECT (SQLite's variable limit is 32,766; stay well under)


class _Encoder(Protocol):
    identity: str
    dim: int

    def encode(self, texts: Sequence[str]) -> FloatArray: ...


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class EmbeddingCache:
    """One SQLite file of (encoder identity, text hash) → float32 row."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS embedding ("
            " model TEXT NOT NULL, digest BLOB NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (model, digest)) WITHOUT ROWID"
        )
        return db

    def encode(self, encoder: _Encoder, texts: Sequence[str]) -> FloatArray:
        """`encoder.encode(texts)`, reading the rows already on disk and writing the new ones."""
        if not texts or not encoder.identity:
            return encoder.encode(texts)
        digests = [_digest(t) for t in texts]
        try:
            found = self._read(encoder.identity, encoder.dim, digests)
        except (sqlite3.Error, OSError) as exc:
            log.warning("embedding cache unreadable (%s): encoding without it", exc)
            return encoder.encode(texts)
        missing = [i for i, d in enumerate(digests) if d not in found]
        fresh = encoder.encode([texts[i] for i in missing]) if missing else None
        out = np.zeros((len(texts), encoder.dim), np.float32)
        for i, d in enumerate(digests):
            if d in found:
                out[i] = found[d]
        if fresh is not None:
            out[missing] = fresh
            try:
                self._write(encoder.identity, [(digests[i], fresh[k]) for k, i in enumerate(missing)])
            except (sqlite3.Error, OSError) as exc:
                log.warning("embedding cache not written (%s)", exc)
        return out

    def _read(self, model: str, dim: int, digests: Sequence[bytes]) -> dict[bytes, FloatArray]:
        if not self.path.exists():
            return {}
        found: dict[bytes, FloatArray] = {}
        unique = list(dict.fromkeys(digests))
        db = self._connect()
        try:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT digest, vector FROM embedding WHERE model = ? AND digest IN ({marks})",  # noqa: S608 - only placeholders
                    [model, *chunk],
                )
                for digest, blob in rows:
                    vec = np.frombuffer(blob, np.float32)
                    if vec.shape == (dim,):
                        found[digest] = vec
        finally:
            db.close()
        return found

    def _write(self, model: str, rows: Sequence[tuple[bytes, FloatArray]]) -> None:
        db = self._connect()
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO embedding (model, digest, vector) VALUES (?, ?, ?)",
                    [(model, d, np.asarray(v, np.float32).tobytes()) for d, v in rows],
                )
        finally:
            db.close()
