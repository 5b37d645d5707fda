"""The pure rules: the status machine, the verification checks and the KPI arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.improvement import lifecycle
from kefu.improvement import verification as ver
from kefu.improvement.patterns import Breach, patterns
from kefu.improvement.verification import Check, Week


class TestStatusMachine:
    @pytest.mark.parametrize(
        ("current", "target"),
        [
            ("open", "in_progress"),
            ("in_progress", "fixed"),
            ("fixed", "verified"),
            ("fixed", "in_progress"),
            ("open", "closed"),
            ("in_progress", "open"),
        ],
    )
    def test_the_loop_moves(self, current: str, target: str) -> None:
        assert lifecycle.problem("painpoint", current, target) is None

    @pytest.mark.parametrize(
        ("current", "target"),
        [
            ("open", "verified"),
            ("in_progress", "verified"),
            ("verified", "open"),
            ("closed", "open"),
            ("rejected", "in_progress"),
            ("fixed", "closed"),
            ("open", "open"),
        ],
    )
    def test_illegal_moves_have_a_reason(self, current: str, target: str) -> None:
        assert lifecycle.problem("painpoint", current, target) is not None

    def test_only_suggestions_are_rejected(self) -> None:
        assert lifecycle.problem("suggestion", "open", "rejected") is None
        assert lifecycle.problem("qa", "open", "rejected") is not None
        assert lifecycle.allowed("suggestion", "open") == ["in_progress", "fixed", "rejected", "closed"]
        assert lifecycle.allowed("sla", "open") == ["in_progress", "fixed", "closed"]

    def test_owner_moves(self) -> None:
        assert lifecycle.owner_may("open", "in_progress") and lifecycle.owner_may("in_progress", "fixed")
        assert not lifecycle.owner_may("fixed", "verified") and not lifecycle.owner_may("open", "closed")


class TestVolumeCheck:
    def test_not_yet_n_weeks_is_pending_then_passes(self) -> None:
        fixed = datetime(2026, 3, 2, 10, tzinfo=UTC)
        assert ver.windows(fixed, fixed + timedelta(days=6), 2) == []
        one = ver.windows(fixed, fixed + timedelta(days=8), 2)
        assert len(one) == 1
        assert ver.volume_check([Week(1, 0)], 2, 4.0, None, 50) == Check.PENDING
        assert len(ver.windows(fixed, fixed + timedelta(days=30), 2)) == 2  # only the first N weeks
        assert ver.volume_check([Week(1, 0), Week(2, 0)], 2, 4.0, None, 50) == Check.PASS

    def test_a_week_over_the_threshold_fails_unless_complaints_fell(self) -> None:
        assert ver.volume_check([Week(3, 3)], 2, 4.0, None, 50) == Check.FAIL
        # Volume 3 > 50 % of 4, but the complaint rate 1/3 ≤ 50 % of the baseline's 0.8.
        assert ver.volume_check([Week(3, 1), Week(0, 0)], 2, 4.0, 0.8, 50) == Check.PASS
        assert ver.volume_check([Week(3, 3)], 2, 4.0, 0.8, 50) == Check.FAIL

    def test_no_topic_is_not_applicable(self) -> None:
        assert ver.volume_check([], 2, None, None, 50) == Check.NONE

    def test_baseline(self) -> None:
        assert ver.baseline([Week(2, 1), Week(2, 1), Week(4, 0), Week(0, 0)]) == (2.0, 0.25)
        assert ver.baseline([Week(0, 0)] * 4) == (0.0, None)


class TestSurveyAndVerdict:
    def test_survey(self) -> None:
        assert ver.survey_check([], 0, 4) == Check.NONE
        assert ver.survey_check([], 3, 4) == Check.PENDING
        assert ver.survey_check([5, 3], 3, 4) == Check.PASS  # average 4.0
        assert ver.survey_check([4, 3], 3, 4) == Check.FAIL

    @pytest.mark.parametrize(
        ("volume", "survey", "ok"),
        [
            (Check.PASS, Check.PENDING, True),
            (Check.PASS, Check.NONE, True),
            (Check.PASS, Check.PASS, True),
            (Check.PASS, Check.FAIL, False),
            (Check.PENDING, Check.PASS, False),
            (Check.FAIL, Check.PASS, False),
            (Check.NONE, Check.PASS, True),
            (Check.NONE, Check.PENDING, False),
            (Check.NONE, Check.NONE, False),
        ],
    )
    def test_verified_when_both_hold_or_survey_alone_without_topic(
        self, volume: Check, survey: Check, ok: bool
    ) -> None:
        assert ver.verified(volume, survey) is ok

    def test_solve_rate(self) -> None:
        assert ver.solve_rate(0, 0) is None
        assert ver.solve_rate(20, 19) == 0.95
        assert ver.solve_rate(3, 1) == 0.3333


class TestSlaPatterns:
    def test_grouped_by_metric_and_category_or_group(self) -> None:
        rows = patterns(
            [
                Breach(1, "first_reply", "退款", "售后"),
                Breach(2, "first_reply", "退款", "售后"),
                Breach(2, "first_reply", "退款", "售后"),
                Breach(3, "resolution", "", "投诉组"),
                Breach(4, "first_reply", "", ""),
            ]
        )
        assert [(p.key, p.count) for p in rows] == [
            ("first_reply|category:退款", 2),
            ("first_reply|none:", 1),
            ("resolution|group:投诉组", 1),
        ]
