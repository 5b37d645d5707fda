"""`kefu serve --workers N`: N web processes on one port in cluster mode; embedded mode
(SQLite) stays one process and says so."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import REDIS_URL, LiveServer, free_port, fresh_pg_database, need_redis, run_cli


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # field 4 of stat: the parent pid
            kids.append(int(stat.parent.name))
    return kids


class TestServeWorkers:
    def test_embedded_mode_refuses_several_workers(self, tmp_path: Path) -> None:
        env = {"KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", "KEFU_LOG_LEVEL": "WARNING"}
        done = run_cli("serve", "--workers", "2", env=env)
        assert done.returncode == 2
        assert "cluster mode" in done.stdout + done.stderr

    def test_cluster_mode_serves_from_n_processes_on_one_port(self) -> None:
        need_redis()
        with fresh_pg_database() as pg_url:
            self._serve(pg_url)

    def _serve(self, pg_url: str) -> None:
        env = {
            "KEFU_DATABASE_URL": pg_url,
            "KEFU_REDIS_URL": REDIS_URL,
            "KEFU_RATE_LIMIT": "off",
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_EMBEDDED_WORKER": "false",
        }
        # Two interpreters start and import everything: give a loaded machine time.
        server = LiveServer(env, free_port(), "--workers", "2", ready_seconds=300)
        try:
            codes = [httpx.get(f"{server.url}/readyz", timeout=10).status_code for _ in range(10)]
            workers = _children(server.proc.pid)
        finally:
            server.stop()
        assert codes == [200] * 10
        assert len(workers) >= 2, workers  # uvicorn's supervisor and its two web processes
