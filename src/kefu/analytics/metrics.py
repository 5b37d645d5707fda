"""Metric definitions without I/O: mergeable histograms, the additive per-slice `Stats`
accumulator that daily rollups store, and the final summary numbers computed from it.

Every number the API, the CSV export and the pages show comes from `summarize(stats)`, so
they cannot disagree. Definitions are in docs/metrics.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kefu.kit import humanize

# Log-spaced buckets: ratio 2**(1/16) (≈4.4 % wide). A percentile read from buckets is the
# bucket's geometric middle, so it is within ≈2.2 % of the true order statistic.
_RATIO_LOG = math.log(2) / 16
# A histogram keeps exact whole-second values while it has at most this many distinct ones.
EXACT_LIMIT = 256

SLA_METRICS = ("first_reply", "next_reply", "resolution")
COMPLAINT = "投诉"
DIMENSIONS = ("channel", "group", "agent", "category", "tier")


def bucket_of(seconds: float) -> int:
    return int(math.log1p(max(0.0, seconds)) / _RATIO_LOG)


def bucket_value(idx: int) -> float:
    """Geometric middle of bucket `idx` (in seconds, on the log1p scale)."""
    return math.expm1((idx + 0.5) * _RATIO_LOG)


@dataclass
class Hist:
    """Counts of whole seconds (exact) or of log buckets (approximate), merge-able."""

    exact: dict[int, int] | None = field(default_factory=dict)
    buckets: dict[int, int] = field(default_factory=dict)

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    def add(self, seconds: float, n: int = 1) -> None:
        if self.exact is not None:
            key = round(max(0.0, seconds))
            self.exact[key] = self.exact.get(key, 0) + n
            if len(self.exact) > EXACT_LIMIT:
                self._to_buckets()
        else:
            # The rounded value, as the exact mode keeps it: a value lands in the same bucket
            # whichever order the parts of a range were merged in (rollups vs one raw pass).
            idx = bucket_of(round(max(0.0, seconds)))
            self.buckets[idx] = self.buckets.get(idx, 0) + n

    def _to_buckets(self) -> None:
        assert self.exact is not None
        for value, n in self.exact.items():
            idx = bucket_of(value)
            self.buckets[idx] = self.buckets.get(idx, 0) + n
        self.exact = None

    def merge(self, other: Hist) -> None:
        if self.exact is not None and other.exact is not None:
            for value, n in other.exact.items():
                self.exact[value] = self.exact.get(value, 0) + n
            if len(self.exact) > EXACT_LIMIT:
                self._to_buckets()
            return
        if self.exact is not None:
            self._to_buckets()
        if other.exact is not None:
            for value, n in other.exact.items():
                idx = bucket_of(value)
                self.buckets[idx] = self.buckets.get(idx, 0) + n
        else:
            for idx, n in other.buckets.items():
                self.buckets[idx] = self.buckets.get(idx, 0) + n

    @property
    def count(self) -> int:
        return sum((self.exact if self.exact is not None else self.buckets).values())

    def _points(self) -> list[tuple[float, int]]:
        if self.exact is not None:
            return sorted((float(v), n) for v, n in self.exact.items() if n > 0)
        return sorted((bucket_value(i), n) for i, n in self.buckets.items() if n > 0)

    def percentile(self, p: float) -> float | None:
        """Linear interpolation between closest ranks (numpy's default), None when empty."""
        points = self._points()
        total = sum(n for _, n in points)
        if total == 0:
            return None
        h = (total - 1) * p
        lo_rank, frac = math.floor(h), h - math.floor(h)
        lo = _value_at(points, lo_rank)
        hi = _value_at(points, min(total - 1, lo_rank + 1))
        return round(lo + (hi - lo) * frac, 1)

    def to_json(self) -> dict[str, dict[str, int]]:
        if self.exact is not None:
            return {"e": {str(k): v for k, v in self.exact.items()}}
        return {"b": {str(k): v for k, v in self.buckets.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Mapping[str, int]]) -> Hist:
        if "e" in data:
            return cls(exact={int(k): int(v) for k, v in data["e"].items()})
        return cls(exact=None, buckets={int(k): int(v) for k, v in data.get("b", {}).items()})


def _value_at(points: list[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, n in points:
        seen += n
        if rank < seen:
            return value
    return points[-1][0]


@dataclass
class Stats:
    """Additive counters, sums and histograms of one slice over some time, plus open
    occupancy spans: "agent|local day" -> [first assigned, last closed (epoch s), capacity].
    Spans merge by min/max, so hours of a day add up to the day; a whole day's rollup
    folds them into the `occ_capacity` sum (`fold_spans`)."""

    c: dict[str, int] = field(default_factory=dict)
    s: dict[str, float] = field(default_factory=dict)
    h: dict[str, Hist] = field(default_factory=dict)
    p: dict[str, list[float]] = field(default_factory=dict)

    def inc(self, name: str, n: int = 1) -> None:
        self.c[name] = self.c.get(name, 0) + n

    def add(self, name: str, value: float) -> None:
        self.s[name] = self.s.get(name, 0.0) + value

    def observe(self, name: str, seconds: float) -> None:
        hist = self.h.get(name)
        if hist is None:
            hist = self.h[name] = Hist()
        hist.add(seconds)

    def span(self, key: str, lo: float, hi: float, capacity: int) -> None:
        mine = self.p.get(key)
        if mine is None:
            self.p[key] = [lo, hi, float(capacity)]
        else:
            mine[0], mine[1], mine[2] = min(mine[0], lo), max(mine[1], hi), float(capacity)

    def span_capacity(self) -> float:
        """Capacity-seconds of the open spans (at least one second each)."""
        return sum(cap * max(1.0, hi - lo) for lo, hi, cap in self.p.values())

    def fold_spans(self) -> Stats:
        if self.p:
            self.add("occ_capacity", self.span_capacity())
            self.p = {}
        return self

    def merge(self, other: Stats) -> None:
        for key, (lo, hi, cap) in other.p.items():
            self.span(key, lo, hi, int(cap))
        for k, v in other.c.items():
            self.c[k] = self.c.get(k, 0) + v
        for k, f in other.s.items():
            self.s[k] = self.s.get(k, 0.0) + f
        for k, hist in other.h.items():
            mine = self.h.get(k)
            if mine is None:
                mine = self.h[k] = Hist()
            mine.merge(hist)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "c": dict(self.c),
            "s": {k: round(v, 3) for k, v in self.s.items()},
            "h": {k: v.to_json() for k, v in self.h.items()},
        }
        if self.p:
            out["p"] = {k: list(v) for k, v in self.p.items()}
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Stats:
        return cls(
            c={k: int(v) for k, v in data.get("c", {}).items()},
            s={k: float(v) for k, v in data.get("s", {}).items()},
            h={k: Hist.from_json(v) for k, v in data.get("h", {}).items()},
            p={k: [float(x) for x in v] for k, v in data.get("p", {}).items()},
        )


def merged(parts: Iterable[Stats]) -> Stats:
    out = Stats()
    for part in parts:
        out.merge(part)
    return out


def is_complaint(category: str | None, tags: Iterable[str] | None) -> bool:
    """A complaint is a ticket in the 投诉 category tree or tagged 投诉 (how the demo marks them)."""
    cat = category or ""
    return cat == COMPLAINT or cat.startswith(COMPLAINT + "/") or COMPLAINT in (tags or ())


def top_category(category: str | None) -> str:
    return (category or "").split("/", 1)[0] or "none"


def nps_class(score: int) -> str:
    return "promoter" if score >= 9 else "detractor" if score <= 6 else "passive"


def _ratio(num: float, den: float, digits: int = 4) -> float | None:
    return round(num / den, digits) if den else None


# The summary's fields in display order: (name, kind). Kinds: seconds, ratio, count, score.
SUMMARY_FIELDS: tuple[tuple[str, str], ...] = (
    ("tickets_created", "count"),
    ("tickets_solved", "count"),
    ("first_reply_seconds_p50", "seconds"),
    ("first_reply_seconds_p90", "seconds"),
    ("first_reply_business_seconds_p50", "seconds"),
    ("first_reply_business_seconds_p90", "seconds"),
    ("next_reply_seconds_p50", "seconds"),
    ("next_reply_seconds_p90", "seconds"),
    ("resolution_seconds_p50", "seconds"),
    ("resolution_seconds_p90", "seconds"),
    ("resolution_business_seconds_p50", "seconds"),
    ("resolution_business_seconds_p90", "seconds"),
    ("handle_time_seconds_avg", "seconds"),
    ("queue_wait_seconds_p50", "seconds"),
    ("queue_wait_seconds_p90", "seconds"),
    ("fcr_rate", "ratio"),
    ("reopen_rate", "ratio"),
    ("transfers", "count"),
    ("sla_compliance", "ratio"),
    ("sla_first_reply_compliance", "ratio"),
    ("sla_next_reply_compliance", "ratio"),
    ("sla_resolution_compliance", "ratio"),
    ("sla_breaches", "count"),
    ("csat", "score"),
    ("csat_responses", "count"),
    ("csat_response_rate", "ratio"),
    ("nps", "score"),
    ("nps_responses", "count"),
    ("nps_response_rate", "ratio"),
    ("conversations", "count"),
    ("bot_conversations", "count"),
    ("bot_containment", "ratio"),
    ("handoff_rate", "ratio"),
    ("repeat_contact_rate", "ratio"),
    ("complaints", "count"),
    ("complaint_rate", "ratio"),
    ("negative_emotion_share", "ratio"),
    ("occupancy", "ratio"),
    ("calls_offered", "count"),
    ("call_service_level_30s", "ratio"),
    ("call_abandon_rate", "ratio"),
    ("call_asa_seconds", "seconds"),
)


CALL_FIELDS = frozenset({"calls_offered", "call_service_level_30s", "call_abandon_rate", "call_asa_seconds"})


def summarize(st: Stats) -> dict[str, Any]:
    """The summary numbers of one merged `Stats` (None where there is nothing to divide)."""
    c, s, h = st.c, st.s, st.h

    def pct(name: str, p: float) -> float | None:
        hist = h.get(name)
        return hist.percentile(p) if hist is not None else None

    met = sum(c.get(f"sla_{m}_met", 0) for m in SLA_METRICS)
    breached = sum(c.get(f"sla_{m}_breached", 0) for m in SLA_METRICS)
    solved = c.get("solved", 0)
    nps_n = c.get("nps_n", 0)
    out: dict[str, Any] = {
        "tickets_created": c.get("created", 0),
        "tickets_solved": solved,
        "first_reply_seconds_p50": pct("frt", 0.5),
        "first_reply_seconds_p90": pct("frt", 0.9),
        "first_reply_business_seconds_p50": pct("frt_bh", 0.5),
        "first_reply_business_seconds_p90": pct("frt_bh", 0.9),
        "next_reply_seconds_p50": pct("nrt", 0.5),
        "next_reply_seconds_p90": pct("nrt", 0.9),
        "resolution_seconds_p50": pct("res", 0.5),
        "resolution_seconds_p90": pct("res", 0.9),
        "resolution_business_seconds_p50": pct("res_bh", 0.5),
        "resolution_business_seconds_p90": pct("res_bh", 0.9),
        "handle_time_seconds_avg": _ratio(s.get("aht_sum", 0.0), c.get("aht_n", 0), 1),
        "queue_wait_seconds_p50": pct("wait", 0.5),
        "queue_wait_seconds_p90": pct("wait", 0.9),
        "fcr_rate": _ratio(c.get("fcr", 0), solved),
        "reopen_rate": _ratio(c.get("reopened", 0), solved),
        "transfers": c.get("transfers", 0),
        "sla_compliance": _ratio(met, met + breached),
        "sla_breaches": breached,
        "csat": _ratio(s.get("csat_sum", 0.0), c.get("csat_n", 0), 1),
        "csat_responses": c.get("csat_n", 0),
        "csat_response_rate": _ratio(c.get("csat_sent_answered", 0), c.get("csat_sent", 0)),
        "nps": _ratio(100 * (c.get("nps_promoters", 0) - c.get("nps_detractors", 0)), nps_n, 1),
        "nps_responses": nps_n,
        "nps_response_rate": _ratio(c.get("nps_sent_answered", 0), c.get("nps_sent", 0)),
        "conversations": c.get("conversations", 0),
        "bot_conversations": c.get("bot", 0),
        "bot_containment": _ratio(c.get("bot_contained", 0), c.get("bot_closed", 0)),
        "handoff_rate": _ratio(c.get("bot_handoff", 0), c.get("bot", 0)),
        "repeat_contact_rate": _ratio(c.get("repeat_contacts", 0), c.get("contacts", 0)),
        "complaints": c.get("complaints", 0),
        "complaint_rate": _ratio(c.get("complaints", 0), c.get("created", 0)),
        "negative_emotion_share": _ratio(c.get("msg_negative", 0), c.get("msg_scored", 0)),
        "occupancy": _ratio(s.get("occ_busy", 0.0), s.get("occ_capacity", 0.0) + st.span_capacity()),
    }
    for m in SLA_METRICS:
        m_met, m_br = c.get(f"sla_{m}_met", 0), c.get(f"sla_{m}_breached", 0)
        out[f"sla_{m}_compliance"] = _ratio(m_met, m_met + m_br)
    # Calls come from the phone line's own records (analytics_service.summary adds them).
    ordered = {name: out[name] if name not in CALL_FIELDS else None for name, _ in SUMMARY_FIELDS}
    ordered["percentiles_exact"] = all(hist.is_exact for hist in h.values())
    return ordered


def format_value(value: Any, kind: str, locale: str = "zh_CN") -> str:
    """The text a page and a people's CSV show for a value (same function for both):
    durations as `2天3小时`, rates as percentages, counts whole."""
    if value is None:
        return ""
    if kind == "ratio":
        return humanize.percent(value)
    if kind == "count":
        return str(int(value))
    if kind == "seconds":
        return humanize.duration(value, locale)
    return humanize.number(float(value))
