"""Synonym/template copies of few-shot Chinese examples (`kefu.nlp.augment`) and how the
intent model trains on them: beside the originals, never in the validation rows' own split."""

from __future__ import annotations

from collections import Counter
from importlib import resources

import numpy as np
import pytest

from kefu.nlp import augment, nlu
from kefu.nlp.augment import with_copies
from kefu.nlp.features import _WORD
from kefu.nlp.nlu import IntentModel


def test_a_copy_swaps_one_word_for_a_synonym_or_adds_an_opening() -> None:
    out = augment.variants("退货要什么条件")
    assert "退货要啥条件" in out and "退掉要什么条件" in out
    assert "请问退货要什么条件" in out
    assert "退货要什么条件" not in out
    assert not any("啥" in v and "退掉" in v for v in out)  # one swap a copy


def test_english_gets_no_copies() -> None:
    assert augment.variants("how do I get a refund") == []


def test_every_word_of_the_table_is_in_one_group_of_two_or_more() -> None:
    text = resources.files("kefu.nlp").joinpath("synonyms_zh.txt").read_text(encoding="utf-8")
    lines = [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert all(len(words) >= 2 for words in lines)
    assert not [w for w, n in Counter(w for words in lines for w in words).items() if n > 1]


def test_expand_keeps_to_its_budgets_and_never_repeats_an_example() -> None:
    texts = ["怎么申请退款", "退款多久到账", "我要退货", "退货在哪里申请", "快递到哪了"]
    labels = ["refund", "refund", "refund", "refund", "order"]
    copies, origin = augment.expand(texts, labels, per_text=4, per_intent=8, seed=0)
    per_label = Counter(labels[i] for i in origin)
    assert per_label["refund"] <= 8 and 0 < per_label["order"] <= 4
    assert not set(copies) & set(texts)
    assert all(copies[j] in augment.variants(texts[i]) for j, i in enumerate(origin))


def test_a_copy_trains_only_where_its_example_trains() -> None:
    plan = (np.array([0, 2, 3], np.int32), np.array([1], np.int32), np.array([4], np.int32))
    origin = [0, 1, 1, 2, 4]  # copies of rows 0, 1, 1, 2, 4 sit at rows 5..9
    train, val, pseudo = with_copies(plan, origin, n_base=5)
    assert sorted(train.tolist()) == [0, 2, 3, 5, 8]  # not 6, 7 (row 1 validates), nor 9 (held out)
    assert val.tolist() == [1] and pseudo.tolist() == [4]


def test_word_features_learn_the_synonyms_of_a_few_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Word features only (no encoder): no example says 多长时间 or 包裹, the copies do (every
    copy is taken here, so which ones the seed draws does not matter)."""
    monkeypatch.setattr(nlu, "AUG_PER_TEXT", 100)
    monkeypatch.setattr(nlu, "AUG_PER_INTENT", 1000)
    examples = {
        "refund_time": ["退款多久到账", "钱什么时候退回来", "退款还没到", "退到银行卡要几天"],
        "order_status": ["我的快递到哪了", "帮我查下订单", "查物流", "快递什么时候能到"],
        "invoice": ["怎么开发票", "发票在哪申请", "能开专票吗", "电子发票发到哪里"],
    }
    texts = [t for ts in examples.values() for t in ts]
    labels = [k for k, ts in examples.items() for _ in ts]
    model = IntentModel.train(texts, labels, encoder=None)
    assert model._vec is not None and _WORD + "多长时间" in model._vec.vocab
    assert model.predict("退款多长时间到账").ranked[0][0] == "refund_time"
    # a word only the copies use: without them this ranks no intent at all
    assert model.predict("包裹").ranked[0][0] == "order_status"
