"""Shared wiring for tests that drive `conversation.intake` in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kefu.conversation import bot_slot
from kefu.kit.realtime import InProcessBus, set_bus


@pytest.fixture
def chat_wiring() -> Iterator[InProcessBus]:
    """An in-process bus for the frames; the rule bot back in the slot afterwards (a test
    that installs another bot must not leave it to the next)."""
    bus = InProcessBus()
    set_bus(bus)
    yield bus
    bot_slot.set_bot(bot_slot.RuleBot())
    set_bus(None)
