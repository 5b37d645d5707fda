"""A customer message's emotion: analysed off the loop once per text, then remembered (a
quick-reply button or "在吗" sent again gets the same reading without a worker thread)."""

from __future__ import annotations

import pytest

from kefu.conversation import intake
from kefu.nlp.emotion import analyze


@pytest.fixture(autouse=True)
def fresh_memo() -> None:
    intake._felt.clear()


async def test_a_repeated_text_reads_the_same_as_a_new_one() -> None:
    for text in ["垃圾客服，气死我了！！", "谢谢，很满意", "发货要多久"]:
        first = await intake.feeling_of(text)
        assert first == analyze(text)
        assert intake._remembered(text) == first
        assert await intake.feeling_of(text) == first


async def test_long_texts_are_not_kept_and_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    long = "物流太慢了" * 100
    assert await intake.feeling_of(long) == analyze(long)
    assert intake._remembered(long) is None
    monkeypatch.setattr(intake, "FELT_MAX", 3)
    for i in range(5):
        await intake.feeling_of(f"问题{i}")
    assert list(intake._felt) == ["问题2", "问题3", "问题4"]  # oldest out first
