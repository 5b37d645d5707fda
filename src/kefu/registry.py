"""Imports every module that registers listeners, jobs or periodic tasks.

The app and the worker import this so that a job enqueued by one process can be run by
any other.
"""

from __future__ import annotations

import importlib

MODULES = [
    "kefu.customer.events",
    "kefu.ops.service",
    "kefu.auth.tasks",
    "kefu.notice.listeners",
]


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(name)
