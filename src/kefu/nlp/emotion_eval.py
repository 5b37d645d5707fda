"""`kefu emotion eval --test S.csv`: the shipped emotion model on a labelled CSV.

S has a header with `text` and `label` (`negative` / `positive`). Binary decision for the
figures: negative iff P(negative) >= 0.5 (the neutral band of the product is not used).
Returns accuracy, negative-class F1, n and the median latency of one `analyze` call in ms.
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path
from typing import Any

from kefu.errors import KefuError
from kefu.nlp.emotion import EmotionModel

LABELS = ("negative", "positive")


def _bad(message: str) -> KefuError:
    return KefuError(message, 422, "validation_error")


def read_labelled(test: Path) -> list[tuple[str, bool]]:
    """(text, is_negative) rows of a `text,label` CSV; KefuError(422) on anything malformed."""
    if not test.is_file():
        raise _bad(f"test file not found: {test}")
    try:
        with test.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in (reader.fieldnames or [])]
            missing = [c for c in ("text", "label") if c not in fields]
            if missing:
                raise _bad(f"{test.name}: missing column(s) {', '.join(missing)}; expected header text,label")
            reader.fieldnames = fields
            rows: list[tuple[str, bool]] = []
            for line, row in enumerate(reader, start=2):
                label = (row.get("label") or "").strip().lower()
                if label not in LABELS:
                    wanted = " or ".join(LABELS)
                    raise _bad(f"{test.name} line {line}: label {row.get('label')!r} is not {wanted}")
                rows.append((row.get("text") or "", label == "negative"))
    except UnicodeDecodeError as exc:
        raise _bad(f"{test.name}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise _bad(f"{test.name}: not a readable CSV ({exc})") from exc
    if not rows:
        raise _bad(f"{test.name}: no rows to evaluate")
    return rows


def evaluate_emotion(test: Path) -> dict[str, Any]:
    """Accuracy, negative F1, n and p50 latency (ms per text) of the shipped model on `test`."""
    rows = read_labelled(test)
    model = EmotionModel.load()
    model.analyze("预热 warm-up")  # first call pays for rjieba's dictionary, not the figures
    tp = fp = fn = correct = 0
    times: list[float] = []
    for text, negative in rows:
        t0 = time.perf_counter()
        predicted = model.analyze(text).score >= 0.5
        times.append(time.perf_counter() - t0)
        correct += predicted == negative
        tp += predicted and negative
        fp += predicted and not negative
        fn += negative and not predicted
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "accuracy": round(correct / len(rows), 4),
        "negative_f1": round(f1, 4),
        "n": len(rows),
        "p50_ms": round(statistics.median(times) * 1000, 3),
    }
