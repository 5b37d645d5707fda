"""Automatic quality inspection (pure): each configured rule looks at one transcript and says
passed / failed / not applicable; the score is the passed share of the applicable weight."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EmotionFn = Callable[[str], tuple[str, float]]  # text -> (label, P(negative))

# Defaults for a freshly installed kefu (the admin edits them on /admin/quality).
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "kind": "greeting",
        "name": "开场问候",
        "weight": 10,
        "config": {"phrases": ["您好", "你好", "hello", "good morning"]},
    },
    {
        "kind": "closing",
        "name": "结束语",
        "weight": 10,
        "config": {"phrases": ["还有其他", "感谢", "谢谢", "再见", "祝您", "thank", "anything else"]},
    },
    {
        "kind": "forbidden",
        "name": "禁用语",
        "weight": 20,
        "config": {"words": ["不知道", "没办法", "不归我管", "你自己看", "随便你", "爱买不买"]},
    },
    {
        "kind": "response_gap",
        "name": "响应时效",
        "weight": 20,
        "config": {"first_reply_minutes": 3, "next_reply_minutes": 3},
    },
    {"kind": "emotion", "name": "客户情绪走向", "weight": 15, "config": {"tolerance": 0.05}},
    {
        "kind": "resolution",
        "name": "问题解决确认",
        "weight": 15,
        "config": {
            "confirm_phrases": [
                "解决了",
                "可以了",
                "好的谢谢",
                "明白了",
                "没问题了",
                "thanks",
                "solved",
                "that works",
            ]
        },
    },
    {"kind": "handoff_context", "name": "转人工信息完整", "weight": 10, "config": {"fields": []}},
]

DEFAULT_SCORECARD: list[dict[str, Any]] = [
    {"id": "attitude", "label": "服务态度", "weight": 30},
    {"id": "accuracy", "label": "专业准确", "weight": 40},
    {"id": "process", "label": "流程规范", "weight": 30},
]


@dataclass(frozen=True)
class Turn:
    sender: str  # customer | agent | bot | system
    text: str
    at: datetime
    facts: dict[str, Any] = field(default_factory=dict)  # what the bot collected (hand-off note)


@dataclass(frozen=True)
class Subject:
    """What is inspected: a chat's public messages or a ticket's public comments."""

    turns: Sequence[Turn]
    # When the customer started waiting for a human (hand-off / ticket created).
    waiting_since: datetime | None = None
    # Targets (minutes) from the ticket's SLA policy, when it has one.
    first_reply_target: int | None = None
    next_reply_target: int | None = None
    # SLA metrics the ticket breached (business-hours-aware, from the SLA domain); None: no SLA.
    sla_breached: frozenset[str] | None = None
    solved: bool = False
    reopened: bool = False
    handed_off: bool = False


@dataclass(frozen=True)
class RuleSpec:
    id: int
    kind: str
    name: str
    weight: int
    config: dict[str, Any]


@dataclass
class Result:
    score: int
    findings: list[dict[str, Any]]
    negative_emotion: bool


def _contains(text: str, phrases: Sequence[str]) -> str | None:
    low = text.lower()
    return next((p for p in phrases if p and p.lower() in low), None)


def _agent_turns(subject: Subject) -> list[Turn]:
    return [t for t in subject.turns if t.sender == "agent"]


def _greeting(subject: Subject, cfg: dict[str, Any], _e: EmotionFn) -> tuple[bool | None, str]:
    agents = _agent_turns(subject)
    if not agents:
        return None, "no agent message"
    hit = _contains(agents[0].text, cfg.get("phrases", []))
    return hit is not None, f"first agent message: {agents[0].text[:60]}"


def _closing(subject: Subject, cfg: dict[str, Any], _e: EmotionFn) -> tuple[bool | None, str]:
    agents = _agent_turns(subject)
    if not agents:
        return None, "no agent message"
    phrases = cfg.get("phrases", [])
    hit = any(_contains(t.text, phrases) for t in agents[-2:])  # the sign-off may come second to last
    return hit, f"last agent message: {agents[-1].text[:60]}"


def _forbidden(subject: Subject, cfg: dict[str, Any], _e: EmotionFn) -> tuple[bool | None, str]:
    agents = _agent_turns(subject)
    if not agents:
        return None, "no agent message"
    words = [w for w in cfg.get("words", []) if w]
    hits = sorted({w for t in agents for w in words if w.lower() in t.text.lower()})
    return not hits, ("used: " + ", ".join(hits)) if hits else "none used"


def _gaps(subject: Subject) -> tuple[float | None, list[float]]:
    """(first reply minutes, next reply gaps in minutes), calendar time."""
    first: float | None = None
    nexts: list[float] = []
    waiting: datetime | None = subject.waiting_since
    agent_spoke = False
    for t in subject.turns:
        if t.sender == "customer":
            if waiting is None:
                waiting = t.at
        elif t.sender == "agent":
            if waiting is not None:
                minutes = max(0.0, (t.at - waiting).total_seconds() / 60)
                if agent_spoke:
                    nexts.append(minutes)
                else:
                    first = minutes
            agent_spoke = True
            waiting = None
    return first, nexts


def _response_gap(subject: Subject, cfg: dict[str, Any], _e: EmotionFn) -> tuple[bool | None, str]:
    if not _agent_turns(subject):
        return None, "no agent message"
    if subject.sla_breached is not None:
        breached = sorted(subject.sla_breached & {"first_reply", "next_reply"})
        return not breached, ("SLA breached: " + ", ".join(breached)) if breached else "within SLA"
    first_target = subject.first_reply_target or int(cfg.get("first_reply_minutes", 3))
    next_target = subject.next_reply_target or int(cfg.get("next_reply_minutes", 3))
    first, nexts = _gaps(subject)
    late = []
    if first is not None and first > first_target:
        late.append(f"first reply {first:.1f} min > {first_target}")
    worst = max(nexts, default=0.0)
    if worst > next_target:
        late.append(f"reply gap {worst:.1f} min > {next_target}")
    return not late, "; ".join(late) or f"first reply {first or 0:.1f} min, longest gap {worst:.1f} min"


def _emotion(subject: Subject, cfg: dict[str, Any], emotion: EmotionFn) -> tuple[bool | None, str]:
    said = [t for t in subject.turns if t.sender == "customer" and t.text.strip()]
    if len(said) < 2:
        return None, "fewer than two customer messages"
    _l1, first = emotion(said[0].text)
    last_label, last = emotion(said[-1].text)
    tolerance = float(cfg.get("tolerance", 0.05))
    trend = "better" if last < first - tolerance else "worse" if last > first + tolerance else "same"
    return trend != "worse", f"{trend}: P(negative) {first:.2f} → {last:.2f} ({last_label})"


def _resolution(subject: Subject, cfg: dict[str, Any], _e: EmotionFn) -> tuple[bool | None, str]:
    if subject.reopened:
        return False, "reopened"
    if subject.solved:
        return True, "solved, not reopened"
    if not _agent_turns(subject):
        return None, "no agent message"
    said = [t for t in subject.turns if t.sender == "customer"][-2:]
    hit = next((p for t in said if (p := _contains(t.text, cfg.get("confirm_phrases", [])))), None)
    return (True, f"customer confirmed: {hit}") if hit else (False, "not confirmed")


def _handoff_context(subject: Subject, cfg: dict[str, Any], _e: EmotionFn) -> tuple[bool | None, str]:
    fields = [f for f in cfg.get("fields", []) if f]
    facts: dict[str, Any] = {}
    for t in subject.turns:
        facts.update(t.facts)
    if not subject.handed_off or not fields or not facts:
        return None, "no hand-off context recorded"
    missing = [f for f in fields if not str(facts.get(f, "")).strip()]
    return not missing, ("missing: " + ", ".join(missing)) if missing else "complete"


CHECKS: dict[str, Callable[[Subject, dict[str, Any], EmotionFn], tuple[bool | None, str]]] = {
    "greeting": _greeting,
    "closing": _closing,
    "forbidden": _forbidden,
    "response_gap": _response_gap,
    "emotion": _emotion,
    "resolution": _resolution,
    "handoff_context": _handoff_context,
}


def inspect(subject: Subject, rules: Sequence[RuleSpec], emotion: EmotionFn) -> Result:
    findings: list[dict[str, Any]] = []
    applicable = passed = 0
    for rule in rules:
        check = CHECKS.get(rule.kind)
        if check is None:
            continue
        ok, detail = check(subject, rule.config, emotion)
        findings.append(
            {
                "rule_id": rule.id,
                "kind": rule.kind,
                "name": rule.name,
                "weight": rule.weight,
                "applicable": ok is not None,
                "passed": bool(ok),
                "detail": detail,
            }
        )
        if ok is not None:
            applicable += rule.weight
            passed += rule.weight if ok else 0
    score = round(100 * passed / applicable) if applicable else 100
    said = [t for t in subject.turns if t.sender == "customer" and t.text.strip()]
    negative = bool(said) and emotion(said[-1].text)[0] == "negative"
    worse = any(f["kind"] == "emotion" and f["applicable"] and not f["passed"] for f in findings)
    return Result(score=score, findings=findings, negative_emotion=negative or worse)


def scorecard_total(criteria: Sequence[dict[str, Any]], scores: dict[str, Any]) -> int:
    """Weighted mean (0–100) of a supervisor's per-criterion scores; every criterion needed."""
    total_weight = sum(int(c["weight"]) for c in criteria)
    if total_weight <= 0:
        raise ValueError("scorecard has no weight")
    acc = 0.0
    for c in criteria:
        value = scores.get(c["id"])
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise ValueError(f"{c['label']}: score 0–100 required")
        acc += int(c["weight"]) * value
    return round(acc / total_weight)
