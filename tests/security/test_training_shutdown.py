"""Finding 8: the bot's training process does not outlive the server."""

from __future__ import annotations

import time

from kefu.bot.service import training as bot_training


def _slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_shutdown_terminates_the_training_process() -> None:
    pool = bot_training._executor()
    future = pool.submit(_slow, 60)
    deadline = time.monotonic() + 60
    while not getattr(pool, "_processes", {}) and time.monotonic() < deadline:
        time.sleep(0.1)
    processes = list(pool._processes.values())  # type: ignore[attr-defined]
    assert processes and all(p.is_alive() for p in processes)
    started = time.monotonic()
    bot_training.shutdown_training()
    assert time.monotonic() - started < 20  # it does not wait for the training to finish
    # Gone within seconds. (The pool's manager thread may reap the worker at the same moment
    # as we do; `is_alive()` can then report it for an instant longer, so poll briefly.)
    deadline = time.monotonic() + 5
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(p.is_alive() for p in processes)
    # The pool's manager thread marks the future broken once it sees the worker gone.
    deadline = time.monotonic() + 10
    while not future.done() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert future.done()
    assert bot_training._pool is None
