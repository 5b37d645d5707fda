"""The intent model's confidence (pure): fitted on a validation split of the training data.

p = σ(a·SVM score + b·similarity + e·coverage + c) for the sparse head, and
p = σ(a·score + b·similarity + d·embedding similarity + e·coverage + c) for the ensemble head
(text the sentence encoder reads). `coverage` is the share of the question's words and
character bigrams the intents' own examples use (`features.Coverage`): an off-topic question
that happens to share a strong word with an intent ("热" of an overheating phone) is mostly
made of words no intent knows. The validation rows are held-out examples of every intent,
held-out out-of-scope rows, and whole intents held out to play unseen topics; the threshold
maximises expected accuracy on them for the model's share of out-of-scope traffic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from kefu.nlp.features import Coverage
from kefu.nlp.heads import _best_cut, _Dense, _fit_calibration, _Linear, _Neighbours, _sample, _sigmoid

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
Sparse = tuple[float, float, float, float]  # a, b, e, c
DenseCal = tuple[float, float, float, float, float, float]  # a, b, d, e, m, c

# The out-of-scope class claims a question when its SVM says "yes" (score above the floor)
# and beats the best intent by the margin. The floor is chosen on the validation split: with
# many background questions the class says a faint "yes" to some paraphrases in new words,
# which the confidence (coverage included) judges better than a hard decline.
NEG_FLOOR = 0.0
NEG_FLOORS = (0.0, 0.1, 0.2, 0.3)
# With neighbour claims (the multilingual encoder) a question is declined outright only from
# a margin of 0.1: nearer to zero the margin is one more feature of the confidence, and its
# prototype cosine replaces the nearest example's (8-shot sets, seeds 0-4: in-scope
# zh_aftersales 0.893 -> 0.900, zh_dev 0.915 -> 0.932; floors from 0.0 declined paraphrases
# only a hair nearer the background, "客服挂我电话", "开票抬头写公司名").
NEIGHBOUR_FLOORS = (0.1, 0.2, 0.3)
NEG_MARGIN = 0.0
MIN_CALIBRATION_IN = 30  # in-scope and out-of-scope validation rows needed to fit at all
MIN_CALIBRATION_OOS = 10
_MIN_VALIDATION = 10  # in-scope validation rows needed to carve a validation split at all
# Training sets up to this many examples are calibrated on VALIDATION_PLANS splits, averaged.
SMALL_TRAINING_SET = 2000
VALIDATION_PLANS = 3
EMPTY_SCORE = -2.0  # SVM score feature of a text without any known feature
MAX_CALIBRATION_ROWS = 2000  # validation rows scored for the calibration (plenty for 4 numbers)
DENSE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # ridge weight candidates
# With neighbour claims, the held-out intents weigh this share of the out-of-scope side of
# the threshold's choice (half otherwise): they are in-domain topics, harder than the
# off-topic questions customers ask; 0.2 on the zh_dev_8shot split (3 seeds: mean in-scope
# 0.879 -> 0.898, OOS recall 1.00; 0.0 lost demo_heldout off-topic declines 0.98 -> 0.93).
PSEUDO_OOS_SHARE = 0.2
# The neighbour claim compares the mean of the 3 nearest background questions with that of
# the 3 nearest intent examples, not the single nearest: ~800 background lines against 8
# examples an intent, one stray background line near a paraphrase declined it (8-shot sets,
# seeds 0-4: in-scope zh_aftersales 0.887 -> 0.893, zh_dev 0.901 -> 0.915, OOS recall kept).
NEIGHBOURS = 3
NEIGHBOUR_FIT_C = 10.0  # logistic C of the multilingual head's confidence (100 elsewhere)


@dataclass(slots=True)
class Fitted:
    """What `calibrate` learnt; None fields keep the model's defaults."""

    sparse: Sparse | None = None
    threshold: float | None = None
    neg_floor: float = NEG_FLOOR
    dense_weight: float = 0.0
    dense: DenseCal | None = None
    validation: dict[str, float] = field(default_factory=dict)


def claims(negative: npt.ArrayLike, top: npt.ArrayLike, floor: float = NEG_FLOOR) -> npt.NDArray[np.bool_]:
    """Does the out-of-scope class win over the top intent? Only when its own SVM says "yes"
    (a score above the floor) and it beats the intent: a paraphrase in new words scores low
    everywhere and is left to the confidence."""
    neg = np.asarray(negative, np.float64)
    return np.asarray((neg > floor) & (neg > np.asarray(top, np.float64) + NEG_MARGIN))


def prob(
    cal: Sparse, score: npt.ArrayLike, sim: npt.ArrayLike, cov: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    a, b, e, c = cal
    z = a * np.asarray(score, np.float64) + b * np.asarray(sim, np.float64) + e * np.asarray(cov, np.float64)
    return _sigmoid(z + c)


# What a costly ensemble head (a sentence encoder) must add, as a share of the validation
# rows' weight — answered right or rightly declined — to be kept. multilingual-e5 costs
# ~10 ms of CPU on every Chinese customer message (it runs off the event loop, batched, but
# it caps a 2-core box near 100 chat messages/s). A few-shot set gains 8-10 points from it,
# the demo's well-trained 43 intents ~3.7 on validation and nothing on their held-out test;
# 0.05 would keep the encoder for the former only (demo p50 12 -> 0.3 ms per query, held-out
# in-scope 0.967 either way, out-of-scope recall 0.983 -> 0.933) but leaves a small Chinese
# test set (tests/nlp/test_nlu.py TestCalibration) without the out-of-scope prior's effect.
# Off (0) until the sparse head's calibration holds on its own for such sets.
COSTLY_ENCODER_MIN_GAIN = 0.0


def prob_dense(
    cal: DenseCal,
    score: npt.ArrayLike,
    sim: npt.ArrayLike,
    dense_sim: npt.ArrayLike,
    cov: npt.ArrayLike,
    near: npt.ArrayLike = 0.0,
) -> npt.NDArray[np.float64]:
    """`near`: how much nearer the intents' examples are than the background questions
    (minus `neighbour_margin`; only the multilingual head has a slope for it)."""
    a, b, d, e, m, c = cal
    z = (
        a * np.asarray(score, np.float64)
        + b * np.asarray(sim, np.float64)
        + d * np.asarray(dense_sim, np.float64)
        + e * np.asarray(cov, np.float64)
        + m * np.asarray(near, np.float64)
    )
    return _sigmoid(z + c)


def calibrate(
    x: Any,
    y: IntArray,
    texts: Sequence[str],
    n_classes: int,
    plan: tuple[IntArray, IntArray, IntArray],
    val_lin: _Linear | None,
    embedded: tuple[FloatArray, npt.NDArray[np.bool_], _Dense | None] | None,
    *,
    has_negative: bool,
    oos_prior: float,
    seed: int,
    neighbour_claims: bool = False,
    dense_min_gain: float = 0.0,
    copies_from: int | None = None,
    few_shot: bool = False,
) -> Fitted:
    """Fit the confidence on models trained without the validation rows, then the cut.

    Sparse head: a logistic fit on every calibration row the out-of-scope class does not
    claim. Ensemble head: the ridge weight that maximises validation accuracy, then its own
    logistic fit on those rows. Both give calibrated probabilities, so one threshold, chosen
    on all rows, serves both. `texts[i]` is the text of row i of `x`.
    """
    out = Fitted()
    train_rows, val_rows, pseudo_rows = plan
    intent_train = train_rows[y[train_rows] < n_classes]
    nn = _Neighbours.build(x[intent_train], y[intent_train])
    # coverage as the validation model sees it: of its own intents' examples only
    # (the examples' own words: the synonym copies from row `copies_from` on are left out)
    cover = Coverage.build(texts[int(i)] for i in intent_train if copies_from is None or i < copies_from)
    rng = np.random.default_rng(seed + 1)
    neg_val = val_rows[y[val_rows] >= n_classes]
    val_rows = _sample(val_rows[y[val_rows] < n_classes], MAX_CALIBRATION_ROWS, rng)
    pseudo_rows = _sample(pseudo_rows, MAX_CALIBRATION_ROWS // 2, rng)
    neg_val = _sample(neg_val, MAX_CALIBRATION_ROWS // 2, rng)
    # calibration rows: in-scope validation rows, out-of-scope ones, held-out intents
    ids = np.concatenate([val_rows, neg_val, pseudo_rows]).astype(np.int64)
    q = x[ids]
    truth = np.concatenate([y[val_rows], np.full(len(neg_val) + len(pseudo_rows), -1)])
    is_oos = truth < 0
    w = np.full(len(ids), (1.0 - oos_prior) / max(len(val_rows), 1))
    oos_sets = [
        s
        for s in (
            slice(len(val_rows), len(val_rows) + len(neg_val)),
            slice(len(val_rows) + len(neg_val), len(ids)),
        )
        if s.stop > s.start
    ]
    share = [1.0 / len(oos_sets)] * len(oos_sets)
    if neighbour_claims and len(oos_sets) == 2:  # background rows, then held-out intents
        share = [1.0 - PSEUDO_OOS_SHARE, PSEUDO_OOS_SHARE]
    for part, sh in zip(oos_sets, share, strict=True):
        w[part] = oos_prior * sh / (part.stop - part.start)
    empty = np.diff(q.indptr) == 0

    if val_lin is None:  # a single intent
        top = np.where(empty, -1, 0).astype(np.int32)
        score: npt.NDArray[np.float64] = np.zeros(len(top))
        scores = None
    else:
        scores = val_lin.batch(q)
        top = np.where(empty, -1, np.argmax(scores[:, :n_classes], axis=1)).astype(np.int32)
        score = scores[np.arange(len(top)), np.maximum(top, 0)].astype(np.float64)
    cov = cover.many([texts[int(i)] for i in ids])
    f_all = np.c_[score, nn.top_sims(q, top), cov].astype(np.float64)
    f_all[empty] = (EMPTY_SCORE, 0.0, 0.0)
    out.validation["rows"] = float(len(ids))
    out.validation["accuracy"] = float((top == truth)[~is_oos].mean()) if (~is_oos).any() else 0.0
    if (~is_oos).sum() < MIN_CALIBRATION_IN or is_oos.sum() < MIN_CALIBRATION_OOS:
        return out  # too little to learn a confidence from: keep the defaults
    dense = None
    if scores is not None and embedded is not None:
        rows = np.flatnonzero(embedded[1][ids] & ~empty)
        r = rows
        head = (n_classes, nn, embedded, neighbour_claims, few_shot)
        dense = _dense_rows(q[r], ids[r], truth[r], w[r], scores[r], cov[r], *head)
        if dense is not None and neighbour_claims:
            margin = _neighbour_margin(embedded[0][ids[rows]], embedded[2], n_classes)
            dense.negative, dense.claim_top = margin
        if dense is not None:
            dense.rows = rows

    def fit(head: _DenseRows | None) -> tuple[float, Fitted] | None:
        best: tuple[float, Fitted] | None = None
        floors = NEIGHBOUR_FLOORS if neighbour_claims else NEG_FLOORS
        for floor in floors if has_negative and scores is not None else (NEG_FLOOR,):
            claimed = None
            if has_negative and scores is not None:
                claimed = claims(scores[:, n_classes], score, floor)
            trial = _fit_at(f_all, top, truth, w, claimed, scores is not None, head, has_negative, floor)
            if trial is not None and (best is None or trial[0] > best[0] + 1e-9):  # ties: the lower floor
                best = trial
        return best

    best = fit(dense)
    if dense is not None and dense_min_gain > 0:
        # A costly encoder is kept only when it buys enough accuracy on the validation rows.
        plain = fit(None)
        if plain is not None and (best is None or best[0] < plain[0] + dense_min_gain * float(w.sum())):
            best = plain
    if best is None:
        return out
    best[1].validation = {**out.validation, **best[1].validation}
    return best[1]


@dataclass(slots=True)
class _DenseRows:
    """The ensemble head's side of the calibration rows the encoder reads: what does not
    depend on the out-of-scope floor, computed once."""

    weight: float  # the ridge weight
    top: IntArray
    top_score: npt.NDArray[np.float64]
    negative: npt.NDArray[np.float64]  # the out-of-scope class's combined score
    feats: npt.NDArray[np.float64]  # score, sparse similarity, embedding similarity, coverage
    truth: npt.NDArray[np.int64]
    w: npt.NDArray[np.float64]
    rows: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    claim_top: npt.NDArray[np.float64] | None = None  # what `negative` must beat (top_score if None)


def _fit_at(
    f_all: npt.NDArray[np.float64],
    top: IntArray,
    truth: npt.NDArray[np.int64],
    w: npt.NDArray[np.float64],
    claimed: npt.NDArray[np.bool_] | None,
    has_svm: bool,
    dense: _DenseRows | None,
    has_negative: bool,
    floor: float,
) -> tuple[float, Fitted] | None:
    """The calibration and cut for one floor of the out-of-scope class, with the expected
    accuracy they reach on the validation rows (None: nothing to fit)."""
    out = Fitted(neg_floor=floor)
    is_oos = truth < 0
    claimed = np.zeros(len(top), bool) if claimed is None else claimed.copy()  # declined rows
    ok = (top == truth) & ~claimed
    fit_rows = ~claimed
    # The sparse head's fit can fail (its out-of-scope class may claim nearly every
    # validation row of a few-shot Chinese set); the ensemble head may still fit.
    fitted = None
    if ok.sum() >= 5 and has_svm:
        fitted = _fit_calibration(f_all[fit_rows], ok[fit_rows], w[fit_rows])
        if fitted is not None:
            out.sparse = (fitted[0], fitted[1], fitted[2], fitted[3])
    elif ok.sum() >= 5:
        fitted = _fit_calibration(f_all[fit_rows, 1:], ok[fit_rows], w[fit_rows])
        if fitted is not None:
            out.sparse = (0.0, fitted[0], fitted[1], fitted[2])
    p = np.zeros(len(top)) if out.sparse is None else prob(out.sparse, f_all[:, 0], f_all[:, 1], f_all[:, 2])
    answer_ok = ok.copy()
    found = _fit_dense(dense, has_negative, floor) if dense is not None else None
    if out.sparse is None and (found is None or dense is None or len(dense.rows) < len(top)):
        return None  # no confidence for some rows
    if dense is not None and found is not None:
        out.dense, p_dense, ok_dense, claimed_dense = found
        out.dense_weight = dense.weight
        p[dense.rows], answer_ok[dense.rows], claimed[dense.rows] = p_dense, ok_dense, claimed_dense
        out.validation["dense_rows"] = float(len(dense.rows))
        out.validation["dense_weight"] = dense.weight
        out.validation["dense_accuracy"] = float(ok_dense[dense.truth >= 0].mean())
    p[claimed] = 0.0
    cut = _best_cut(p, answer_ok, is_oos, w)
    out.threshold = min(max(cut, 0.1), 0.9)
    answered = p >= out.threshold
    out.validation["threshold"] = out.threshold
    out.validation["neg_floor"] = floor
    out.validation["in_scope_accuracy"] = float((answer_ok & answered)[~is_oos].mean())
    if is_oos.any():
        out.validation["oos_recall"] = float((~answered)[is_oos].mean())
    gain = float(w[answer_ok & answered].sum() + w[is_oos & ~answered].sum())
    return gain, out


def _dense_rows(
    q: Any,
    ids: npt.NDArray[np.int64],
    truth: npt.NDArray[np.int64],
    w: npt.NDArray[np.float64],
    sparse: FloatArray,
    cov: npt.NDArray[np.float64],
    n_classes: int,
    nn: _Neighbours,
    embedded: tuple[FloatArray, npt.NDArray[np.bool_], _Dense | None],
    prototype: bool = False,
    prefer_dense: bool = False,
) -> _DenseRows | None:
    """Weigh the ensemble head on the calibration rows the encoder reads (all arguments are
    already those rows): the ridge weight that maximises validation accuracy, and the
    features its confidence is fitted on. None: too few rows, the sparse head serves alone.
    `prototype`: the embedding similarity is the cosine with the intent's mean example."""
    emb, _, dense = embedded
    if dense is None:
        return None
    is_oos = truth < 0
    if (~is_oos).sum() < MIN_CALIBRATION_IN or is_oos.sum() < MIN_CALIBRATION_OOS:
        return None
    e = emb[ids]
    ridge = dense.scores_many(e)
    inside = ~is_oos
    accuracy = [
        float((np.argmax((sparse + k * ridge)[inside, :n_classes], axis=1) == truth[inside]).mean())
        for k in DENSE_WEIGHTS
    ]
    best = max(accuracy)
    if prototype and prefer_dense:
        # The multilingual head on a few-shot set: ties go to the largest weight. The validation rows are the
        # company's own examples, written like the ones the model trains on and sharing their
        # words; customers' paraphrases share fewer, and the encoder reads them better than
        # the word features do (8-shot, with synonym copies, seeds 0-4: zh_aftersales in-scope
        # 0.906 -> 0.911; its pinyin rows lose 0.750 -> 0.743; docs/bot.md).
        weight = max(k for k, acc in zip(DENSE_WEIGHTS, accuracy, strict=True) if acc == best)
    else:
        # ties (small validation sets) go to the weight closest to 1: both sides count equally
        weight = min(
            (k for k, acc in zip(DENSE_WEIGHTS, accuracy, strict=True) if acc == best),
            key=lambda k: abs(np.log(k)) if k > 0 else np.inf,
        )
    combined = sparse + weight * ridge
    top = np.argmax(combined[:, :n_classes], axis=1).astype(np.int32)
    top_score = combined[np.arange(len(top)), top].astype(np.float64)
    feats = np.c_[
        top_score,
        nn.top_sims(q, top),
        [dense.sims(e[i], top[i : i + 1], prototype)[0] for i in range(len(top))],
        cov,
    ].astype(np.float64)
    negative = combined[:, n_classes].astype(np.float64) if combined.shape[1] > n_classes else top_score * 0
    return _DenseRows(float(weight), top, top_score, negative, feats, truth, w)


def _fit_dense(
    d: _DenseRows, has_negative: bool, floor: float
) -> tuple[DenseCal, npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None:
    """The ensemble head's confidence for one out-of-scope floor: (calibration, confidences,
    rows answered right, rows claimed by the out-of-scope class), or None."""
    top = d.top_score if d.claim_top is None else d.claim_top
    claimed = claims(d.negative, top, floor) if has_negative else np.zeros(len(d.top), bool)
    ok = (d.top == d.truth) & ~claimed
    if ok.sum() < 5:
        return None
    fit = ~claimed
    # the multilingual head (claim_top set) separates small, templated validation sets
    # perfectly: a milder fit keeps its confidences from jumping between 0 and 1
    c = 100.0 if d.claim_top is None else NEIGHBOUR_FIT_C
    # With neighbour claims the margin below the floor is evidence too, not only a veto.
    near = -d.negative if d.claim_top is not None else np.zeros(len(d.top))
    feats = np.c_[d.feats, near] if d.claim_top is not None else d.feats
    fitted = _fit_calibration(feats[fit], ok[fit], d.w[fit], c)
    if fitted is None:
        return None
    m = fitted[4] if feats.shape[1] == 5 else 0.0
    cal = (fitted[0], fitted[1], fitted[2], fitted[3], m, fitted[-1])
    f = d.feats
    return cal, prob_dense(cal, f[:, 0], f[:, 1], f[:, 2], f[:, 3], near), ok, claimed


def neighbour_margin(dense: _Dense, e: FloatArray, negative: int) -> float:
    """How much closer the nearest background questions are than the nearest intent examples
    (mean cosine of the NEIGHBOURS nearest of each, embeddings): the out-of-scope evidence
    when the encoder reads every text."""
    background = dense.labels == negative
    sims = np.einsum("ij,j->i", dense.examples, e)
    if background.all() or not background.any():
        return -1.0
    return _nearest(sims[background]) - _nearest(sims[~background])


def _nearest(sims: npt.NDArray[np.float32]) -> float:
    """Mean of the NEIGHBOURS highest similarities."""
    k = min(NEIGHBOURS, len(sims))
    return float(np.partition(sims, len(sims) - k)[len(sims) - k :].mean())


def _neighbour_margin(
    e: FloatArray, dense: _Dense | None, negative: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """`neighbour_margin` of many rows, and the zero it must beat to claim."""
    if dense is None:
        return np.full(len(e), -1.0), np.zeros(len(e))
    out = np.array([neighbour_margin(dense, row, negative) for row in e], np.float64)
    return out, np.zeros(len(e))


def validation_plan(
    y: IntArray, n_classes: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray] | None:
    """(training rows, in-scope validation rows, pseudo out-of-scope rows), or None.

    A fifth of the examples of every intent with 3+ examples is held out, and a sixth of
    the intents (at least one, when there are 4+) is held out entirely to play unseen
    topics. The out-of-scope class (index `n_classes`, when there is one) is split like an
    intent: its held-out fifth joins the validation rows as out-of-scope questions.
    """
    held = set()
    if n_classes >= 4:
        size = max(1, n_classes // 6)
        held = {int(k) for k in rng.choice(n_classes, size=size, replace=False)}
    train: list[int] = []
    val: list[int] = []
    pseudo: list[int] = []
    for k in range(int(y.max()) + 1):
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


def average(fits: Sequence[Fitted]) -> Fitted:
    """One fit from the fits of several validation splits: the mean threshold and
    calibrations, the median out-of-scope floor; the ensemble head's calibration when most
    splits kept it (the mean of those, at their median weight)."""
    out = Fitted(neg_floor=float(np.median([f.neg_floor for f in fits])), validation=dict(fits[0].validation))
    out.validation["plans"] = float(len(fits))
    thresholds = [f.threshold for f in fits if f.threshold is not None]
    out.threshold = float(np.mean(thresholds)) if thresholds else None
    sparse = [f.sparse for f in fits if f.sparse is not None]
    if sparse:
        a, b, e, c = (float(v) for v in np.mean(sparse, axis=0))
        out.sparse = (a, b, e, c)
    dense = [(f.dense, f.dense_weight) for f in fits if f.dense is not None]
    if dense and 2 * len(dense) >= len(fits):
        a, b, d, e, m, c = (float(v) for v in np.mean([cal for cal, _ in dense], axis=0))
        out.dense = (a, b, d, e, m, c)
        out.dense_weight = float(np.median([weight for _, weight in dense]))
    return out
