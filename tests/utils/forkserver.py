"""The fork server that test child processes start from (``multiprocessing``'s ``forkserver``).

A test process has one fork server, started at its first child. It imports the app once (the
modules below: those of every child the tests start this way), and holds nothing else: no
engine, no connection, no thread of a test. Each child is a fork of it, so it starts with the app
imported: a spawned interpreter imported it again, a second or more of CPU per child, which was
most of what the tests that start children spent. A child sets its own environment first
(``DATABASE_URL`` and the rest are read at first use, never at import).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping
from multiprocessing.context import ForkServerContext

PRELOAD = [
    "app.api.main",
    "app.core.db",
    "app.orchestration.runner",
    "app.services.tasks",
    "tests.reliability.api_server",
    "tests.reliability.race_worker",
    "tests.reliability.writers",
    "uvicorn",
]
"""Imported by the fork server before its first child: what every function run there uses."""


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)  # takes effect when this process's fork server starts
    return ctx


def take_environment(env: Mapping[str, str]) -> None:
    """A child's first step: ``env`` becomes its whole environment, and the settings and engine are
    read from it at their next use (the fork server's own were never read; this makes sure)."""
    from app.core import db
    from app.core.config import get_settings

    os.environ.clear()
    os.environ.update(env)
    get_settings.cache_clear()
    db.reset_engine()
