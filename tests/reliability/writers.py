"""Writers that go through the services the app uses: task creation and whole chat turns.

Each writer thread creates tasks the way the task page and the API do (``session_scope`` +
``tasks.create_task``) and sends chat messages the way the chat page does (``runner.run_turn``
with the local agent, which adds a task through the tool registry: a journal row, the task,
the messages and the thread in several transactions).
"""

from __future__ import annotations

import threading
import uuid


def run_writers(user_id: uuid.UUID, *, writers: int, rounds: int, prefix: str = "w") -> list[str]:
    """Run ``writers`` threads at once, ``rounds`` task + turn pairs each; returns their failures."""
    from app.core.db import session_scope
    from app.orchestration import runner
    from app.services import tasks as task_service

    barrier = threading.Barrier(writers)
    failures: list[str] = []

    def writer(n: int) -> None:
        thread_id: str | None = None
        try:
            barrier.wait(timeout=60)
            for r in range(rounds):
                with session_scope() as session:
                    task_service.create_task(
                        session, user_id=user_id, data={"title": f"{prefix}{n} page {r}"}
                    )
                result = runner.run_turn(
                    user_id=user_id, text=f"add {prefix}{n} chat {r}", thread_id=thread_id
                )
                if result.status != "completed":
                    failures.append(f"turn ended {result.status}: {result.reply}")
                thread_id = result.thread_id
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
            failures.append(f"{exc.__class__.__name__}: {exc}")

    threads = [threading.Thread(target=writer, args=(n,), name=f"writer-{n}") for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    failures.extend(f"{t.name} still running" for t in threads if t.is_alive())
    return failures
