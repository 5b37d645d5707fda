"""Intent classifier on public data: one JSON record per dataset (accuracy, OOS, speed).

BANKING77 and HINT3 hold out 20% of their training file (stratified, fixed seed); CLINC150
trains on its train split (with its `oos` rows for calibration) and tests on its val split.
Data comes from $KEFU_SHARED_DATA (default /work/shared/data); the project never ships it.
Usage: .venv/bin/python bench/bot_nlu.py [--only banking77,clinc150,...]
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

from kefu.bot.evaluation import Row, evaluate_rows, read_rows

PUBLISHED = {
    "banking77": "BERT-large 93.66, USE+ConveRT 93.36 (official test split)",
    "clinc150": "in-scope/oos-recall: BERT 96.2/52.3 (threshold), Rasa 91.5/45.3, BoW SVM 91.0/14.5 (test split)",
    "hint3_sofmattress": "v1 test incl. out-of-scope, best 0.713 (Dialogflow)",
    "hint3_curekart": "v1 test incl. out-of-scope, best 0.748 (Haptik)",
    "hint3_powerplay11": "v1 test incl. out-of-scope, best 0.742 (Haptik)",
}


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


def datasets(root: Path) -> list[tuple[str, list[Row], list[Row], str | None, str]]:
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
        out.append(
            (f"hint3_{name}", *holdout(rows), None, f"20% stratified holdout of hint3_{name}_train.csv")
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated dataset names")
    args = parser.parse_args()
    root = Path(os.environ.get("KEFU_SHARED_DATA", "/work/shared/data"))
    if not (root / "intent").is_dir():
        print(f"skipped: no intent data under {root} (set KEFU_SHARED_DATA)", file=sys.stderr)
        return 0
    only = {s for s in args.only.split(",") if s}
    for name, train, test, oos_label, split in datasets(root):
        if only and name not in only:
            continue
        result = evaluate_rows(train, test, oos_label)
        record = {
            "bench": "bot_nlu",
            "dataset": name,
            "split": split,
            "train_rows": len(train),
            **result,
            "published": PUBLISHED[name],
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
