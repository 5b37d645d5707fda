"""KB search latency with 10,000 articles (target p99 < 20 ms). Prints JSON records.

Articles are synthesised from the demo knowledge base (varied products, sentences and
categories) so the vocabulary and lengths look like a real Chinese help center.
Usage: .venv/bin/python bench/kb_search.py [--articles 10000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time

from kefu.demo.kb_articles import ARTICLES
from kefu.kb.render import plain_text
from kefu.kb.search import Doc, Index

PRODUCTS = [
    "X5",
    "X5 Pro",
    "X6",
    "Pad 11",
    "Pad 12",
    "Buds 3",
    "Buds Pro",
    "手表 GT",
    "音箱 Mini",
    "摄像头 C2",
    "扫地机 R1",
    "路由器 AX3",
    "电视 55 寸",
    "空气净化器",
    "智能门锁",
    "手环 6",
]
QUERIES = [
    "手机充不了电",
    "我想退货",
    "怎么开发票",
    "耳机连不上蓝牙",
    "屏幕碎了修要多少钱",
    "退款几天能到",
    "客服几点下班",
    "优惠券用不了",
    "扫地机器人找不到充电座",
    "系统升级失败",
    "以旧换新怎么弄",
    "快递到哪了",
    "bluetooth earphones",
    "保修多久",
    "怎么投诉",
    "平板手写笔连接",
]


def synth(n: int, rng: random.Random) -> list[Doc]:
    sentences = [
        s
        for _c, _t, body, _g in ARTICLES
        for s in plain_text(body).replace("\n", "。").split("。")
        if s.strip()
    ]
    docs = []
    for i in range(n):
        _c, title, _b, _g = ARTICLES[i % len(ARTICLES)]
        product = rng.choice(PRODUCTS)
        body = "。".join(rng.sample(sentences, k=rng.randint(4, 12)))
        docs.append(Doc(i + 1, f"{product} {title}", body))
    return docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=2_000)
    args = ap.parse_args()
    rng = random.Random(7)
    docs = synth(args.articles, rng)
    t0 = time.perf_counter()
    index = Index.build(docs)
    build_s = time.perf_counter() - t0
    for q in QUERIES:  # warm-up
        index.search(q)
    lat = []
    for i in range(args.queries):
        q = QUERIES[i % len(QUERIES)]
        t = time.perf_counter()
        index.search(q, limit=10)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    print(
        json.dumps(
            {
                "bench": "kb.search",
                "articles": args.articles,
                "queries": args.queries,
                "build_seconds": round(build_s, 2),
                "p50_ms": round(statistics.median(lat), 3),
                "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 3),
                "max_ms": round(lat[-1], 3),
                "terms": len(index.postings),
                "python": platform.python_version(),
                "machine": platform.machine(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
