"""`kefu worker`: a process that only runs background jobs (cluster mode)."""

from __future__ import annotations

import asyncio
import signal

import structlog

from kefu import registry
from kefu.bot.service import shutdown_training
from kefu.config import Settings, install
from kefu.errors import overloaded
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.realtime import create_bus, set_bus
from kefu.kit.security import configure_password_hashing
from kefu.kit.stalls import LoopWatch
from kefu.logging import configure_logging
from kefu.nlp.preload import preload as preload_nlp

log = structlog.get_logger(__name__)


async def run_worker(settings: Settings, *, once: bool = False) -> int:
    install(settings)  # what the jobs' services read
    configure_logging(settings)
    configure_password_hashing(cheap=settings.hash_cost == "test")
    registry.load_all()
    preload_nlp()  # before any job: training and triage would import these on the loop
    db = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        queue_seconds=settings.db_queue_seconds,
        queue_max=settings.db_queue_max,
        refused=overloaded,
    )
    bus = create_bus(settings.redis_url, prefix=settings.redis_namespace())
    await bus.start()
    set_bus(bus)
    worker = Worker(
        db,
        concurrency=settings.worker_concurrency,
        lease_seconds=settings.job_lease_seconds,
        poll_seconds=settings.job_poll_seconds,
    )
    try:
        if once:
            return await worker.run_until_idle()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop)
        log.info("worker.started", worker_id=worker.worker_id)
        watch = LoopWatch(settings.loop_stall_ms / 1000) if settings.loop_stall_ms else None
        if watch is not None:  # a held loop delays every job's start (and the leases' renewal)
            watch.start()
        try:
            await worker.run()
        finally:
            if watch is not None:
                await watch.stop()
        log.info("worker.stopped", worker_id=worker.worker_id)
        return 0
    finally:
        await bus.close()
        set_bus(None)
        shutdown_training()  # the bot's training process ends with the worker
        await db.dispose()
