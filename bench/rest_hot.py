"""Benchmark: the REST hot path (issue 19) over loopback with a bearer token, SQLite and PostgreSQL.

Seeds one user with 2,000 threads x 20 messages (bulk Core inserts through the column types, so
the messages are encrypted at rest as the app stores them), starts the production server the way
the other benchmarks do (``reflex run --env prod``, here ``--backend-only``: the same ASGI app,
middleware and ``/api`` mount, without building the frontend), signs in, and times, alternating
on one keep-alive connection:

    list    GET /api/threads                       the first page of the sidebar (20 threads)
    open    GET /api/threads/{id}?messages=50      a random thread with its messages (one call)

with a sign-in token (JWT) and with a personal access token (``tk_...``). Prints p50 / p95 / p99
per call and the goals (p50: list <= 1.5 ms, open <= 2 ms, p95 <= 2x p50; PostgreSQL within 1.5x).

    .venv/bin/python bench/rest_hot.py
    BENCH_REQUESTS=500 BENCH_ONLY=sqlite .venv/bin/python bench/rest_hot.py
    BENCH_PROFILE=1 ...   # also py-spy the server while it answers (needs py-spy), top frames printed

PostgreSQL runs in a database the script creates (``ticked_bench_rest_<random>``) and drops at the
end; it is skipped with a note when the server is unreachable.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ENCRYPTION_KEY = "rest-hot-bench-key-" + "x" * 48
os.environ.update(
    ENCRYPTION_KEY=ENCRYPTION_KEY,
    JWT_SECRET="bench-jwt-secret-not-for-production",
    DATA_DIR=tempfile.mkdtemp(prefix="ticked-bench-rest-data-"),
)

import sqlalchemy as sa  # noqa: E402
from _server import group_cpu_seconds, pg_admin, prod_server, scratch_pg_database  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.core.config import get_settings  # noqa: E402
from app.core.crypto import reset_keyring  # noqa: E402
from app.core.db import make_engine  # noqa: E402
from app.core.security import hash_password  # noqa: E402
from app.models import Message, Thread, User  # noqa: E402
from app.services import access_tokens  # noqa: E402

THREADS, MESSAGES = 2_000, 20
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1500"))
WARMUP = 200
ONLY = os.environ.get("BENCH_ONLY", "")
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
EMAIL, PASSWORD = "bench-rest@example.com", "correct-horse-42"
GOALS = {"list": 1.5, "open": 2.0}
WORDS_TEXT = (
    "add buy call check clean cook email fix plan read send pay book move pick order review write "
    "rent milk bread eggs coffee dentist doctor meeting report invoice taxes garden laundry kitchen"
)
WORDS = WORDS_TEXT.split()
ROLES = ("user", "assistant")


def seed(url: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """One user, THREADS threads of MESSAGES messages each; returns the user and the thread ids."""
    get_settings.cache_clear()
    reset_keyring()
    rng = random.Random(19)
    engine = make_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    user_id = uuid.uuid4()
    thread_ids = [uuid.uuid4() for _ in range(THREADS)]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(User.__table__),
            [
                {
                    "id": user_id,
                    "email": EMAIL,
                    "name": "Bench",
                    "hashed_password": hash_password(PASSWORD),
                    "is_active": True,
                    "chat_preferences": {},
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        for first in range(0, THREADS, 500):
            threads, messages = [], []
            for tid in thread_ids[first : first + 500]:
                created = now - timedelta(days=1 + rng.random() * 364)
                stamps = list(accumulate(timedelta(seconds=rng.randint(5, 300)) for _ in range(MESSAGES)))
                stamp = created + stamps[-1]
                messages += [
                    {
                        "id": uuid.uuid4(), "thread_id": tid, "user_id": user_id, "role": ROLES[m % 2],
                        "content": " ".join(rng.choices(WORDS, k=rng.randint(6, 40))), "status": "completed",
                        "tool_calls": None, "metadata": {}, "created_at": at, "updated_at": at,
                    }
                    for m, at in enumerate(created + step for step in stamps)
                ]  # fmt: skip
                threads.append(
                    {
                        "id": tid,
                        "user_id": user_id,
                        "title": " ".join(rng.choices(WORDS, k=4)).capitalize(),
                        "status": "active",
                        "metadata": {},
                        "created_at": created,
                        "updated_at": stamp,
                    }
                )
            conn.execute(sa.insert(Thread.__table__), threads)
            conn.execute(sa.insert(Message.__table__), messages)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return user_id, thread_ids


def access_token(url: str, user_id: uuid.UUID) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        _, secret = access_tokens.create(
            session, user_id=user_id, name="bench", scope="read", expires_days=30, surface="cli"
        )
        session.commit()
    engine.dispose()
    return secret


class Client:
    """One keep-alive HTTP/1.1 connection (what a script or a browser tab keeps open)."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(self, path: str) -> tuple[float, Any]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        resp = self.conn.getresponse()
        body = resp.read()
        elapsed = (time.perf_counter() - started) * 1000
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {body[:300]!r}")
        return elapsed, body


def sign_in(base: str) -> str:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    body = json.dumps({"email": EMAIL, "password": PASSWORD})
    conn.request("POST", "/api/auth/token", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    if resp.status != 200:
        raise RuntimeError(f"sign-in failed: {resp.status} {data}")
    return str(data["access_token"])


CALLS = {"list": "/api/threads", "open": "/api/threads/{id}?messages=50"}


def measure(
    client: Client, pgid: int, path: str, thread_ids: list[uuid.UUID], rng: random.Random
) -> tuple[list[float], float, int]:
    """REQUESTS calls of ``path`` (a random thread for ``{id}``): latencies (ms), the server's CPU
    per request (ms, all its processes: less sensitive to a busy machine than latency), rows."""
    values: list[float] = []
    rows = 0
    cpu = group_cpu_seconds(pgid)
    for _ in range(REQUESTS):
        elapsed, body = client.get(path.replace("{id}", str(rng.choice(thread_ids))))
        values.append(elapsed)
        data = json.loads(body)
        rows = len(data.get("messages", data)["data"])
    return values, (group_cpu_seconds(pgid) - cpu) * 1000 / REQUESTS, rows


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.contextmanager
def profiling(pid: int, out: Path) -> Iterator[None]:
    """py-spy over the server's process group while the block runs (raw folded stacks in ``out``)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    proc = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "500", "--output", str(out),
         "--subprocesses", "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    try:
        yield
    finally:
        proc.send_signal(2)
        proc.wait(timeout=60)


IDLE_LEAVES = ("Condition.wait", "Queue.get", "EpollSelector.select", "Thread.join", "Event.wait", "select ")


def summarize_profile(path: Path, top: int = 40) -> None:
    """Share of the busy samples per function, inclusive (file and function), and the top self frames.

    Samples whose innermost frame waits (a worker thread on its queue, the loop in ``select``) or
    that have no Python frame at all (the server's native threads) are idle and left out.
    """
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = idle = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames or frames[-1].startswith(IDLE_LEAVES):
            idle += int(count)
            continue
        total += int(count)
        for name in {f"{f.split(' (')[0]} [{f.split(' (')[-1].split(':')[0]}]" for f in frames}:
            inclusive[name] = inclusive.get(name, 0) + int(count)
        leaf = frames[-1].split(":")[0] + ")"
        own[leaf] = own.get(leaf, 0) + int(count)
    print(f"  profile: {total} busy samples ({idle} idle left out); inclusive:")
    for name, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * n / total:5.1f}%  {name}")
    print("  self:")
    for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:20]:
        print(f"    {100 * n / total:5.1f}%  {name}")


def run(backend: str, url: str | None) -> dict[str, dict[str, float]]:
    extra = {"ENCRYPTION_KEY": ENCRYPTION_KEY}
    out: dict[str, dict[str, float]] = {}
    with prod_server(db_url=url, backend_only=True, extra_env=extra) as server:
        started = time.perf_counter()
        user_id, thread_ids = seed(server.db_url)
        took = time.perf_counter() - started
        print(f"\n== {backend}: seeded {THREADS:,} threads x {MESSAGES} messages in {took:.1f} s")
        tokens = {"jwt": sign_in(server.url), "tk": access_token(server.db_url, user_id)}
        rng = random.Random(7)
        for kind, token in tokens.items():
            client = Client(server.url, token)
            spy = profiling(server.proc.pid, Path(tempfile.gettempdir()) / f"rest-hot-{backend}-{kind}.txt")
            with spy if PROFILE and kind == "jwt" else contextlib.nullcontext():
                for _ in range(WARMUP):
                    client.get("/api/threads")
                    client.get(f"/api/threads/{rng.choice(thread_ids)}?messages=50")
                for name, path in CALLS.items():
                    values, cpu, rows = measure(client, server.proc.pid, path, thread_ids, rng)
                    p50, p95, p99 = pct(values, 0.5), pct(values, 0.95), pct(values, 0.99)
                    out[f"{name} ({kind})"] = {"p50": p50, "p95": p95, "p99": p99, "cpu": cpu}
                    print(
                        f"  {name} ({kind:<3}) {rows:>3} rows  p50 {p50:6.2f}  p95 {p95:6.2f}  "
                        f"p99 {p99:6.2f}  mean {statistics.fmean(values):6.2f} ms  "
                        f"server CPU {cpu:5.2f} ms/request  (n={len(values)})"
                    )
            if PROFILE and kind == "jwt":
                summarize_profile(Path(tempfile.gettempdir()) / f"rest-hot-{backend}-{kind}.txt")
    return out


def main() -> None:
    print(f"REST hot path: {THREADS:,} threads x {MESSAGES} messages, {REQUESTS} timed requests per call")
    results: dict[str, dict[str, dict[str, float]]] = {}
    if ONLY in ("", "sqlite"):
        results["sqlite"] = run("sqlite", None)
    if ONLY in ("", "postgresql"):
        admin = pg_admin()
        if admin is not None:
            with scratch_pg_database(admin, f"ticked_bench_rest_{uuid.uuid4().hex[:8]}") as url:
                results["postgresql"] = run("postgresql", url)
            admin.dispose()
    print("\n== goals (p50 ms; p95 <= 2x p50; PostgreSQL within 1.5x) ==")
    for backend, calls in results.items():
        factor = 1.5 if backend == "postgresql" else 1.0
        for name, r in calls.items():
            goal = GOALS[name.split()[0]] * factor
            ok = r["p50"] <= goal and r["p95"] <= 2 * r["p50"]
            print(
                f"  {backend:<11}{name:<12} p50 {r['p50']:6.2f} (goal {goal:.2f})  "
                f"p95/p50 {r['p95'] / r['p50']:4.2f}  CPU {r['cpu']:5.2f}  {'ok' if ok else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
