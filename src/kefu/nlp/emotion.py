"""Emotion of a customer message: negative / neutral / positive, plus an anger intensity.

Pure logic. The only I/O is reading the shipped arrays from the package
(`kefu/data/emotion/model.npz` + `meta.json`, written by `scripts/train_emotion.py`).

How a text is scored:

* **Model** (Chinese): logistic regression over hashed features — rjieba words, word bigrams
  and character 1–3 grams of the normalised text, binary, L2-normalised, hashed with CRC-32
  into ``2**bits`` buckets. Trained on Chinese reviews (food delivery, hotel, e-commerce).
* **Encoder head** (Chinese, optional): where the hashed model is unsure, a linear head on the
  multilingual-e5-small embedding of the text's start (`encoder_e5`, shared with the intent
  models) is blended into its logit. Without the encoder installed the hashed model decides alone.
* **Fine-tuned encoder** (the opt-in research model only, `emotion_tuned`): multilingual-e5-small's
  first layers fine-tuned on reviews, an int8 onnxruntime graph in the site folder; its logit
  is blended in the same way where the hashed model is unsure and the gate sees an opinion.
* **Cue lexicon** (English + Chinese, below): hand-written negative/positive words and phrases
  with negation ("not good", "没问题") and intensifiers ("very", "太"). There is no English
  training data, so English text is scored by the lexicon alone; Chinese text adds a small
  lexicon term to the model logit. Mixed text blends the two by the share of Chinese.
* **Gate** (Chinese): a second hashed linear model, P(the text is an opinion) — reviews
  against neutral customer-service questions. The score is pulled toward 0.5 by it, never
  across, so "请问什么时候发货" is neutral while the negative/positive decision stays the
  polarity model's. A strong lexicon cue keeps a message polar whatever its form.
* **Neutral**: the score lies inside a band around 0.5 (chosen on the held-out split by the
  training script), or the text has no letters at all (empty, emoji, punctuation, digits).
* **Anger** (0..1): explicit anger cues (投诉, 骗子, 垃圾, 退钱, "scam", "refund now"...) plus
  negativity amplified by "!!!", "???", SHOUTING and intensifiers; negated cues don't count.

``score`` is P(negative) after the blend and the gate: 0.5 + P(opinion)·(P(negative | opinion) − 0.5);
``label`` is negative/positive outside the band. Input is truncated (``MAX_INPUT_CHARS`` raw,
``MAX_CHARS`` normalised), HTML tags/entities are stripped, mixed zh/en is blended by script share.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import io
import itertools
import json
import math
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from kefu.nlp.emotion_lexicon import Cues, lexicon_cues
from kefu.nlp.text import char_ngrams, normalize, words

if TYPE_CHECKING:
    from kefu.nlp.emotion_tuned import TunedSentiment
    from kefu.nlp.encoder_e5 import E5Encoder

Label = Literal["negative", "neutral", "positive"]

MAX_INPUT_CHARS = 20_000  # raw characters looked at (bounds HTML stripping / normalisation)
MAX_CHARS = 1_000  # normalised characters fed to the model and the lexicon
DATA_DIR = "data/emotion"  # inside the kefu package
# A model trained on this site (`kefu emotion train`, `make emotion-model-research`) goes here
# and wins over the shipped default; delete the folder to go back to the default.
SITE_DIR = "data/emotion/site"

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,200}>")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# --------------------------------------------------------------------------- text & features


def clean(text: str) -> str:
    """Raw text made plain: truncated, script/style blocks and tags dropped, entities decoded,
    lone surrogates (broken JSON escapes; the tokenizer cannot encode them) replaced."""
    text = _SURROGATE.sub("\ufffd", text[:MAX_INPUT_CHARS])
    if "<" in text:
        text = _TAG.sub(" ", _SCRIPT_STYLE.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    return text.replace("\u2019", "'")


def prepare(text: str) -> str:
    """The normalised, truncated text both the model and the lexicon see."""
    return normalize(clean(text))[:MAX_CHARS]


def has_content(norm: str) -> bool:
    """Any letter (Latin, CJK...) at all? Emoji, punctuation and digits alone carry no emotion here."""
    return any(ch.isalpha() for ch in norm)


def feature_strings(norm: str) -> list[str]:
    """Feature names of a prepared text: words, word bigrams, character 1–3 grams."""
    ws = words(norm)
    feats = [f"w:{w}" for w in ws]
    feats.extend(f"b:{a}|{b}" for a, b in itertools.pairwise(ws))
    feats.extend(char_ngrams(norm, 1, 3))
    return feats


def hashed_features(norm: str, bits: int) -> list[int]:
    """Distinct bucket indices (CRC-32 of the UTF-8 feature name, low `bits` bits), sorted."""
    mask = (1 << bits) - 1
    return sorted({zlib.crc32(f.encode("utf-8")) & mask for f in feature_strings(norm)})


def cjk_share(norm: str) -> float:
    """How Chinese the text is: CJK characters against Latin words (a word weighs 1.5 chars)."""
    n_cjk = len(_CJK_CHAR.findall(norm))
    n_latin = len(_LATIN_WORD.findall(norm))
    total = n_cjk + 1.5 * n_latin
    return n_cjk / total if total else 0.0


# Urgency ("refund NOW") amplifies anger in a negative message but is no emotion by itself.
_URGENT = re.compile(r"马上|立刻|立即|赶紧|赶快|尽快|\b(?:now|immediately|asap)\b")


def _shouting(plain: str) -> bool:
    """Mostly capital Latin letters (at least 8 letters)."""
    upper = sum(1 for ch in plain if "A" <= ch <= "Z")
    lower = sum(1 for ch in plain if "a" <= ch <= "z")
    return upper + lower >= 8 and upper >= 0.7 * (upper + lower)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Emotion:
    label: Label
    score: float  # P(negative), 0..1
    anger: float  # 0..1


@dataclass(frozen=True)
class EmotionModel:
    """The shipped arrays and parameters; `load()` reads them once per process.

    ``weights``/``bias``: polarity model, logit of P(negative | the text is polar).
    ``gate_weights``/``gate_bias`` (optional): logit of P(polar) — reviews against neutral
    customer-service questions. The score is shrunk toward 0.5 by it (never across 0.5, so
    the binary negative/positive decision is the polarity model's), which is what lets
    "请问什么时候发货" come out neutral.
    """

    weights: npt.NDArray[np.float32]
    bias: float
    bits: int
    neutral_band: float  # neutral when |score - 0.5| < neutral_band
    lexicon_weight: float  # weight of the lexicon term added to the model logit for Chinese
    gate_weights: npt.NDArray[np.float32] | None = None
    gate_bias: float = 0.0
    gate_bits: int = 0
    version: str = "dev"
    # Optional sentence-encoder head (multilingual-e5-small, `encoder_e5`): logit of
    # P(negative) from the embedding of the first `e5_chars` characters. Blended in with
    # weight `e5_mix` only when the hashed model is unsure (|logit| < `e5_margin`), which
    # keeps the encoder's ~5 ms off most messages. Skipped when the encoder is not installed.
    e5_weights: npt.NDArray[np.float32] | None = None
    e5_bias: float = 0.0
    e5_mix: float = 0.0
    e5_margin: float = 0.0
    e5_chars: int = 40
    e5_tokens: int = 32
    e5_min_polar: float = 0.5  # the head learnt reviews only: not on what the gate calls a question
    # Optional fine-tuned encoder (the opt-in research model, `emotion_tuned`): its logit is
    # blended in with weight `tuned_mix` where |hashed logit| < `tuned_margin` on opinions.
    tuned: TunedSentiment | None = None
    tuned_mix: float = 0.0
    tuned_margin: float = 0.0
    tuned_min_polar: float = 0.5

    @classmethod
    def load(cls) -> EmotionModel:
        return _load_shipped()

    @classmethod
    def from_arrays(
        cls,
        arrays: Mapping[str, npt.NDArray[Any]],
        meta: Mapping[str, Any],
    ) -> EmotionModel:
        """From the arrays of model.npz (weights, bias[, gate_weights, gate_bias]) and meta.json."""
        bits = int(meta["hash_bits"])
        weights = np.asarray(arrays["weights"], dtype=np.float32)
        if weights.shape != (1 << bits,):
            raise ValueError(f"emotion weights have shape {weights.shape}, expected ({1 << bits},)")
        gate: npt.NDArray[np.float32] | None = None
        gate_bits = int(meta.get("gate_bits") or 0)
        if gate_bits and "gate_weights" in arrays:
            gate = np.asarray(arrays["gate_weights"], dtype=np.float32)
            if gate.shape != (1 << gate_bits,) or gate_bits > bits:
                raise ValueError(f"emotion gate weights have shape {gate.shape}, bits {gate_bits}")
        e5: npt.NDArray[np.float32] | None = None
        if "e5_weights" in arrays and float(meta.get("e5_mix") or 0.0) > 0:
            e5 = np.asarray(arrays["e5_weights"], dtype=np.float32)
        return cls(
            weights=weights,
            bias=float(np.asarray(arrays["bias"]).reshape(-1)[0]),
            bits=bits,
            neutral_band=float(meta["neutral_band"]),
            lexicon_weight=float(meta["lexicon_weight"]),
            gate_weights=gate,
            gate_bias=float(np.asarray(arrays["gate_bias"]).reshape(-1)[0]) if gate is not None else 0.0,
            gate_bits=gate_bits if gate is not None else 0,
            version=str(meta.get("version", "dev")),
            e5_weights=e5,
            e5_bias=float(np.asarray(arrays["e5_bias"]).reshape(-1)[0]) if e5 is not None else 0.0,
            e5_mix=float(meta.get("e5_mix") or 0.0) if e5 is not None else 0.0,
            e5_margin=float(meta.get("e5_margin") or 0.0),
            e5_chars=int(meta.get("e5_chars") or 40),
            e5_tokens=int(meta.get("e5_tokens") or 32),
            e5_min_polar=float(meta.get("e5_min_polar", 0.5)),
        )

    def model_logit(self, norm: str) -> float:
        """Logit of P(negative | polar) from the hashed linear model alone."""
        return _linear(self.weights, self.bias, np.asarray(hashed_features(norm, self.bits), dtype=np.intp))

    def polar_probability(self, norm: str) -> float:
        """P(the text expresses an opinion at all) from the gate; 1.0 without a gate."""
        if self.gate_weights is None:
            return 1.0
        idx = np.asarray(hashed_features(norm, self.bits), dtype=np.intp)
        idx = np.unique(idx & ((1 << self.gate_bits) - 1))
        return _sigmoid(_linear(self.gate_weights, self.gate_bias, idx))

    def _blend(self, norm: str, cues: Cues) -> float:
        share = cjk_share(norm)
        if share == 0:
            return _sigmoid(cues.negativity)  # no Chinese: the lexicon alone
        idx = np.asarray(hashed_features(norm, self.bits), dtype=np.intp)
        model = _linear(self.weights, self.bias, idx) + self.lexicon_weight * cues.negativity
        polar = 1.0
        if self.gate_weights is not None:
            gate_idx = np.unique(idx & ((1 << self.gate_bits) - 1))
            polar = _sigmoid(_linear(self.gate_weights, self.gate_bias, gate_idx))
            # A strong cue ("垃圾", "worst") keeps the message polar whatever its form.
            polar = max(polar, min(abs(cues.negativity) / 3.0, 1.0))
        # The encoder head learnt reviews only: it speaks on unsure opinions, not on questions.
        if self.e5_weights is not None and abs(model) < self.e5_margin and polar >= self.e5_min_polar:
            e5 = self.e5_logit(norm)
            if e5 is not None:
                model = (1.0 - self.e5_mix) * model + self.e5_mix * e5
        if self.tuned is not None and abs(model) < self.tuned_margin and polar >= self.tuned_min_polar:
            tuned = self.tuned.logit(norm)
            if tuned is not None:
                model = (1.0 - self.tuned_mix) * model + self.tuned_mix * tuned
        p = _sigmoid(share * model + (1.0 - share) * cues.negativity)
        if self.gate_weights is not None:
            p = 0.5 + (p - 0.5) * (1.0 - share * (1.0 - polar))
        return p

    def e5_logit(self, norm: str) -> float | None:
        """Logit of P(negative) from the encoder head; None without a head or an encoder."""
        if self.e5_weights is None:
            return None
        encoder = e5_encoder()
        if encoder is None:
            return None
        vec = encoder.encode_one(norm[: self.e5_chars], max_tokens=self.e5_tokens)
        return float(vec @ self.e5_weights) + self.e5_bias

    def warm(self) -> None:
        """Load what the first prediction would (the encoder: ~1 s), e.g. before a server serves."""
        if self.e5_weights is not None:
            self.e5_logit("预热")
        if self.tuned is not None:
            self.tuned.logit("预热")

    def score(self, text: str) -> float:
        """P(negative) of a raw text, 0.5 when it has no content or no opinion."""
        norm = prepare(text)
        if not has_content(norm):
            return 0.5
        return self._blend(norm, lexicon_cues(norm))

    def analyze(self, text: str) -> Emotion:
        plain = clean(text)
        norm = normalize(plain)[:MAX_CHARS]
        if not has_content(norm):
            return Emotion("neutral", 0.5, 0.0)
        cues = lexicon_cues(norm)
        p = self._blend(norm, cues)
        return Emotion(self.label_of(p), p, round(_anger(norm, plain, p, cues), 4))

    def label_of(self, p_negative: float) -> Label:
        if abs(p_negative - 0.5) < self.neutral_band:
            return "neutral"
        return "negative" if p_negative > 0.5 else "positive"


def _linear(weights: npt.NDArray[np.float32], bias: float, idx: npt.NDArray[np.intp]) -> float:
    """Logit of a binary, L2-normalised feature vector."""
    if idx.size == 0:
        return bias
    return float(weights[idx].sum(dtype=np.float64)) / math.sqrt(idx.size) + bias


def _anger(norm: str, plain: str, p_negative: float, cues: Cues) -> float:
    """Anger 0..1: explicit anger cues, plus negativity amplified by !!!, ???, caps, intensifiers."""
    negativity = min(max((p_negative - 0.5) * 2.0, 0.0), 1.0)
    excl = min(norm.count("!"), 6)
    urgent = len(_URGENT.findall(norm))
    amp = 0.15 * excl + (0.4 if "??" in norm else 0.0) + 0.15 * min(cues.intensifiers + urgent, 4)
    if _shouting(plain[:MAX_CHARS]):
        amp += 0.8
    raw = cues.anger + negativity * (0.3 + amp)
    if p_negative < 0.5:
        raw *= 0.5  # anger cues in an otherwise positive message ("不是骗子，很靠谱") count less
    return 1.0 - math.exp(-raw / 1.5)


def site_model_dir() -> Path:
    """Where a locally trained model replaces the shipped one (inside the installed package)."""
    return Path(str(resources.files("kefu").joinpath(SITE_DIR)))


def read_model_dir(folder: Path) -> EmotionModel:
    """A model from a folder holding model.npz and meta.json (no pickle)."""
    meta: dict[str, Any] = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    with np.load(io.BytesIO((folder / "model.npz").read_bytes()), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return with_tuned(EmotionModel.from_arrays(arrays, meta), folder, arrays, meta)


def with_tuned(
    model: EmotionModel, folder: Path, arrays: Mapping[str, npt.NDArray[Any]], meta: Mapping[str, Any]
) -> EmotionModel:
    """The model with its fine-tuned encoder (`tuned_file` in `folder`) when meta names one."""
    tuned_file = meta.get("tuned_file")
    if not tuned_file or "tuned_weights" not in arrays or float(meta.get("tuned_mix") or 0.0) <= 0:
        return model
    from kefu.nlp.emotion_tuned import TunedSentiment

    tuned = TunedSentiment(
        folder / str(tuned_file),
        arrays["tuned_weights"],
        float(np.asarray(arrays["tuned_bias"]).reshape(-1)[0]),
        int(meta["tuned_tokens"]),
    )
    return dataclasses.replace(
        model,
        tuned=tuned,
        tuned_mix=float(meta["tuned_mix"]),
        tuned_margin=float(meta["tuned_margin"]),
        tuned_min_polar=float(meta.get("tuned_min_polar", 0.5)),
    )


def e5_encoder() -> E5Encoder | None:
    """The process's multilingual-e5 encoder (shared with the Chinese intent models)."""
    from kefu.nlp.encoder import E5_SMALL, load_encoder
    from kefu.nlp.encoder_e5 import E5Encoder

    enc = load_encoder(E5_SMALL)
    return enc if isinstance(enc, E5Encoder) else None


@functools.cache
def _load_shipped() -> EmotionModel:
    site = site_model_dir()
    if (site / "model.npz").is_file() and (site / "meta.json").is_file():
        return read_model_dir(site)
    return read_model_dir(Path(str(resources.files("kefu").joinpath(DATA_DIR))))


def reload_model() -> None:
    """Forget the loaded model (after `kefu emotion train` wrote a new one)."""
    _load_shipped.cache_clear()


def analyze(text: str) -> Emotion:
    """Emotion of a customer message with the shipped model."""
    return EmotionModel.load().analyze(text)
