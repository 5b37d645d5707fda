"""Emotion of a customer message: negative / neutral / positive, plus an anger intensity.

Pure logic. The only I/O is reading the shipped arrays from the package
(`kefu/data/emotion/model.npz` + `meta.json`, written by `scripts/train_emotion.py`).

How a text is scored:

* **Model** (Chinese): logistic regression over hashed features — rjieba words, word bigrams
  and character 1–3 grams of the normalised text, binary, L2-normalised, hashed with CRC-32
  into ``2**bits`` buckets. Trained on Chinese reviews (food delivery, hotel, e-commerce).
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
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from kefu.bot.text import char_ngrams, normalize, words

Label = Literal["negative", "neutral", "positive"]

MAX_INPUT_CHARS = 20_000  # raw characters looked at (bounds HTML stripping / normalisation)
MAX_CHARS = 1_000  # normalised characters fed to the model and the lexicon
DATA_DIR = "data/emotion"  # inside the kefu package

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


# --------------------------------------------------------------------------- cue lexicon
# Each cue maps to (negativity, anger): negativity is in logit units (> 0 negative, < 0
# positive); anger >= 0 is raw anger evidence. Values are hand-set, not learned.

_EN_CUES: dict[str, tuple[float, float]] = {
    # strong negative / anger
    "worst": (2.5, 1.2),
    "worst service": (3.0, 1.5),
    "scam": (2.5, 1.5),
    "scammer": (2.5, 1.5),
    "scammers": (2.5, 1.5),
    "fraud": (2.5, 1.5),
    "cheated": (2.2, 1.3),
    "cheat": (2.0, 1.2),
    "liar": (2.2, 1.3),
    "liars": (2.2, 1.3),
    "lied": (2.0, 1.0),
    "ripoff": (2.2, 1.2),
    "rip off": (2.2, 1.2),
    "ridiculous": (2.0, 1.0),
    "unacceptable": (2.2, 1.2),
    "pathetic": (2.2, 1.2),
    "disgusting": (2.2, 1.0),
    "garbage": (2.2, 1.2),
    "trash": (2.0, 1.0),
    "crap": (2.0, 1.0),
    "rubbish": (2.0, 1.0),
    "useless": (2.0, 0.8),
    "incompetent": (2.2, 1.2),
    "hate": (2.0, 1.0),
    "furious": (2.5, 1.8),
    "angry": (2.0, 1.5),
    "mad": (1.5, 1.0),
    "pissed": (2.2, 1.6),
    "outraged": (2.5, 1.8),
    "fed up": (2.0, 1.2),
    "sick of": (2.0, 1.2),
    "wtf": (2.0, 1.5),
    "fuck": (2.5, 2.0),
    "fucking": (2.0, 2.0),
    "shit": (2.0, 1.5),
    "bullshit": (2.5, 2.0),
    "damn": (1.5, 1.0),
    "idiot": (2.0, 1.5),
    "idiots": (2.0, 1.5),
    "stupid": (1.8, 1.2),
    "joke": (1.2, 0.6),
    "the hell": (1.8, 1.3),
    "nightmare": (2.0, 0.8),
    "never again": (2.2, 1.0),
    "lawyer": (1.5, 1.5),
    "sue": (1.5, 1.5),
    "court": (1.0, 1.0),
    "chargeback": (1.5, 1.2),
    "report you": (1.5, 1.5),
    "refund now": (2.0, 1.5),
    "refund immediately": (2.0, 1.5),
    "money back": (1.5, 1.0),
    "give me my money": (2.0, 1.5),
    "complaint": (1.5, 0.8),
    "complain": (1.5, 0.8),
    # negative
    "bad": (1.8, 0.0),
    "terrible": (2.5, 0.5),
    "horrible": (2.5, 0.5),
    "awful": (2.5, 0.5),
    "poor": (1.5, 0.0),
    "worse": (1.8, 0.3),
    "broken": (1.8, 0.0),
    "damaged": (1.8, 0.0),
    "defective": (1.8, 0.0),
    "faulty": (1.8, 0.0),
    "wrong": (1.3, 0.0),
    "missing": (1.3, 0.0),
    "lost": (1.0, 0.0),
    "stolen": (1.5, 0.3),
    "slow": (1.2, 0.0),
    "late": (1.0, 0.0),
    "delayed": (1.2, 0.0),
    "still waiting": (1.5, 0.4),
    "never arrived": (2.0, 0.3),
    "never received": (2.0, 0.3),
    "not received": (1.8, 0.2),
    "hasn't arrived": (1.5, 0.2),
    "not working": (1.8, 0.2),
    "doesn't work": (1.8, 0.2),
    "does not work": (1.8, 0.2),
    "didn't work": (1.8, 0.2),
    "stopped working": (1.8, 0.2),
    "rude": (2.0, 0.6),
    "unhelpful": (1.8, 0.4),
    "annoying": (1.8, 0.6),
    "annoyed": (1.8, 0.8),
    "frustrated": (2.0, 0.9),
    "frustrating": (2.0, 0.8),
    "upset": (1.8, 0.6),
    "unhappy": (1.8, 0.3),
    "disappointed": (2.0, 0.3),
    "disappointing": (2.0, 0.3),
    "disappointment": (2.0, 0.3),
    "sad": (1.2, 0.0),
    "waste": (1.8, 0.5),
    "overcharged": (2.0, 0.6),
    "charged twice": (1.8, 0.5),
    "overpriced": (1.5, 0.2),
    "expensive": (0.8, 0.0),
    "dirty": (1.8, 0.2),
    "cold": (0.6, 0.0),
    "problem": (1.0, 0.0),
    "problems": (1.0, 0.0),
    "issue": (0.7, 0.0),
    "error": (1.0, 0.0),
    "fail": (1.3, 0.0),
    "failed": (1.3, 0.0),
    "fails": (1.3, 0.0),
    "bug": (0.8, 0.0),
    "crash": (1.2, 0.0),
    "crashes": (1.2, 0.0),
    "crashed": (1.2, 0.0),
    "stuck": (1.0, 0.0),
    "ignored": (1.5, 0.6),
    "cancel": (0.4, 0.0),
    "refund": (0.5, 0.2),
    "regret": (1.5, 0.0),
    "sorry": (0.5, 0.0),
    "unfortunately": (0.8, 0.0),
    # positive
    "good": (-1.8, 0.0),
    "great": (-2.2, 0.0),
    "excellent": (-2.5, 0.0),
    "amazing": (-2.5, 0.0),
    "awesome": (-2.5, 0.0),
    "perfect": (-2.5, 0.0),
    "fantastic": (-2.5, 0.0),
    "wonderful": (-2.5, 0.0),
    "brilliant": (-2.2, 0.0),
    "outstanding": (-2.5, 0.0),
    "superb": (-2.5, 0.0),
    "best": (-2.0, 0.0),
    "love": (-2.2, 0.0),
    "loved": (-2.2, 0.0),
    "nice": (-1.8, 0.0),
    "happy": (-2.0, 0.0),
    "glad": (-1.8, 0.0),
    "pleased": (-2.0, 0.0),
    "satisfied": (-2.0, 0.0),
    "thanks": (-1.5, 0.0),
    "thank you": (-1.8, 0.0),
    "thank": (-1.5, 0.0),
    "appreciate": (-1.8, 0.0),
    "appreciated": (-1.8, 0.0),
    "helpful": (-2.0, 0.0),
    "friendly": (-1.8, 0.0),
    "polite": (-1.5, 0.0),
    "professional": (-1.2, 0.0),
    "fast": (-1.2, 0.0),
    "quick": (-1.2, 0.0),
    "quickly": (-1.0, 0.0),
    "easy": (-1.0, 0.0),
    "smooth": (-1.2, 0.0),
    "recommend": (-1.8, 0.0),
    "resolved": (-1.2, 0.0),
    "fixed": (-1.0, 0.0),
    "works": (-0.8, 0.0),
    "delicious": (-2.0, 0.0),
    "fresh": (-1.0, 0.0),
    "beautiful": (-1.8, 0.0),
    "cool": (-1.0, 0.0),
    "well done": (-2.0, 0.0),
    "no problem": (-0.8, 0.0),
}


def _wordset(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_EN_NEGATORS = _wordset(
    "not no never none nothing nobody without hardly barely cannot cant can't don't dont doesn't "
    "doesnt didn't didnt isn't isnt wasn't wasnt aren't arent won't wont shouldn't wouldn't "
    "couldn't haven't hasn't hadn't"
)
_EN_INTENSIFIERS = _wordset(
    "very so really extremely totally absolutely super too incredibly completely utterly "
    "seriously truly highly insanely"
)
_EN_DOWNTONERS = _wordset("slightly somewhat bit little kinda sort kind fairly rather")
_EN_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[.,;:!?]")
_EN_MAX_PHRASE = 4

_ZH_CUES: dict[str, tuple[float, float]] = {
    # anger: complaints, insults, threats, demands
    "投诉": (1.5, 1.2),
    "举报": (1.5, 1.2),
    "曝光": (1.5, 1.2),
    "12315": (1.5, 1.5),
    "消协": (1.5, 1.5),
    "工商": (1.0, 1.0),
    "律师": (1.2, 1.3),
    "起诉": (1.5, 1.5),
    "报警": (1.5, 1.5),
    "骗子": (2.5, 1.8),
    "骗人": (2.2, 1.5),
    "欺骗": (2.0, 1.3),
    "诈骗": (2.5, 1.8),
    "欺诈": (2.5, 1.5),
    "忽悠": (1.8, 1.0),
    "坑人": (2.0, 1.3),
    "坑爹": (2.0, 1.3),
    "黑心": (2.2, 1.5),
    "无良": (2.2, 1.5),
    "垃圾": (2.5, 1.5),
    "废物": (2.2, 1.5),
    "破玩意": (2.2, 1.5),
    "什么破": (2.0, 1.3),
    "恶心": (2.0, 1.0),
    "气死": (2.5, 2.0),
    "生气": (2.0, 1.5),
    "愤怒": (2.2, 1.8),
    "火大": (2.2, 1.8),
    "受够了": (2.2, 1.5),
    "忍无可忍": (2.5, 2.0),
    "太过分": (2.2, 1.5),
    "过分": (1.5, 1.0),
    "凭什么": (1.5, 1.2),
    "到底": (0.5, 0.5),
    "滚": (2.0, 1.8),
    "妈的": (2.5, 2.0),
    "他妈": (2.5, 2.0),
    "tmd": (2.5, 2.0),
    "卧槽": (1.5, 1.2),
    "傻逼": (3.0, 2.5),
    "脑残": (2.5, 1.8),
    "智障": (2.5, 1.8),
    "不要脸": (2.5, 1.8),
    "去死": (3.0, 2.5),
    "狗屁": (2.5, 1.8),
    "耍人": (2.0, 1.3),
    "拉黑": (1.5, 1.0),
    "再也不": (2.0, 0.8),
    "差评": (2.0, 0.8),
    "退钱": (2.0, 1.2),
    "退款": (0.8, 0.5),
    "赔偿": (1.0, 0.8),
    "无语": (1.8, 0.8),
    "态度恶劣": (2.5, 1.2),
    "最差": (2.5, 1.0),
    # negative
    "太差": (2.2, 0.6),
    "很差": (2.0, 0.3),
    "差劲": (2.2, 0.6),
    "糟糕": (2.0, 0.3),
    "失望": (2.0, 0.3),
    "后悔": (1.8, 0.2),
    "难吃": (2.0, 0.2),
    "难用": (2.0, 0.3),
    "不满": (1.8, 0.4),
    "慢": (1.0, 0.0),
    "坏了": (1.5, 0.0),
    "破损": (1.5, 0.0),
    "损坏": (1.5, 0.0),
    "质量问题": (1.5, 0.2),
    "故障": (1.2, 0.0),
    "错了": (1.2, 0.0),
    "少了": (1.0, 0.0),
    "没收到": (1.5, 0.2),
    "还没到": (1.2, 0.2),
    "等了": (0.8, 0.2),
    "退货": (0.8, 0.1),
    "烂": (1.8, 0.5),
    "郁闷": (1.5, 0.3),
    "不靠谱": (2.0, 0.5),
    "不行": (1.5, 0.2),
    "不好": (1.8, 0.0),
    # positive
    "满意": (-1.8, 0.0),
    "不错": (-1.8, 0.0),
    "很好": (-2.0, 0.0),
    "挺好": (-1.8, 0.0),
    "真好": (-2.0, 0.0),
    "好评": (-2.2, 0.0),
    "好吃": (-2.0, 0.0),
    "好用": (-2.0, 0.0),
    "喜欢": (-1.8, 0.0),
    "推荐": (-1.5, 0.0),
    "谢谢": (-1.5, 0.0),
    "感谢": (-1.8, 0.0),
    "辛苦": (-1.2, 0.0),
    "棒": (-2.0, 0.0),
    "赞": (-1.8, 0.0),
    "给力": (-2.0, 0.0),
    "靠谱": (-1.8, 0.0),
    "完美": (-2.2, 0.0),
    "优秀": (-2.0, 0.0),
    "贴心": (-2.0, 0.0),
    "热情": (-1.5, 0.0),
    "周到": (-1.8, 0.0),
    "耐心": (-1.5, 0.0),
    "专业": (-1.2, 0.0),
    "及时": (-1.2, 0.0),
    "解决了": (-1.5, 0.0),
    "开心": (-2.0, 0.0),
    "惊喜": (-2.0, 0.0),
    "没问题": (-1.0, 0.0),
}
_ZH_NEGATORS = "不没别无未非勿"
_ZH_INTENSIFIERS = ("太", "非常", "特别", "超级", "极其", "真的", "简直", "实在", "十分", "巨", "超", "好")
_ZH_DOWNTONERS = ("有点", "有些", "稍微", "略", "一点")
_ZH_BOUNDARY = re.compile(r"[,.;:!?、，。；：！？~\s]")
_ZH_CUE = re.compile("|".join(re.escape(c) for c in sorted(_ZH_CUES, key=len, reverse=True)))
_ZH_WINDOW = 3  # characters before a cue searched for a negator / intensifier
# Urgency ("refund NOW") amplifies anger in a negative message but is no emotion by itself.
_URGENT = re.compile(r"马上|立刻|立即|赶紧|赶快|尽快|\b(?:now|immediately|asap)\b")


@dataclass(frozen=True)
class Cues:
    """What the lexicon found: a logit term (> 0 = negative) and raw anger evidence."""

    negativity: float = 0.0
    anger: float = 0.0
    hits: int = 0
    intensifiers: int = 0


def _modifier(negated: bool, factor: float, negativity: float, anger: float) -> tuple[float, float]:
    if negated:
        # "not good" is negative; "not bad" only mildly positive; a negated insult is no anger.
        return (-0.8 * negativity if negativity < 0 else -0.4 * negativity), 0.0
    return negativity * factor, anger * factor


def _english_cues(norm: str) -> Cues:
    tokens = _EN_TOKEN.findall(norm)
    if not tokens:
        return Cues()
    neg = anger = 0.0
    hits = intens = 0
    last_negator = last_intens = last_down = -100
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ".,;:!?":
            last_negator = last_intens = last_down = -100
            i += 1
            continue
        match: tuple[float, float] | None = None
        size = 1
        for n in range(min(_EN_MAX_PHRASE, len(tokens) - i), 0, -1):
            match = _EN_CUES.get(" ".join(tokens[i : i + n]))
            if match is not None:
                size = n
                break
        if match is None:
            if tok in _EN_NEGATORS:
                last_negator = i
            elif tok in _EN_INTENSIFIERS:
                last_intens = i
                intens += 1
            elif tok in _EN_DOWNTONERS:
                last_down = i
            i += 1
            continue
        factor = 1.5 if i - last_intens <= 2 else 0.5 if i - last_down <= 2 else 1.0
        n_val, a_val = _modifier(i - last_negator <= 3, factor, *match)
        neg += n_val
        anger += a_val
        hits += 1
        i += size
    return Cues(neg, anger, hits, intens)


def _chinese_cues(norm: str) -> Cues:
    neg = anger = 0.0
    hits = intens = 0
    prev_end = 0
    for m in _ZH_CUE.finditer(norm):
        start = m.start()
        # the window before the cue, not reaching into the previous cue or the previous clause
        window = norm[max(prev_end, start - _ZH_WINDOW) : start]
        cut = max((b.end() for b in _ZH_BOUNDARY.finditer(window)), default=0)
        window = window[cut:]
        prev_end = m.end()
        negated = any(ch in _ZH_NEGATORS for ch in window)
        intensified = any(w in window for w in _ZH_INTENSIFIERS)
        softened = any(w in window for w in _ZH_DOWNTONERS)
        intens += intensified
        factor = 0.5 if softened else 1.5 if intensified else 1.0
        n_val, a_val = _modifier(negated, factor, *_ZH_CUES[m.group()])
        neg += n_val
        anger += a_val
        hits += 1
    return Cues(neg, anger, hits, intens)


def lexicon_cues(norm: str) -> Cues:
    """English and Chinese cues of a prepared text, summed."""
    en, zh = _english_cues(norm), _chinese_cues(norm)
    return Cues(
        en.negativity + zh.negativity,
        en.anger + zh.anger,
        en.hits + zh.hits,
        en.intensifiers + zh.intensifiers,
    )


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
        p = _sigmoid(share * model + (1.0 - share) * cues.negativity)
        if self.gate_weights is not None:
            gate_idx = np.unique(idx & ((1 << self.gate_bits) - 1))
            polar = _sigmoid(_linear(self.gate_weights, self.gate_bias, gate_idx))
            # A strong cue ("垃圾", "worst") keeps the message polar whatever its form.
            polar = max(polar, min(abs(cues.negativity) / 3.0, 1.0))
            p = 0.5 + (p - 0.5) * (1.0 - share * (1.0 - polar))
        return p

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


def _read_resource(name: str) -> bytes:
    return resources.files("kefu").joinpath(f"{DATA_DIR}/{name}").read_bytes()


@functools.cache
def _load_shipped() -> EmotionModel:
    meta: dict[str, Any] = json.loads(_read_resource("meta.json"))
    with np.load(io.BytesIO(_read_resource("model.npz")), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return EmotionModel.from_arrays(arrays, meta)


def analyze(text: str) -> Emotion:
    """Emotion of a customer message with the shipped model."""
    return EmotionModel.load().analyze(text)
