"""Hand-written emotion cue lexicon (English + Chinese) with negation and intensifiers.

Pure logic, part of `kefu.nlp.emotion`: each cue maps to (negativity, anger); `lexicon_cues`
sums what a prepared (normalised) text contains. Values are hand-set, not learned, so they
carry no training data's licence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
