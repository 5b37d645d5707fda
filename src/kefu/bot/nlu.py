"""On-premise intent classifier (pure: no I/O, no database).

Features: TF-IDF (sublinear) over words (rjieba, uni+bigrams) and character 2-4-grams plus
single CJK characters, the word and the character block L2-normalised apart. A one-vs-rest
linear SVM ranks the intents (on large sets each intent meets only its hardest negatives);
the cosine to the nearest training example of the top intents backs it up, so one intent or
one example per intent still works. Confidence is a logistic calibration of (SVM score,
similarity) fitted on a validation split carved from the training data, with out-of-scope
rows (given ones, and whole intents held out of the validation model) as negatives; the
out-of-scope threshold maximises expected accuracy on that split for `oos_prior` of
out-of-scope traffic. Nothing here reads files: `to_arrays`/`from_arrays` turn a trained model
into plain numpy arrays (no pickle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from kefu.bot.text import char_ngrams, normalize, words
from kefu.errors import KefuError

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

FORMAT_VERSION = 1
TOP_K = 3
# Confidence p = σ(a·svm score + b·similarity + c). When the training data is too small to
# calibrate on, these fits on small samples (1-20 intents × 1-12 examples) of the public
# sets are used. A single intent has no SVM: p is even at cosine 0.33 to its nearest example
# (keeps ~85% of paraphrases, refuses ~70% of other questions on those samples).
DEFAULT_CALIBRATION = (4.0, 2.0, 0.5)
SINGLE_INTENT_CALIBRATION = (0.0, 10.0, -3.3)
DEFAULT_THRESHOLD = 0.5
_MIN_VALIDATION = 10  # in-scope validation rows needed to carve a validation split at all
_MIN_CALIBRATION_IN = 30  # ... and to fit the calibration: in-scope and out-of-scope rows
_MIN_CALIBRATION_OOS = 10
_EMPTY_SCORE = -2.0  # SVM score feature of a text without any known feature
_WORD = "\x1f"  # marks word features apart from character n-grams
_HARD_NEGATIVES = 2000  # per intent, on large training sets (see _train_ovr)
_RANDOM_NEGATIVES = 1000
# An intent is a small minority in its one-vs-rest problem; weighing its examples up buys
# about +0.2 points in-scope accuracy on CLINC150 (neutral on BANKING77 and HINT3).
_POSITIVE_WEIGHT = {0: 1.0, 1: 4.0}
_MAX_CALIBRATION_ROWS = 2000  # validation rows scored for the calibration (plenty for 3 numbers)


@dataclass(frozen=True, slots=True)
class Prediction:
    """`label` is the intent, or None when the bot should not answer (out of scope / unsure).

    `confidence` is the calibrated probability that the top intent is right; `ranked` lists
    the best intents (at most three) with the same kind of score, best first, also when the
    query is out of scope ("did you mean ...").
    """

    label: str | None
    confidence: float
    ranked: tuple[tuple[str, float], ...]

    @property
    def out_of_scope(self) -> bool:
        return self.label is None


# --------------------------------------------------------------------------- features


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


# --------------------------------------------------------------------------- classifier


_Fit = tuple[IntArray, FloatArray, FloatArray]  # class ids, coef rows, intercepts


def _train_ovr(x: Any, y: IntArray, c: float, seed: int, closeness: FloatArray | None) -> _Fit:
    """One-vs-rest linear SVMs for the intents present in y (at least two).

    With `closeness` (cosine of each example to each intent's centroid, (n_classes, n)),
    each intent is trained against its hardest negatives only: the examples of other
    intents closest to its centroid plus a random sample of the rest. At 150 intents that
    is about five times faster than all-vs-all and as accurate. (Single-threaded on
    purpose: liblinear seeds one global generator, threads make it non-deterministic.)
    """
    present = np.unique(y)
    if len(present) == 2:
        svc = LinearSVC(C=c, tol=0.1, random_state=0).fit(x, (y == present[1]).astype(np.int8))
        w = np.asarray(svc.coef_, np.float32)[0]
        b = float(svc.intercept_[0])
        return present.astype(np.int32), np.vstack([-w, w]), np.array([-b, b], np.float32)
    coefs: list[FloatArray] = []
    icpts: list[float] = []
    for k in present:
        positive = y == k
        if closeness is None:
            rows = np.arange(len(y))
        else:
            rng = np.random.default_rng(seed * 100_003 + int(k))
            near = np.where(positive, np.inf, closeness[k])
            kth = min(len(y) - 1, _HARD_NEGATIVES + int(positive.sum()))
            picked = np.zeros(len(y), bool)
            picked[np.argpartition(-near, kth)[:kth]] = True  # the positives, then the closest
            rest = np.flatnonzero(~picked)
            picked[rng.choice(rest, size=min(_RANDOM_NEGATIVES, len(rest)), replace=False)] = True
            rows = np.flatnonzero(picked)
        svc = LinearSVC(C=c, tol=0.1, class_weight=_POSITIVE_WEIGHT, random_state=0)
        svc.fit(x[rows], positive[rows].astype(np.int8))
        coefs.append(np.asarray(svc.coef_, np.float32)[0])
        icpts.append(float(svc.intercept_[0]))
    return present.astype(np.int32), np.vstack(coefs), np.asarray(icpts, np.float32)


def _centroid_similarity(x: Any, y: IntArray, n_classes: int) -> FloatArray:
    """Cosine of every example with every intent's centroid, shape (n_classes, n_examples)."""
    centroids = np.zeros((n_classes, x.shape[1]), np.float32)
    order = np.argsort(y, kind="stable")
    rows = x[order]
    bounds = np.searchsorted(y[order], np.arange(n_classes + 1))
    for k in range(n_classes):
        a, b = rows.indptr[bounds[k]], rows.indptr[bounds[k + 1]]
        centroids[k] = np.bincount(rows.indices[a:b], weights=rows.data[a:b], minlength=x.shape[1])
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids /= np.where(norms == 0, 1.0, norms)
    return np.ascontiguousarray(np.asarray(x @ centroids.T, np.float32).T)


@dataclass
class _Linear:
    """SVM scores; an intent left without training rows scores -inf."""

    w: FloatArray  # (dim, n_classes)
    b: FloatArray  # (n_classes,)

    @classmethod
    def assemble(cls, dim: int, n_classes: int, fits: Sequence[_Fit]) -> _Linear:
        w = np.zeros((dim, n_classes), np.float32)
        b = np.full(n_classes, -np.inf, np.float32)
        for classes, coef, icpt in fits:
            w[:, classes] = coef.T
            b[classes] = icpt
        return cls(np.ascontiguousarray(w), b)

    def one(self, idx: IntArray, val: FloatArray) -> FloatArray:
        return np.asarray(val @ self.w[idx] + self.b, np.float32)

    def batch(self, q: Any) -> FloatArray:
        return np.asarray(q @ self.w + self.b, np.float32)


class _Neighbours:
    """Cosine similarity to the closest training example of an intent.

    The examples are sparse rows (CSR arrays) ordered by intent; only the few intents the
    SVM ranks highest are compared with, so a query costs microseconds.
    """

    def __init__(
        self, indptr: npt.NDArray[np.int64], indices: IntArray, data: FloatArray, labels: IntArray, dim: int
    ) -> None:
        self.indptr = indptr  # (n_examples + 1,)
        self.indices = indices
        self.data = data
        self.labels = labels  # intent of each example, sorted
        self.dim = dim
        self.owner = np.repeat(np.arange(len(labels), dtype=np.int32), np.diff(indptr))

    @classmethod
    def build(cls, x: Any, y: IntArray) -> _Neighbours:
        order = np.argsort(y, kind="stable")
        rows = x[order]
        return cls(
            np.asarray(rows.indptr, np.int64),
            np.asarray(rows.indices, np.int32),
            np.asarray(rows.data, np.float32),
            y[order].astype(np.int32),
            x.shape[1],
        )

    def sims(self, q: FloatArray, classes: IntArray) -> npt.NDArray[np.float64]:
        """Best cosine of the dense query vector with each listed intent (0 if it has none)."""
        out = np.zeros(len(classes))
        for i, k in enumerate(classes):
            lo, hi = np.searchsorted(self.labels, [k, k + 1])
            if lo == hi:
                continue
            a, b = self.indptr[lo], self.indptr[hi]
            dots = np.bincount(
                self.owner[a:b] - lo, weights=self.data[a:b] * q[self.indices[a:b]], minlength=hi - lo
            )
            out[i] = dots.max()
        return out

    def top_sims(self, q: Any, top: IntArray) -> npt.NDArray[np.float64]:
        """Similarity of each row of a sparse query matrix to its own intent `top[i]`."""
        out = np.zeros(q.shape[0])
        dense = np.zeros(self.dim, np.float32)
        for i, k in enumerate(top):
            if k < 0:
                continue
            a, b = q.indptr[i], q.indptr[i + 1]
            dense[q.indices[a:b]] = q.data[a:b]
            out[i] = self.sims(dense, np.array([k]))[0]
            dense[q.indices[a:b]] = 0.0
        return out


def _fit_calibration(
    feats: npt.NDArray[np.float64], ok: npt.NDArray[np.bool_], weights: npt.NDArray[np.float64]
) -> tuple[float, float, float] | None:
    """Logistic fit p(ok | features) with non-negative slopes: a feature whose slope comes out
    negative (collinear with the other, or noise on small data) is dropped and the fit redone."""
    use = list(range(feats.shape[1]))
    while use:
        lr = LogisticRegression(C=100.0, max_iter=1000)
        lr.fit(feats[:, use], ok, sample_weight=weights * len(weights))
        slopes = [float(v) for v in lr.coef_[0]]
        if min(slopes) > 0:
            coef = [0.0, 0.0]
            for j, v in zip(use, slopes, strict=True):
                coef[j] = v
            return coef[0], coef[1], float(lr.intercept_[0])
        use = [j for j, v in zip(use, slopes, strict=True) if v > 0]
    return None


def _sample(rows: IntArray, limit: int, rng: np.random.Generator) -> IntArray:
    """At most `limit` of the rows (sorted), a random choice when there are more."""
    if len(rows) <= limit:
        return rows
    return np.sort(rng.choice(rows, size=limit, replace=False)).astype(np.int32)


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))), np.float64)


# --------------------------------------------------------------------------- model


class IntentModel:
    """Train with `IntentModel.train(texts, labels)`, then `predict(text)`.

    `oos_texts` are examples of what the bot must not answer; they only calibrate the
    confidence and the threshold. `oos_prior` is the share of out-of-scope traffic the
    threshold is tuned for (it maximises expected accuracy at that mix).
    """

    def __init__(self, *, c: float = 1.0, oos_prior: float = 0.05, seed: int = 0) -> None:
        if not 0.0 <= oos_prior < 1.0:
            raise KefuError("oos_prior must be in [0, 1)", 422)
        self.c = c
        self.oos_prior = oos_prior
        self.seed = seed
        self.labels: list[str] = []
        self.calibration: tuple[float, float, float] = DEFAULT_CALIBRATION
        self.threshold = DEFAULT_THRESHOLD
        self.validation: dict[str, float] = {}
        self._vec: _Vectorizer | None = None
        self._lin: _Linear | None = None
        self._nn: _Neighbours | None = None

    # ---- training

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        oos_texts: Sequence[str] = (),
        c: float = 1.0,
        oos_prior: float = 0.05,
        seed: int = 0,
    ) -> IntentModel:
        model = cls(c=c, oos_prior=oos_prior, seed=seed)
        return model.fit(texts, labels, oos_texts=oos_texts)

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], *, oos_texts: Sequence[str] = ()
    ) -> IntentModel:
        if len(texts) != len(labels):
            raise KefuError("texts and labels differ in length", 422)
        clean = [str(label).strip() for label in labels]
        if not clean:
            raise KefuError("no training examples", 422)
        if not all(clean):
            raise KefuError("every training example needs a label", 422)
        self.labels = sorted(set(clean))
        n_classes = len(self.labels)
        self.calibration = DEFAULT_CALIBRATION if n_classes > 1 else SINGLE_INTENT_CALIBRATION
        self.threshold = DEFAULT_THRESHOLD
        self.validation = {}
        y = np.searchsorted(np.array(self.labels), np.array(clean)).astype(np.int32)
        everything = [*texts, *oos_texts]
        vec, x_all = _Vectorizer.fit(everything, min_df=2 if len(everything) >= 2000 else 1)
        x, x_oos = x_all[: len(texts)], x_all[len(texts) :]
        self._vec = vec

        plan = self._validation_plan(y, n_classes, np.random.default_rng(self.seed))
        x64 = x.astype(np.float64)
        large = len(y) > _HARD_NEGATIVES + _RANDOM_NEGATIVES + 200
        closeness = _centroid_similarity(x64, y, n_classes) if large and n_classes > 2 else None
        fits: list[_Fit] = []
        if n_classes >= 2:
            fits.append(_train_ovr(x64, y, self.c, self.seed, closeness))
        n_final = len(fits)
        if plan is not None and len(np.unique(y[plan[0]])) >= 2:
            rows = plan[0]
            sub = None if closeness is None else np.ascontiguousarray(closeness[:, rows])
            fits.append(_train_ovr(x64[rows], y[rows], self.c, self.seed, sub))
        self._lin = _Linear.assemble(vec.dim, n_classes, fits[:n_final]) if n_final else None
        self._nn = _Neighbours.build(x, y)
        if plan is not None:
            val_lin = _Linear.assemble(vec.dim, n_classes, fits[n_final:]) if len(fits) > n_final else None
            self._calibrate(x, y, x_oos, plan, val_lin)
        return self

    def _validation_plan(
        self, y: IntArray, n_classes: int, rng: np.random.Generator
    ) -> tuple[IntArray, IntArray, IntArray] | None:
        """(training rows, in-scope validation rows, pseudo out-of-scope rows), or None.

        A fifth of the examples of every intent with 3+ examples is held out, and a sixth of
        the intents (at least one, when there are 4+) is held out entirely to play unseen
        topics.
        """
        held = set()
        if n_classes >= 4:
            size = max(1, n_classes // 6)
            held = {int(k) for k in rng.choice(n_classes, size=size, replace=False)}
        train: list[int] = []
        val: list[int] = []
        pseudo: list[int] = []
        for k in range(n_classes):
            rows = np.flatnonzero(y == k)
            if k in held:
                pseudo.extend(int(r) for r in rows)
                continue
            rng.shuffle(rows)
            n_val = round(0.2 * len(rows)) if len(rows) >= 3 else 0
            val.extend(int(r) for r in rows[:n_val])
            train.extend(int(r) for r in rows[n_val:])
        if len(val) < _MIN_VALIDATION:
            return None
        return (
            np.array(sorted(train), np.int32),
            np.array(sorted(val), np.int32),
            np.array(sorted(pseudo), np.int32),
        )

    def _calibrate(
        self,
        x: Any,
        y: IntArray,
        x_oos: Any,
        plan: tuple[IntArray, IntArray, IntArray],
        val_lin: _Linear | None,
    ) -> None:
        """Fit the confidence on a model trained without the validation rows, then the cut."""
        train_rows, val_rows, pseudo_rows = plan
        nn = _Neighbours.build(x[train_rows], y[train_rows])

        def top_features(q: Any) -> tuple[npt.NDArray[np.float64], IntArray]:
            empty = np.diff(q.indptr) == 0
            if val_lin is None:  # a single intent
                top = np.where(empty, -1, 0).astype(np.int32)
                score: npt.NDArray[np.float64] = np.zeros(len(top))
            else:
                scores = val_lin.batch(q)
                top = np.where(empty, -1, np.argmax(scores, axis=1)).astype(np.int32)
                score = scores[np.arange(len(top)), np.maximum(top, 0)].astype(np.float64)
            feats = np.c_[score, nn.top_sims(q, top)].astype(np.float64)
            feats[empty] = (_EMPTY_SCORE, 0.0)
            return feats, top

        rng = np.random.default_rng(self.seed + 1)
        val_rows = _sample(val_rows, _MAX_CALIBRATION_ROWS, rng)
        pseudo_rows = _sample(pseudo_rows, _MAX_CALIBRATION_ROWS // 2, rng)
        x_oos = x_oos[_sample(np.arange(x_oos.shape[0], dtype=np.int32), _MAX_CALIBRATION_ROWS // 2, rng)]
        f_in, top_in = top_features(x[val_rows])
        correct = top_in == y[val_rows]
        feats = [f_in]
        answer_ok = [correct]
        weights = [np.full(len(f_in), (1.0 - self.oos_prior) / len(f_in))]
        oos_sets = [q for q in (x_oos, x[pseudo_rows]) if q.shape[0]]
        for q in oos_sets:
            f, _ = top_features(q)
            feats.append(f)
            answer_ok.append(np.zeros(len(f), bool))
            weights.append(np.full(len(f), self.oos_prior / len(oos_sets) / len(f)))
        f_all = np.vstack(feats)
        ok = np.concatenate(answer_ok)
        w = np.concatenate(weights)
        is_oos = np.arange(len(ok)) >= len(f_in)
        self.validation = {"rows": float(len(ok)), "accuracy": float(correct.mean())}
        if (~is_oos).sum() < _MIN_CALIBRATION_IN or is_oos.sum() < _MIN_CALIBRATION_OOS or ok.sum() < 5:
            return  # too little to learn a confidence from: keep the defaults
        fitted = _fit_calibration(f_all if val_lin is not None else f_all[:, 1:], ok, w)
        if fitted is None:
            return
        self.calibration = fitted if val_lin is not None else (0.0, fitted[0], fitted[2])
        p = self._prob(f_all[:, 0], f_all[:, 1])
        # Expected accuracy at a cut: in-scope rows count when answered right, out-of-scope
        # rows when refused. Candidate cuts sit between observed confidences.
        order = np.argsort(p, kind="stable")
        p_sorted = p[order]
        gain_answer = np.where(ok[order], w[order], 0.0)
        gain_refuse = np.where(is_oos[order], w[order], 0.0)
        total = np.concatenate([np.cumsum(gain_answer[::-1])[::-1], [0.0]]) + np.concatenate(
            [[0.0], np.cumsum(gain_refuse)]
        )
        best = int(np.argmax(total))  # refuse the `best` least confident rows
        if best == 0:
            cut = 0.0
        elif best == len(p_sorted):
            cut = float(p_sorted[-1]) + 1e-6
        else:
            cut = float(p_sorted[best - 1] + p_sorted[best]) / 2.0
        self.threshold = min(max(cut, 0.1), 0.9)
        answered = p >= self.threshold
        self.validation["threshold"] = self.threshold
        self.validation["in_scope_accuracy"] = float((ok & answered)[~is_oos].mean())
        if is_oos.any():
            self.validation["oos_recall"] = float((~answered)[is_oos].mean())

    def _prob(self, score: npt.ArrayLike, sim: npt.ArrayLike) -> npt.NDArray[np.float64]:
        a, b, c = self.calibration
        return _sigmoid(a * np.asarray(score, np.float64) + b * np.asarray(sim, np.float64) + c)

    # ---- prediction

    def predict(self, text: str) -> Prediction:
        if self._vec is None or self._nn is None:
            raise KefuError("the intent model is not trained", 409)
        idx, val = self._vec.one(text)
        if len(idx) == 0:  # empty, emoji only, or nothing the model has seen
            return Prediction(None, 0.0, ())
        q = np.zeros(self._vec.dim, np.float32)
        q[idx] = val
        if self._lin is None:  # a single intent
            top = np.zeros(1, np.int32)
            score = np.zeros(1)
        else:
            scores = self._lin.one(idx, val)
            k = min(TOP_K, int(np.isfinite(scores).sum()))
            best = np.argpartition(-scores, k - 1)[:k]
            top = best[np.argsort(-scores[best], kind="stable")].astype(np.int32)
            score = scores[top].astype(np.float64)
        p = self._prob(score, self._nn.sims(q, top))
        p = np.minimum.accumulate(p)  # ranked by the SVM: keep the scores non-increasing
        ranked = tuple((self.labels[int(j)], round(float(pj), 4)) for j, pj in zip(top, p, strict=True))
        confidence = round(float(p[0]), 4)
        label = self.labels[int(top[0])] if confidence >= self.threshold else None
        return Prediction(label, confidence, ranked)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(t) for t in texts]

    # ---- plain-array export (no pickle)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything `predict` needs as numpy arrays (`np.savez_compressed`, no pickle)."""
        if self._vec is None or self._nn is None:
            raise KefuError("the intent model is not trained", 409)
        out: dict[str, np.ndarray] = {
            "format_version": np.array([FORMAT_VERSION], np.int32),
            "labels": np.array(self.labels, dtype=str),
            "calibration": np.array(self.calibration, np.float64),
            "threshold": np.array([self.threshold], np.float64),
            "vocab": np.array(list(self._vec.vocab), dtype=str),
            "idf": self._vec.idf,
            "nn_indptr": self._nn.indptr,
            "nn_indices": self._nn.indices,
            "nn_data": self._nn.data,
            "nn_labels": self._nn.labels,
        }
        if self._lin is not None:
            out["svm_w"] = self._lin.w
            out["svm_b"] = self._lin.b
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> IntentModel:
        try:
            if int(arrays["format_version"][0]) != FORMAT_VERSION:
                raise KefuError("unsupported intent model format", 422)
            model = cls()
            model.labels = [str(s) for s in arrays["labels"]]
            a, b, c = (float(v) for v in arrays["calibration"])
            model.calibration = (a, b, c)
            model.threshold = float(arrays["threshold"][0])
            vocab = {str(s): i for i, s in enumerate(arrays["vocab"])}
            model._vec = _Vectorizer(vocab, np.asarray(arrays["idf"], np.float32))
            model._nn = _Neighbours(
                np.asarray(arrays["nn_indptr"], np.int64),
                np.asarray(arrays["nn_indices"], np.int32),
                np.asarray(arrays["nn_data"], np.float32),
                np.asarray(arrays["nn_labels"], np.int32),
                model._vec.dim,
            )
            if "svm_w" in arrays:
                w = np.ascontiguousarray(arrays["svm_w"], np.float32)
                model._lin = _Linear(w, np.asarray(arrays["svm_b"], np.float32))
        except KeyError as exc:
            raise KefuError(f"intent model arrays lack {exc.args[0]}", 422) from exc
        return model
