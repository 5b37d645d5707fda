"""Triage accuracy: category, priority and group suggested from a ticket's text. Prints JSON.

Two held-out sets:
1. `demo_split`: the demo's tickets (`kefu demo`: the dozen hand-made ones plus the generated
   history), split per category with a fixed seed — 20 % held out (stratified; a category with
   a single ticket stays in training). The model trains on the rest plus the shipped seed,
   exactly as the product does (`TriageModel.train`, `GroupTable.learn`).
2. `unseen`: `tests/data/triage/unseen.csv`, 60 after-sales and pre-sales tickets written by
   hand for this bench in new wording (not paraphrases of the demo or the seed), labelled with
   the plan's priority (after-sales fault → urgent, complaint → high) and the demo's groups.
   Nothing of it is used for training. The demo's history repeats 50 subjects, so the split
   above mostly measures memory; this set measures generality.
3. `unseen2`: `tests/data/triage/unseen2.csv`, 46 more by another hand and in another style
   (short, colloquial, typos, English words mixed in), written before the model was tuned.

Reported per set: category / priority / group accuracy over all tickets, coverage (share at
or above the apply threshold, i.e. set on the ticket automatically) and the category accuracy
of those applied suggestions (precision when applied). The threshold is the model's own,
chosen by cross-validation on its training texts for a target precision (`calibration` in
the first record: its held-out precision and coverage). Priority is the plan's rule from the
predicted category ("normal" otherwise); the demo history draws priorities at random, so its
priority accuracy has a ceiling near the share of "normal" tickets.

Usage: .venv/bin/python bench/triage.py [--db /path/to/demo/kefu.db] [--seed 14] [--holdout 0.2]
Without --db a fresh demo is loaded into a temporary directory (about two minutes).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from kefu.ticket.rules import DEFAULT_CATEGORIES
from kefu.triage.classifier import TARGET_PRECISION, GroupTable, TriageModel, ticket_text

ROOT = Path(__file__).resolve().parent.parent
UNSEEN = {
    "unseen": ROOT / "tests" / "data" / "triage" / "unseen.csv",
    "unseen2": ROOT / "tests" / "data" / "triage" / "unseen2.csv",
}
Row = dict[str, str]


def demo_db() -> Path:
    """A fresh demo database in a temporary directory (kept for reruns with --db)."""
    workdir = Path(tempfile.mkdtemp(prefix="kefu-triage-bench-"))
    env = {
        **os.environ,
        "KEFU_DATA_DIR": str(workdir),
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'kefu.db'}",
    }
    subprocess.run([str(ROOT / ".venv" / "bin" / "kefu"), "demo"], env=env, check=True, capture_output=True)
    print(f"# demo database: {workdir / 'kefu.db'}", file=sys.stderr)
    return workdir / "kefu.db"


def demo_tickets(path: Path) -> list[Row]:
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT t.subject, coalesce(t.description, ''), t.category, t.priority, coalesce(g.name, ''),"
        " coalesce(c.tier, 'none') FROM tickets t LEFT JOIN groups g ON g.id = t.group_id"
        " LEFT JOIN customers c ON c.id = t.customer_id WHERE t.category != '' ORDER BY t.id"
    ).fetchall()
    con.close()
    keys = ("subject", "description", "category", "priority", "group", "tier")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def split(rows: list[Row], holdout: float, seed: int) -> tuple[list[Row], list[Row]]:
    rng = random.Random(seed)
    by_cat: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_cat[r["category"]].append(r)
    train: list[Row] = []
    test: list[Row] = []
    for cat in sorted(by_cat):
        items = by_cat[cat][:]
        rng.shuffle(items)
        n = round(len(items) * holdout) if len(items) > 1 else 0
        test += items[:n]
        train += items[n:]
    return train, test


def evaluate(model: TriageModel, groups: GroupTable[str], rows: list[Row]) -> dict[str, Any]:
    started = time.perf_counter()
    guesses = model.predict_many([ticket_text(r["subject"], r["description"]) for r in rows])
    ms = (time.perf_counter() - started) * 1000 / max(1, len(rows))
    cat = pri = grp = applied = applied_ok = in_tree = in_tree_applied = in_tree_ok = 0
    misses: list[str] = []
    for r, g in zip(rows, guesses, strict=True):
        ok = g.category == r["category"]
        cat += ok
        pri += (g.priority or "normal") == r["priority"]
        suggestion = groups.suggest(g.category, r.get("tier") or "none")
        grp += suggestion is not None and suggestion[0] == r["group"]
        if g.confident:
            applied += 1
            applied_ok += ok
        if r["category"] in DEFAULT_CATEGORIES:  # a category the product can set
            in_tree += 1
            in_tree_applied += g.confident
            in_tree_ok += g.confident and ok
        if not ok and len(misses) < 12:
            misses.append(f"{r['subject']} → {g.category} ({g.confidence:.2f}; want {r['category']})")
        elif g.confident and not ok:
            misses.append(f"{r['subject']} → {g.category} ({g.confidence:.2f}; want {r['category']}) APPLIED")
    n = len(rows)
    return {
        "n": n,
        "category_accuracy": round(cat / n, 4),
        "priority_accuracy": round(pri / n, 4),
        "group_accuracy": round(grp / n, 4),
        "coverage_at_threshold": round(applied / n, 4),
        "applied_accuracy": round(applied_ok / applied, 4) if applied else None,
        # Labels outside the built-in tree (the demo files logistics under 售后/物流, which it
        # never registers, so the product cannot set it): the figures without those rows.
        "labels_outside_tree": n - in_tree,
        "coverage_in_tree": round(in_tree_applied / in_tree, 4) if in_tree else None,
        "applied_accuracy_in_tree": round(in_tree_ok / in_tree_applied, 4) if in_tree_applied else None,
        "predict_ms_per_ticket": round(ms, 3),
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing demo SQLite database")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--holdout", type=float, default=0.2)
    args = parser.parse_args()
    rows = demo_tickets(args.db or demo_db())
    train, test = split(rows, args.holdout, args.seed)
    started = time.perf_counter()
    model = TriageModel.train(
        [ticket_text(r["subject"], r["description"]) for r in train], [r["category"] for r in train]
    )
    train_s = time.perf_counter() - started
    groups = GroupTable.learn((r["category"], r["tier"], r["group"]) for r in train)
    cal = model.calibration
    common = {"apply_threshold": round(model.threshold, 4), "seed": args.seed, "holdout": args.holdout}
    calibration = {
        "target_precision": TARGET_PRECISION,
        "held_out_texts": cal.held_out,
        "held_out_precision": cal.precision,
        "held_out_coverage": cal.coverage,
    }
    record = {"set": "demo_split", "train": len(train), "train_seconds": round(train_s, 2)}
    record |= {**common, "calibration": calibration, **evaluate(model, groups, test)}
    print(json.dumps(record, ensure_ascii=False))
    for name, path in UNSEEN.items():
        with path.open(encoding="utf-8") as f:
            unseen = [dict(r, tier="none") for r in csv.DictReader(f)]
        record = {"set": name, "file": str(path.relative_to(ROOT)), **common}
        print(json.dumps(record | evaluate(model, groups, unseen), ensure_ascii=False))


if __name__ == "__main__":
    main()
