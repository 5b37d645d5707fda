"""Erlang C staffing (pure): agents needed for a service-level target in one interval.

Traffic intensity A = volume × AHT / interval length (Erlangs). With N agents the
probability that a contact waits is Erlang C, computed from the Erlang B recursion
B(n) = A·B(n−1) / (n + A·B(n−1)) (stable for thousands of agents, no factorials):
    Pw = N·B / (N − A·(1 − B)),  SL(T) = 1 − Pw·e^(−(N−A)·T/AHT),  ASA = Pw·AHT / (N − A).
raw_agents is the smallest N > A meeting the service level and, if given, occupancy A/N ≤
max_occupancy; agents = ceil(raw / (1 − shrinkage) × (1 + redundancy)), the redundancy margin
(spare capacity, 10–15 % in the seed plans) being 0 unless asked for. Reported service level, occupancy,
waiting probability and ASA are those of raw_agents (the productive agents), as in
pyworkforce's ErlangC, with two deliberate differences: the search starts at floor(A) + 1
(pyworkforce starts at round(A + 1) and so can overstaff a light load by one), and the
shrinkage division is exact (pyworkforce turns 21 / 0.7 = 30.000000000000004 into 31).
Zero demand needs zero agents.

Chats: an agent handling k chats at once is approximated as serving at AHT/k (`concurrency`).
"""

from __future__ import annotations

import math
from typing import Any

from kefu.errors import Unprocessable

MAX_AGENTS = 100_000


def _erlang_b_to(agents: int, intensity: float) -> float:
    """Erlang B by the recursion, started where earlier terms no longer matter: in inverse
    form r(n) = 1 + (n/A)·r(n−1), an error in r(n0) reaches r(N) scaled by ∏(k/A) over
    n0 < k ≤ N ≈ e^(−(A−n0)²/2A) = e^(−50) for n0 = A − 10√A, far below float precision.
    """
    start = max(0, min(agents, int(intensity - 10 * math.sqrt(intensity) - 3)))
    b = 1.0
    for n in range(start + 1, agents + 1):
        b = intensity * b / (n + intensity * b)
    return b


def erlang_b(agents: int, intensity: float) -> float:
    return _erlang_b_to(agents, intensity)


def scheduled_agents(raw_agents: int, shrinkage: float = 0.0, redundancy: float = 0.0) -> int:
    """Agents to schedule: the productive ones grossed up for shrinkage, then the spare
    margin. The tolerance keeps exact divisions exact (14 / 0.7 is 20, not 21)."""
    return math.ceil(raw_agents / (1 - shrinkage) * (1 + redundancy) - 1e-9)


def _c_from_b(agents: int, intensity: float, b: float) -> float:
    return agents * b / (agents - intensity * (1 - b))


def waiting_probability(agents: int, intensity: float) -> float:
    if agents <= intensity:
        return 1.0
    return _c_from_b(agents, intensity, erlang_b(agents, intensity))


def service_level(agents: int, intensity: float, aht_seconds: float, target_seconds: float) -> float:
    if agents <= intensity:
        return 0.0
    pw = waiting_probability(agents, intensity)
    return max(0.0, 1 - pw * math.exp(-(agents - intensity) * target_seconds / aht_seconds))


def _check(
    name: str,
    value: float,
    *,
    low: float,
    high: float | None = None,
    low_open: bool = True,
    high_open: bool = False,
) -> None:
    bad = not math.isfinite(value) or (value <= low if low_open else value < low)
    if high is not None:
        bad = bad or (value >= high if high_open else value > high)
    if bad:
        lo = f"{'>' if low_open else '≥'} {low:g}"
        hi = f" and {'<' if high_open else '≤'} {high:g}" if high is not None else ""
        raise Unprocessable(f"{name} must be {lo}{hi}, got {value:g}", code="invalid_staffing_input")


def _validate(
    volume: float,
    interval_minutes: float,
    aht_seconds: float,
    target_level: float,
    target_seconds: float,
    max_occupancy: float | None,
    shrinkage: float,
    concurrency: float,
    redundancy: float = 0.0,
) -> None:
    _check("volume", volume, low=0, low_open=False)
    _check("interval_minutes", interval_minutes, low=0)
    _check("aht_seconds", aht_seconds, low=0)
    _check("target_level", target_level, low=0, high=1, high_open=True)
    _check("target_seconds", target_seconds, low=0, low_open=False)
    _check("shrinkage", shrinkage, low=0, high=1, low_open=False, high_open=True)
    _check("concurrency", concurrency, low=0)
    _check("redundancy", redundancy, low=0, high=1, low_open=False)
    if max_occupancy is not None:
        _check("max_occupancy", max_occupancy, low=0, high=1)


def staffing(
    volume: float,
    interval_minutes: float,
    aht_seconds: float,
    target_level: float,
    target_seconds: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    concurrency: float = 1.0,
    redundancy: float = 0.0,
) -> dict[str, Any]:
    fast_ok = (
        0 <= volume < math.inf
        and 0 < interval_minutes < math.inf
        and 0 < aht_seconds < math.inf
        and 0 < target_level < 1
        and 0 <= target_seconds < math.inf
        and 0 <= shrinkage < 1
        and 0 < concurrency < math.inf
        and 0 <= redundancy <= 1
        and (max_occupancy is None or 0 < max_occupancy <= 1)
    )
    if not fast_ok:
        _validate(
            volume,
            interval_minutes,
            aht_seconds,
            target_level,
            target_seconds,
            max_occupancy,
            shrinkage,
            concurrency,
            redundancy,
        )
    aht = aht_seconds / concurrency
    intensity = volume * aht / (interval_minutes * 60)
    if intensity == 0:
        return {
            "agents": 0,
            "raw_agents": 0,
            "service_level": 1.0,
            "occupancy": 0.0,
            "waiting_probability": 0.0,
            "asa_seconds": 0.0,
            "intensity_erlangs": 0.0,
        }
    if intensity >= MAX_AGENTS:
        raise Unprocessable(
            f"traffic of {intensity:,.0f} Erlangs needs more than {MAX_AGENTS:,} agents; "
            "check the volume, interval and handle time",
            code="traffic_too_high",
        )
    # Erlang B up to floor(A), carried on while N grows: O(N) for the whole search, and the
    # first terms are skipped where they cannot matter (see _erlang_b_to).
    n = int(intensity)
    b = _erlang_b_to(n, intensity)
    decay = target_seconds / aht
    miss = 1 - target_level  # SL ≥ target ⇔ Pw·e^(−(N−A)·T/AHT) ≤ 1 − target
    step = math.exp(-decay)
    tail = math.exp(-(n + 1 - intensity) * decay)  # updated by a product: no exp per step
    while True:
        n += 1
        b = intensity * b / (n + intensity * b)
        pw = n * b / (n - intensity * (1 - b))
        if pw * tail <= miss:
            break
        tail *= step
        if n > MAX_AGENTS:
            raise Unprocessable(
                "the service level cannot be reached with a sane number of agents", code="traffic_too_high"
            )
    sl = 1 - pw * math.exp(-(n - intensity) * decay)
    if max_occupancy is not None and intensity / n > max_occupancy:
        target_n = math.ceil(intensity / max_occupancy - 1e-12)
        while n < target_n:  # carry the recursion on instead of starting again
            n += 1
            b = intensity * b / (n + intensity * b)
        pw = n * b / (n - intensity * (1 - b))
        sl = 1 - pw * math.exp(-(n - intensity) * decay)
    asa = pw * aht / (n - intensity)
    return {
        "agents": scheduled_agents(n, shrinkage, redundancy),
        "raw_agents": n,
        "service_level": max(0.0, sl),
        "occupancy": intensity / n,
        "waiting_probability": pw,
        "asa_seconds": asa,
        "intensity_erlangs": intensity,
    }
