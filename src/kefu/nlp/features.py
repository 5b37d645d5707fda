"""Sparse text features of the intent model (pure): sublinear TF-IDF over words (rjieba,
uni+bigrams) and character 2-4-grams plus single CJK characters, the word and the character
block L2-normalised apart."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from kefu.errors import KefuError
from kefu.nlp.text import char_ngrams, normalize, words

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
_WORD = "\x1f"  # marks word features apart from character n-grams


def _features(text: str) -> list[str]:
    """Word uni+bigrams (marked with a leading _WORD) and character n-grams of one text."""
    norm = normalize(text).replace(_WORD, "")
    ws = words(norm)
    feats = char_ngrams(norm, 2, 4)
    # Single characters carry meaning in Chinese (退, 换, 慢), hardly in Latin script.
    feats.extend(ch for ch in norm if not ch.isascii() and not ch.isspace())
    feats.extend(_WORD + w for w in ws)
    feats.extend(f"{_WORD}{a} {b}" for a, b in pairwise(ws))
    return feats


def _identity(doc: list[str]) -> list[str]:
    return doc


class _Vectorizer:
    """Sublinear TF-IDF; the word and the character block are L2-normalised separately, then
    the whole row, so that the ~100 character n-grams of a text do not drown its ~10 words."""

    def __init__(self, vocab: dict[str, int], idf: FloatArray):
        self.vocab = vocab
        self.idf = idf
        self.block = np.fromiter((f[0] == _WORD for f in vocab), np.int8, len(vocab))

    @property
    def dim(self) -> int:
        return len(self.vocab)

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int) -> tuple[_Vectorizer, Any]:
        docs = [_features(t) for t in texts]
        if not any(docs):
            raise KefuError("the training texts contain no words", 422)
        from sklearn.feature_extraction.text import CountVectorizer  # lazy: costly import

        counts = CountVectorizer(analyzer=_identity, dtype=np.float32)
        m = counts.fit_transform(docs)
        names = counts.get_feature_names_out().astype(str)
        df = np.bincount(m.indices, minlength=len(names))
        # rare character n-grams are mostly typos and noise; rare words are kept
        keep = np.flatnonzero((df >= min_df) | np.char.startswith(names, _WORD))
        if len(keep) < len(names):
            m = m[:, keep]
            names = names[keep]
            df = df[keep]
        idf = (np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0).astype(np.float32)
        vec = cls({str(f): i for i, f in enumerate(names)}, idf)
        return vec, vec._weight(m)

    def transform(self, texts: Sequence[str]) -> Any:
        from sklearn.feature_extraction.text import CountVectorizer  # lazy: costly import

        counts = CountVectorizer(analyzer=_identity, vocabulary=self.vocab, dtype=np.float32)
        return self._weight(counts.transform([_features(t) for t in texts]))

    def _weight(self, m: Any) -> Any:
        m = m.astype(np.float32)
        m.sort_indices()
        n = m.shape[0]
        rows = np.repeat(np.arange(n), np.diff(m.indptr))
        m.data = self._scale(rows, m.indices, m.data, n)
        return m

    def _scale(self, rows: IntArray, idx: IntArray, counts: FloatArray, n: int) -> FloatArray:
        val = (np.log(counts) + 1.0) * self.idf[idx]
        key = rows * 2 + self.block[idx]
        block_norm = np.sqrt(np.bincount(key, weights=val * val, minlength=2 * n))
        val = val / block_norm[key]
        row_norm = np.sqrt(np.bincount(rows, weights=val * val, minlength=n))
        return np.asarray(val / row_norm[rows], np.float32)

    def one(self, text: str) -> tuple[IntArray, FloatArray]:
        counts: dict[int, int] = {}
        for f in _features(text):
            j = self.vocab.get(f)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        idx = np.fromiter(counts.keys(), np.int32, len(counts))
        raw = np.fromiter(counts.values(), np.float32, len(counts))
        return idx, self._scale(np.zeros(len(idx), np.int64), idx, raw, 1)


def _coverage_units(text: str) -> tuple[list[str], list[str]]:
    """Character bigrams and (marked) words of one text: the units coverage counts."""
    norm = normalize(text).replace(_WORD, "")
    return char_ngrams(norm, 2, 2), [_WORD + w for w in words(norm)]


class Coverage:
    """Share of a question's character bigrams and words that the intents' own examples use.

    The SVM only sees the features a question shares with the training data, so an off-topic
    question sharing one strong word with an intent can score high; coverage notes that the
    rest of it is made of words no intent uses. (Background questions do not count: they are
    what the company does not answer.)
    """

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known

    @classmethod
    def build(cls, texts: Iterable[str]) -> Coverage:
        known: set[str] = set()
        for text in texts:
            grams, ws = _coverage_units(text)
            known.update(grams, ws)
        return cls(frozenset(known))

    def of(self, text: str) -> float:
        """The mean of the two shares: in Latin script nearly every bigram is known and the
        words tell; in Chinese both do."""
        shares = [
            sum(u in self.known for u in units) / len(units) for units in _coverage_units(text) if units
        ]
        return sum(shares) / len(shares) if shares else 0.0

    def many(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        return np.fromiter((self.of(t) for t in texts), np.float64, len(texts))
