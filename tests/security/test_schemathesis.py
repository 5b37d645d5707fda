"""Schemathesis against a real `kefu serve` (SQLite): every operation of the OpenAPI schema,
a few generated examples each, sent with an agent's and an admin's token. The checks: no
server error and every response matching its declared schema. Bounded so it stays around two
minutes on a loaded CI box."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kefu.kit.db import Database
from kefu.migrate import upgrade
from kefu.models.user import Role
from tests.conftest import LiveServer, free_port
from tests.factories import bearer, make_user

# Operations that would end the fuzzing session itself (revoking the tokens in use,
# demoting or deactivating the users they belong to).
SKIPPED = {("DELETE", "/api/v1/auth/tokens/{token_id}"), ("PATCH", "/api/v1/users/{user_id}")}


async def _tokens(url: str) -> dict[str, str]:
    from kefu import registry
    from kefu.auth.service import auth_service

    registry.load_all()
    db = Database(url)
    try:
        out = {}
        async with db.transaction() as s:
            for role in (Role.AGENT, Role.ADMIN):
                user = await make_user(s, role=role, email=f"fuzz-{role.value}@example.com")
                out[role.value] = (await auth_service.issue_token(s, user)).token
        return out
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{root}/kefu.db"
    upgrade(url)
    tokens = asyncio.run(_tokens(url))
    server = LiveServer(
        {
            "KEFU_DATABASE_URL": url,
            "KEFU_DATA_DIR": str(root / "data"),
            "KEFU_RATE_LIMIT": "off",
            "KEFU_ANONYMOUS_RATE_LIMIT": "off",
            "KEFU_LOG_LEVEL": "ERROR",
        },
        free_port(),
        ready_seconds=180,  # a fresh database migrates first; CI boxes are shared
    )
    try:
        yield server, tokens
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(live: tuple[LiveServer, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    # The same code builds the schema in-process (the served /openapi.json is staff-only and
    # slow to render on a loaded box); the calls go to the live server.
    from kefu.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings("sqlite+aiosqlite:///:memory:", data_dir=tmp_path_factory.mktemp("s")))
    return schemathesis.openapi.from_dict(app.openapi())


def test_no_server_errors_and_responses_match_the_schema(
    live: tuple[LiveServer, dict[str, str]], api_schema: Any
) -> None:
    server, tokens = live
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation is None or (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=2,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: Any) -> None:
            for role in ("agent", "admin"):
                case.call_and_validate(
                    base_url=server.url,
                    headers=bearer(tokens[role]),
                    checks=[not_a_server_error, response_schema_conformance],
                    timeout=30,
                )

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    assert operations > 100
    assert failures == [], "\n".join(failures)
