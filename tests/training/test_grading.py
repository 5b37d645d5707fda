"""Pure exam rules: all-or-nothing choice grading, short answers pending until marked, the
pass mark, the window and the attempts limit; the case anonymiser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kefu.training import grading
from kefu.training.anonymise import anonymise, mask_name

SINGLE = grading.Question(1, "single", 1, ("a", "b", "c"), frozenset({1}))
MULTI = grading.Question(2, "multiple", 2, ("a", "b", "c"), frozenset({0, 1}))
SHORT = grading.Question(3, "short", 2)


class TestGradeChoice:
    def test_single_choice_needs_exactly_the_right_option(self) -> None:
        assert grading.grade_choice(SINGLE, 1) == 1
        assert grading.grade_choice(SINGLE, [1]) == 1
        assert grading.grade_choice(SINGLE, [1, 2]) == 0
        assert grading.grade_choice(SINGLE, None) == 0
        assert grading.grade_choice(SINGLE, True) == 0

    def test_multiple_choice_is_all_or_nothing(self) -> None:
        assert grading.grade_choice(MULTI, [1, 0]) == 2
        assert grading.grade_choice(MULTI, [0]) == 0
        assert grading.grade_choice(MULTI, [0, 1, 2]) == 0

    @given(st.lists(st.integers(min_value=0, max_value=2), max_size=3))
    def test_a_choice_scores_all_or_nothing(self, picked: list[int]) -> None:
        assert grading.grade_choice(MULTI, picked) in (0.0, 2.0)


class TestGrade:
    def test_short_answers_are_pending_until_marked_and_clamped(self) -> None:
        answers = {"1": [1], "2": [0, 1], "3": "先倾听"}
        first = grading.grade([SINGLE, MULTI, SHORT], answers, {})
        assert first.pending and first.score == 3 and first.max_score == 5
        done = grading.grade([SINGLE, MULTI, SHORT], answers, {"3": 9})
        assert not done.pending and done.score == 5 and done.percent() == 100.0

    def test_pass_mark_is_inclusive(self) -> None:
        assert grading.passes(80.0, 80)
        assert not grading.passes(79.99, 80)


class TestWindowAndAttempts:
    def test_window(self) -> None:
        now = datetime(2026, 12, 1, tzinfo=UTC)
        hour = timedelta(hours=1)
        assert grading.window_problem(now, now + hour, None) == "not_open"
        assert grading.window_problem(now, None, now) == "closed"
        assert grading.window_problem(now, now - hour, now + hour) is None
        assert grading.window_problem(now, None, None) is None

    def test_attempts_left(self) -> None:
        assert grading.attempts_left(2, 1) == 1
        assert grading.attempts_left(2, 3) == 0
        assert grading.attempts_left(0, 99) is None


class TestAnonymise:
    def test_names_phones_and_emails_are_masked(self) -> None:
        text = "周小云您好，已记下您的电话 13800138000 和邮箱 zhou@example.cn"
        out = anonymise(text, ["周小云"])
        assert "周小云" not in out and "周**" in out
        assert "13800138000" not in out and "138****8000" in out
        assert "zhou@example.cn" not in out and "z***@example.cn" in out

    def test_mask_name(self) -> None:
        assert mask_name("Emily Chen") == "E***"
        assert mask_name("") == "客户"
