"""Train the shipped emotion model (Chinese sentiment) and write it as plain arrays (no pickle).

Usage: .venv/bin/python scripts/train_emotion.py [--data /work/shared/data/sentiment]

Reads every ``*.csv`` (``text,label``; label ``negative``/``positive``) under --data, drops
empty and duplicate texts (after the same normalisation the product applies), holds out a
validation split stratified by (source file, label) with a fixed seed, fits L2 logistic
regression (liblinear) on the hashed features of `kefu.bot.emotion`, and writes

* ``src/kefu/data/emotion/model.npz`` — ``weights`` (float16, 2**bits) and ``bias`` (float32),
  loadable with ``numpy.load(..., allow_pickle=False)``;
* ``src/kefu/data/emotion/meta.json`` — version, hashing parameters, neutral band, lexicon
  weight and the validation figures.

The figures are measured with the shipped (float16) arrays through `EmotionModel`, i.e. the
code path the product runs. The neutral band is the narrowest band around 0.5 outside which
the validation accuracy reaches --confident-accuracy. Deterministic: same data, same output.
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
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from kefu.bot.emotion import EmotionModel, has_content, hashed_features, prepare

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path("/work/shared/data/sentiment")
DEFAULT_OUT = ROOT / "src" / "kefu" / "data" / "emotion"
DEFAULT_NEUTRAL = Path("/work/shared/data/paraphrase")
MAX_NEUTRAL = 20_000  # sampled from the question-pair files
VERSION = "zh-hash-lr-1"
LABELS = {"negative": 1, "positive": 0}
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


# Neutral customer-service questions for the shop / delivery / hotel domains, so that the gate
# does not learn "花呗 = neutral, 快递 = opinion" from the finance-only question pairs.
_TEMPLATES = (
    "请问{item}什么时候发货",
    "我的订单什么时候能到",
    "订单{order}到哪里了",
    "能帮我查一下{order}的物流吗",
    "{item}还有货吗",
    "{item}有{color}的吗",
    "{item}有{size}的吗",
    "我想把{item}换成{color}的",
    "怎么修改收货地址",
    "收货地址可以改成{city}吗",
    "发到{city}要几天",
    "{city}能送吗",
    "运费怎么算",
    "可以开发票吗",
    "发票抬头怎么填",
    "怎么申请退货",
    "退款一般多久到账",
    "退货地址是哪里",
    "{item}保修多久",
    "{item}怎么安装",
    "{item}的尺码怎么选",
    "支持货到付款吗",
    "可以用优惠券吗",
    "会员积分怎么用",
    "我想预订{date}的{room}",
    "{room}还有空房吗",
    "几点可以入住",
    "退房时间是几点",
    "酒店有停车位吗",
    "早餐几点开始",
    "可以送到{place}吗",
    "外卖能不能{request}",
    "{food}可以{request}吗",
    "怎么联系配送员",
    "账号怎么注销",
    "密码忘了怎么办",
    "怎么绑定手机号",
    "请问客服几点上班",
    "你好，在吗",
    "在吗？想咨询一下{item}",
    "我想咨询一下{topic}",
    "{topic}怎么办理",
    "请问{topic}需要什么材料",
    "能不能帮我{action}",
    "帮我{action}一下，谢谢",
    "订单号是{order}",
    "我的手机号是{phone}",
    "好的，我知道了",
    "收到",
    "嗯嗯，那我等一下",
)
_SLOTS: dict[str, tuple[str, ...]] = {
    "item": (
        "这款手机",
        "这个耳机",
        "这件外套",
        "这双鞋",
        "洗衣机",
        "这本书",
        "空调",
        "电饭煲",
        "这个包",
        "台灯",
    ),
    "order": ("12345", "20240518001", "9876", "A1029", "这个订单", "昨天的订单", "上周的订单"),
    "color": ("黑色", "白色", "红色", "蓝色", "灰色"),
    "size": ("大号", "小号", "42码", "XL", "中号"),
    "city": ("北京", "上海", "广州", "成都", "杭州", "西安", "武汉", "深圳"),
    "date": ("明天", "周五", "下周一", "5月1号", "国庆"),
    "room": ("大床房", "双床房", "套房", "标准间"),
    "place": ("公司", "学校东门", "小区门口", "三号楼", "酒店前台"),
    "request": ("少放辣", "多放葱", "不要香菜", "晚点送", "分开装"),
    "food": ("这份米线", "牛肉面", "披萨", "奶茶", "盖饭"),
    "topic": ("开发票", "换货", "售后维修", "会员卡", "团购", "以旧换新", "分期付款", "实名认证"),
    "action": ("查一下物流", "改一下地址", "取消订单", "备注一下", "催一下发货", "看一下库存"),
    "phone": ("13800138000", "186****1234", "139xxxx5678"),
}


def template_questions(n: int, seed: int) -> list[str]:
    """`n` distinct-ish neutral questions from the templates above (seeded)."""
    import random

    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        template = rng.choice(_TEMPLATES)
        out.append(template.format(**{k: rng.choice(v) for k, v in _SLOTS.items()}))
    return out


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
    for t in template_questions(3000, seed):
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


def design_matrix(norms: Sequence[str], bits: int) -> sparse.csr_matrix:
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


def binary_metrics(y_true: npt.NDArray[np.int_], p_negative: npt.NDArray[np.float64]) -> dict[str, float]:
    """Accuracy and negative-class F1 with 'negative iff P(negative) >= 0.5'."""
    pred = p_negative >= 0.5
    truth = y_true == 1
    tp = int(np.sum(pred & truth))
    fp = int(np.sum(pred & ~truth))
    fn = int(np.sum(~pred & truth))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"accuracy": round(float(np.mean(pred == truth)), 4), "negative_f1": round(f1, 4)}


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


def fit(
    x: sparse.csr_matrix, y: npt.NDArray[np.int_], c: float, seed: int, balanced: bool = False
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


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of sentiment CSVs")
    ap.add_argument(
        "--neutral",
        type=Path,
        default=DEFAULT_NEUTRAL,
        help="folder of question-pair CSVs (text_a,text_b) used as neutral texts for the gate; 'none' to skip",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where model.npz and meta.json go")
    ap.add_argument("--bits", type=int, default=20, help="hash space of the polarity model: 2**bits")
    ap.add_argument("--gate-bits", type=int, default=18, help="hash space of the gate (<= bits)")
    ap.add_argument("--c", type=float, default=8.0, help="inverse L2 regularisation strength")
    ap.add_argument("--gate-c", type=float, default=4.0)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--confident-accuracy", type=float, default=0.95, help="bounds the neutral band")
    args = ap.parse_args(argv)
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
    neutral_counts: dict[str, int] = {}
    if use_gate:
        review_sources = {e.source for e in examples}
        neutral, neutral_counts = load_neutral(args.neutral, args.seed)
        clash = review_sources & set(neutral_counts)
        if clash:
            raise SystemExit(f"neutral source names clash with review sources: {clash}")
        neutral_train, neutral_val = split(neutral, args.val_fraction, args.seed)
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

    # Measure through the product's code path with the shipped (float16) arrays.
    meta: dict[str, Any] = {
        "version": VERSION,
        "hash": "crc32(utf-8 feature name) & (2**bits - 1)",
        "hash_bits": args.bits,
        "gate_bits": args.gate_bits if use_gate else 0,
        "features": "rjieba words 'w:'+w, word bigrams 'b:'+a+'|'+b, char 1-3 grams; binary, L2-normalised",
        "max_chars": 1000,
        "neutral_band": 0.0,
        "lexicon_weight": LEXICON_WEIGHT,
    }
    y_val = np.array([examples[i].label for i in val_idx])
    plain = EmotionModel.from_arrays({"weights": weights, "bias": bias}, {**meta, "lexicon_weight": 0.0})
    p_plain = np.array([plain.score(examples[i].text) for i in val_idx])
    shipped = EmotionModel.from_arrays(arrays, meta)
    t1 = time.perf_counter()
    p_val = np.array([shipped.score(examples[i].text) for i in val_idx])
    per_text_ms = (time.perf_counter() - t1) * 1000 / len(val_idx)
    p_neutral = np.array([shipped.score(neutral[i].text) for i in neutral_val])
    table = band_table(y_val, p_val, p_neutral)
    chosen = choose_band(table, args.confident_accuracy, use_gate)
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
            },
            "validation": figures,
            "validation_model_only": per_source(examples, val_idx, p_plain)["all"],
            "neutral": {
                "confident_accuracy_target": args.confident_accuracy,
                **chosen,
                "questions_neutral_by_source": neutral_by_source,
            },
        }
    )

    args.out.mkdir(parents=True, exist_ok=True)
    save: Any = np.savez_compressed  # numpy's stub types **kwds as its own options
    save(args.out / "model.npz", **arrays)
    (args.out / "meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )

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
