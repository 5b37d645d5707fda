"""Event-loop stall watch. A serving process does its work on one event loop: a callback that
holds the loop for 300 ms delays every socket's ack and bot reply by 300 ms, whatever the
median says. A heartbeat task on the loop measures how late each beat wakes (histogram
`kefu_event_loop_lag_seconds`); a watchdog thread beside it notices a beat overdue by more
than the threshold while the loop is still held and takes the loop thread's stack at that
moment, so the log line `loop.stall` names what held it (`held_by`), not only that something did.
A garbage collection holds the interpreter lock, so no stack can be taken during it: the line
says how much of the stall was collection (`gc_ms`, `gc_generation`), and
`kefu_gc_pause_seconds` records every collection's pause."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
import time
import traceback

import structlog
from prometheus_client import Histogram

log = structlog.get_logger(__name__)

LOOP_LAG = Histogram(
    "kefu_event_loop_lag_seconds",
    "How late the event loop's heartbeat woke (time the loop was held by other work)",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
GC_PAUSE = Histogram(
    "kefu_gc_pause_seconds",
    "How long each garbage collection held the process",
    ["generation"],
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
BEAT_SECONDS = 0.05
STACK_FRAMES = 12  # innermost frames kept in the log line


class LoopWatch:
    """Start on the serving loop; `stop()` ends the beat and the thread."""

    def __init__(self, threshold_seconds: float, *, beat_seconds: float = BEAT_SECONDS) -> None:
        self.threshold = threshold_seconds
        self.beat = beat_seconds
        self.stalls = 0  # stalls logged so far (tests, and the log's running count)
        self._due = time.monotonic() + beat_seconds  # when the next beat should run
        self._stack: list[str] | None = None  # loop thread's stack, taken during this stall
        self._done = threading.Event()
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread = 0
        self._gc_started = 0.0
        self._gc_seconds = 0.0  # collection time so far (the beat reads its growth)
        self._gc_deepest = -1  # oldest generation collected since the last beat
        self._gc_freed = 0  # objects collections freed since the last beat (cycles found)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        pause = time.perf_counter() - self._gc_started
        generation = info.get("generation", 0)
        self._gc_seconds += pause
        self._gc_deepest = max(self._gc_deepest, generation)
        self._gc_freed += info.get("collected", 0)
        GC_PAUSE.labels(str(generation)).observe(pause)

    def start(self) -> None:
        self._loop_thread = threading.get_ident()
        self._task = asyncio.get_running_loop().create_task(self._beat(), name="loop.watch")
        self._thread = threading.Thread(target=self._watch, name="loop-watch", daemon=True)
        self._thread.start()
        gc.callbacks.append(self._on_gc)

    async def stop(self) -> None:
        self._done.set()
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            # A watch must never fail a shutdown, whatever happened inside it.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 1.0)

    async def _beat(self) -> None:
        while True:
            self._due = time.monotonic() + self.beat
            gc_before, self._gc_deepest, self._gc_freed = self._gc_seconds, -1, 0
            await asyncio.sleep(self.beat)
            late = max(0.0, time.monotonic() - self._due)
            LOOP_LAG.observe(late)
            if late >= self.threshold:
                self.stalls += 1
                stack, self._stack = self._stack, None
                log.warning(
                    "loop.stall",
                    held_ms=round(late * 1000),
                    gc_ms=round((self._gc_seconds - gc_before) * 1000),
                    gc_generation=self._gc_deepest,  # -1: no collection ran meanwhile
                    gc_freed=self._gc_freed,  # many: cycles' finalizers and weakref callbacks ran
                    stalls=self.stalls,
                    held_by=stack or [],  # not `stack`: structlog renders that key as a traceback
                )
            else:
                self._stack = None

    def _watch(self) -> None:
        """Take the loop thread's stack once per stall, while it is still held."""
        while not self._done.wait(self.threshold / 2):
            if self._stack is None and time.monotonic() - self._due > self.threshold:
                frame = sys._current_frames().get(self._loop_thread)
                if frame is not None:
                    lines = traceback.format_stack(frame)[-STACK_FRAMES:]
                    self._stack = [line.strip().replace("\n    ", " | ") for line in lines]
