"""`kefu bot eval`: train a fresh intent model on one CSV (`text,label`), score it on another.

Rows labelled with the out-of-scope label are what the bot must refuse; a refusal (the model
not confident enough) counts as that label. Without an out-of-scope label the test set is
closed: accuracy is that of the top intent and refusals are not scored.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kefu.errors import KefuError
from kefu.nlp.nlu import IntentModel
from kefu.nlp.oos import background

MIN_LATENCY_SAMPLES = 1000
# A file's share of out-of-scope rows says how many someone collected, not the traffic
# (CLINC150's train split: 0.7 %); tuned for 1 % the threshold declined 0.30 of its val split's
# out-of-scope questions, for 5 % 0.76 at in-scope 0.952 (0.960 before).
OOS_PRIOR_GIVEN = 0.05
BALANCED_PRIOR = 0.5
CONTRACT_KEYS = ("accuracy", "in_scope_accuracy", "oos_recall", "n", "train_seconds", "p50_ms", "p99_ms")


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    label: str


def read_rows(path: Path, what: str = "data") -> list[Row]:
    """Rows of a UTF-8 CSV with a `text,label` header; bad input is a 422 KefuError."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in reader.fieldnames or []]
            text_name = "text" if "text" in fields else "sentence"  # HINT3's files say "sentence"
            if text_name not in fields or "label" not in fields:
                raise KefuError(f"{what} file {path} needs a header with columns text,label", 422)
            text_key = (reader.fieldnames or [])[fields.index(text_name)]
            label_key = (reader.fieldnames or [])[fields.index("label")]
            rows: list[Row] = []
            for line, rec in enumerate(reader, start=2):
                label = (rec.get(label_key) or "").strip()
                if not label:
                    raise KefuError(f"{what} file {path}, line {line}: empty label", 422)
                rows.append(Row(rec.get(text_key) or "", label))
    except FileNotFoundError as exc:
        raise KefuError(f"{what} file not found: {path}", 422) from exc
    except IsADirectoryError as exc:
        raise KefuError(f"{what} file is a directory: {path}", 422) from exc
    except UnicodeDecodeError as exc:
        raise KefuError(f"{what} file {path} is not UTF-8 text", 422) from exc
    except csv.Error as exc:
        raise KefuError(f"{what} file {path} is not valid CSV: {exc}", 422) from exc
    if not rows:
        raise KefuError(f"{what} file {path} has no rows", 422)
    return rows


def evaluate(train: Path, test: Path, oos_label: str | None) -> dict[str, Any]:
    """The JSON of `kefu bot eval` (see CONTRACT.md)."""
    result = evaluate_rows(read_rows(train, "training"), read_rows(test, "test"), oos_label)
    return {k: result[k] for k in CONTRACT_KEYS}


def evaluate_rows(train: Sequence[Row], test: Sequence[Row], oos_label: str | None) -> dict[str, Any]:
    """Contract keys plus extras for the benchmark: share refused, share answered right,
    expected calibration error of the confidence, the threshold, the number of intents."""
    if not test:
        raise KefuError("the test file has no rows", 422)
    model, seconds = fit_rows(train, oos_label)
    return score(model, test, oos_label, seconds)


def fit_rows(train: Sequence[Row], oos_label: str | None, seed: int = 0) -> tuple[IntentModel, float]:
    """A fresh model trained on the rows (those labelled `oos_label` as out-of-scope
    examples) and the seconds it took; `seed` picks the validation split."""
    oos = oos_label.strip() if oos_label else None
    in_scope = [r for r in train if r.label != oos]
    if not in_scope:
        raise KefuError("the training file has no in-scope rows", 422)
    oos_texts = [r.text for r in train if r.label == oos]
    # The share of out-of-scope traffic the threshold is tuned for: 5 % when the training file
    # has out-of-scope rows (never read from the test file). Without any, nothing tells the
    # share: declining an off-topic question counts as much as answering an in-scope one (a
    # company's own intents have no such rows either).
    prior = OOS_PRIOR_GIVEN if oos_texts else BALANCED_PRIOR

    started = time.perf_counter()
    model = IntentModel.train(
        [r.text for r in in_scope],
        [r.label for r in in_scope],
        oos_texts=oos_texts,
        background=background(),
        oos_prior=prior,
        seed=seed,
    )
    return model, time.perf_counter() - started


def score(
    model: IntentModel, test: Sequence[Row], oos_label: str | None, train_seconds: float = 0.0
) -> dict[str, Any]:
    """The figures of `evaluate_rows` for an already trained model."""
    oos = oos_label.strip() if oos_label else None
    latencies: list[float] = []
    predictions = []
    for row in test:
        t0 = time.perf_counter()
        predictions.append(model.predict(row.text))
        latencies.append(time.perf_counter() - t0)
    i = 0
    while len(latencies) < MIN_LATENCY_SAMPLES:
        t0 = time.perf_counter()
        model.predict(test[i % len(test)].text)
        latencies.append(time.perf_counter() - t0)
        i += 1

    hits_all = 0
    hits_in = 0
    n_in = 0
    refused_oos = 0
    n_oos = 0
    refused = 0
    answered_right = 0
    calib: list[tuple[float, bool]] = []
    for row, pred in zip(test, predictions, strict=True):
        top = pred.ranked[0][0] if pred.ranked else None
        refused += pred.label is None
        answered_right += pred.label == row.label
        calib.append((pred.confidence, top == row.label))
        if oos is None:
            hits_all += top == row.label
            continue
        if row.label == oos:
            n_oos += 1
            refused_oos += pred.label is None
            hits_all += pred.label is None
        else:
            n_in += 1
            hits_in += pred.label == row.label
            hits_all += pred.label == row.label
    n = len(test)
    ms = sorted(x * 1000.0 for x in latencies)
    if oos is None:
        in_scope_accuracy: float | None = hits_all / n
    else:
        in_scope_accuracy = hits_in / n_in if n_in else None
    return {
        "accuracy": round(hits_all / n, 4),
        "in_scope_accuracy": None if in_scope_accuracy is None else round(in_scope_accuracy, 4),
        "oos_recall": round(refused_oos / n_oos, 4) if n_oos else None,
        "n": n,
        "train_seconds": round(train_seconds, 3),
        "p50_ms": round(statistics.median(ms), 3),
        "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 3),
        "refused": round(refused / n, 4),
        "answered_right": round(answered_right / n, 4),  # in-scope rows answered with their intent
        "ece": round(_ece(calib), 4),
        "threshold": round(model.threshold, 4),
        "intents": len(model.labels),
    }


def _ece(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> float:
    """Expected calibration error of the top intent's confidence (10 equal-width bins)."""
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [ok for p, ok in pairs if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if sel:
            conf = statistics.fmean(p for p, _ in pairs if lo <= p < hi or (b == bins - 1 and p == 1.0))
            total += len(sel) * abs(statistics.fmean(sel) - conf)
    return total / len(pairs) if pairs else 0.0
