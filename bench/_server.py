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
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.utils

from tests.utils import server as shared
from tests.utils.server import (
    ROOT,
    Server,
    free_port,
    group_cpu_seconds,
    group_rss_mb,
    start_process,
    stop_group,
    wait_until_url_up,
)

__all__ = [
    "ROOT",
    "Server",
    "free_port",
    "group_cpu_seconds",
    "group_rss_mb",
    "pg_admin",
    "prod_server",
    "scratch_pg_database",
    "start_process",
    "stop_group",
    "wait_until_url_up",
]

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

JWT_SECRET = "bench-jwt-secret-not-for-production"
START_TIMEOUT = 300.0


def prod_server(
    *,
    keep: bool = False,
    db_url: str | None = None,
    backend_only: bool = False,
    extra_env: dict[str, str] | None = None,
) -> contextlib.AbstractContextManager[Server]:
    """A migrated database (a scratch SQLite file unless ``db_url``) and ``reflex run --env prod``
    on a free port, torn down after; ``backend_only``: the backend (pages' state, /api) alone."""
    manager = os.environ.get("BENCH_STATE_MANAGER")
    # BENCH_REDIS_URL: the production layout for several workers (state in Redis, and Reflex then
    # starts 2 x cores + 1 granian workers), as `make run-prod` runs with REDIS_URL set.
    redis = os.environ.get("BENCH_REDIS_URL")
    return shared.prod_server(
        db_url,
        backend_only=backend_only,
        extra_env={
            **({"REFLEX_STATE_MANAGER_MODE": manager} if manager else {}),
            **({"REDIS_URL": redis} if redis else {}),
            **(extra_env or {}),
        },
        jwt_secret=JWT_SECRET,
        probe="/ping",
        start_timeout=START_TIMEOUT,
        prefix="ticked-bench-ws-",
        keep=keep,
    )


def pg_admin() -> sa.Engine | None:
    """An autocommit engine on ``BENCH_PG_ADMIN_URL``, or None (with a note) when it is unreachable."""
    admin = sa.create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}, poolclass=sa.NullPool
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        print(f"\nNOTE: PostgreSQL skipped, {PG_ADMIN_URL} unreachable: {str(exc).splitlines()[0]}")
        return None
    return admin


@contextlib.contextmanager
def scratch_pg_database(admin: sa.Engine, name: str) -> Iterator[str]:
    """A new database ``name`` on the admin's server (its URL), dropped after, even on failure."""
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
