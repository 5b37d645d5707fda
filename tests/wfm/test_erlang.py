"""Erlang C staffing: published examples, properties, bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.errors import Unprocessable
from kefu.wfm.erlang import service_level, staffing, waiting_probability


class TestPublishedExamples:
    def test_call_centre_helper_example(self) -> None:
        # 100 calls in 30 min, AHT 180 s, 80 % in 20 s: A = 10 Erlangs; 13 agents give 79.6 %,
        # 14 give 88.8 % with a 17.4 % chance of waiting (callcentrehelper.com's worked example).
        r = staffing(100, 30, 180, 0.8, 20)
        assert r["raw_agents"] == 14
        assert r["service_level"] == pytest.approx(0.8884, abs=1e-4)
        assert r["waiting_probability"] == pytest.approx(0.1741, abs=1e-4)
        assert r["occupancy"] == pytest.approx(10 / 14)
        assert r["asa_seconds"] == pytest.approx(0.17413 * 180 / 4, rel=1e-3)
        assert service_level(13, 10, 180, 20) == pytest.approx(0.7956, abs=1e-4)

    def test_shrinkage_and_max_occupancy(self) -> None:
        r = staffing(100, 30, 180, 0.8, 20, max_occupancy=0.65, shrinkage=0.3)
        assert r["raw_agents"] == math.ceil(10 / 0.65)  # occupancy binds: 16
        assert r["occupancy"] <= 0.65
        assert r["agents"] == math.ceil(16 / 0.7)

    def test_exact_shrinkage_division_is_not_rounded_up_by_float_noise(self) -> None:
        r = staffing(100, 30, 180, 0.8, 20, shrinkage=0.3)
        assert r["raw_agents"] == 14 and r["agents"] == 20  # 14 / 0.7 = 20 exactly

    def test_chat_concurrency_divides_handle_time(self) -> None:
        single = staffing(300, 30, 360, 0.8, 60)
        triple = staffing(300, 30, 360, 0.8, 60, concurrency=3)
        assert triple["intensity_erlangs"] == pytest.approx(single["intensity_erlangs"] / 3)
        assert triple["raw_agents"] < single["raw_agents"]

    def test_zero_demand_needs_no_agents(self) -> None:
        assert staffing(0, 30, 180, 0.8, 20)["agents"] == 0

    def test_large_traffic_stays_correct(self) -> None:
        r = staffing(40_000, 30, 180, 0.9, 20)  # A = 4,000 Erlangs
        n = r["raw_agents"]
        assert service_level(n, 4000, 180, 20) >= 0.9 > service_level(n - 1, 4000, 180, 20)


class TestProperties:
    @settings(max_examples=200, deadline=None)
    @given(
        volume=st.floats(1, 2000),
        aht=st.floats(10, 1200),
        interval=st.sampled_from([15, 30, 60]),
        level=st.floats(0.5, 0.99),
        target=st.floats(1, 120),
    )
    def test_result_is_the_smallest_n_meeting_the_target(
        self, volume: float, aht: float, interval: int, level: float, target: float
    ) -> None:
        r = staffing(volume, interval, aht, level, target)
        a, n = r["intensity_erlangs"], r["raw_agents"]
        assert n > a
        assert r["service_level"] >= level
        if n - 1 > a:
            assert service_level(n - 1, a, aht, target) < level

    @settings(max_examples=100, deadline=None)
    @given(a=st.floats(0.5, 300), extra=st.integers(1, 40))
    def test_service_level_rises_and_waiting_falls_with_more_agents(self, a: float, extra: int) -> None:
        n = math.floor(a) + extra
        assert service_level(n + 1, a, 180, 20) >= service_level(n, a, 180, 20)
        assert waiting_probability(n + 1, a) <= waiting_probability(n, a)

    @settings(max_examples=100, deadline=None)
    @given(volume=st.floats(1, 1000), occ=st.floats(0.5, 1.0))
    def test_occupancy_cap_is_respected(self, volume: float, occ: float) -> None:
        assert staffing(volume, 30, 240, 0.8, 20, max_occupancy=occ)["occupancy"] <= occ + 1e-12


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"volume": -1}, "volume"),
            ({"interval_minutes": 0}, "interval_minutes"),
            ({"aht_seconds": -5}, "aht_seconds"),
            ({"target_level": 1.0}, "target_level"),
            ({"target_level": 0}, "target_level"),
            ({"target_seconds": -1}, "target_seconds"),
            ({"shrinkage": 1.0}, "shrinkage"),
            ({"max_occupancy": 0}, "max_occupancy"),
            ({"max_occupancy": 1.5}, "max_occupancy"),
            ({"volume": float("nan")}, "volume"),
        ],
    )
    def test_clear_errors(self, kwargs: dict[str, float], field: str) -> None:
        args = {
            "volume": 100,
            "interval_minutes": 30,
            "aht_seconds": 180,
            "target_level": 0.8,
            "target_seconds": 20,
        }
        args.update(kwargs)
        with pytest.raises(Unprocessable, match=field):
            staffing(**args)  # type: ignore[arg-type]

    def test_absurd_traffic_is_refused_quickly(self) -> None:
        with pytest.raises(Unprocessable, match="Erlangs"):
            staffing(10**9, 1, 3600, 0.8, 20)
