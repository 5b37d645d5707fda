"""Search ranking and highlighting (pure)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.kb.search import Doc, Index, highlight

DOCS = [
    Doc(1, "手机充不进电怎么办？", "更换原装充电器和数据线，清理充电口，强制重启。"),
    Doc(2, "退换货政策是什么？", "7 天无理由退货，15 天质量问题换货。"),
    Doc(3, "如何开具发票？", "在订单详情页申请电子普通发票，增值税专用发票请联系客服。"),
    Doc(4, "耳机蓝牙连不上怎么办？", "长按按键 3 秒进入配对，删除旧的配对记录后重新连接。"),
    Doc(5, "Earphones won't connect over Bluetooth", "Hold the button for 3 seconds, then pair again."),
    Doc(6, "下单后多久发货？", "现货商品付款后 24 小时内发货，发货后可查看物流单号。"),
]
INDEX = Index.build(DOCS)


def top(query: str) -> int | None:
    hits = INDEX.search(query, limit=3)
    return hits[0].id if hits else None


class TestRanking:
    def test_paraphrased_chinese_questions_find_the_right_article(self) -> None:
        assert top("我的手机充不了电") == 1
        assert top("买的东西不想要了能退吗") == 2
        assert top("开票") == 3
        assert top("蓝牙耳机配对不上") == 4
        assert top("什么时候发货") == 6

    def test_synonyms_bridge_customer_words_and_article_words(self) -> None:
        assert top("快递到哪了") == 6  # 快递 → 物流

    def test_english_typos_are_tolerated(self) -> None:
        assert top("bluetoth earphone") == 5

    def test_unrelated_questions_find_nothing(self) -> None:
        assert INDEX.search("今天天气怎么样") == []
        assert INDEX.search("   ") == []

    def test_allowed_set_filters_results(self) -> None:
        assert [h.id for h in INDEX.search("蓝牙", allowed={5})] == []
        assert [h.id for h in INDEX.search("bluetooth", allowed={5})] == [5]


class TestHighlight:
    def test_marks_matches_and_escapes_html(self) -> None:
        out = highlight("<script>x</script> 请检查充电线", ["充电"])
        assert "<mark>充电</mark>" in out
        assert "<script>" not in out and "&lt;script&gt;" in out

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=300), st.lists(st.text(min_size=1, max_size=5), max_size=4))
    def test_never_emits_raw_angle_brackets_from_input(self, text: str, needles: list[str]) -> None:
        out = highlight(text, needles).replace("<mark>", "").replace("</mark>", "")
        assert "<" not in out and ">" not in out
