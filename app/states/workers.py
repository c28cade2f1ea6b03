"""Where the pages' blocking work runs: a few worker threads, never the event loop.

The event loop serves every open tab, so no query (nor a SQLite writer waiting for the lock)
and no password hash may run on it. Database work goes to a pool sized for the database, not
to asyncio's default one (cores + 4 threads): SQLite takes one writer at a time and makes the
others sleep in growing steps (1, 2, 5 ... 100 ms) before they retry, so six threads writing at
once answered slower and less than two (measured: 200 chat turns, p95 215 ms with six threads,
30 ms with two, and fewer turns per second). PostgreSQL gets one thread per pooled connection.

Sign-in and sign-up get their own pool, one thread per core: a password hash is ~20 ms of CPU
by design, more of them at once cannot finish sooner, and a burst of them must not hold the
database threads every other tab's events are waiting for.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from app.core.config import get_settings

T = TypeVar("T")
SQLITE_THREADS = 2


@functools.lru_cache(maxsize=1)
def _db_pool() -> ThreadPoolExecutor:
    settings = get_settings()
    sqlite = settings.effective_database_url.startswith("sqlite")
    workers = SQLITE_THREADS if sqlite else max(2, settings.db_pool_size)
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ticked-db")


@functools.lru_cache(maxsize=1)
def _password_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="ticked-password")


async def _run(pool: ThreadPoolExecutor, work: Callable[..., T], args: Any, kwargs: Any) -> T:
    context = contextvars.copy_context()  # as asyncio.to_thread does
    call = functools.partial(context.run, work, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)


async def run_db(work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run blocking ``work(*args, **kwargs)`` (database calls) in the database pool."""
    return await _run(_db_pool(), work, args, kwargs)


async def run_password_work(work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a sign-in or sign-up (a password hash and a few queries) in the password pool."""
    return await _run(_password_pool(), work, args, kwargs)
