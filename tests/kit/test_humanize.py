"""Durations, percentages and enum labels as people read them (kefu.kit.humanize)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.kit import humanize

ZH_UNITS = {"天": 86_400, "小时": 3_600, "分钟": 60, "秒": 1}
EN_UNITS = {"d": 86_400, "h": 3_600, "min": 60, "s": 1}


def _parse_zh(text: str) -> int:
    parts = re.findall(r"(\d+)(天|小时|分钟|秒)", text)
    assert "".join(n + u for n, u in parts) == text, text
    return sum(int(n) * ZH_UNITS[u] for n, u in parts)


class TestDuration:
    @pytest.mark.parametrize(
        ("seconds", "zh", "en"),
        [
            (0, "0秒", "0 s"),
            (45, "45秒", "45 s"),
            (65, "1分钟5秒", "1 min 5 s"),
            (3600, "1小时", "1 h"),
            (5110, "1小时25分钟", "1 h 25 min"),
            (2 * 86_400 + 3 * 3600 + 59 * 60, "2天3小时", "2 d 3 h"),
            (2 * 86_400 + 5 * 60, "2天", "2 d"),
            (470471.2, "5天10小时", "5 d 10 h"),
            (-120, "-2分钟", "-2 min"),
        ],
    )
    def test_examples(self, seconds: float, zh: str, en: str) -> None:
        assert humanize.duration(seconds) == zh
        assert humanize.duration(seconds, "en") == en

    @pytest.mark.parametrize("missing", [None, float("nan"), "x"])
    def test_no_value_is_a_dash(self, missing: object) -> None:
        assert humanize.duration(missing) == "—"  # type: ignore[arg-type]

    @given(st.floats(min_value=0, max_value=10 * 365 * 86_400, allow_nan=False))
    def test_never_claims_more_time_and_loses_less_than_one_shown_unit(self, seconds: float) -> None:
        text = humanize.duration(seconds)
        shown = _parse_zh(text)
        whole = round(seconds)
        assert shown <= whole
        units = re.findall(r"(天|小时|分钟|秒)", text)
        assert 1 <= len(units) <= 2
        # What is cut off is less than the unit after the largest one shown.
        leading = ZH_UNITS[units[0]]
        finer = {86_400: 3_600, 3_600: 60, 60: 1, 1: 1}[leading]
        assert whole - shown < max(finer, 1) or whole == shown
        assert "." not in text

    @given(st.integers(min_value=0, max_value=10**8))
    def test_english_says_the_same_amount(self, seconds: int) -> None:
        en = humanize.duration(seconds, "en")
        parts = re.findall(r"(\d+) (d|h|min|s)\b", en)
        assert sum(int(n) * EN_UNITS[u] for n, u in parts) == _parse_zh(humanize.duration(seconds))


class TestClock:
    @given(st.integers(min_value=-(10**7), max_value=10**7))
    def test_round_trips(self, seconds: int) -> None:
        text = humanize.clock(seconds)
        match = re.fullmatch(r"(-?)(\d+):([0-5]\d):([0-5]\d)", text)
        assert match, text
        sign = -1 if match.group(1) else 1
        h, m, s = (int(g) for g in match.groups()[1:])
        assert sign * (h * 3600 + m * 60 + s) == seconds

    def test_examples(self) -> None:
        assert humanize.clock(5110) == "1:25:10"
        assert humanize.clock(5110, with_seconds=False) == "1:25"
        assert humanize.clock(None) == "—"


class TestPercentAndNumber:
    def test_percent(self) -> None:
        assert humanize.percent(0.953) == "95.3%"
        assert humanize.percent(1.0) == "100%"
        assert humanize.percent(None) == "—"

    def test_number(self) -> None:
        assert humanize.number(3.0) == "3"
        assert humanize.number(2.456) == "2.5"
        assert humanize.number(7) == "7"


class TestLabel:
    @pytest.mark.parametrize(
        ("kind", "value", "zh", "en"),
        [
            ("status", "open", "处理中", "Open"),
            ("priority", "urgent", "紧急", "Urgent"),
            ("channel", "chat", "在线客服", "Chat"),
            ("emotion", "negative", "负面", "Negative"),
            ("job", "sla.scan", "SLA 巡检", "SLA scan"),
        ],
    )
    def test_both_languages(self, kind: str, value: str, zh: str, en: str) -> None:
        assert humanize.label(kind, value) == zh
        assert humanize.label(kind, value, "en") == en

    def test_unknown_value_stays_visible(self) -> None:
        assert humanize.label("status", "exploded") == "exploded"

    def test_every_registered_job_has_a_name(self) -> None:
        import importlib

        from kefu import registry
        from kefu.kit import jobs

        for module in registry.MODULES:
            importlib.import_module(module)
        # The product's jobs: tests in the same worker register their own (test.*).
        names = {n for n in {*jobs.registered(), *jobs._periodic} if not n.startswith("test.")}
        missing = [n for n in sorted(names) if humanize.label("job", n) == n]
        assert not missing, f"add job_<name> to scripts/i18n/labels.py: {missing}"


class TestMoney:
    @pytest.mark.parametrize(
        ("amount", "currency", "text"),
        [
            ("1860.00", "CNY", "¥1,860.00"),
            ("10307", "cny", "¥10,307.00"),
            ("12.5", "USD", "US$12.50"),
            ("-20", "CNY", "-¥20.00"),
            ("1200", "SGD", "1,200.00 SGD"),
        ],
    )
    def test_amounts_read_as_money(self, amount: str, currency: str, text: str) -> None:
        from decimal import Decimal

        assert humanize.money(Decimal(amount), currency) == text

    def test_round_sums(self) -> None:
        assert humanize.money(158873.4, "CNY", 0) == "¥158,873"

    def test_no_amount_is_a_dash(self) -> None:
        assert humanize.money(None) == "—"
