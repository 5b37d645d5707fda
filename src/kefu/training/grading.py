"""Exam rules without I/O: grading choice questions, the pass mark, the schedule window and
the attempts limit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SINGLE, MULTIPLE, SHORT = "single", "multiple", "short"


@dataclass(frozen=True)
class Question:
    id: int
    kind: str
    points: int
    options: tuple[str, ...] = ()
    correct: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Result:
    marks: dict[str, float]  # question id (str) → points given; short answers absent until marked
    score: float
    max_score: int
    pending: bool  # short answers wait for a supervisor

    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 2) if self.max_score else 0.0


def chosen(answer: Any) -> frozenset[int]:
    """The option indexes of a choice answer (an int, or a list of ints)."""
    if isinstance(answer, bool):
        return frozenset()
    if isinstance(answer, int):
        return frozenset({answer})
    if isinstance(answer, list | tuple):
        return frozenset(a for a in answer if isinstance(a, int) and not isinstance(a, bool))
    return frozenset()


def grade_choice(q: Question, answer: Any) -> float:
    """All or nothing: a single choice is right with exactly the right option, a multiple
    choice with exactly the set of right options (a missing or an extra one scores 0)."""
    picked = chosen(answer)
    if q.kind == SINGLE and len(picked) != 1:
        return 0.0
    return float(q.points) if picked and picked == q.correct else 0.0


def grade(
    questions: Sequence[Question], answers: Mapping[str, Any], short_marks: Mapping[str, float]
) -> Result:
    """Auto-grade the choice questions; short answers count with the supervisor's marks
    (each clamped to 0..points). Pending while a short answer has no mark."""
    marks: dict[str, float] = {}
    pending = False
    for q in questions:
        key = str(q.id)
        if q.kind == SHORT:
            if key in short_marks:
                marks[key] = min(max(float(short_marks[key]), 0.0), float(q.points))
            else:
                pending = True
        else:
            marks[key] = grade_choice(q, answers.get(key))
    return Result(marks, round(sum(marks.values()), 2), sum(q.points for q in questions), pending)


def passes(percent: float, pass_mark: int) -> bool:
    return percent >= pass_mark


def window_problem(now: datetime, start: datetime | None, end: datetime | None) -> str | None:
    """ "not_open" before the exam's window, "closed" after it, None inside ([start, end))."""
    if start is not None and now < start:
        return "not_open"
    if end is not None and now >= end:
        return "closed"
    return None


def attempts_left(max_attempts: int, used: int) -> int | None:
    """None = no limit."""
    return None if max_attempts <= 0 else max(max_attempts - used, 0)
