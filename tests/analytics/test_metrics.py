"""Metric arithmetic: percentiles equal numpy's while exact, stay within the documented error
once bucketed, and merging per-day histograms equals one histogram of all values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.analytics.metrics import EXACT_LIMIT, Hist, Stats, is_complaint, summarize

values = st.lists(st.integers(min_value=0, max_value=10 * 86400), min_size=1, max_size=400)


class TestHist:
    @given(values)
    @settings(max_examples=60, deadline=None)
    def test_exact_then_bucketed(self, xs: list[int]) -> None:
        h = Hist()
        for x in xs:
            h.add(x)
        for p in (0.5, 0.9):
            got = h.percentile(p)
            assert got is not None
            want = float(np.percentile(xs, p * 100))
            if h.is_exact:
                assert abs(got - want) <= 0.05
            else:  # log buckets: within ~2.2 % of the neighbouring order statistics
                lo, hi = (
                    np.percentile(xs, p * 100, method="lower"),
                    np.percentile(xs, p * 100, method="higher"),
                )
                assert lo / 1.03 - 1 <= got <= hi * 1.03 + 1

    @given(st.lists(values, min_size=1, max_size=5))
    @settings(max_examples=40, deadline=None)
    def test_merging_days_equals_one_histogram(self, days: list[list[int]]) -> None:
        whole, merged = Hist(), Hist()
        for day in days:
            part = Hist()
            for x in day:
                part.add(x)
                whole.add(x)
            merged.merge(Hist.from_json(part.to_json()))
        if whole.is_exact and merged.is_exact:
            assert merged.percentile(0.5) == whole.percentile(0.5)
        assert merged.count == whole.count

    def test_exact_limit(self) -> None:
        h = Hist()
        for x in range(EXACT_LIMIT + 1):
            h.add(x)
        assert not h.is_exact


class TestSummary:
    def test_empty_is_none_not_zero(self) -> None:
        data = summarize(Stats())
        assert data["tickets_created"] == 0 and data["fcr_rate"] is None and data["csat"] is None

    def test_nps_range(self) -> None:
        st_ = Stats(c={"nps_n": 4, "nps_promoters": 4})
        assert summarize(st_)["nps"] == 100.0
        assert summarize(Stats(c={"nps_n": 2, "nps_detractors": 2}))["nps"] == -100.0

    def test_complaints(self) -> None:
        assert is_complaint("投诉", []) and is_complaint("投诉/物流", None) and is_complaint("咨询", ["投诉"])
        assert not is_complaint("投诉建议", []) and not is_complaint("", [])
