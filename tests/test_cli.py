"""The `kefu` CLI as an operator uses it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, free_port, quick_demo, quick_demo_output, run_cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "KEFU_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def demo_env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A copy of the suite's one `kefu demo` company (each `kefu demo` trains the bot)."""
    return {**quick_demo(tmp_path / "demo", tmp_path_factory.getbasetemp()), "KEFU_LOG_LEVEL": "WARNING"}


class TestDemoAndUsers:
    def test_demo_is_idempotent_and_prints_the_logins(
        self, demo_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        first = quick_demo_output(tmp_path_factory.getbasetemp())  # `kefu demo` on an empty database
        assert "agent1@kefu.demo" in first and "kefu-demo" in first
        assert "4 groups, 8 staff" in first and "12 tickets" in first
        second = run_cli("demo", env=demo_env)
        assert second.returncode == 0
        assert (
            "0 groups, 0 staff, 0 customers, 0 articles, 0 bot intents, 0 SLA policies, 0 tickets created"
            in second.stdout
        )

    def test_user_create_then_token_create_gives_a_working_token(self, demo_env: dict[str, str]) -> None:
        env = demo_env
        assert run_cli("migrate", env=env).returncode == 0  # an up-to-date database: nothing to do
        made = run_cli(
            "user",
            "create",
            "--email",
            "new@kefu.demo",
            "--password",
            "password-1",
            "--role",
            "agent",
            "--name",
            "新坐席",
            "--group",
            "售后维修",
            env=env,
        )
        assert made.returncode == 0, made.stderr
        token = run_cli("token", "create", "--email", "new@kefu.demo", env=env)
        assert token.returncode == 0
        server = LiveServer({**env, "KEFU_RATE_LIMIT": "off"}, free_port())
        try:
            me = httpx.get(
                f"{server.url}/api/v1/auth/me",
                headers={"Authorization": f"Bearer {token.stdout.strip()}"},
            )
        finally:
            server.stop()
        assert me.status_code == 200
        assert me.json()["name"] == "新坐席"
        assert len(me.json()["group_ids"]) == 1

    def test_bad_user_input_exits_non_zero_with_a_message(self, env: dict[str, str]) -> None:
        assert run_cli("migrate", env=env).returncode == 0
        bad_role = run_cli(
            "user",
            "create",
            "--email",
            "x@kefu.demo",
            "--password",
            "password-1",
            "--role",
            "boss",
            env=env,
        )
        assert bad_role.returncode == 2
        assert "role" in bad_role.stderr
        bad_group = run_cli(
            "user",
            "create",
            "--email",
            "x@kefu.demo",
            "--password",
            "password-1",
            "--role",
            "agent",
            "--group",
            "不存在",
            env=env,
        )
        assert bad_group.returncode == 2
        assert "unknown group" in bad_group.stderr
        missing = run_cli("token", "create", "--email", "ghost@kefu.demo", env=env)
        assert missing.returncode == 2


class TestWorkerOnce:
    def test_worker_once_runs_ready_jobs_and_exits(self, demo_env: dict[str, str]) -> None:
        path = demo_env["KEFU_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")

        def counts() -> dict[str, int]:
            with sqlite3.connect(path) as con:
                return dict(con.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())

        before = counts()
        assert before.get("queued", 0) > 0  # the demo left customer events to handle
        started = datetime.now(UTC).replace(tzinfo=None)
        result = run_cli("worker", "--once", env=demo_env)
        assert result.returncode == 0, result.stderr
        after = counts()
        assert after.get("done", 0) > before.get("done", 0)
        with sqlite3.connect(path) as con:
            waiting = [
                datetime.fromisoformat(r)
                for (r,) in con.execute("SELECT run_at FROM jobs WHERE status = 'queued'").fetchall()
            ]
        assert all(run_at > started for run_at in waiting)  # only jobs not yet due are left


class TestSlaDue:
    def test_due_time_around_national_day_make_up_workdays(self, env: dict[str, str], tmp_path: Path) -> None:
        schedule = tmp_path / "schedule.json"
        schedule.write_text(
            '{"name": "办公时间", "timezone": "Asia/Shanghai", "cn_statutory": true, "holidays": [], '
            '"workdays": [], "intervals": ['
            + ", ".join(f'{{"weekday": {d}, "start": "09:00", "end": "18:00"}}' for d in range(5))
            + "]}",
            encoding="utf-8",
        )
        out = run_cli(
            "sla",
            "due",
            "--schedule",
            str(schedule),
            "--start",
            "2025-09-30T17:00:00+08:00",
            "--minutes",
            "120",
            env=env,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "2025-10-09T10:00:00+08:00"

    def test_bad_schedule_file_is_a_clear_error(self, env: dict[str, str], tmp_path: Path) -> None:
        schedule = tmp_path / "schedule.json"
        schedule.write_text('{"timezone": "Asia/Shanghai", "intervals": []}', encoding="utf-8")
        out = run_cli(
            "sla",
            "due",
            "--schedule",
            str(schedule),
            "--start",
            "2025-09-30T17:00:00+08:00",
            "--minutes",
            "120",
            env=env,
        )
        assert out.returncode == 2
        assert "no working time" in out.stderr


class TestOrdersImport:
    def test_imports_good_rows_reports_bad_ones_and_is_idempotent(
        self, demo_env: dict[str, str], tmp_path: Path
    ) -> None:
        env = demo_env
        csv_file = tmp_path / "orders.csv"
        csv_file.write_text(
            "customer,external_id,amount,currency,placed_at\n"
            "zhoujie@example.cn,IMP-1,1200.50,CNY,2026-10-01T10:00:00+08:00\n"
            "13900139002,IMP-2,300,CNY,2026-10-02\n"
            "M1003,IMP-3,-5,CNY,2026-10-03\n"
            "nobody@example.cn,IMP-4,10,CNY,2026-10-04\n"
            "zhoujie@example.cn,IMP-5,10,XYZ,2026-10-04\n",
            encoding="utf-8",
        )
        first = run_cli("orders", "import", str(csv_file), env=env)
        assert first.returncode == 1
        assert '"imported": 2' in first.stdout and '"errors": 3' in first.stdout
        assert "line 4" in first.stderr and "line 5" in first.stderr and "line 6" in first.stderr
        again = run_cli("orders", "import", str(csv_file), env=env)
        assert '"imported": 0' in again.stdout and '"duplicates": 2' in again.stdout
