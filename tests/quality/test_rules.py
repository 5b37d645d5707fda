"""The automatic inspection rules (pure): what passes, what deducts, what does not apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.nlp.emotion import analyze
from kefu.quality.rules import DEFAULT_RULES, RuleSpec, Subject, Turn, inspect, scorecard_total

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
RULES = [RuleSpec(i + 1, r["kind"], r["name"], r["weight"], r["config"]) for i, r in enumerate(DEFAULT_RULES)]


def emotion(text: str) -> tuple[str, float]:
    e = analyze(text)
    return e.label, e.score


def turns(*spec: tuple[str, str, float]) -> list[Turn]:
    return [Turn(sender=s, text=t, at=T0 + timedelta(minutes=m)) for s, t, m in spec]


def finding(result_findings: list[dict[str, object]], kind: str) -> dict[str, object]:
    return next(f for f in result_findings if f["kind"] == kind)


class TestInspect:
    def test_a_good_chat_scores_100(self) -> None:
        subject = Subject(
            turns=turns(
                ("customer", "我的订单一直没有发货，太失望了", 0),
                ("agent", "您好，我马上为您查询订单", 1),
                ("customer", "好的", 1.5),
                ("agent", "已为您加急发货，还有其他可以帮您的吗？", 3),
                ("customer", "解决了，谢谢你，服务很好", 4),
            ),
            waiting_since=T0,
            handed_off=True,
        )
        result = inspect(subject, RULES, emotion)
        assert result.score == 100, result.findings
        assert finding(result.findings, "emotion")["passed"] is True
        assert finding(result.findings, "handoff_context")["applicable"] is False  # nothing recorded

    def test_rude_slow_and_angrier_chat_loses_points(self) -> None:
        subject = Subject(
            turns=turns(
                ("customer", "请问怎么退货", 0),
                ("agent", "这个我不知道", 10),  # no greeting, forbidden words, 10 min > 3
                ("customer", "你们这服务太差了，我要投诉！", 11),
                ("agent", "没办法", 30),
            ),
            waiting_since=T0,
        )
        result = inspect(subject, RULES, emotion)
        failed = {f["kind"] for f in result.findings if f["applicable"] and not f["passed"]}
        assert failed == {"greeting", "closing", "forbidden", "response_gap", "emotion", "resolution"}
        assert result.score == 0 and result.negative_emotion
        assert "不知道" in str(finding(result.findings, "forbidden")["detail"])

    def test_sla_breach_decides_the_gap_rule_for_tickets(self) -> None:
        base = turns(("customer", "发票开错了", 0), ("agent", "您好，已重开", 600))
        ok = inspect(Subject(turns=base, sla_breached=frozenset()), RULES, emotion)
        late = inspect(Subject(turns=base, sla_breached=frozenset({"first_reply"})), RULES, emotion)
        assert finding(ok.findings, "response_gap")["passed"] is True
        assert finding(late.findings, "response_gap")["passed"] is False

    def test_reopened_ticket_is_not_resolved(self) -> None:
        base = turns(("customer", "发票开错了", 0), ("agent", "您好，已重开", 1))
        assert finding(inspect(Subject(turns=base, solved=True), RULES, emotion).findings, "resolution")[
            "passed"
        ]
        reopened = inspect(Subject(turns=base, solved=True, reopened=True), RULES, emotion)
        assert finding(reopened.findings, "resolution")["passed"] is False

    def test_handoff_fields_checked_when_the_bot_recorded_facts(self) -> None:
        rules = [RuleSpec(1, "handoff_context", "转人工信息", 10, {"fields": ["order_no", "phone"]})]
        facts = Turn(sender="system", text="", at=T0, facts={"order_no": "SO-1"})
        subject = Subject(turns=[facts, *turns(("agent", "您好", 1))], handed_off=True)
        result = inspect(subject, rules, emotion)
        assert result.score == 0 and "phone" in str(result.findings[0]["detail"])
        full = Turn(sender="system", text="", at=T0, facts={"order_no": "SO-1", "phone": "138"})
        assert inspect(Subject(turns=[full], handed_off=True), rules, emotion).score == 100

    def test_nothing_applicable_scores_100(self) -> None:
        assert inspect(Subject(turns=[]), RULES, emotion).score == 100


CARD: list[dict[str, object]] = [
    {"id": "a", "label": "态度", "weight": 30},
    {"id": "b", "label": "专业", "weight": 70},
]


class TestScorecardTotal:
    def test_weighted_mean(self) -> None:
        assert scorecard_total(CARD, {"a": 100, "b": 50}) == 65

    @pytest.mark.parametrize(
        "scores", [{"a": 100}, {"a": 101, "b": 0}, {"a": -1, "b": 0}, {"a": True, "b": 1}]
    )
    def test_missing_or_out_of_range_is_refused(self, scores: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            scorecard_total(CARD, scores)

    @given(st.integers(0, 100), st.integers(0, 100))
    def test_total_lies_between_the_criteria(self, a: int, b: int) -> None:
        assert min(a, b) <= scorecard_total(CARD, {"a": a, "b": b}) <= max(a, b)
