"""Synthetic Chinese reviews written for kefu: the licence-clean training data of the shipped
default emotion model (no third-party text; licensed with the project, Apache-2.0).

A review is one of:

* a short rating-style comment ("还行", "一般般", "不会再买了"), maybe with a closing;
* one to four opinion clauses of one polarity over a domain (food delivery, hotel, and the
  shop categories books, electronics, fruit, dairy, hair and skin care, appliances, clothes, with
  delivery/seller clauses and after-sales service mixed in): aspect + (intensifier) + opinion, negated opinions ("不太好" / "不差"),
  events ("等了两个小时才送到", "第二天就到了"), comparisons and, for complaints, sarcasm;
* with neutral context sentences between the opinions ("出差住了两晚"), as long reviews have;
* with a minority clause of the other polarity that does not decide: a mild concession
  after the opinion ("…，就是早餐有点少") or a contrast before it ("虽然…，但是…");
* with a closing remark ("下次还来", "再也不买了"), noisy punctuation, or characters dropped
  (some real review text arrives with characters lost in transcoding).

Deterministic for a seed. Vocabulary: `emotion_vocab.py`.
"""

from __future__ import annotations

import random

from emotion_vocab import (
    COMPARE_BAD,
    COMPARE_GOOD,
    DOMAINS,
    INTENSIFIERS,
    MILD,
    NEG_CLOSE,
    NOT_BAD,
    NOT_GOOD,
    POS_CLOSE,
    SARCASM,
    SERVICE,
    SHOP,
    SHOP_DOMAINS,
    SHORT_BAD,
    SHORT_GOOD,
    WEIGHTS,
    Domain,
    entries,
)

JOINERS = ("，", "，", "，", "。", ",", "，而且", "，也", "！", "，还", "；", " ", "，另外")
CONCEDE = ("，就是", "，只是", "，不过", "，唯一不足的是", "，美中不足的是", "，但")
CONTRAST = (
    ("虽然", "，但是"),
    ("虽然", "，可是"),
    ("", "，但是"),
    ("", "，可惜"),
    ("", "，不过"),
    ("本来以为", "，结果"),
)
OPENERS = ("", "", "", "", "说实话，", "总的来说，", "怎么说呢，", "老实说，", "个人感觉", "感觉")
# Opinion words that carry their own degree or negation take no intensifier ("很很好").
_DEGREE = entries("很 太 非常 挺 超 特别 十分 真 一 越 没 不 有 都 像 是 比 又 全 量 分量 料")
_NAMES = [DOMAINS[k] for k in WEIGHTS]
_WEIGHTS = list(WEIGHTS.values())
_SHOPS = [DOMAINS[k] for k in SHOP_DOMAINS]
ENDS = ("", "", "", "。", "。", "！", "~", "!!!", "。。。", "！！", "?", "..")


def _opinion(rng: random.Random, dom: Domain, negative: bool, mild: bool = False) -> str:
    """One clause that says `negative` (True) or positive about the domain."""
    r = rng.random()
    if r < 0.12:
        dom = SERVICE
    elif r < 0.32 and dom in _SHOPS:  # delivery, packaging, the seller
        dom = SHOP
    aspect = rng.choice(dom.aspects)
    if mild:
        plain = [w for w in (dom.bad if negative else dom.good) if not w.startswith(_DEGREE)]
        return f"{aspect}{rng.choice(MILD)}{rng.choice(plain)}"
    r = rng.random()
    if r < 0.42:
        word = rng.choice(dom.bad if negative else dom.good)
        return f"{aspect}{'' if word.startswith(_DEGREE) else rng.choice(INTENSIFIERS)}{word}"
    if r < 0.58:
        word = rng.choice(NOT_GOOD if negative else NOT_BAD)
        return f"{rng.choice((aspect, aspect, aspect + '也', '我对' + aspect, '说实话' + aspect))}{word}"
    if r < 0.86:
        return rng.choice(dom.bad_events if negative else dom.good_events)
    if r < 0.94:
        return f"{aspect}{rng.choice(COMPARE_BAD if negative else COMPARE_GOOD)}"
    if negative:
        return rng.choice(SARCASM).format(aspect=aspect)
    return f"{aspect}{rng.choice(('真的', '确实', '是真的'))}{rng.choice(dom.good)}"


def _short(rng: random.Random, negative: bool) -> str:
    text = rng.choice(SHORT_BAD if negative else SHORT_GOOD)
    if rng.random() < 0.3:
        text += rng.choice(("，", "！", " ", "。")) + rng.choice(SHORT_BAD if negative else SHORT_GOOD)
    if rng.random() < 0.2:
        text += "，" + rng.choice(NEG_CLOSE if negative else POS_CLOSE)
    return text


def _drop_chars(rng: random.Random, text: str) -> str:
    """A few characters lost, as in reviews that went through a broken transcoding."""
    return "".join(ch for ch in text if rng.random() > 0.08)


def review(rng: random.Random, negative: bool) -> str:
    """One synthetic review whose overall polarity is `negative` (True) or positive."""
    if rng.random() < 0.18:
        return _short(rng, negative) + rng.choice(ENDS)
    dom = rng.choices(_NAMES, _WEIGHTS)[0]
    parts = [_opinion(rng, dom, negative) for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))]
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):  # neutral context between the opinions
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(dom.context))
    text = parts[0]
    for part in parts[1:]:
        text += rng.choice(JOINERS) + part
    r = rng.random()
    if r < 0.15:  # a mild concession that does not change the verdict
        text += rng.choice(CONCEDE) + _opinion(rng, dom, not negative, mild=True)
    elif r < 0.30:  # the clause after the contrast decides
        first, then = rng.choice(CONTRAST)
        text = f"{first}{_opinion(rng, dom, not negative)}{then}{text}"
    text = rng.choice(OPENERS) + text
    if rng.random() < 0.4:
        text += rng.choice(("，", "。", "！", " ")) + rng.choice(NEG_CLOSE if negative else POS_CLOSE)
    if rng.random() < 0.05:
        text = _drop_chars(rng, text)
    return text + rng.choice(ENDS)


def reviews(n: int, seed: int = 42) -> list[tuple[str, int]]:
    """`n` distinct (text, label) pairs, label 1 = negative, half of each (seeded)."""
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    tries = 0
    while len(seen) < n and tries < 20 * n:
        tries += 1
        negative = len(seen) % 2 == 0
        text = review(rng, negative)
        if text not in seen:
            seen[text] = int(negative)
    return list(seen.items())
