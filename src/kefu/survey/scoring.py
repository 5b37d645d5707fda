"""Survey scores: valid ranges, the CSAT 0–100 mapping, what counts as low, NPS arithmetic
(pure)."""

from __future__ import annotations

from kefu.errors import Unprocessable

RANGES = {"csat": (1, 5), "nps": (0, 10)}


def check_score(kind: str, score: int) -> None:
    low, high = RANGES[kind]
    if not low <= score <= high:
        raise Unprocessable(
            f"评分须在 {low}–{high} 之间 / score must be between {low} and {high}", code="score_out_of_range"
        )


def score_100(kind: str, score: int) -> int | None:
    """CSAT 1..5 → 0, 25, 50, 75, 100; NPS is reported as the NPS itself, not mapped."""
    return (score - 1) * 25 if kind == "csat" else None


def is_low(kind: str, score: int, *, csat_low: int, nps_low: int) -> bool:
    return score <= (csat_low if kind == "csat" else nps_low)


def nps(scores: list[int]) -> float | None:
    """% promoters (9–10) minus % detractors (0–6), −100..100."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


def csat_percent(scores: list[int]) -> float | None:
    """Share of satisfied answers (4–5 stars), the usual CSAT %."""
    if not scores:
        return None
    return round(100 * sum(1 for s in scores if s >= 4) / len(scores), 1)
