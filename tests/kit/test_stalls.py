"""The loop watch names what held the event loop: an operator reading `loop.stall` sees the
function that blocked every socket's reply, and a loop that is never held logs nothing."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from structlog.testing import capture_logs

from kefu.config import Settings
from kefu.kit.stalls import GC_PAUSE, LOOP_LAG, LoopWatch
from kefu.logging import configure_logging


def hold_the_loop_for(seconds: float) -> None:
    time.sleep(seconds)  # CPU-bound work on the loop looks the same to every other task


def count(histogram: object, name: str, **labels: str) -> float:
    for metric in histogram.collect():  # type: ignore[attr-defined]
        for sample in metric.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def lag_count() -> float:
    return count(LOOP_LAG, "kefu_event_loop_lag_seconds_count")


async def test_a_held_loop_is_logged_with_the_stack_that_held_it() -> None:
    watch = LoopWatch(0.15, beat_seconds=0.02)
    with capture_logs() as logs:
        watch.start()
        await asyncio.sleep(0.1)
        hold_the_loop_for(0.4)
        await asyncio.sleep(0.1)
        await watch.stop()
    stalls = [entry for entry in logs if entry["event"] == "loop.stall"]
    assert len(stalls) == 1
    assert stalls[0]["held_ms"] >= 300
    assert any("hold_the_loop_for" in line for line in stalls[0]["held_by"])


@pytest.mark.parametrize("json_logs", [False, True])
async def test_the_stall_line_renders_in_both_log_formats(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through kefu's own log set-up (console in development, JSON in production): a field
    the renderer treats specially once made the watch raise at shutdown instead of logging."""
    configure_logging(Settings(log_json=json_logs, log_level="INFO"))
    watch = LoopWatch(0.1, beat_seconds=0.02)
    watch.start()
    await asyncio.sleep(0.05)
    hold_the_loop_for(0.3)
    await asyncio.sleep(0.05)
    await watch.stop()
    err = capsys.readouterr().err
    assert "loop.stall" in err
    assert "hold_the_loop_for" in err


async def test_a_loop_that_keeps_up_logs_nothing_and_counts_its_beats() -> None:
    before = lag_count()
    watch = LoopWatch(0.15, beat_seconds=0.02)
    with capture_logs() as logs:
        watch.start()
        for _ in range(20):
            hold_the_loop_for(0.005)  # short work between awaits: never a stall
            await asyncio.sleep(0.01)
        await watch.stop()
    assert [entry for entry in logs if entry["event"] == "loop.stall"] == []
    assert watch.stalls == 0
    assert lag_count() - before >= 5  # beats were measured into the histogram


async def test_a_stall_says_how_much_of_it_was_garbage_collection() -> None:
    """A collection holds the interpreter lock, so no stack can show it: the line says so."""
    before = count(GC_PAUSE, "kefu_gc_pause_seconds_count", generation="2")
    watch = LoopWatch(0.15, beat_seconds=0.02)
    with capture_logs() as logs:
        watch.start()
        await asyncio.sleep(0.05)
        cycles = [[] for _ in range(200_000)]
        for a in cycles:
            a.append(a)  # garbage only a collection frees
        del cycles
        gc.collect()
        hold_the_loop_for(0.3)
        await asyncio.sleep(0.05)
        await watch.stop()
    stalls = [entry for entry in logs if entry["event"] == "loop.stall"]
    assert len(stalls) == 1
    assert stalls[0]["gc_generation"] == 2 and stalls[0]["gc_ms"] >= 0
    assert count(GC_PAUSE, "kefu_gc_pause_seconds_count", generation="2") > before
    assert gc.callbacks.count(watch._on_gc) == 0  # stop() leaves no callback behind
