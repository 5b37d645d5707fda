"""Intent classifier on public data: one JSON record per dataset (accuracy, OOS, speed).

BANKING77 holds out 20% of its training file (stratified, fixed seed); CLINC150 trains on its
train split (its `oos` rows included) and tests on its val split; HINT3 tests on the published
v2 test files (many out-of-scope rows) when `--hint3-test DIR` holds them, else on a 20%
holdout (no out-of-scope rows). Two Chinese rows need no public data:
- `demo_heldout`: the demo company's 43 intents against tests/data/bot/demo_heldout.csv (60
  unseen off-topic questions, 60 fresh paraphrases; never tuned on);
- `zh_aftersales_8shot`: 22 of the demo intents with 8 Chinese examples each, tested on their
  other examples and held-out paraphrases plus 30 held-out off-topic questions;
- `zh_dev_8shot`: the same shape on the other 21 demo intents (the split tuned on).
Data comes from $KEFU_SHARED_DATA (default /work/shared/data); the project never ships it.
Each Chinese row but zh_dev_8shot is followed by `<name>+pinyin` and `<name>+homophone`: the same
model on its test questions typed in pinyin or with one homophone typo (bench/zh_noisy.py),
`before` = with pinyin/typo tolerance off.
Usage: .venv/bin/python bench/bot_nlu.py [--only banking77,clinc150,...] [--hint3-test DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
from collections import defaultdict
from pathlib import Path

from kefu.nlp.evaluation import Row, fit_rows, read_rows, score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zh_noisy import noisy

# Issue #22's table: the published anchor and the goal beside each set.
PUBLISHED = {
    "banking77": "BERT-large 93.66, USE+ConveRT 93.36 (official test split); goal >= 93.7",
    "clinc150": "in-scope/oos-recall: BERT 96.2/52.3 (threshold), Rasa 91.5/45.3, BoW SVM 91.0/14.5 (test split); "
    "goal keep >= 95/>= 60",
    "hint3_sofmattress": "v1 test incl. out-of-scope, best 0.713 (Dialogflow); goal above it",
    "hint3_curekart": "v1 test incl. out-of-scope, best 0.748 (Haptik); goal above it",
    "hint3_powerplay11": "v1 test incl. out-of-scope, best 0.742 (Haptik); goal above it",
    "demo_heldout": "issue #13 goal: decline >= 0.90 of off-topic (oos_recall), in-scope >= 0.85",
    "zh_dev_8shot": "validation split the few-shot Chinese work was tuned on (not a result)",
    "zh_aftersales_8shot": "no published figure; issue #22 goal: in-scope >= 0.90, oos_recall >= 0.70 "
    "(kefu before: 0.803 / 0.000)",
}
# Chinese sets also scored on noisy copies of their test questions (bench/zh_noisy.py, fixed
# seed): `before` is the same model with pinyin/typo tolerance off (IntentModel.tolerant).
NOISY = {
    "pinyin": "issue #22: toneless pinyin input ('wo yao tui huo') should reach the Chinese intent",
    "homophone": "issue #22: one character swapped for a common homophone ('退或') should too",
}
NOISY_SETS = ("demo_heldout", "zh_aftersales_8shot")
# Few-shot sets also reported over several validation-split seeds (the figure above is seed 0).
SEEDED_SETS = ("zh_aftersales_8shot", "zh_dev_8shot")
SEEDS = (0, 1, 2, 3, 4)
BEFORE_KEYS = ("accuracy", "in_scope_accuracy", "oos_recall")
HERE = Path(__file__).resolve().parent.parent
AFTERSALES = (
    "order_status", "change_address", "cancel_order", "invoice", "coupon", "price_protection",
    "charging_problem", "overheating", "forgot_password", "earbuds_bluetooth", "earbuds_one_side",
    "return_policy", "refund_apply", "refund_time", "warranty_period", "repair_request",
    "screen_repair_price", "water_damage", "battery_replacement", "damaged_delivery", "complaint",
    "courier_complaint",
)  # fmt: skip


def chinese_sets() -> list[tuple[str, list[Row], list[Row], str | None, str]]:
    """The two rows built from the demo intents and the held-out file (no public data)."""
    from kefu.demo.intents import INTENTS

    heldout = read_rows(HERE / "tests" / "data" / "bot" / "demo_heldout.csv")
    demo_train = [Row(t, i.name) for i in INTENTS for t in (*i.examples, *i.examples_en)]
    out: list[tuple[str, list[Row], list[Row], str | None, str]] = [
        ("demo_heldout", demo_train, heldout, "oos", "43 demo intents → tests/data/bot/demo_heldout.csv")
    ]
    chosen = {i.name: i for i in INTENTS if i.name in AFTERSALES}
    train = [Row(t, name) for name, i in chosen.items() for t in i.examples[:8]]
    test = [Row(t, name) for name, i in chosen.items() for t in i.examples[8:]]
    test += [r for r in heldout if r.label in chosen]
    test += [r for r in heldout if r.label == "oos"][:30]
    out.append(("zh_aftersales_8shot", train, test, "oos", "22 demo intents × 8 examples; 30 held-out OOS"))
    # The split the few-shot Chinese work was tuned on: the other 21 demo intents, 8 random
    # examples each, tested on their remaining examples and demo_dev.csv's off-topic rows.
    dev_oos = [r for r in read_rows(HERE / "tests" / "data" / "bot" / "demo_dev.csv") if r.label == "oos"]
    rng = random.Random(1)
    train, test = [], []
    for intent in (i for i in INTENTS if i.name not in chosen):
        examples = list(intent.examples)
        rng.shuffle(examples)
        train += [Row(t, intent.name) for t in examples[:8]]
        test += [Row(t, intent.name) for t in examples[8:]]
    split = "other 21 demo intents × 8 random examples (seed 1); 30 demo_dev.csv OOS"
    out.append(("zh_dev_8shot", train, test + dev_oos[:30], "oos", split))
    return out


def holdout(rows: list[Row], fraction: float = 0.2, seed: int = 0) -> tuple[list[Row], list[Row]]:
    """Stratified split; an intent with a single example stays in training."""
    by_label: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_label[row.label].append(row)
    rng = random.Random(seed)
    train: list[Row] = []
    test: list[Row] = []
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        k = round(fraction * len(group)) if len(group) > 1 else 0
        test.extend(group[:k])
        train.extend(group[k:])
    return train, test


def datasets(root: Path, hint3_test: Path | None) -> list[tuple[str, list[Row], list[Row], str | None, str]]:
    intent = root / "intent"
    out: list[tuple[str, list[Row], list[Row], str | None, str]] = []
    banking = holdout(read_rows(intent / "banking77_train.csv"))
    out.append(("banking77", *banking, None, "20% stratified holdout of banking77_train.csv"))
    clinc_train = read_rows(intent / "clinc150_train.csv")
    clinc_val = read_rows(intent / "clinc150_val.csv")
    out.append(
        ("clinc150", clinc_train, clinc_val, "oos", "train on clinc150_train.csv, test on clinc150_val.csv")
    )
    for name in ("sofmattress", "curekart", "powerplay11"):
        rows = read_rows(intent / f"hint3_{name}_train.csv")
        test_file = hint3_test / f"{name}_test.csv" if hint3_test else None
        if test_file is not None and test_file.is_file():
            test = [Row(r.text, r.label) for r in read_rows(test_file)]
            out.append((f"hint3_{name}", rows, test, "NO_NODES_DETECTED", f"HINT3 v2 {name}_test.csv"))
            continue
        out.append(
            (f"hint3_{name}", *holdout(rows), None, f"20% stratified holdout of hint3_{name}_train.csv")
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated dataset names")
    parser.add_argument("--hint3-test", type=Path, default=None, help="dir with HINT3 v2 *_test.csv")
    args = parser.parse_args()
    root = Path(os.environ.get("KEFU_SHARED_DATA", "/work/shared/data"))
    sets = chinese_sets()
    if (root / "intent").is_dir():
        sets = datasets(root, args.hint3_test) + sets
    else:
        print(f"public sets skipped: no intent data under {root} (set KEFU_SHARED_DATA)", file=sys.stderr)
    only = {s for s in args.only.split(",") if s}
    for name, train, test, oos_label, split in sets:
        noisy_names = [f"{name}+{kind}" for kind in NOISY] if name in NOISY_SETS else []
        if only and name not in only and not only.intersection(noisy_names):
            continue
        model, seconds = fit_rows(train, oos_label)
        if not only or name in only:
            extra = _over_seeds(train, test, oos_label) if name in SEEDED_SETS else None
            _print(name, split, train, score(model, test, oos_label, seconds), PUBLISHED[name], extra)
        for kind in NOISY:
            noisy_name = f"{name}+{kind}"
            if noisy_name not in noisy_names or (only and noisy_name not in only and name not in only):
                continue
            rows = noisy(test, kind)
            model.tolerant = False
            before = score(model, rows, oos_label)
            model.tolerant = True
            after = score(model, rows, oos_label, seconds)
            extra: dict[str, object] = {"before": {k: before[k] for k in BEFORE_KEYS}}
            _print(
                noisy_name,
                f"{split}; test rows as {kind} (bench/zh_noisy.py)",
                train,
                after,
                NOISY[kind],
                extra,
            )
    return 0


def _over_seeds(train: list[Row], test: list[Row], oos_label: str | None) -> dict[str, object]:
    """The same set trained with SEEDS validation splits: with 8 examples an intent, which
    two examples calibrate the confidence moves in-scope accuracy by several points, so one
    seed's figure alone says little."""
    runs = [score(fit_rows(train, oos_label, seed=s)[0], test, oos_label) for s in SEEDS]
    out: dict[str, object] = {"seeds": list(SEEDS)}
    for key in ("in_scope_accuracy", "oos_recall"):
        values = [float(r[key]) for r in runs if r[key] is not None]  # type: ignore[arg-type]
        if values:
            out[f"{key}_over_seeds"] = {
                "mean": round(sum(values) / len(values), 4),
                "min": round(min(values), 4),
                "max": round(max(values), 4),
            }
    return out


def _print(
    name: str,
    split: str,
    train: list[Row],
    result: dict[str, object],
    published: str,
    extra: dict[str, object] | None = None,
) -> None:
    record = {
        "bench": "bot_nlu",
        "dataset": name,
        "split": split,
        "train_rows": len(train),
        **result,
        **(extra or {}),
        "published": published,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
