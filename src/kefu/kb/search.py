"""Knowledge-base search (pure): BM25 over Chinese words, CJK bigrams and Latin trigrams.

Why these features: rjieba words give precise matches ("退换货"); CJK character bigrams
still match when segmentation differs between question and article ("充不进电" vs "充电");
trigrams of Latin words tolerate English typos ("bluetoth"). Synonyms expand the query, not
the index, so editing the synonym table needs no rebuild. Titles count more than bodies.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from kefu.nlp.text import normalize, words

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2.5
_LATIN = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_PUNCT = re.compile(r"^[\W_]+$")
STOPWORDS = frozenset(
    {
        *[
            "的",
            "了",
            "吗",
            "呢",
            "吧",
            "啊",
            "我",
            "你",
            "您",
            "是",
            "在",
            "有",
            "和",
            "与",
            "及",
            "就",
            "都",
            "也",
            "要",
            "想",
            "请问",
            "请",
        ],
        *["怎么", "怎么办", "如何", "什么", "一下", "可以", "能"],
        *[
            "a",
            "an",
            "the",
            "is",
            "are",
            "to",
            "of",
            "and",
            "or",
            "for",
            "in",
            "on",
            "my",
            "i",
            "how",
            "do",
            "does",
            "what",
            "can",
        ],
    }
)

# Characters too common to mean anything on their own.
_STOP_CHARS = frozenset("的了吗呢吧啊我你您是在有和与及就都也要想请么怎什如何一下可以能个这那")

DEFAULT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "退货": ("退换货", "退款"),
    "换货": ("退换货",),
    "退钱": ("退款",),
    "发票": ("开票", "增值税发票"),
    "开票": ("发票",),
    "退": ("退货", "退款"),
    "快递": ("物流", "配送"),
    "物流": ("快递", "配送"),
    "坏了": ("故障", "维修"),
    "修": ("维修", "保修"),
    "充不进电": ("充电", "无法充电"),
    "充电慢": ("充电", "快充"),
    "连不上": ("连接", "配对"),
    "保修": ("质保", "维修"),
    "密码": ("账号", "登录"),
    "价格": ("多少钱", "价钱"),
    "多少钱": ("价格",),
    "客服": ("人工",),
    "几天": ("多久",),
    "多久": ("几天", "时间"),
    "到账": ("退款",),
    "几点": ("时间",),
    "下班": ("工作时间",),
    "上班": ("工作时间",),
}


def _cjk_grams(text: str) -> list[str]:
    """Bigrams ("^") and single characters ("!") of CJK runs; stop words excluded."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        grams.extend("^" + g for i in range(len(run) - 1) if (g := run[i : i + 2]) not in STOPWORDS)
        grams.extend("!" + c for c in run if c not in _STOP_CHARS)
    return grams


def _latin_trigrams(text: str) -> list[str]:
    grams: list[str] = []
    for word in _LATIN.findall(text):
        padded = f"#{word}#"
        grams.extend("~" + padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def terms(text: str) -> list[str]:
    """Index terms of a text: words, CJK bigrams (prefixed) and Latin trigrams (prefixed)."""
    norm = normalize(text)
    ws = [w for w in words(norm) if w not in STOPWORDS and not _PUNCT.match(w)]
    return ws + _cjk_grams(norm) + _latin_trigrams(norm)


@dataclass(frozen=True)
class Doc:
    id: int
    title: str
    body: str


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    matched: tuple[str, ...]


@dataclass
class Index:
    """An immutable BM25 index; build a new one when articles change."""

    ids: np.ndarray
    doc_len: np.ndarray
    avg_len: float
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (doc rows, weighted tf)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_SYNONYMS)

    @classmethod
    def build(cls, docs: Iterable[Doc], synonyms: Mapping[str, tuple[str, ...]] | None = None) -> Index:
        rows: dict[str, list[tuple[int, float]]] = defaultdict(list)
        ids: list[int] = []
        lengths: list[float] = []
        for row, doc in enumerate(docs):
            tf: dict[str, float] = defaultdict(float)
            for t in terms(doc.title):
                tf[t] += TITLE_WEIGHT
            for t in terms(doc.body):
                tf[t] += 1.0
            for t, f in tf.items():
                rows[t].append((row, f))
            ids.append(doc.id)
            lengths.append(sum(tf.values()))
        postings = {
            t: (
                np.array([r for r, _ in ps], dtype=np.int32),
                np.array([f for _, f in ps], dtype=np.float32),
            )
            for t, ps in rows.items()
        }
        doc_len = np.array(lengths, dtype=np.float32)
        avg = float(doc_len.mean()) if len(doc_len) else 1.0
        return cls(np.array(ids, dtype=np.int64), doc_len, avg, postings, synonyms or DEFAULT_SYNONYMS)

    def __len__(self) -> int:
        return len(self.ids)

    def query_terms(self, query: str) -> dict[str, float]:
        """Query terms with weights: synonyms count less than what the user typed."""
        weights: dict[str, float] = {}
        norm = normalize(query)
        for t in terms(query):
            weights[t] = max(weights.get(t, 0.0), _weight(t, 1.0))
        for key, alts in self.synonyms.items():
            if key in norm:
                for alt in alts:
                    for t in terms(alt):
                        weights.setdefault(t, _weight(t, 0.6))
        return weights

    def search(self, query: str, limit: int = 10, allowed: set[int] | None = None) -> list[Hit]:
        n = len(self.ids)
        if n == 0 or not query.strip():
            return []
        scores = np.zeros(n, dtype=np.float32)
        # Single characters only re-rank: a hit needs at least one word, bigram or trigram.
        strong = np.zeros(n, dtype=bool)
        used: list[tuple[str, np.ndarray]] = []
        norm_len = K1 * (1 - B + B * self.doc_len / self.avg_len)
        for term, weight in self.query_terms(query).items():
            posting = self.postings.get(term)
            if posting is None:
                continue
            rows, tf = posting
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            scores[rows] += weight * idf * tf * (K1 + 1) / (tf + norm_len[rows])
            if not term.startswith("!"):
                strong[rows] = True
            if not term.startswith(("~", "!")):
                used.append((term.lstrip("^"), rows))
        scores = np.where(strong, scores, 0.0)
        if allowed is not None:
            mask = np.isin(self.ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[: max(limit, 1) * 2]
        hits = [Hit(int(self.ids[r]), float(scores[r]), _matched(int(r), used)) for r in top if scores[r] > 0]
        return hits[:limit]


def _matched(row: int, used: list[tuple[str, np.ndarray]]) -> tuple[str, ...]:
    """Query terms present in a document (posting rows are sorted: binary search)."""
    out: dict[str, None] = {}
    for term, rows in used:
        i = int(np.searchsorted(rows, row))
        if i < len(rows) and rows[i] == row:
            out[term] = None
    return tuple(out)


def _weight(term: str, base: float) -> float:
    """Whole words count most, bigrams and trigrams half, single characters least."""
    if term.startswith("!"):
        return base * 0.2
    if term.startswith(("^", "~")):
        return base * 0.5
    return base


def highlight(text: str, needles: Sequence[str], width: int = 120) -> str:
    """An escaped snippet around the first match, matches wrapped in <mark>."""
    needles = sorted(
        {n for n in needles if n and len(n) >= 1 and not n.startswith("#")}, key=len, reverse=True
    )
    lower = text.lower()
    first = min((i for n in needles if (i := lower.find(n.lower())) >= 0), default=0)
    start = max(0, first - width // 3)
    snippet = text[start : start + width]
    if not needles:
        escaped = html.escape(snippet)
    else:
        pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
        parts: list[str] = []
        last = 0
        for m in pattern.finditer(snippet):
            parts.append(html.escape(snippet[last : m.start()]))
            parts.append(f"<mark>{html.escape(m.group(0))}</mark>")
            last = m.end()
        parts.append(html.escape(snippet[last:]))
        escaped = "".join(parts)
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return prefix + escaped + suffix
