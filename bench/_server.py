"""Start Ticked in production mode for a benchmark: its own SQLite file, data dir and port.

    with prod_server() as server:
        server.url, server.db_url, server.rss_mb()

The harness is the tests' (``tests/utils/server.py``): ``reflex run --env prod`` in a new session
(process group), stopped with SIGTERM to the whole group (SIGKILL after a grace period), even when
the benchmark fails. ``BENCH_STATE_MANAGER`` (e.g. "disk") overrides rxconfig's state manager.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.utils

from tests.utils import server as shared
from tests.utils.server import ROOT, Server, free_port, group_cpu_seconds, group_rss_mb, stop_group

__all__ = [
    "ROOT",
    "Server",
    "free_port",
    "group_cpu_seconds",
    "group_rss_mb",
    "prod_server",
    "stop_group",
]

JWT_SECRET = "bench-jwt-secret-not-for-production"
START_TIMEOUT = 300.0


def prod_server(*, keep: bool = False) -> contextlib.AbstractContextManager[Server]:
    """A migrated scratch database and ``reflex run --env prod`` on a free port, torn down after."""
    manager = os.environ.get("BENCH_STATE_MANAGER")
    return shared.prod_server(
        extra_env={"REFLEX_STATE_MANAGER_MODE": manager} if manager else None,
        jwt_secret=JWT_SECRET,
        probe="/ping",
        start_timeout=START_TIMEOUT,
        prefix="ticked-bench-ws-",
        keep=keep,
    )
