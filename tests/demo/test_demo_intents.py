"""The demo bot's intents are data (`demo/data/intents.json`, shipped as package data): the
file loads into the same 43 intents, and the demo loader's bot trains on them and finds each
intent from its own phrasing."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import httpx

from kefu.demo import bot as bot_demo
from kefu.demo import kb as kb_demo
from kefu.demo.intents import INTENTS, load_intents
from kefu.demo.kb_articles import ARTICLES
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, staff_token

ROOT = Path(__file__).resolve().parents[2]


def test_the_data_file_holds_the_demo_intents() -> None:
    assert load_intents() == INTENTS
    assert len(INTENTS) == 43
    names, titles = [i.name for i in INTENTS], [i.title for i in INTENTS]
    assert len(set(names)) == len(names) and len(set(titles)) == len(titles)
    articles = {a[1] for a in ARTICLES}
    for intent in INTENTS:
        assert len(intent.examples) >= 12 and intent.examples_en, intent.name
        assert set(intent.buttons) <= {*titles, "转人工"}, intent.name
        assert set(intent.articles) <= articles, intent.name
        assert (intent.action == "http") == bool(intent.slots), intent.name
    assert [i.name for i in INTENTS if i.action == "http"] == ["order_status"]


def test_the_wheel_carries_the_data() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["kefu"]
    data = ROOT / "src" / "kefu" / "demo" / "data"
    for path in data.iterdir():
        relative = path.relative_to(ROOT / "src" / "kefu").as_posix()
        assert any(fnmatch(relative, p) for p in patterns), relative


async def test_the_demo_bot_trains_to_the_same_intents(db: Database, client: httpx.AsyncClient) -> None:
    admin, token = await staff_token(db, role=Role.ADMIN)
    async with db.transaction() as s:
        await kb_demo.load(s, admin.id)
        assert await bot_demo.load(s, admin.id) == len(INTENTS)
    h = bearer(token)
    r = await client.post("/api/v1/bot/train", headers=h)
    assert r.status_code == 200 and r.json()["n_intents"] == len(INTENTS), r.text
    found = 0
    for intent in INTENTS:
        r = await client.post("/api/v1/bot/try", json={"text": intent.examples[0]}, headers=h)
        found += r.json()["intent"] == intent.name
    assert found >= len(INTENTS) - 2  # its own training phrasing; a near-duplicate pair may swap
