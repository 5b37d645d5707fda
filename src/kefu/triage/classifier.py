"""Ticket triage model (pure): category from the ticket's text, priority from the plan's
rules for that category.

Features: sublinear TF-IDF over character 1–3-grams (Chinese has no spaces; they also
tolerate typos) and over rjieba words and word bigrams (whole words such as 充不进 or 发票 weigh
more than their characters), fed to a multinomial logistic regression — small, trains in a
second or two on thousands of tickets.

Confidence and threshold come from cross-validation on the training texts themselves: every
distinct text is predicted by a model that has not seen it (new wording, like a customer's
first ticket), a Platt curve maps the model's top probability to the chance that the category
is right, and the apply threshold is the lowest confidence at which the held-out predictions
reach `TARGET_PRECISION`. So the displayed 置信度 means "right this often", and a model that
knows its categories well applies more of them without lowering precision.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
import rjieba

from kefu.triage.seed import NO_CATEGORY, SEED

if TYPE_CHECKING:  # sklearn and scipy load on first use: every CLI command imports this module
    from sklearn.svm import LinearSVC

# Share of applied categories that should be right (held-out estimate on the training texts).
TARGET_PRECISION = 0.9
# Used when cross-validation cannot say (too few texts): only near-certain guesses apply.
DEFAULT_THRESHOLD = 0.9
# Never apply below this, whatever cross-validation found (a vague text stays a suggestion).
MIN_THRESHOLD = 0.5
MIN_CV_TEXTS = 40  # fewer distinct texts than this: no cross-validation, the default threshold
CV_FOLDS = 5
# Cross-validation looks at a sample of this many distinct texts at most: a retrain stays a
# second or two even on 5,000 tickets (the fold models, trained on less, err on the safe side).
MAX_CV_TEXTS = 1500
# A category the company's agents chose weighs more than a seed phrase (the company's own
# wording wins), and repeated texts count with diminishing returns (the demo repeats 50
# subjects hundreds of times; a thousand copies must not drown every other phrasing).
COMPANY_WEIGHT = 3.0
C = 0.5  # LinearSVC: trains in tens of milliseconds, so cross-validation is affordable
# The plan's promises: an after-sales fault is urgent (2 h), a complaint is high. Only ever
# raises a ticket's priority.
PRIORITY_BY_CATEGORY = (("售后/维修", "urgent"), ("投诉", "high"))
PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Triage:
    category: str
    confidence: float  # calibrated: the chance that the category is right
    priority: str  # "" when the category implies none
    threshold: float = DEFAULT_THRESHOLD

    @property
    def confident(self) -> bool:
        return self.confidence >= self.threshold


K = TypeVar("K", bound=Hashable)
GROUP_MIN_EXAMPLES = 3  # fewer tickets than this say nothing about where such tickets go


class GroupTable(Generic[K]):
    """Where tickets of a category end up: the most common group of the company's tickets of
    that category (for the customer's tier when there are enough of those, so VIP customers'
    tickets go where theirs go), else of the category's top level (投诉/*), else no opinion.
    Learned from the tickets' groups, so an agent moving a ticket teaches it too."""

    def __init__(self, table: dict[tuple[str, str], tuple[K, float]]) -> None:
        self._table = table

    @classmethod
    def learn(cls, rows: Iterable[tuple[str, str, K | None]]) -> GroupTable[K]:
        """From (category, customer tier, group) of categorised tickets."""
        counts: dict[tuple[str, str], Counter[K]] = defaultdict(Counter)
        for category, tier, group in rows:
            if not category or group is None:
                continue
            top = category.split("/", 1)[0]
            for key in ((category, tier or "none"), (category, ""), (top + "/*", "")):
                counts[key][group] += 1
        table: dict[tuple[str, str], tuple[K, float]] = {}
        for key, counter in counts.items():
            total = sum(counter.values())
            if total >= GROUP_MIN_EXAMPLES:
                group, n = counter.most_common(1)[0]
                table[key] = (group, n / total)
        return cls(table)

    def suggest(self, category: str, tier: str = "none") -> tuple[K, float] | None:
        """(group, share of such tickets that went there), or None."""
        top = category.split("/", 1)[0] + "/*"
        for key in ((category, tier or "none"), (category, ""), (top, "")):
            if key in self._table:
                return self._table[key]
        return None


def priority_for(category: str) -> str:
    for prefix, priority in PRIORITY_BY_CATEGORY:
        if category == prefix or category.startswith(prefix + "/"):
            return priority
    return ""


def raises(current: str, suggested: str) -> bool:
    return bool(suggested) and PRIORITY_RANK.get(suggested, 0) > PRIORITY_RANK.get(current, 1)


def ticket_text(subject: str, description: str) -> str:
    return f"{subject}\n{description[:300]}"


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _words(text: str) -> list[str]:
    return [w for w in rjieba.cut(text) if w.strip()]


class _Features:
    """Character n-grams and words, each block TF-IDF'd and L2-normalised on its own and
    then scaled, so that the ~60 character n-grams of a text do not drown its ~8 words."""

    WORD_SHARE = 0.5

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self._words = TfidfVectorizer(
            tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True
        )

    def fit_transform(self, texts: Sequence[str]) -> Any:
        return self._stack(self._chars.fit_transform(texts), self._words.fit_transform(texts))

    def transform(self, texts: Sequence[str]) -> Any:
        return self._stack(self._chars.transform(texts), self._words.transform(texts))

    def _stack(self, chars: Any, words: Any) -> Any:
        from scipy import sparse  # type: ignore[import-untyped]

        w = self.WORD_SHARE
        return sparse.hstack([chars * math.sqrt(1 - w), words * math.sqrt(w)], format="csr")


def training_set(
    texts: Sequence[str], labels: Sequence[str], *, seed: bool = True
) -> tuple[list[str], list[str], FloatArray]:
    """Distinct normalised texts, their labels and weights: the company's tickets first, then
    the seed phrases whose text the company has not labelled (its label wins)."""
    counts: Counter[tuple[str, str]] = Counter()
    for text, label in zip(texts, labels, strict=True):
        norm = normalize(text)
        if norm and label:
            counts[(norm, label)] += 1
    xs: list[str] = []
    ys: list[str] = []
    ws: list[float] = []
    company = {t for t, _ in counts}
    for (text, label), n in counts.items():
        xs.append(text)
        ys.append(label)
        ws.append(COMPANY_WEIGHT * (1.0 + math.log(n)))
    if seed:
        for category, phrases in SEED.items():
            for phrase in dict.fromkeys(normalize(p) for p in phrases):
                if phrase not in company:
                    xs.append(phrase)
                    ys.append(category)
                    ws.append(1.0)
    return xs, ys, np.asarray(ws, dtype=np.float64)


def _fit(x: Any, ys: Sequence[str], weights: FloatArray) -> LinearSVC:
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=C)
    model.fit(x, ys, sample_weight=weights)
    return model


def _scores(model: LinearSVC, x: Any) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Best real category (never the background class) per row, and the calibration inputs:
    its SVM score and its margin over the best other class (background included)."""
    scores = np.asarray(model.decision_function(x), dtype=np.float64)
    if scores.ndim == 1:  # two classes: one score for classes_[1]
        scores = np.column_stack([-scores, scores])
    real = scores.copy()
    real[:, model.classes_ == NO_CATEGORY] = -np.inf
    best = real.argmax(axis=1)
    rows = np.arange(len(best))
    top = scores[rows, best]
    others = scores.copy()
    others[rows, best] = -np.inf
    return best, np.column_stack([top, top - others.max(axis=1)])


@dataclass(frozen=True)
class Calibration:
    """P(right) = σ(a·score + m·margin + b), and the apply threshold on that scale."""

    a: float = 2.0
    m: float = 2.0
    b: float = 0.0
    threshold: float = DEFAULT_THRESHOLD
    held_out: int = 0  # distinct texts the figures below come from
    precision: float | None = None  # held-out precision at the threshold
    coverage: float | None = None  # held-out share at or above it

    def confidence(self, inputs: FloatArray) -> FloatArray:
        z = self.a * inputs[:, 0] + self.m * inputs[:, 1] + self.b
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def choose_threshold(confidence: FloatArray, right: npt.NDArray[np.bool_], target: float) -> float:
    """The lowest confidence at which the guesses at or above it are right at least `target`
    of the time (held-out), never below MIN_THRESHOLD; DEFAULT_THRESHOLD if none reaches it."""
    order = np.argsort(-confidence, kind="stable")
    conf, ok = confidence[order], right[order].astype(np.float64)
    precision = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    best: float | None = None
    for i in range(len(conf)):
        # Cut only between distinct confidences, and not on the first handful (noise).
        if i >= 9 and precision[i] >= target and (i + 1 == len(conf) or conf[i + 1] < conf[i]):
            best = float(conf[i])
    return max(MIN_THRESHOLD, best) if best is not None else DEFAULT_THRESHOLD


def calibrate(x: Any, ys: Sequence[str], weights: FloatArray, *, folds: int = CV_FOLDS) -> Calibration:
    """Held-out predictions of every training text (k-fold), a Platt fit of P(right) on the
    top probability, and the threshold for TARGET_PRECISION."""
    if len(ys) > MAX_CV_TEXTS:
        pick = np.sort(np.random.default_rng(14).choice(len(ys), MAX_CV_TEXTS, replace=False))
        x, ys, weights = x[pick], [ys[i] for i in pick], weights[pick]
    n = len(ys)
    labels = np.asarray(ys)
    if n < MIN_CV_TEXTS or len(set(ys) - {NO_CATEGORY}) < 2:
        return Calibration()
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    inputs = np.zeros((n, 2))
    right = np.zeros(n, dtype=bool)
    for train_idx, test_idx in KFold(folds, shuffle=True, random_state=14).split(np.arange(n)):
        if len(set(labels[train_idx]) - {NO_CATEGORY}) < 2:
            continue
        model = _fit(x[train_idx], labels[train_idx].tolist(), weights[train_idx])
        best, inputs[test_idx] = _scores(model, x[test_idx])
        right[test_idx] = model.classes_[best] == labels[test_idx]
    if right.all() or not right.any():
        return Calibration(held_out=n)
    platt = LogisticRegression(C=100.0)
    platt.fit(inputs, right)
    (a, m), b = platt.coef_[0], platt.intercept_[0]
    cal = Calibration(a=float(a), m=float(m), b=float(b))
    conf = cal.confidence(inputs)
    threshold = choose_threshold(conf, right, TARGET_PRECISION)
    applied = conf >= threshold
    return Calibration(
        a=cal.a,
        m=cal.m,
        b=cal.b,
        threshold=threshold,
        held_out=n,
        precision=round(float(right[applied].mean()), 4) if applied.any() else None,
        coverage=round(float(applied.mean()), 4),
    )


class TriageModel:
    def __init__(self, features: _Features, model: LinearSVC, calibration: Calibration) -> None:
        self._features = features
        self._model = model
        self.calibration = calibration

    @property
    def threshold(self) -> float:
        return self.calibration.threshold

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        seed: bool = True,
        calibrated: bool = True,
    ) -> TriageModel:
        """Fit on the company's categorised tickets plus (by default) the shipped seed;
        `calibrated=False` skips the cross-validation (DEFAULT_THRESHOLD, default curve)."""
        xs, ys, weights = training_set(texts, labels, seed=seed)
        if len(set(ys) - {NO_CATEGORY}) < 2:
            raise ValueError("triage needs at least two categories to learn from")
        features = _Features()
        x = features.fit_transform(xs)
        calibration = calibrate(x, ys, weights) if calibrated else Calibration()
        return cls(features, _fit(x, ys, weights), calibration)

    def predict(self, text: str) -> Triage:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Triage]:
        if not texts:
            return []
        best, inputs = _scores(self._model, self._features.transform([normalize(t) for t in texts]))
        confidence = self.calibration.confidence(inputs)
        out = []
        for i, b in enumerate(best):
            category = str(self._model.classes_[b])
            out.append(Triage(category, float(confidence[i]), priority_for(category), self.threshold))
        return out
