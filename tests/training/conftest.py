"""A small team for the training tests: a group, two agents in it, a supervisor and an admin,
and helpers that build an exam through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token


@dataclass
class Team:
    group_id: int
    agent_id: int
    agent: str
    agent2_id: int
    agent2: str
    supervisor: str
    admin: str


@pytest.fixture
async def team(db: Database) -> Team:
    async with db.transaction() as s:
        group = await make_group(s, name="售后维修", is_default=True)
    a1, agent = await staff_token(db, role=Role.AGENT, name="陈静", group_ids=[group.id])
    a2, agent2 = await staff_token(db, role=Role.AGENT, name="刘洋", group_ids=[group.id])
    _s, supervisor = await staff_token(db, role=Role.SUPERVISOR, name="王主管")
    _a, admin = await staff_token(db, role=Role.ADMIN, name="管理员")
    return Team(group.id, a1.id, agent, a2.id, agent2, supervisor, admin)


async def call(
    client: httpx.AsyncClient, method: str, path: str, token: str, expect: int | None = None, **body: Any
) -> Any:
    r = await client.request(
        method, path, json=body if body or method in ("POST", "PUT", "PATCH") else None, headers=bearer(token)
    )
    if expect is not None:
        assert r.status_code == expect, r.text
    else:
        assert r.status_code < 300, r.text
    return r.json() if r.content else None


# Two choice questions (1 + 2 points) and, with `short=True`, one short answer (2 points).
QUESTIONS: list[dict[str, Any]] = [
    {
        "kind": "single",
        "text": "手机进水后第一步？",
        "options": ["立即充电", "关机断电", "用吹风机"],
        "correct": [1],
        "points": 1,
    },
    {
        "kind": "multiple",
        "text": "寄修需要哪些信息？",
        "options": ["序列号", "购买凭证", "星座"],
        "correct": [0, 1],
        "points": 2,
    },
]
SHORT = {"kind": "short", "text": "客户情绪激动时你会怎么安抚？", "points": 2}


async def make_exam(
    client: httpx.AsyncClient, token: str, *, short: bool = False, **fields: Any
) -> dict[str, Any]:
    body = {"name": "售后维修认证", "pass_mark": 80, "max_attempts": 2, **fields}
    exam = await call(client, "POST", "/api/v1/training/exams", token, expect=201, **body)
    ids = []
    for q in [*QUESTIONS, *([SHORT] if short else [])]:
        ids.append(
            (
                await call(
                    client, "POST", f"/api/v1/training/exams/{exam['id']}/questions", token, expect=201, **q
                )
            )["id"]
        )
    exam["question_ids"] = ids
    return dict(exam)


def right(exam: dict[str, Any]) -> dict[str, Any]:
    q1, q2, *_ = exam["question_ids"]
    return {str(q1): 1, str(q2): [0, 1]}


def wrong(exam: dict[str, Any]) -> dict[str, Any]:
    q1, q2, *_ = exam["question_ids"]
    return {str(q1): 1, str(q2): [0]}  # 1 of 3 points


async def take(client: httpx.AsyncClient, token: str, exam: dict[str, Any], answers: dict[str, Any]) -> Any:
    attempt = await call(client, "POST", f"/api/v1/training/exams/{exam['id']}/attempts", token, expect=201)
    return await call(
        client, "POST", f"/api/v1/training/attempts/{attempt['id']}/submit", token, answers=answers
    )
