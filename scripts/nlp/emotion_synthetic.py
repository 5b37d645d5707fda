"""Synthetic Chinese reviews written for kefu: the licence-clean training data of the shipped
default emotion model (no third-party text; licensed with the project).

Each review joins one to three clauses "aspect + (intensifier) + opinion", with negated
opinions ("不太好" → negative, "不差" → positive), contrast ("虽然…但是…": the second clause
decides), and closing remarks ("下次还来", "再也不买了"). Domains: food delivery, hotel,
e-commerce and after-sales service. Deterministic for a seed.
"""

from __future__ import annotations

import random

ASPECTS = {
    "food": ("味道", "口味", "分量", "送餐", "配送", "外卖", "包装", "菜", "米饭", "汤", "肉", "骑手", "价格", "这家店"),
    "hotel": ("房间", "酒店", "前台", "服务", "早餐", "位置", "环境", "床", "卫生", "隔音", "设施", "空调", "浴室", "性价比"),
    "shop": ("质量", "物流", "快递", "包装", "做工", "屏幕", "电池", "衣服", "鞋子", "尺码", "手感", "音质", "颜色", "东西", "商品", "手机", "耳机"),
    "service": ("客服", "售后", "态度", "回复", "处理速度", "维修", "退款", "师傅"),
}  # fmt: skip
POSITIVE = (
    "好", "不错", "很好", "挺好", "满意", "好吃", "新鲜", "快", "干净", "舒服", "方便", "热情", "周到", "专业",
    "耐心", "给力", "实惠", "划算", "精致", "结实", "清晰", "流畅", "耐用", "合适", "漂亮", "正品", "靠谱",
    "到位", "及时", "贴心", "超值", "完美", "棒", "赞", "好评", "喜欢", "推荐", "值得", "稳", "准时",
)  # fmt: skip
NEGATIVE = (
    "差", "很差", "不好", "难吃", "太咸", "太油", "凉了", "慢", "脏", "吵", "旧", "小", "贵", "少", "破", "坏了",
    "假货", "失望", "垃圾", "敷衍", "冷漠", "恶劣", "离谱", "糟糕", "坑", "不行", "一般般", "有异味", "卡顿",
    "发烫", "掉色", "开线", "漏水", "不新鲜", "拖拉", "不耐烦", "不理人", "不靠谱", "差劲", "难用",
)  # fmt: skip
# Negated forms that flip the polarity of a plain adjective.
NEG_OF_POS = (
    "不好",
    "不太好",
    "不怎么样",
    "不满意",
    "不新鲜",
    "不干净",
    "不方便",
    "不专业",
    "不及时",
    "不值",
)
POS_OF_NEG = ("不差", "不贵", "不慢", "一点也不差", "没有异味", "没问题", "不吵", "不脏", "没坏")
INTENSIFIERS = ("", "", "", "很", "非常", "特别", "太", "真", "超级", "挺", "十分", "有点", "比较")
POS_CLOSE = (
    "下次还来", "还会再买", "推荐购买", "五星好评", "好评", "值得推荐", "会回购的", "满意", "谢谢", "赞一个",
    "物超所值", "给个好评", "非常满意", "很开心", "以后就在这家买了", "下次还点",
)  # fmt: skip
NEG_CLOSE = (
    "再也不买了", "不会再来了", "差评", "不推荐", "后悔", "失望透顶", "浪费钱", "千万别买", "要求退款",
    "太坑了", "不会再点了", "气死了", "垃圾", "投诉", "后悔买了", "别来了",
)  # fmt: skip
# Whole complaint / praise sentences the way customers write to a service desk.
COMPLAINTS = (
    "为什么我的快递还没到？都一个星期了", "怎么还没发货，都等了好几天了", "我不是很满意", "等了一个小时还没送到",
    "到现在还没人联系我", "说好的退款到现在都没到", "催了好几次都没用", "东西收到就是坏的", "打了三次电话都没人接",
    "又送错了", "一直没人处理", "问了半天也没解决", "我对这次服务很不满意", "这都第几次了", "等了半个月还没修好",
)  # fmt: skip
PRAISES = (
    "第二天就到了，很快", "问题很快就解决了", "客服很耐心地帮我处理好了", "我很满意", "比预想的还要好",
    "师傅上门很准时", "退款很快就到账了", "包装很用心", "一次就修好了", "服务真的没得说",
)  # fmt: skip
JOINERS = ("，", "，", "。", "，而且", "，也", "！", "，还")


def _clause(rng: random.Random, domain: str, negative: bool) -> str:
    aspect = rng.choice(ASPECTS[domain] + ASPECTS["service"] if rng.random() < 0.2 else ASPECTS[domain])
    if rng.random() < 0.25:
        word = rng.choice(NEG_OF_POS if negative else POS_OF_NEG)
        return f"{rng.choice((aspect, aspect, '我', '我对' + aspect, '说实话'))}{word}"
    word = rng.choice(NEGATIVE if negative else POSITIVE)
    return f"{aspect}{rng.choice(INTENSIFIERS)}{word}"


def review(rng: random.Random, negative: bool) -> str:
    domain = rng.choice(tuple(ASPECTS))
    parts = [_clause(rng, domain, negative) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    text = parts[0]
    for part in parts[1:]:
        text += rng.choice(JOINERS) + part
    if rng.random() < 0.2:  # contrast: the clause after 但是 decides
        text = f"虽然{_clause(rng, domain, not negative)}，但是{text}"
    if rng.random() < 0.5:
        text += "，" + rng.choice(NEG_CLOSE if negative else POS_CLOSE)
    if rng.random() < 0.1:
        text = rng.choice(NEG_CLOSE if negative else POS_CLOSE)
    elif rng.random() < 0.12:
        text = rng.choice(COMPLAINTS if negative else PRAISES) + ("" if rng.random() < 0.5 else "，" + text)
    return text + rng.choice(("", "", "。", "！", "~", "!!!"))


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
