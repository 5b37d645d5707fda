"""The Chinese catalog: every UI id has one Chinese text across the domain tables (two
domains translating "To" as 发送到 and 结束 once put 结束 over the outbox's recipient column),
and the committed catalog says what the tables say (nobody forgot `make i18n`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _tables() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_zh_script", ROOT / "scripts" / "i18n_zh.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # merges scripts/i18n/*.py; a clash exits with the list
    except SystemExit as exc:
        raise AssertionError(str(exc)) from None
    return module


def test_one_chinese_text_per_id_and_the_catalog_is_current() -> None:
    zh: dict[str, str] = _tables().ZH
    with (ROOT / "src/kefu/locale/zh_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    stale = {
        m.id: (m.string, zh[m.id])
        for m in catalog
        if isinstance(m.id, str) and m.id in zh and m.string != zh[m.id]
    }
    assert not stale, f"run `make i18n`: {stale}"
    for mid, text in {
        "Recipient": "发送到",
        "Sender": "发件人",
        "exam points": "分",
        "points": "积分",
    }.items():
        assert catalog[mid].string == text
