"""Benchmark: local assistant turns end to end through the service layer.

Each turn stores the user message, understands it, runs its tools (TaskOperation rows
included), builds widgets and stores the reply, exactly as the chat page does.
Prints sizes, p50 / p95 / p99 and throughput. Goal: p50 < 30 ms, p99 < 100 ms.

    .venv/bin/python bench/agent_turn.py            # SQLite, quick
    BENCH_SCALE=full .venv/bin/python bench/agent_turn.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/agent_turn.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='ticked-bench-')}/bench.db"
os.environ["AGENT_BACKEND"] = "local"

from app import migrations
from app.core.db import session_scope
from app.orchestration.runner import run_turn
from app.services import auth

MESSAGES = [
    "add pay rent tomorrow, high priority",
    "show my tasks",
    "mark it done",
    "add tasks: eggs, bread and butter",
    "what's due today?",
    "undo",
    "search for bread",
    "rename bread to sourdough bread",
]


def main() -> None:
    turns = 400 if os.environ.get("BENCH_SCALE") == "full" else 120
    migrations.upgrade()
    with session_scope() as session:
        email = f"bench-{time.time_ns()}@example.com"
        user_id = auth.register(session, email=email, password="bench-password-1").id
    # One uncounted pass over the messages first: the app imports the agent and the registry at
    # start-up (app/app.py), so a served turn never pays for a first import; this process would.
    thread_id = None
    for text in MESSAGES:
        thread_id = run_turn(user_id=user_id, text=text, thread_id=thread_id).thread_id
    thread_id = None
    times: list[float] = []
    started = time.perf_counter()
    for i in range(turns):
        if i % 40 == 0:
            thread_id = None
        t0 = time.perf_counter()
        result = run_turn(user_id=user_id, text=MESSAGES[i % len(MESSAGES)], thread_id=thread_id)
        times.append((time.perf_counter() - t0) * 1000)
        thread_id = result.thread_id
    total = time.perf_counter() - started
    q = statistics.quantiles(times, n=100)
    backend = os.environ["DATABASE_URL"].split(":", 1)[0]
    print(f"{'backend':<12}{'turns':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'turns/s':>10}")
    print(f"{backend:<12}{turns:>8}{q[49]:>10.1f}{q[94]:>10.1f}{q[98]:>10.1f}{turns / total:>10.1f}")


if __name__ == "__main__":
    main()
