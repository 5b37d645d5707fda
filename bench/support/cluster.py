"""The cluster topology issue #21 names, for the load benches: a fresh PostgreSQL database,
Redis, `kefu serve --workers N` (N web processes behind one port, realtime over Redis, no
job worker inside: KEFU_EMBEDDED_WORKER=false) and one `kefu worker` process. `TreeStats`
sums CPU and RSS over every process of the topology (the uvicorn supervisor, its web
children, the worker, and anything they spawn, e.g. the bot's training process); its CPU
also counts the database's PostgreSQL backends (not Redis: one server shared with others).

    topo = Cluster.start(env, port, web=2)
    ... load http://127.0.0.1:port ..., topo.stats.cpu_seconds() ...
    topo.stop()        # every process stopped, the database dropped
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
TICK = os.sysconf("SC_CLK_TCK")


def new_database() -> str:
    """A fresh PostgreSQL database (kefu_bench_*); the caller drops it with drop_database."""
    db = f"kefu_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run([*PSQL, f'CREATE DATABASE "{db}"'], check=True)
    return db


def drop_database(db: str) -> None:
    if not db.startswith("kefu_bench_"):  # never anything but our own
        raise ValueError(db)
    subprocess.run([*PSQL, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'], check=False)


def remove_bench_dirs(env: dict[str, str]) -> None:
    """The temporary data directory and SQLite folder a bench's `kefu_env` made (each run
    left ~60-75 MB in /tmp/kefu-bench-*)."""
    dirs = [env.get("KEFU_DATA_DIR", "")]
    url = env.get("KEFU_DATABASE_URL", "")
    if url.startswith("sqlite"):
        dirs.append(str(Path(url.split("///", 1)[1]).parent))
    for d in dirs:
        if Path(d).name.startswith("kefu-bench-") and Path(d).parent == Path(tempfile.gettempdir()):
            shutil.rmtree(d, ignore_errors=True)


def children_of() -> dict[int, list[int]]:
    """parent pid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int(entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def psql_rows(db: str, sql: str) -> list[list[str]]:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-AtF", "\t", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def backend_pids(db: str) -> list[int]:
    """PostgreSQL's server processes for `db` (one per pooled connection)."""
    if not db.startswith("kefu_bench_") or not db.replace("_", "").isalnum():
        raise ValueError(db)
    sql = f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"  # noqa: S608 - checked above
    return [int(r[0]) for r in psql_rows("postgres", sql)]


def job_summary(db: str) -> dict[str, object]:
    """The job table at the end of a run: by status, the most frequent names, and how old
    the oldest still-queued due job is (a backlog the worker has not caught up with)."""
    by_status = dict(psql_rows(db, "SELECT status, count(*) FROM jobs GROUP BY 1"))
    names = psql_rows(db, "SELECT name, count(*) FROM jobs GROUP BY 1 ORDER BY 2 DESC LIMIT 8")
    oldest = psql_rows(
        db,
        "SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0) FROM jobs "
        "WHERE status = 'queued' AND run_at <= now()",
    )
    return {
        "by_status": {k: int(v) for k, v in by_status.items()},
        "top_names": {k: int(v) for k, v in names},
        "oldest_due_queued_seconds": round(float(oldest[0][0]), 1),
    }


def pending_jobs(database_url: str) -> int:
    """Jobs queued or running (PostgreSQL or the embedded SQLite file)."""
    sql = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as conn:
            return int(conn.execute(sql).fetchone()[0])
    return int(psql_rows(database_url.rsplit("/", 1)[1], sql)[0][0])


def wait_jobs_drained(database_url: str, *, at_most: int = 10, timeout: float = 300.0) -> dict[str, float]:
    """Until the job backlog `kefu demo` leaves (~2,000 listener jobs) is worked off, so the
    measured window holds the load's own work, not the demo's. Periodic jobs keep a few
    rows queued at any time: `at_most` of them count as drained."""
    t0 = time.monotonic()
    first = left = pending_jobs(database_url)
    while left > at_most and time.monotonic() - t0 < timeout:
        time.sleep(2)
        left = pending_jobs(database_url)
    return {"pending_at_start": first, "pending_left": left, "seconds": round(time.monotonic() - t0, 1)}


@dataclass
class TreeStats:
    """CPU seconds and RSS summed over some root processes and all their descendants
    (looked up at each call: uvicorn's web children are spawned after the root starts).
    RSS is a plain sum, so pages the processes share are counted once per process."""

    roots: list[int]
    marks: list[dict[int, float]] = field(default_factory=list)
    # With a database name, `cpu_seconds` and `marks` count its PostgreSQL backends too
    # (embedded SQLite's work is in-process; this keeps the two comparable).
    database: str | None = None
    backends: set[int] = field(default_factory=set)

    def pids(self) -> list[int]:
        tree = children_of()
        out: list[int] = []
        todo = list(self.roots)
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(tree.get(pid, []))
        return out

    def rss_mb(self) -> float:
        total = 0.0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
        return total

    def cpu_seconds(self) -> float:
        """The sum; each call's per-process figures are kept in `marks` (the bench reads
        the split of its measured window from the last two)."""
        mark = self.per_process_cpu()
        if self.database is not None:
            backends = backend_pids(self.database)
            self.backends.update(backends)
            mark |= _cpu_of(backends)
        self.marks.append(mark)
        return sum(mark.values())

    def thread_cpu(self) -> dict[str, list[float]]:
        """[user, system] CPU seconds per thread name, summed over the processes (each
        process's own main thread is "main")."""
        out: dict[str, list[float]] = {}
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    with contextlib.suppress(OSError):
                        head, tail = task.joinpath("stat").read_text().rsplit(")", 1)
                        name = "main" if task.name == str(pid) else head.split("(", 1)[1]
                        fields = tail.split()
                        got = out.setdefault(name, [0.0, 0.0])
                        got[0] += int(fields[11]) / TICK
                        got[1] += int(fields[12]) / TICK
        return out

    def per_process_cpu(self) -> dict[int, float]:
        return _cpu_of(self.pids())


@dataclass
class Cluster:
    env: dict[str, str]
    database: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stats: TreeStats = field(default_factory=lambda: TreeStats([]))

    @classmethod
    def start(cls, env: dict[str, str], database: str, port: int, *, web: int = 2) -> Cluster:
        """`kefu demo` into the database, then the web processes and one worker."""
        kefu = [sys.executable, "-m", "kefu.cli"]
        topo = cls(env, database)
        try:
            subprocess.run([*kefu, "demo"], env=env, check=True, capture_output=True)
            serve = [*kefu, "serve", "--port", str(port), "--workers", str(web)]
            topo.procs.append(subprocess.Popen(serve, env=env, cwd=ROOT))
            topo.procs.append(subprocess.Popen([*kefu, "worker"], env=env, cwd=ROOT))
            topo.stats.roots = [p.pid for p in topo.procs]
            topo.stats.database = database
        except BaseException:
            topo.stop()
            raise
        return topo

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def web_pids(self) -> list[int]:
        """The web processes: uvicorn's children but multiprocessing's resource tracker."""
        out = []
        for pid in children_of().get(self.procs[0].pid, []):
            with contextlib.suppress(OSError):
                if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    out.append(pid)
        return sorted(out)

    def wait_ready(self, port: int, web: int, timeout: float = 180.0) -> None:
        """Until every web process answers: /healthz on a few kept-open connections at a
        time, until they land on `web` different processes (one that is still starting
        does not accept yet, and the load would all go to the other)."""
        deadline = time.monotonic() + timeout
        seen: set[int] = set()
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError("a cluster process exited")
            held = [_healthz(port) for _ in range(8)]
            seen |= set(connections_by_pid(port, self.web_pids()))
            for s in held:
                if s is not None:
                    s.close()
            # The worker connects to PostgreSQL once it has loaded the language models.
            worker_up = connections_by_pid(5432, [self.procs[1].pid], remote=True)
            if len(seen) >= web and worker_up:
                return
            time.sleep(0.5)
        raise RuntimeError(f"cluster not ready: {len(seen)} of {web} web processes answered")

    def stop(self) -> None:
        """SIGTERM to each root (uvicorn's supervisor stops its children), SIGKILL to what
        is left of the tree after 30 s; then the database is dropped."""
        tree = self.stats.pids()
        for p in self.procs:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for pid in _still_running(tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        drop_database(self.database)


def _cpu_of(pids: list[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def _still_running(pids: list[int]) -> Iterator[int]:
    """Those of `pids` still alive and still kefu's (a reaped pid may have been reused)."""
    for pid in pids:
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"kefu" in cmdline or b"multiprocessing" in cmdline:
                yield pid


def _healthz(port: int) -> socket.socket | None:
    """A connection that has had one /healthz answer, left open (keep-alive)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
        if s.recv(4096).startswith(b"HTTP/1.1 200"):
            return s
        s.close()
    except OSError:
        pass
    return None


def connections_by_pid(port: int, pids: list[int], *, remote: bool = False) -> dict[int, int]:
    """Established TCP connections on local `port` (or to remote `port`) held by each of
    `pids`: how the kernel spread the clients over the web processes sharing the listening
    socket, or whether a process has connected to PostgreSQL yet."""
    inodes: set[str] = set()
    hexport = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[2 if remote else 1].endswith(hexport) and cols[3] == "01":  # ESTABLISHED
                    inodes.add(cols[9])
    out: dict[int, int] = {}
    for pid in pids:
        n = 0
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    n += link.startswith("socket:[") and link[8:-1] in inodes
        if n:
            out[pid] = n
    return out
