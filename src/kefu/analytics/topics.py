"""Pain-point topics (pure): a contact's topic is its ticket category, else the bot intent of
its conversation, else a text cluster (TF-IDF over rjieba words, k-means). Topics are ranked
by volume x (1 + complaint rate) x (1 + negative share) x (1 + growth over the previous period).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kefu.nlp.text import normalize, words

MAX_CLUSTER_TEXTS = 3000
_STOP = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "我",
        "你",
        "他",
        "她",
        "它",
        "我们",
        "是",
        "在",
        "有",
        "和",
        "就",
        "都",
        "也",
        "还",
        "要",
        "会",
        "能",
        "可以",
        "这个",
        "那个",
        "怎么",
        "什么",
        "一下",
        "请问",
        "你好",
        "您好",
        "谢谢",
        "一个",
        "没有",
        "不",
        "没",
        "为什么",
        "如何",
        "已经",
        "现在",
        "还是",
        "就是",
        "但是",
        "所以",
    ]
)
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")


@dataclass(frozen=True)
class Item:
    """One contact: a ticket (ticket_id set) or a conversation without a ticket."""

    ref: str  # "t:12" or "c:34"
    ticket_id: int | None
    category: str
    intent: str | None
    text: str
    complaint: bool
    negative: bool
    current: bool  # in the requested period (else in the previous one)


@dataclass
class Topic:
    key: str
    title: str
    kind: str  # category | intent | cluster
    terms: list[str] = field(default_factory=list)
    volume: int = 0
    previous: int = 0
    complaints: int = 0
    negative: int = 0
    ticket_ids: list[int] = field(default_factory=list)

    @property
    def complaint_rate(self) -> float:
        return self.complaints / self.volume if self.volume else 0.0

    @property
    def negative_share(self) -> float:
        return self.negative / self.volume if self.volume else 0.0

    @property
    def growth(self) -> float:
        return (self.volume - self.previous) / max(1, self.previous)

    @property
    def score(self) -> float:
        return (
            self.volume * (1 + self.complaint_rate) * (1 + self.negative_share) * (1 + max(0.0, self.growth))
        )


def tokens(text: str) -> list[str]:
    return [w for w in words(normalize(text)) if w not in _STOP and len(w) > 1 and _WORDLIKE.search(w)]


def cluster_terms(texts: Sequence[str], *, max_clusters: int = 8) -> list[list[str]]:
    """Top terms of each text's cluster (the same list object for every member)."""
    if not texts:
        return []
    # sklearn loads on first use: every CLI command imports this module and it costs seconds
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=tokens, min_df=1)
    try:
        matrix = vec.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [["其他"] for _ in texts]
    vocab = np.array(vec.get_feature_names_out())
    k = max(1, min(max_clusters, len(texts) // 5, matrix.shape[0]))
    if k == 1:
        labels = np.zeros(len(texts), dtype=int)
        centers = np.asarray(matrix.mean(axis=0))
    else:
        km = KMeans(n_clusters=k, n_init=4, random_state=0).fit(matrix)
        labels, centers = km.labels_, km.cluster_centers_
    terms = [sorted(vocab[np.argsort(-row)[:3]].tolist()) for row in centers]
    return [terms[int(label)] for label in labels]


def rank(items: Sequence[Item], *, limit: int = 20) -> list[Topic]:
    topics: dict[str, Topic] = {}
    # Greetings and empty texts ("你好") say nothing about a problem: not a topic.
    loose = [i for i in items if not i.category and not i.intent and tokens(i.text)]
    kept = {i.ref for i in loose}
    loose_terms = cluster_terms([i.text for i in loose[:MAX_CLUSTER_TEXTS]])
    term_of = {i.ref: t for i, t in zip(loose, loose_terms, strict=False)}
    for item in items:
        terms: list[str]
        if item.category:
            key, title, kind, terms = f"cat:{item.category}", item.category, "category", []
        elif item.intent:
            key, title, kind, terms = f"intent:{item.intent}", item.intent, "intent", []
        elif item.ref in kept:
            terms = term_of.get(item.ref) or ["其他"]
            key, title, kind = "text:" + "+".join(terms), " / ".join(terms), "cluster"
        else:
            continue
        topic = topics.get(key)
        if topic is None:
            topic = topics[key] = Topic(key=key, title=title, kind=kind, terms=terms)
        if not item.current:
            topic.previous += 1
            continue
        topic.volume += 1
        topic.complaints += int(item.complaint)
        topic.negative += int(item.negative)
        if item.ticket_id is not None and len(topic.ticket_ids) < 50:
            topic.ticket_ids.append(item.ticket_id)
    ranked = sorted((t for t in topics.values() if t.volume), key=lambda t: (-t.score, t.key))
    return ranked[:limit]


def matches(topic_key: str, category: str, intent: str | None, text: str) -> bool:
    """Whether a contact belongs to a topic (for volume before/after it was addressed)."""
    kind, _, value = topic_key.partition(":")
    if kind == "cat":
        return category == value
    if kind == "intent":
        return not category and intent == value
    if category or intent:
        return False
    terms = [t for t in value.split("+") if t]
    found = Counter(w for w in tokens(text) if w in terms)
    return len(found) >= min(2, len(terms))


def per_day(counts: dict[str, int], days: float) -> dict[str, float]:
    return {k: round(v / days, 2) if days > 0 else 0.0 for k, v in counts.items()}


def group_refs(items: Sequence[Item]) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        out[item.ref[0]].append(item)
    return out
