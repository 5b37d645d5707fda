"""The training-embedding cache: a second process re-reads vectors instead of re-encoding,
a changed encoder never gets another's vectors, and a broken cache only costs time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from kefu.nlp.embed_cache import FILE_NAME, EmbeddingCache


class CountingEncoder:
    """A deterministic stand-in encoder that records what it was asked to encode."""

    dim = 4

    def __init__(self, identity: str = "fake|v1") -> None:
        self.identity = identity
        self.asked: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.extend(texts)
        return np.array([[len(t), ord(t[0]), 1.0, float(hash(t) % 7)] for t in texts], np.float32)


def test_second_run_reads_from_disk_in_the_order_asked(tmp_path: Path) -> None:
    first = CountingEncoder()
    a = EmbeddingCache(tmp_path).encode(first, ["退货", "换货", "发票"])
    assert first.asked == ["退货", "换货", "发票"]
    second = CountingEncoder()  # a new process: nothing in memory
    b = EmbeddingCache(tmp_path).encode(second, ["发票", "退货", "物流", "换货"])
    assert second.asked == ["物流"]  # only the new text is encoded
    np.testing.assert_array_equal(b[0], a[2])
    np.testing.assert_array_equal(b[1], a[0])
    np.testing.assert_array_equal(b[3], a[1])
    np.testing.assert_array_equal(b[2], CountingEncoder().encode(["物流"])[0])


def test_another_encoder_identity_never_reads_the_old_vectors(tmp_path: Path) -> None:
    EmbeddingCache(tmp_path).encode(CountingEncoder("fake|v1"), ["退货"])
    newer = CountingEncoder("fake|v2")
    EmbeddingCache(tmp_path).encode(newer, ["退货"])
    assert newer.asked == ["退货"]


def test_an_unreadable_cache_encodes_instead_of_failing(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    enc = CountingEncoder()
    out = EmbeddingCache(tmp_path).encode(enc, ["退货", "换货"])
    assert enc.asked == ["退货", "换货"]
    assert out.shape == (2, 4)


def test_an_encoder_without_identity_is_not_cached(tmp_path: Path) -> None:
    enc = CountingEncoder(identity="")
    EmbeddingCache(tmp_path).encode(enc, ["退货"])
    assert not (tmp_path / FILE_NAME).exists()


def test_chat_predictions_never_write_customer_text(tmp_path: Path) -> None:
    """Training goes through the cache; a prediction (a customer's message) does not."""
    import sqlite3

    from kefu.demo.intents import INTENTS
    from kefu.nlp.nlu import IntentModel

    examples = [(t, i.name) for i in INTENTS[:6] for t in i.examples]
    texts, labels = [t for t, _ in examples], [lab for _, lab in examples]
    model = IntentModel.train(texts, labels, cache=EmbeddingCache(tmp_path))
    if not (tmp_path / FILE_NAME).exists():
        pytest.skip("no sentence encoder installed")

    def rows() -> int:
        with sqlite3.connect(tmp_path / FILE_NAME) as db:
            return int(db.execute("SELECT count(*) FROM embedding").fetchone()[0])

    assert rows() == len(set(texts))
    model.prefetch(["我的快递到哪里了，订单号 123456"])
    model.predict("我的手机号是13800138000，帮我查订单")
    assert rows() == len(set(texts))
    again = IntentModel.train(texts, labels, cache=EmbeddingCache(tmp_path))
    for question in ("怎么退货", "发票怎么开"):
        assert again.predict(question) == model.predict(question)  # same vectors, same answers
