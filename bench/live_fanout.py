"""Benchmark: how fast a change to a shared project reaches its members' open task pages.

Starts ``reflex run --env prod`` (``bench/_server.py``) on a scratch SQLite database, seeds one
project shared by its owner with ``BENCH_MEMBERS`` - 1 others (default 50 members in all), and
opens one task page per member as python-socketio clients (the compiled frontend's protocol:
``tests/utils/reflex_events.py``). Then the owner completes the project's tasks one by one over
the REST API; for each change the clock runs from the request until each member's tab gets the
task page's update (a delta of the task page state), pushed by the live listener
(``app/states/live.py``). Prints p50 / p95 / max over every (change, tab) pair, and the misses
(a tab that got nothing within ``BENCH_WAIT`` seconds, default 5).

    .venv/bin/python bench/live_fanout.py
    BENCH_MEMBERS=20 BENCH_CHANGES=5 .venv/bin/python bench/live_fanout.py
    BENCH_REDIS=redis://127.0.0.1:6379/0 .venv/bin/python bench/live_fanout.py   # through Redis

Goal (issue 16): every member's open page shows a teammate's change within 2 s; p95 well under.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import socketio
from _server import Server

from tests.utils.reflex_events import (
    NAMESPACE,
    ON_LOAD,
    ROOT_STATE,
    TASKS_STATE,
    TOKEN_VAR,
    UPDATE_VARS,
    make_event,
    open_socket,
)

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "50"))
CHANGES = int(os.environ.get("BENCH_CHANGES", "10"))
WAIT = float(os.environ.get("BENCH_WAIT", "5"))
REDIS = os.environ.get("BENCH_REDIS", "")
PAGE = "/tasks"


class Tab:
    """One member's open task page."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.client_token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_update, namespace=NAMESPACE)
        self.updates: asyncio.Queue[float] = asyncio.Queue()
        self.hydrated = asyncio.Event()

    async def _on_update(self, update: dict[str, Any]) -> None:
        delta = update.get("delta") or {}
        if delta.get(ROOT_STATE, {}).get("is_hydrated_rx_state_"):
            self.hydrated.set()
        if self.hydrated.is_set() and delta.get(TASKS_STATE):
            self.updates.put_nowait(time.perf_counter())

    async def open(self) -> None:
        await open_socket(self.sio, self.url, self.client_token, path=PAGE)
        await asyncio.wait_for(self.hydrated.wait(), 60)
        self.hydrated.clear()
        await self.sio.emit(
            "event", make_event(UPDATE_VARS, {"vars": {TOKEN_VAR: self.token}}, PAGE), namespace=NAMESPACE
        )
        await self.sio.emit("event", make_event(ON_LOAD, None, PAGE), namespace=NAMESPACE)
        await asyncio.wait_for(self.hydrated.wait(), 60)
        await asyncio.sleep(0.2)
        while not self.updates.empty():
            self.updates.get_nowait()

    async def next_update(self, since: float) -> float | None:
        deadline = since + WAIT
        while (left := deadline - time.perf_counter()) > 0:
            try:
                at = await asyncio.wait_for(self.updates.get(), left)
            except TimeoutError:
                return None
            if at >= since:
                return at
        return None


def seed(n: int) -> tuple[str, list[str], list[str]]:
    """The owner's token, every member's token (the owner's first) and the project's task ids."""
    from app.core.db import session_scope
    from app.models import User
    from app.services import auth, projects, tasks

    tag = uuid.uuid4().hex[:6]
    with session_scope() as session:
        users = [User(email=f"live-{tag}-{i}@example.com", hashed_password="-") for i in range(n)]
        session.add_all(users)
        session.flush()
        owner = users[0]
        project = projects.create_project(session, user_id=owner.id, name="Team")
        for member in users[1:]:
            projects.share_project(session, user_id=owner.id, project_id=project.id, email=member.email)
        ids = [
            str(
                tasks.create_task(
                    session, user_id=owner.id, data={"title": f"job {i}", "project_id": project.id}
                ).id
            )
            for i in range(CHANGES)
        ]
        tokens = [auth.issue_token(session, user=u) for u in users]
    return tokens[0], tokens, ids


def complete(server: Server, token: str, task_id: str) -> None:
    request = urllib.request.Request(
        f"{server.url}/api/tasks/{task_id}",
        data=json.dumps({"completed": True}).encode(),
        method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status


async def run(server: Server) -> None:
    owner, tokens, task_ids = seed(MEMBERS)
    tabs = [Tab(server.url, t) for t in tokens[1:]]  # every member but the one making the changes
    started = time.perf_counter()
    await asyncio.gather(*(tab.open() for tab in tabs))
    print(f"{len(tabs)} member tabs open on {PAGE} in {time.perf_counter() - started:.1f} s")
    samples: list[float] = []
    misses = 0
    for task_id in task_ids:
        t0 = time.perf_counter()
        await asyncio.to_thread(complete, server, owner, task_id)
        arrivals = await asyncio.gather(*(tab.next_update(t0) for tab in tabs))
        for at in arrivals:
            if at is None:
                misses += 1
            else:
                samples.append((at - t0) * 1000)
        await asyncio.sleep(0.3)
    for tab in tabs:
        await tab.sio.disconnect()
    if samples:
        samples.sort()
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
        print(
            f"{len(task_ids)} changes x {len(tabs)} tabs: p50 {statistics.median(samples):.0f} ms, "
            f"p95 {p95:.0f} ms, max {samples[-1]:.0f} ms, misses {misses}"
        )
    else:
        print(f"no tab got an update: misses {misses}")


def main() -> None:
    from _server import shared

    extra = {"REDIS_URL": REDIS} if REDIS else None
    with shared.prod_server(extra_env=extra, prefix="ticked-bench-live-") as server:
        os.environ["DATABASE_URL"] = server.db_url
        os.environ["JWT_SECRET"] = server.env["JWT_SECRET"]
        os.environ["DATA_DIR"] = server.env["DATA_DIR"]
        print(f"Ticked prod server {server.url}{' with Redis' if REDIS else ''}; {MEMBERS} members")
        asyncio.run(run(server))


if __name__ == "__main__":
    main()
