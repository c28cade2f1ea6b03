"""Work run in child processes by the concurrency tests.

Module-level functions, so ``multiprocessing`` can find them by name; each child opens its own
engine from ``DATABASE_URL``, like a second app instance, CLI or MCP process would.

The children are forked from the test process's fork server (:mod:`tests.utils.forkserver`),
which imported the app once.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any

from tests.utils import forkserver


def _use(database_url: str) -> None:
    forkserver.take_environment({**os.environ, "DATABASE_URL": database_url, "AGENT_BACKEND": "local"})


def claim_turn(database_url: str, user_id: str, thread_id: str, barrier: Any, n: int) -> str:
    """Try to start a turn in the thread at the same moment as the others: "claimed", "busy" or the error."""
    _use(database_url)
    from app.orchestration import runner
    from app.services.errors import BusyError

    barrier.wait(timeout=60)
    try:
        start = runner.begin_turn(
            user_id=uuid.UUID(user_id), text=f"add task from process {n}", thread_id=thread_id
        )
    except BusyError:
        outcome = "busy"
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        outcome = f"{exc.__class__.__name__}: {exc}"
    else:
        outcome = "claimed"
    # Everyone has tried before the winner finishes its turn: on a busy machine a late process would
    # otherwise find the turn already over and rightly claim the next one.
    barrier.wait(timeout=60)
    if outcome == "claimed":
        runner.process_turn(start)
    return outcome


def write_through_services(database_url: str, user_id: str, rounds: int, barrier: Any, n: int) -> list[str]:
    """Several writer threads in this process (see ``writers.run_writers``); returns their failures."""
    _use(database_url)
    from tests.reliability.writers import run_writers

    barrier.wait(timeout=60)
    return run_writers(uuid.UUID(user_id), writers=5, rounds=rounds, prefix=f"p{n}")


def complete_task(database_url: str, user_id: str, task_id: str, barrier: Any, n: int) -> str:
    """Complete the task at the same moment as the others: "completed" (done, by anyone) or the error."""
    _use(database_url)
    from app.core.db import session_scope
    from app.services import tasks as task_service

    barrier.wait(timeout=60)
    with session_scope() as session:
        task = task_service.complete_task(session, user_id=uuid.UUID(user_id), task_id=task_id)
        return "completed" if task.completed else "not completed"


def _report(queue: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        queue.put(fn(*args))
    except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
        queue.put(f"{exc.__class__.__name__}: {exc}")


def run_in_processes(fn: Callable[..., Any], args: list[tuple[Any, ...]], timeout: float = 240) -> list[Any]:
    """``fn(*a, barrier, n)`` in one child process per ``a``, started together; their results.

    The barrier goes to the children as they start (a multiprocessing barrier can't be pickled
    later), so they all begin the contested part at the same moment.
    """
    ctx = forkserver.context()
    barrier = ctx.Barrier(len(args))
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_report, args=(queue, fn, (*a, barrier, n)), daemon=True)
        for n, a in enumerate(args)
    ]
    for proc in procs:
        proc.start()
    try:
        return [queue.get(timeout=timeout) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
