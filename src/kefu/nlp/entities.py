"""Product awareness for the intent model (pure): which kinds of product a text names.

A company's intents are often about one product ("手机充不进电"), and a question about
another product shares most of its words ("我的耳机充不进电"). Word features cannot tell
these apart, so the model notes the kinds of product each intent's examples name: an intent
whose examples name exactly one kind answers only questions about that kind (or about none),
and a question about a kind of product none of the intents names ("我想买一台冰箱") is out of
scope for a company whose intents name products at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# kind → words (Chinese, English). Accessories (chargers, cables, keyboards) are left out:
# they appear in questions about the main products.
KINDS: dict[str, tuple[str, ...]] = {
    "phone": ("手机", "phone", "smartphone", "iphone"),
    "earbuds": ("耳机", "耳塞", "耳麦", "earbuds", "earbud", "headphone", "earphones", "headset"),
    "tablet": ("平板电脑", "平板", "tablet", "ipad"),
    "watch": ("智能手表", "手表", "手环", "smartwatch", "watch"),
    "computer": ("笔记本电脑", "笔记本", "电脑", "laptop", "computer", "notebook"),
    "speaker": ("音箱", "音响", "speaker"),
    "camera": ("摄像头", "摄像机", "监控", "相机", "camera", "webcam"),
    "vacuum": ("扫地机器人", "扫地机", "扫拖", "吸尘器", "vacuum"),
    "stylus": ("手写笔", "触控笔", "电容笔", "stylus"),
    "tv": ("电视机", "电视", "television"),
    "fridge": ("冰箱", "冰柜", "fridge", "refrigerator"),
    "washer": ("洗衣机", "烘干机", "washing machine", "washer"),
    "aircon": ("空调", "air conditioner"),
    "kitchen": ("微波炉", "烤箱", "电饭煲", "油烟机", "洗碗机", "microwave", "oven", "dishwasher"),
    "car": ("汽车", "电动车", "二手车", "新能源车", "小轿车", "car"),
    "bike": ("自行车", "单车", "bicycle", "bike"),
    "house": ("房子", "房产", "楼盘", "house", "apartment"),
    "router": ("路由器", "router"),
    "console": ("游戏机", "console"),
    "printer": ("打印机", "printer"),
    "drone": ("无人机", "drone"),
    "clothing": ("衣服", "裤子", "裙子", "鞋子", "外套", "clothes", "shoes"),
    "cosmetics": ("口红", "面膜", "化妆品", "护肤品", "lipstick", "makeup"),
    "food": ("奶粉", "零食", "水果", "大米", "snacks"),
    "furniture": ("沙发", "床垫", "衣柜", "sofa", "mattress"),
}
# Kinds a seller of one usually sells the others of: with 8 examples an intent, a company's
# intents name few of its products, and a question about its speaker is not off-topic because
# only phones and earbuds were named. A kind may be in two families (a TV is both).
FAMILIES: dict[str, frozenset[str]] = {
    "electronics": frozenset(
        [
            "phone",
            "earbuds",
            "tablet",
            "watch",
            "computer",
            "speaker",
            "camera",
            "vacuum",
            "stylus",
            "tv",
            "router",
            "console",
            "printer",
            "drone",
        ]
    ),
    "appliances": frozenset(("tv", "fridge", "washer", "aircon", "kitchen", "vacuum")),
    "vehicles": frozenset(("car", "bike")),
    "fashion": frozenset(("clothing", "cosmetics")),
    "home": frozenset(("furniture", "house")),
}
SPECIFIC_SHARE = 0.25  # examples naming a kind that make an intent about that kind
# A word followed by one of these is not the product ("手机号", "电视剧", "汽车票").
_NOT_AFTER = "号剧票站"

_WORD = {w: kind for kind, ws in KINDS.items() for w in ws}
_PATTERN = re.compile(
    "|".join(
        (rf"\b{re.escape(w)}s?\b" if w.isascii() else rf"{re.escape(w)}(?![{_NOT_AFTER}])")
        for w in sorted(_WORD, key=len, reverse=True)
    ),
    re.IGNORECASE,
)


def kinds(text: str) -> frozenset[str]:
    """The kinds of product a text names."""
    found = set()
    for m in _PATTERN.finditer(text):
        word = m.group(0).lower()
        kind = _WORD.get(word) or _WORD.get(word[:-1])
        if kind:
            found.add(kind)
    return frozenset(found)


def intent_kinds(examples: Iterable[str]) -> frozenset[str]:
    """The one kind of product an intent is about, as a set of one: named by a quarter of its
    examples or more, and no other kind named twice. Empty otherwise (a warranty question
    about phones and earbuds fits any product; one example naming a phone does not make
    "payment methods" a phone intent)."""
    counts: dict[str, int] = {}
    n = 0
    for text in examples:
        n += 1
        for kind in kinds(text):
            counts[kind] = counts.get(kind, 0) + 1
    main = [k for k, c in counts.items() if c >= max(2, SPECIFIC_SHARE * n)]
    others = [k for k, c in counts.items() if c >= 2 and k not in main]
    return frozenset(main) if len(main) == 1 and not others else frozenset()


def known_kinds(examples: Iterable[str]) -> frozenset[str]:
    """Every kind of product the examples name (what the company deals in)."""
    named: set[str] = set()
    for text in examples:
        named |= kinds(text)
    return frozenset(named)


def fits(question: frozenset[str], intent: frozenset[str]) -> bool:
    """May an intent about `intent` products answer a question naming `question` ones?"""
    return not question or not intent or bool(question & intent)


def families(named: frozenset[str]) -> frozenset[str]:
    """The families (FAMILIES) of the kinds named; a kind in none is a family of its own."""
    out = {f for f, members in FAMILIES.items() if named & members}
    out |= {k for k in named if not any(k in members for members in FAMILIES.values())}
    return frozenset(out)


def unknown(question: frozenset[str], known: frozenset[str]) -> bool:
    """Does the question name only products far from any the company's intents mention (no
    kind, and no family of kinds, in common)? Only for a company whose intents name two kinds
    or more: a bank's intents name none."""
    return len(known) >= 2 and bool(question) and not (families(question) & families(known))


def encode(sets: Sequence[frozenset[str]]) -> list[str]:
    """Sets as strings for plain-array export ("phone|tablet")."""
    return ["|".join(sorted(s)) for s in sets]


def decode(values: Iterable[str]) -> list[frozenset[str]]:
    return [frozenset(v for v in str(s).split("|") if v) for s in values]
