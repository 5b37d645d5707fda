"""The intent model's scoring heads (pure): one-vs-rest linear SVMs, nearest-neighbour
similarity, the sentence-embedding ridge head, and the calibration helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
_HARD_NEGATIVES = 2000  # per intent, on large training sets (see _train_ovr)
_RANDOM_NEGATIVES = 1000
# An intent is a small minority in its one-vs-rest problem; weighing its examples up buys
# about +0.2 points in-scope accuracy on CLINC150 (neutral on BANKING77 and HINT3).
_POSITIVE_WEIGHT = {0: 1.0, 1: 4.0}
_RFF_FEATURES = 2048  # random Fourier features of the embedding (4096: +0.2 points, 4x the time)
_RFF_GAMMA = 1.0  # RBF kernel exp(-γ‖a-b‖²) on unit vectors; 2.0 is worse on BANKING77 and CLINC150
_RIDGE_ALPHA = 0.1


_Fit = tuple[IntArray, FloatArray, FloatArray]  # class ids, coef rows, intercepts


def _train_ovr(
    x: Any,
    y: IntArray,
    c: float,
    seed: int,
    closeness: FloatArray | None,
    negative: int = -1,
    apart: bool = True,
) -> _Fit:
    """One-vs-rest linear SVMs for the intents present in y (at least two).

    With `closeness` (cosine of each example to each intent's centroid, (n_classes, n)),
    each intent is trained against its hardest negatives only: the examples of other
    intents closest to its centroid plus a random sample of the rest. At 150 intents that
    is about five times faster than all-vs-all and as accurate. (Single-threaded on
    purpose: liblinear seeds one global generator, threads make it non-deterministic.)
    """
    from sklearn.svm import LinearSVC  # lazy: a costly import every CLI command would pay

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
        if apart and negative >= 0 and int(k) != negative:
            # Intents learn against each other only: against the background questions they
            # would learn that everyday Chinese words ("我想", "这个") speak against them, and
            # a paraphrase in new words would fall to the out-of-scope class. (English intent
            # sets keep them: HINT3 curekart 0.75 → 0.78.)
            rows = rows[y[rows] != negative]
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
        # einsum rather than BLAS: see _Dense.scores
        return np.asarray(np.einsum("i,ij->j", val, self.w[idx]) + self.b, np.float32)

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


class _Dense:
    """The sentence-embedding side: ridge regression on random Fourier features of the
    embeddings (an RBF kernel machine, solved in closed form: +2 points over a linear model
    on BANKING77 for ~1 s), plus the cosine to the nearest example of an intent.

    Examples are kept as float16 (half the export size); training uses the same rounded
    values, so an exported model predicts exactly like the one that was trained.
    """

    def __init__(
        self,
        proj: FloatArray,
        phase: FloatArray,
        w: FloatArray,
        examples: FloatArray,
        labels: IntArray,
    ) -> None:
        self.proj = proj  # (dim, features)
        self.phase = phase  # (features,)
        self.w = w  # (features, n_classes)
        self.examples = examples  # (n, dim) unit rows, sorted by intent
        self.labels = labels

    @staticmethod
    def projection(dim: int, seed: int) -> tuple[FloatArray, FloatArray]:
        rng = np.random.default_rng(seed)
        proj = rng.normal(0.0, np.sqrt(2.0 * _RFF_GAMMA), (dim, _RFF_FEATURES)).astype(np.float32)
        phase = rng.uniform(0.0, 2.0 * np.pi, _RFF_FEATURES).astype(np.float32)
        return proj, phase

    @staticmethod
    def lift(e: FloatArray, proj: FloatArray, phase: FloatArray) -> FloatArray:
        z = np.cos(e @ proj + phase)
        z *= np.float32(np.sqrt(2.0 / proj.shape[1]))
        return np.asarray(z, np.float32)

    @staticmethod
    def solve(gram: FloatArray, zty: FloatArray) -> FloatArray:
        """Ridge onto ±1 targets. An intent without examples here (only Chinese ones, or
        none in a validation model) learns "never me", about -1: the sparse score decides."""
        reg = gram + _RIDGE_ALPHA * np.eye(gram.shape[0], dtype=np.float32)
        return np.asarray(np.linalg.solve(reg, zty), np.float32)

    def scores(self, e: FloatArray) -> FloatArray:
        """Intent scores of one embedding. einsum, not BLAS: right after an onnxruntime call
        OpenBLAS takes ~30 ms to wake its threads for a 384×2048 product (0.2 ms this way)."""
        z = np.cos(np.einsum("i,ij->j", e, self.proj) + self.phase)
        z *= np.float32(np.sqrt(2.0 / self.proj.shape[1]))
        return np.asarray(np.einsum("i,ij->j", z, self.w), np.float32)

    def scores_many(self, e: FloatArray) -> FloatArray:
        return np.asarray(self.lift(e, self.proj, self.phase) @ self.w, np.float32)

    def sims(self, e: FloatArray, classes: IntArray, prototype: bool = False) -> npt.NDArray[np.float64]:
        """Best cosine of one embedding with each listed intent's examples (0 if none); with
        `prototype`, the cosine with their mean (the intent's prototype) instead."""
        out = np.zeros(len(classes))
        for i, k in enumerate(classes):
            lo, hi = np.searchsorted(self.labels, [k, k + 1])
            if hi <= lo:
                continue
            if prototype:
                c = self.examples[lo:hi].mean(axis=0)
                out[i] = float(np.einsum("i,i->", c, e)) / max(float(np.linalg.norm(c)), 1e-6)
            else:
                out[i] = float(np.einsum("ij,j->i", self.examples[lo:hi], e).max())
        return out


def _dense_pair(
    emb: FloatArray, y: IntArray, n_classes: int, train: npt.NDArray[np.bool_], seed: int
) -> tuple[_Dense, _Dense | None]:
    """The dense side on all rows and on the `train` rows only (for the validation model);
    the second shares the first's Gram matrix, so it costs one more solve."""
    proj, phase = _Dense.projection(emb.shape[1], seed)
    z = _Dense.lift(emb, proj, phase)
    target = -np.ones((len(y), n_classes), np.float32)
    target[np.arange(len(y)), y] = 1.0
    gram_train = z[train].T @ z[train]
    zty_train = z[train].T @ target[train]
    rest = ~train
    gram = gram_train + z[rest].T @ z[rest]
    zty = zty_train + z[rest].T @ target[rest]

    def make(rows: npt.NDArray[np.bool_], coef: FloatArray) -> _Dense:
        order = np.flatnonzero(rows)[np.argsort(y[rows], kind="stable")]
        return _Dense(proj, phase, coef, np.ascontiguousarray(emb[order]), y[order].astype(np.int32))

    full = make(np.ones(len(y), bool), _Dense.solve(gram, zty))
    part = make(train, _Dense.solve(gram_train, zty_train)) if train.sum() >= 2 else None
    return full, part


def _fit_calibration(
    feats: npt.NDArray[np.float64],
    ok: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    c: float = 100.0,
) -> tuple[float, ...] | None:
    """Logistic fit p(ok | features) with non-negative slopes: a feature whose slope comes out
    negative (collinear with the others, or noise on small data) is dropped and the fit redone.
    Returns one slope per feature (0 for dropped ones), then the intercept."""
    if ok.all() or not ok.any():  # one class only (e.g. every wrong row claimed): nothing to fit
        return None
    from sklearn.linear_model import LogisticRegression  # lazy: costly import

    use = list(range(feats.shape[1]))
    while use:
        lr = LogisticRegression(C=c, max_iter=1000)
        lr.fit(feats[:, use], ok, sample_weight=weights * len(weights))
        slopes = [float(v) for v in lr.coef_[0]]
        if min(slopes) > 0:
            coef = [0.0] * feats.shape[1]
            for j, v in zip(use, slopes, strict=True):
                coef[j] = v
            return (*coef, float(lr.intercept_[0]))
        use = [j for j, v in zip(use, slopes, strict=True) if v > 0]
    return None


def _best_cut(
    p: npt.NDArray[np.float64],
    ok: npt.NDArray[np.bool_],
    is_oos: npt.NDArray[np.bool_],
    w: npt.NDArray[np.float64],
) -> float:
    """The confidence cut maximising expected accuracy: in-scope rows count when answered
    right, out-of-scope rows when refused. Candidate cuts sit between observed confidences."""
    order = np.argsort(p, kind="stable")
    p_sorted = p[order]
    gain_answer = np.where(ok[order], w[order], 0.0)
    gain_refuse = np.where(is_oos[order], w[order], 0.0)
    total = np.concatenate([np.cumsum(gain_answer[::-1])[::-1], [0.0]]) + np.concatenate(
        [[0.0], np.cumsum(gain_refuse)]
    )
    best = int(np.argmax(total))  # refuse the `best` least confident rows
    if best == 0:
        return 0.0
    if best == len(p_sorted):
        return float(p_sorted[-1]) + 1e-6
    return float(p_sorted[best - 1] + p_sorted[best]) / 2.0


def _sample(rows: IntArray, limit: int, rng: np.random.Generator) -> IntArray:
    """At most `limit` of the rows (sorted), a random choice when there are more."""
    if len(rows) <= limit:
        return rows
    return np.sort(rng.choice(rows, size=limit, replace=False)).astype(np.int32)


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))), np.float64)
