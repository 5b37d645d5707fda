"""A company's own small Chinese intent set (issue #22's after-sales row: 22 intents × 8
examples, no out-of-scope rows), trained as the service trains it: what its customers notice.
The questions below are in no data file (not the intents, the background lists or the bench
sets)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from kefu.demo.intents import INTENTS
from kefu.nlp.calibration import prob_dense
from kefu.nlp.nlu import IntentModel
from kefu.nlp.oos import background

AFTERSALES = (
    "order_status", "change_address", "cancel_order", "invoice", "coupon", "price_protection",
    "charging_problem", "overheating", "forgot_password", "earbuds_bluetooth", "earbuds_one_side",
    "return_policy", "refund_apply", "refund_time", "warranty_period", "repair_request",
    "screen_repair_price", "water_damage", "battery_replacement", "damaged_delivery", "complaint",
    "courier_complaint",
)  # fmt: skip
FRESH_PARAPHRASES = (
    ("打电话给客服被挂断了", "complaint"),
    ("发票能开成公司抬头吗", "invoice"),
    ("手机放兜里烫手", "overheating"),
    ("买完第二天就降价了", "price_protection"),
    ("寄修要怎么预约快递", "repair_request"),
    ("盒子里少了充电头", "damaged_delivery"),
    ("能不能七天无理由退", "return_policy"),
    ("屏幕摔裂了", "screen_repair_price"),
)
FRESH_OFF_TOPIC = (
    "周末去哪里爬山好",
    "红烧肉怎么做才不腻",
    "帮我推荐一部好看的电影",
    "北京明天下雨吗",
    "比特币现在多少钱",
    "我家猫不吃饭怎么办",
)


@pytest.fixture(scope="module")
def model() -> IntentModel:
    chosen = [i for i in INTENTS if i.name in AFTERSALES]
    texts = [t for i in chosen for t in i.examples[:8]]
    labels = [i.name for i in chosen for _ in i.examples[:8]]
    return IntentModel.train(texts, labels, background=background(), oos_prior=0.5)


class TestAfterSales:
    @pytest.mark.parametrize("text", ["退或怎么弄", "tui huo zen me nong", "我想退或"])
    def test_a_typo_or_pinyin_for_tuihuo_reaches_the_return_intent(
        self, model: IntentModel, text: str
    ) -> None:
        assert model.predict(text).label == "refund_apply"

    def test_fresh_paraphrases_are_answered(self, model: IntentModel) -> None:
        for text, intent in FRESH_PARAPHRASES:
            assert model.predict(text).label == intent, text

    @pytest.mark.parametrize("text", FRESH_OFF_TOPIC)
    def test_an_off_topic_question_still_declines(self, model: IntentModel, text: str) -> None:
        prediction = model.predict(text)
        assert prediction.label is None
        assert not set(FRESH_OFF_TOPIC) & set(background())

    def test_a_product_no_intent_covers_gets_no_other_product_s_answer(self, model: IntentModel) -> None:
        # charging earbuds: the phone-charging intent is out, and no earbuds intent may take its place
        assert model.predict("我的耳机充不进电").label is None

    def test_the_export_answers_alike(self, model: IntentModel) -> None:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **model.to_arrays())  # type: ignore[arg-type]
        buffer.seek(0)
        with np.load(buffer, allow_pickle=False) as npz:
            loaded = IntentModel.from_arrays({k: npz[k] for k in npz.files})
        for text in (*FRESH_OFF_TOPIC, *(t for t, _ in FRESH_PARAPHRASES)):
            assert loaded.predict(text) == model.predict(text)

    def test_a_model_stored_before_the_margin_slope_keeps_its_features(self, model: IntentModel) -> None:
        """A model stored before (five numbers in its multilingual calibration, no margin slope)
        was fitted on nearest-example cosines: after an upgrade it keeps reading those."""
        arrays = model.to_arrays()
        assert model.dense_calibration is not None and len(arrays["dense_calibration"]) == 6
        a, b, d, e, _, c = model.dense_calibration
        arrays["dense_calibration"] = np.array([a, b, d, e, c])
        arrays.pop("dense_prototype")
        old = IntentModel.from_arrays(arrays)
        assert old.dense_calibration == (a, b, d, e, 0.0, c)
        assert not old._prototype and IntentModel.from_arrays(model.to_arrays())._prototype
        assert old.predict("退款多久到账").label == "refund_time"


def test_nearer_the_intents_than_the_background_is_more_confident() -> None:
    """The neighbour margin feeds the multilingual head's confidence (slope m), beside the
    hard decline from a margin of 0.1."""
    cal = (1.0, 1.0, 1.0, 0.0, 4.0, -1.0)
    far, near = (
        prob_dense(cal, [0.5], [0.3], [0.4], [0.8], [-0.05]),
        prob_dense(cal, [0.5], [0.3], [0.4], [0.8], [0.2]),
    )
    assert near[0] > far[0]
    assert prob_dense((1.0, 1.0, 1.0, 0.0, 0.0, -1.0), [0.5], [0.3], [0.4], [0.8], [0.2])[0] == pytest.approx(
        1 / (1 + np.exp(-0.2))
    )
