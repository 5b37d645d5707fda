"""Ticket triage model (pure): category from the ticket's text, priority from the plan's
rules for that category.

Character 1–3-grams (Chinese has no spaces; they also tolerate typos) with TF-IDF and a
multinomial logistic regression: small, trains in well under a second on thousands of
tickets, and gives probabilities to compare with the confidence threshold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from kefu.triage.seed import SEED

# Applied on the ticket at or above this probability; below it the agent sees a suggestion.
APPLY_THRESHOLD = 0.45
# The plan's promises: an after-sales fault is urgent (2 h), a complaint is high. Only ever
# raises a ticket's priority.
PRIORITY_BY_CATEGORY = (("售后/维修", "urgent"), ("投诉", "high"))
PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


@dataclass(frozen=True)
class Triage:
    category: str
    confidence: float
    priority: str  # "" when the category implies none

    @property
    def confident(self) -> bool:
        return self.confidence >= APPLY_THRESHOLD


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


class TriageModel:
    def __init__(self, vectorizer: TfidfVectorizer, model: LogisticRegression) -> None:
        self._vec = vectorizer
        self._model = model

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], *, seed: bool = True) -> TriageModel:
        """Fit on the company's categorised tickets plus (by default) the shipped seed."""
        xs, ys = list(texts), list(labels)
        if seed:
            for category, phrases in SEED.items():
                xs.extend(phrases)
                ys.extend([category] * len(phrases))
        if len(set(ys)) < 2:
            raise ValueError("triage needs at least two categories to learn from")
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        x = vec.fit_transform(xs)
        model = LogisticRegression(C=8.0, max_iter=300)
        model.fit(x, ys)
        return cls(vec, model)

    def predict(self, text: str) -> Triage:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Triage]:
        probs = self._model.predict_proba(self._vec.transform(list(texts)))
        out = []
        for row in probs:
            best = int(np.argmax(row))
            category = str(self._model.classes_[best])
            out.append(Triage(category, float(row[best]), priority_for(category)))
        return out
