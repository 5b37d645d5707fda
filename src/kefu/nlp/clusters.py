"""Cluster the questions the bot could not answer into suggestions for new intents or
articles (pure): TF-IDF over words and character bigrams, then greedy leader clustering by
cosine similarity — cheap, deterministic, and good enough to rank what customers ask most."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kefu.nlp.text import char_ngrams, normalize, words

_STOP = frozenset(
    "的 了 吗 呢 啊 吧 我 你 是 在 有 怎么 什么 请问 一下 可以 能 要 想 这个 那个 and the a to is i".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Cluster:
    size: int
    label: str
    examples: tuple[str, ...]


def _words(text: str) -> list[str]:
    return [
        w
        for w in words(normalize(text))
        if len(w.strip()) > 1 and w not in _STOP and any(c.isalnum() for c in w)
    ]


def _terms(text: str) -> list[str]:
    return _words(text) + char_ngrams(normalize(text), 2, 2)


def cluster(questions: Sequence[str], *, threshold: float = 0.25, limit: int = 20) -> list[Cluster]:
    """Biggest clusters first; each with the words its questions share and a few examples.
    Questions without any letter or digit (emoji, punctuation) are left out."""
    unique = dict.fromkeys(q.strip() for q in questions if any(c.isalnum() for c in q))
    docs = [(q, Counter(_terms(q))) for q in unique]
    docs = [(q, t) for q, t in docs if t]
    if not docs:
        return []
    df: Counter[str] = Counter()
    for _, terms in docs:
        df.update(terms.keys())
    n = len(docs)
    vectors = []
    for q, terms in docs:
        vec = {t: c * math.log((1 + n) / (1 + df[t])) + c for t, c in terms.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append((q, {t: v / norm for t, v in vec.items()}))
    leaders: list[tuple[dict[str, float], list[str], Counter[str]]] = []
    for q, vec in vectors:
        best, best_sim = None, threshold
        for i, (lead, _, _) in enumerate(leaders):
            sim = sum(v * lead.get(t, 0.0) for t, v in vec.items())
            if sim >= best_sim:
                best, best_sim = i, sim
        if best is None:
            leaders.append((vec, [q], Counter(_words(q))))
        else:
            leaders[best][1].append(q)
            leaders[best][2].update(_words(q))
    ranked = sorted(leaders, key=lambda item: -len(item[1]))[:limit]
    return [
        Cluster(
            size=len(members),
            label=" ".join(t for t, _ in shared.most_common(3)),
            examples=tuple(members[:5]),
        )
        for _, members, shared in ranked
    ]
