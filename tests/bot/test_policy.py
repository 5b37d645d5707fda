"""The dialogue policy on its own (pure): what the bot says for each kind of prediction,
emotion and state — the rules a service team configures."""

from __future__ import annotations

from kefu.bot.policy import ArticleRef, BotConfig, IntentSpec, Policy, Question, Slot, Turn
from kefu.nlp.nlu import Prediction

INTENTS = [
    IntentSpec(name="refund_time", title="退款到账时间", answer="退款 1–3 个工作日到账，{name}请留意。"),
    IntentSpec(
        name="refund_apply", title="申请退款", answer="在“我的订单”里申请退款。", buttons=("退款到账时间",)
    ),
    IntentSpec(
        name="complaint", title="投诉", answer="正在为您转接投诉专员。", human_only=True, group="投诉处理"
    ),
    IntentSpec(
        name="order_status",
        title="查询订单",
        answer="订单 {order_no}：{status}",
        action="http",
        url="http://erp/orders/{order_no}",
        slots=(Slot("order_no", "请提供订单号", r"XC\d{10}"),),
    ),
]
QUESTIONS = (
    Question("category", "问题类型", "请问是哪类问题？", options=("订单问题=购买/订单", "产品使用=使用")),
    Question("order_no", "订单号", "请提供订单号", pattern=r"XC\d{10}"),
)


def policy(**config: object) -> Policy:
    return Policy(INTENTS, BotConfig(questions=QUESTIONS, **config))  # type: ignore[arg-type]


def predicted(*ranked: tuple[str, float], label: str | None = None) -> Prediction:
    return Prediction(label, ranked[0][1] if ranked else 0.0, tuple(ranked))


def test_confident_answer_fills_placeholders_and_offers_follow_ups() -> None:
    d = policy().step(
        Turn("退款多久到", names={"name": "王芳"}), predicted(("refund_time", 0.93), label="refund_time"), {}
    )
    assert d.replies == ("退款 1–3 个工作日到账，王芳请留意。",) and d.outcome == "answered"
    assert not d.handoff and d.intent == "refund_time"
    d = policy().step(Turn("怎么退款"), predicted(("refund_apply", 0.9), label="refund_apply"), {})
    assert d.buttons == ("退款到账时间",)


def test_close_call_asks_which_with_buttons_and_the_choice_answers() -> None:
    p = policy()
    d = p.step(Turn("退款"), predicted(("refund_time", 0.41), ("refund_apply", 0.38)), {})
    assert d.outcome == "buttons" and d.buttons == ("退款到账时间", "申请退款", "都不是")
    assert d.state == {"await": "choice", "options": ["refund_time", "refund_apply"]}
    # Even a confident top intent is a close call when the runner-up is right behind it.
    d2 = p.step(
        Turn("退款"), predicted(("refund_time", 0.62), ("refund_apply", 0.55), label="refund_time"), {}
    )
    assert d2.outcome == "buttons"
    chosen = p.step(Turn("申请退款"), None, d.state)
    assert chosen.replies == ("在“我的订单”里申请退款。",) and chosen.state == {}
    none = p.step(Turn("都不是"), None, d.state)
    assert none.missed and none.outcome == "missed"


def test_misses_offer_a_human_then_hand_off() -> None:
    p = policy(offer_human_after=2, max_misses=3)
    first = p.step(Turn("blah", misses=0), predicted(("refund_time", 0.05)), {})
    assert first.missed and first.buttons == () and first.search == "blah"
    second = p.step(Turn("blah", misses=1), predicted(("refund_time", 0.05)), {})
    assert second.buttons == ("转人工",)
    third = p.step(Turn("blah", misses=2), predicted(("refund_time", 0.05)), {})
    assert third.missed and not third.handoff and third.state["await"] == "question"  # asks first
    assert third.replies == ("请问是哪类问题？",) and third.buttons == ("订单问题", "产品使用", "跳过")


def test_anger_hands_off_after_the_questions_with_the_facts_for_the_agent() -> None:
    p = policy(anger_handoff=0.5)
    angry = Turn("你们太垃圾了！！！订单 XC1234567890 到现在没发货", anger=0.8, emotion="negative")
    d = p.step(angry, predicted(("refund_apply", 0.9), label="refund_apply"), {})
    # The order number was in the message: only the category is asked.
    assert d.state["facts"] == {"emotion": "negative", "order_no": "XC1234567890"}
    assert d.replies == ("请问是哪类问题？",) and not d.handoff
    done = p.step(Turn("订单问题"), None, d.state)
    assert done.handoff and done.reason == "negative_emotion" and done.state == {}
    assert done.facts == {"emotion": "negative", "order_no": "XC1234567890", "category": "购买/订单"}
    assert (
        "客户情绪：不满" in done.note
        and "订单号：XC1234567890" in done.note
        and "问题类型：购买/订单" in done.note
    )


def test_explicit_request_hands_off_at_once_and_skip_or_asking_again_stop_the_questions() -> None:
    p = policy()
    asked = p.step(Turn("转人工", history="订单 XC1234567890 还没到"), None, {})
    assert asked.handoff and asked.reason == "customer_asked"  # no questions: the customer asked
    assert asked.facts == {"order_no": "XC1234567890"}  # but what they already said is kept
    d = p.step(Turn("blah", misses=2), None, {})
    assert d.state["reason"] == "bot_missed" and not d.handoff
    d = p.step(Turn("跳过"), None, d.state)
    assert d.replies == ("请提供订单号",) and d.buttons == ("跳过",)
    d = p.step(Turn("快点给我转人工"), None, d.state)
    assert d.handoff and d.facts == {}


def test_human_only_intent_and_vip_tier_go_to_people() -> None:
    p = Policy(INTENTS, BotConfig(handoff_tiers=("high",)))  # no questions configured
    d = p.step(Turn("我要投诉你们"), predicted(("complaint", 0.95), label="complaint"), {})
    assert d.handoff and d.group == "投诉处理" and d.replies[0] == "正在为您转接投诉专员。"
    vip = p.step(Turn("退款多久到", tier="high"), predicted(("refund_time", 0.95), label="refund_time"), {})
    assert vip.handoff and vip.reason == "tier"


def test_outside_business_hours_the_hand_off_is_a_message_left() -> None:
    p = Policy(INTENTS, BotConfig())
    d = p.step(Turn("转人工", open_now=False), None, {})
    assert d.handoff and "非工作时间" in d.replies[0]


def test_http_action_collects_the_slot_then_renders_or_fails_over() -> None:
    p = policy()
    ask = p.step(Turn("查一下我的订单"), predicted(("order_status", 0.9), label="order_status"), {})
    assert ask.replies == ("请提供订单号",) and ask.state["await"] == "slot"
    wrong = p.step(Turn("不记得了"), None, ask.state)
    assert wrong.replies[0].startswith("格式好像不对") and wrong.state["tries"] == 1
    call = p.step(Turn("XC1234567890"), None, wrong.state)
    assert call.call is not None and call.call.values == {"order_no": "XC1234567890"}
    ok = p.after_call(call, Turn("XC1234567890"), {"status": "已发货"})
    assert ok.replies == ("订单 XC1234567890：已发货",) and ok.state == {}
    failed = p.after_call(call, Turn("XC1234567890"), None)
    assert failed.replies[0] == "抱歉，暂时查询不到相关信息。" and failed.state["await"] == "question"
    # Given in the first message, the slot is not asked at all.
    direct = p.step(Turn("查订单 XC0987654321"), predicted(("order_status", 0.9), label="order_status"), {})
    assert direct.call is not None and direct.call.values == {"order_no": "XC0987654321"}
    # Twice wrong: a human takes over.
    twice = p.step(Turn("不知道"), None, wrong.state)
    assert twice.state.get("reason") == "slot_failed"


def test_unknown_state_and_bad_patterns_do_not_crash() -> None:
    p = Policy(
        [*INTENTS, IntentSpec(name="bad", title="坏", slots=(Slot("x", "?", "(["),), action="http")],
        BotConfig(),
    )
    assert p.step(Turn(""), None, {"await": "slot", "intent": "gone"}).missed
    assert p.step(Turn("XC1"), None, {"await": "choice", "options": ["nope"]}).missed
    d = p.step(Turn("x"), predicted(("bad", 0.99), label="bad"), {})
    assert d.state["await"] == "slot"  # an invalid regular expression never matches


def test_ticket_action_records_without_a_hand_off() -> None:
    p = Policy(
        [IntentSpec(name="invoice", title="开发票", answer="好的，发票申请已记录。", action="ticket")],
        BotConfig(),
    )
    d = p.step(Turn("帮我开张发票"), predicted(("invoice", 0.9), label="invoice"), {})
    assert d.ticket and not d.handoff and d.replies == ("好的，发票申请已记录。",)
    assert d.facts == {"intent": "开发票"}


def test_an_off_topic_question_is_declined_with_a_person_at_once() -> None:
    p = policy(offer_human_after=2, max_misses=3)
    off = Prediction(None, 0.7, (("refund_time", 0.7), ("refund_apply", 0.6)), off_topic=True)
    d = p.step(Turn("明天天气怎么样", misses=0), off, {})
    # no "did you mean" buttons for unrelated intents, a decline and the offer of a person
    assert d.missed and d.outcome == "missed" and d.buttons == ("转人工",)
    assert d.replies[0].startswith("抱歉，这个问题不在我能解答的范围内") and d.search == "明天天气怎么样"
    found = p.with_articles(d, [ArticleRef(7, "天气与配送")], Turn("明天天气怎么样"))
    assert found.outcome == "kb" and found.buttons == ("转人工",) and found.articles[0].id == 7
    assert "帮助中心" in found.replies[0]
