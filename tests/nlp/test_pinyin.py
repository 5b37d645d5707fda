"""Pinyin and typo tolerance of the intent model (issue #22): a customer typing "tui huo" or
"退或" reaches the same intent as "退货"; English is never read as pinyin."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from kefu.nlp import pinyin
from kefu.nlp.nlu import IntentModel
from tests.nlp.test_nlu import INTENTS, _pairs


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return IntentModel.train(*_pairs(INTENTS))


class TestParse:
    @pytest.mark.parametrize(
        ("text", "syllables"),
        [
            ("tui huo", ["tui", "huo"]),
            ("tuihuo", ["tui", "huo"]),
            ("Tuì huò", ["tui", "huo"]),
            ("tui4 huo4", ["tui", "huo"]),
            ("wo yao tuikuan?", ["wo", "yao", "tui", "kuan"]),
            ("xi'an", ["xi", "an"]),
        ],
    )
    def test_pinyin_with_or_without_tones_and_spaces(self, text: str, syllables: list[str]) -> None:
        assert pinyin.parse(text) == syllables

    @pytest.mark.parametrize(
        "text", ["I want to return my order", "where is my package", "hello", "hmm", "ok", "wo yao 3 ge"]
    )
    def test_text_that_is_not_all_syllables_is_not_pinyin(self, text: str) -> None:
        assert pinyin.parse(text) is None


class TestTolerance:
    @pytest.mark.parametrize(
        ("text", "intent"),
        [
            ("tui huo", "return"),
            ("tuihuo", "return"),
            ("wo xiang tui huo", "return"),
            ("退或", "return"),
            ("我想退或", "return"),
            ("kai fa piao", "invoice"),
            ("怎么开发漂", "invoice"),
            ("快第到哪了", "shipping"),
            ("wang ji mi ma le zen me ban", "password"),
        ],
    )
    def test_pinyin_and_homophone_typos_reach_the_chinese_intent(
        self, model: IntentModel, text: str, intent: str
    ) -> None:
        assert model.predict(text).label == intent

    def test_without_tolerance_pinyin_does_not_get_there(self, model: IntentModel) -> None:
        # what the rewrite adds: the examples share no word or character with "tui huo"
        model.tolerant = False
        try:
            assert model.predict("tui huo").label != "return"
        finally:
            model.tolerant = True

    @pytest.mark.parametrize(
        "text", ["I want to return my order", "where's my parcel", "you can", "ＩＮＶＯＩＣＥ please"]
    )
    def test_english_is_left_as_it_is(self, model: IntentModel, text: str) -> None:
        assert model.rewrite(text) == text
        model.tolerant = False
        try:
            before = model.predict(text)
        finally:
            model.tolerant = True
        assert model.predict(text) == before

    @pytest.mark.parametrize("text", ["我想退货", "怎么开发票", "今天天气怎么样"])
    def test_correct_chinese_is_left_as_it_is(self, model: IntentModel, text: str) -> None:
        assert model.rewrite(text) == text

    def test_an_exported_model_keeps_the_tolerance(self, model: IntentModel) -> None:
        buffer = io.BytesIO()
        named: dict[str, Any] = dict(model.to_arrays())
        np.savez_compressed(buffer, **named)
        buffer.seek(0)
        with np.load(buffer, allow_pickle=False) as npz:
            loaded = IntentModel.from_arrays({k: npz[k] for k in npz.files})
        assert loaded.predict("tui huo").label == "return"
        assert loaded.predict("退或").label == "return"
