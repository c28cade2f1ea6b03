"""Benchmark: the store's hot reads at 1k / 10k (/ 100k) threads on SQLite and PostgreSQL.

Seeds 100 users with threads (~10 messages each, a few long threads of 200 messages) and
some tasks with bulk Core inserts (through the column types, so chat content is encrypted at rest
as the app stores it, and each thread's search terms are written as the services would), then
times the real service functions, each call in a fresh session as a request would:

    sidebar        list_threads(limit=30), the first page of the sidebar
    last 50        list_messages(limit=50) of a long thread
    load earlier   list_messages(limit=50, before=<oldest shown>)
    search rare    list_threads(search=<word in ~0.15% of messages>): scans all the user's threads
    search common  list_threads(search=<word in ~5% of messages>): stops after 30 hits
    search two     list_threads(search=<that word and a frequent one>)
    tasks          list_tasks(TaskQuery(status="pending", priority="high", sort="due_date"))
    today          the task page's Today: open tasks due today or earlier (overdue first), one page
                   (51 rows), and the nav's Today count
    upcoming       the task page's Upcoming: open tasks due in the next 14 days, one page

Each of the five task users has 1,000 tasks (10,000 with ``BENCH_SCALE=full``, or ``BENCH_TASKS``), 30 %
done, 80 % due within -30..+60 days.

Then a shared project (issue 16), in the same database: 50 members (an owner and 49 editors), 10,000
tasks (30 % done, 80 % assigned, evenly over the members), among the seeded data; each call as a
random member, one page as the task page asks for it (50 rows and one more to know there is a
next page), through the real services (membership checked in the query):

    project list   list_tasks(TaskQuery(project_id=P, status="pending", limit=51)), sorted by due
                   date (the task page's default) and newest first
    assigned to me list_tasks(TaskQuery(assignee_id=me, status="pending", limit=51)), the same sorts
    project counts count_by_status(TaskQuery(project_id=P)) (the page's All/Pending/Completed)

and, when ``PROPOSED_INDEXES`` names any, the same lists again with those indexes (made and dropped
in the bench database only), to judge a model change on numbers.

Prints p50 / p95 / p99 and throughput per operation, the goals, and the query plan of the SQL
each operation runs (captured from the real call with a ``before_cursor_execute`` listener).
Goals (on p95): the first three < 5 ms at every size; search < 25 ms at 100k threads; the
shared project's list and "assigned to me" < 10 ms, by index scans.

    .venv/bin/python bench/store.py                     # 1k and 10k threads, quick
    BENCH_SCALE=full .venv/bin/python bench/store.py    # adds 100k threads / 1M messages
    BENCH_ONLY=team .venv/bin/python bench/store.py     # only the shared project (1k threads)
    BENCH_PG_ADMIN_URL=postgresql+psycopg://... .venv/bin/python bench/store.py
    BENCH_SIZES=2000,10000 BENCH_MESSAGES=20 .venv/bin/python bench/store.py   # these sizes, 20 messages
                                                        # a thread (no shared project)
    BENCH_INDEX=0 ...                                   # seed without the search index (no searches)
    BENCH_SIZES=10000 BENCH_USERS=10 ...                # 1,000 threads a person, as at 100k, quickly
    BENCH_BACKENDS=postgresql ...                       # one database only

Each size prints the bytes of ``messages`` and of the search index (each table with its indexes).

PostgreSQL runs in a database the script creates (``ticked_bench_<random>_<size>``) and drops
at the end; it is skipped with a note when the server is unreachable.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from _server import pg_admin, scratch_pg_database
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import migrations
from app.core.crypto import get_keyring
from app.core.db import make_engine
from app.models import BlockBloom, Membership, Message, Project, Task, Thread, ThreadTerms, User
from app.models.project import INBOX_NAME, name_key
from app.services.messages import list_messages
from app.services.search_index import HashCache, number_blocks, thread_row
from app.services.tasks import TaskQuery, count_by_status, list_tasks
from app.services.threads import list_threads
from app.views.daily import today_count, view_query

FULL = os.environ.get("BENCH_SCALE") == "full"
TEAM_ONLY = os.environ.get("BENCH_ONLY") == "team"
SIZES = [1_000] if TEAM_ONLY else [1_000, 10_000, 100_000] if FULL else [1_000, 10_000]
if os.environ.get("BENCH_SIZES"):  # e.g. "2000,10000": these thread counts instead
    SIZES = [int(n) for n in os.environ["BENCH_SIZES"].split(",")]
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "0"))
"""Messages in every thread but the long ones (0: 4-14 at random, ~10 on average)."""
INDEX = os.environ.get("BENCH_INDEX", "1") != "0"
"""0: seed without the search index (to time seeding without it; searches are then skipped)."""
USERS = int(os.environ.get("BENCH_USERS", "100"))
"""People the threads are spread over (10 at 10k threads: 1,000 a person, as at 100k)."""
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
TASK_USERS = 5
TASKS_PER_USER = int(os.environ.get("BENCH_TASKS", 10_000 if FULL else 1_000))
LONG_THREAD_MESSAGES = 200
REPS = 500 if FULL else 300
BUDGET_S = 4.0 if FULL else 1.5  # per operation; at least MIN_REPS are timed regardless
MIN_REPS = 50
CHUNK_THREADS = 2_000
RARE, COMMON, TWO = "quokka", "groceries", "weekend"
SMALL_GOAL_MS, SEARCH_GOAL_MS, SEARCH_GOAL_SIZE = 5.0, 25.0, 100_000
TEAM_MEMBERS, TEAM_TASKS, TEAM_GOAL_MS, PAGE = 50, 10_000, 10.0, 50
PROPOSED_INDEXES: dict[str, str] = {}
"""Indexes the app does not have, timed after the shared project's own numbers, to judge a model
change on numbers (name -> column list SQL). Empty: the four measured here on 2026-12-05 (project or
assignee, completed, due first, newest; and newest) are in the schema since migration 0004."""

WORDS_TEXT = (
    "add buy call check clean cook email fix plan read send pay book move pick order review "
    "write finish start update cancel remind schedule ask bring find print sign share water "
    "rent milk bread eggs butter coffee dentist doctor meeting report invoice taxes car bike "
    "garden laundry dishes kitchen office project slides budget flight hotel passport gift "
    "birthday party dinner lunch breakfast gym run yoga book_club school homework kids dog cat "
    "vet plumber electrician insurance bank loan mortgage receipt package delivery store market "
    "today tomorrow monday tuesday wednesday thursday friday weekend morning evening night "
    "next week month soon later please thanks also and then with for the a to of my our "
    "high low medium priority urgent important done pending tag work home personal errands"
)
WORDS = WORDS_TEXT.split()
ROLES = ("user", "assistant")

# ---------------------------------------------------------------- seeding


@dataclass
class Seeded:
    threads: int = 0
    messages: int = 0
    tasks: int = 0
    terms: int = 0  # search index rows
    sealed: int = 0  # blocks with a Bloom filter
    block_seconds: float = 0.0  # of ``seconds``: numbering blocks and writing their filters
    seconds: float = 0.0
    users: list[uuid.UUID] = field(default_factory=list)
    long_threads: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)  # (owner, thread)
    task_users: list[uuid.UUID] = field(default_factory=list)


def _content(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 24))
    if rng.random() < 0.05:
        words[rng.randrange(len(words))] = COMMON
    if rng.random() < 0.0015:
        words[rng.randrange(len(words))] = RARE
    return " ".join(words)


def _title(text: str) -> str:
    line = " ".join(text.split()[:7])
    return line[0].upper() + line[1:]


def seed(engine: Engine, n_threads: int, rng: random.Random) -> Seeded:
    started = time.perf_counter()
    out = Seeded()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # naive UTC, as UTCDateTime stores it
    users = [
        {
            "id": uuid.uuid4(),
            "email": f"bench-{i}@example.com",
            "name": f"Bench {i}",
            "hashed_password": "x" * 60,
            "is_active": True,
            "chat_preferences": {},
            "created_at": now,
            "updated_at": now,
        }
        for i in range(USERS)
    ]
    out.users = [u["id"] for u in users]
    n_long = max(2, n_threads // 200)  # ~200 messages each; the rest ~9, so ~10 per thread overall
    key = get_keyring().primary
    with engine.begin() as conn:
        conn.execute(sa.insert(User.__table__), users)
        for first in range(0, n_threads, CHUNK_THREADS):
            threads: list[dict[str, Any]] = []
            messages: list[dict[str, Any]] = []
            terms: list[dict[str, Any]] = []
            cache: HashCache = {}  # as the migration does: each person's recurring words hashed once
            for t in range(first, min(first + CHUNK_THREADS, n_threads)):
                user_id = out.users[t % USERS]
                thread_id = uuid.uuid4()
                count = LONG_THREAD_MESSAGES if t < n_long else MESSAGES or rng.randint(4, 14)
                stamp = now - timedelta(days=1 + rng.random() * 364)
                first_text = ""
                for m in range(count):
                    stamp += timedelta(seconds=rng.randint(5, 300))
                    text = _content(rng)
                    first_text = first_text or text
                    messages.append(
                        {
                            "id": uuid.uuid4(),
                            "thread_id": thread_id,
                            "user_id": user_id,
                            "role": ROLES[m % 2],
                            "content": text,
                            "status": "completed",
                            "tool_calls": None,
                            "metadata": {},
                            "created_at": stamp,
                            "updated_at": stamp,
                        }
                    )
                threads.append(
                    {
                        "id": thread_id,
                        "user_id": user_id,
                        "title": _title(first_text),
                        "status": "archived" if rng.random() < 0.1 and t >= n_long else "active",
                        "metadata": {},
                        "created_at": messages[-count]["created_at"],
                        "updated_at": stamp,
                    }
                )
                if t < n_long:
                    out.long_threads.append((user_id, thread_id))
                if INDEX:
                    texts = [m["content"] for m in messages[-count:]]
                    terms.append(
                        thread_row(
                            key,
                            user_id=user_id,
                            thread_id=thread_id,
                            title=threads[-1]["title"],
                            texts=texts,
                            cache=cache,
                        )
                    )
            conn.execute(sa.insert(Thread.__table__), threads)
            conn.execute(sa.insert(Message.__table__), messages)
            if terms:
                conn.execute(sa.insert(ThreadTerms.__table__), terms)
            out.threads += len(threads)
            out.messages += len(messages)
            out.terms += len(terms)
        if INDEX:  # each person's threads in blocks, full blocks sealed, as migration 0009 does
            blocks_started = time.perf_counter()
            out.sealed = number_blocks(conn, out.users)
            out.block_seconds = time.perf_counter() - blocks_started
        out.task_users = out.users[:TASK_USERS]
        inboxes = _inboxes(conn, out.users, now)
        tasks = []
        for user_id in out.task_users:
            for _ in range(TASKS_PER_USER):
                created = now - timedelta(days=rng.random() * 120)
                done = rng.random() < 0.3
                tasks.append(
                    {
                        "id": uuid.uuid4(),
                        "user_id": user_id,
                        "project_id": inboxes[user_id],
                        "assignee_id": None,
                        "title": _title(_content(rng)),
                        "description": "",
                        "completed": done,
                        "completed_at": created + timedelta(days=1) if done else None,
                        "priority": rng.choice(("low", "medium", "high")),
                        "tags": rng.sample(["work", "home", "errands", "health", "money"], rng.randint(0, 2)),
                        "due_date": None
                        if rng.random() < 0.2
                        else date.today() + timedelta(days=rng.randint(-30, 60)),
                        "recurrence": None,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
        conn.execute(sa.insert(Task.__table__), tasks)
        out.tasks = len(tasks)
    compacting = 0.0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            # numbering the search blocks rewrote each thread and index row once: compact the two
            # tables (not counted in the seeding time), so sizes and reads are those of a table loaded
            # whole, as before the blocks; then planner statistics, as a live database would have
            compacting = time.perf_counter()
            if INDEX:
                conn.exec_driver_sql("VACUUM FULL threads, search_terms")
            compacting = time.perf_counter() - compacting
            conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")  # planner statistics, as a live database would have
    out.seconds = time.perf_counter() - started - compacting
    return out


def table_mb(engine: Engine, table: str, indexes: bool = True) -> float:
    """A table's bytes on disk, with its indexes unless ``indexes`` is false (TOAST included), in MB."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":  # the table's b-tree, and its indexes' (automatic ones too)
            names = "SELECT name FROM sqlite_master WHERE tbl_name = :t" if indexes else "SELECT :t"
            sql = f"SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ({names})"
        elif indexes:
            sql = "SELECT pg_total_relation_size(CAST(:t AS regclass))"
        else:
            sql = "SELECT pg_table_size(CAST(:t AS regclass))"
        return int(conn.execute(sa.text(sql), {"t": table}).scalar_one()) / 1e6


def _inboxes(conn: sa.Connection, users: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, uuid.UUID]:
    """Every user's Inbox with its owner membership, as sign-up makes them (bulk inserts skip the
    ORM hook that does it): a task is always in a project."""
    ids = {u: uuid.uuid4() for u in users}
    conn.execute(
        sa.insert(Project.__table__),
        [
            {
                "id": pid,
                "owner_id": u,
                "name": INBOX_NAME,
                "name_key": name_key(INBOX_NAME),
                "color": "gray",
                "is_inbox": True,
                "archived": False,
                "created_at": now,
                "updated_at": now,
            }
            for u, pid in ids.items()
        ],
    )
    conn.execute(
        sa.insert(Membership.__table__),
        [
            {
                "id": uuid.uuid4(),
                "project_id": pid,
                "user_id": u,
                "role": "owner",
                "added_by": None,
                "created_at": now,
            }
            for u, pid in ids.items()
        ],
    )
    return ids


@dataclass
class Team:
    project_id: uuid.UUID
    members: list[uuid.UUID]
    tasks: int
    seconds: float


def seed_team(engine: Engine, rng: random.Random) -> Team:
    """One shared project: TEAM_MEMBERS members (the first its owner), TEAM_TASKS tasks, 30 % done,
    80 % assigned evenly over the members, created by any of them over 120 days."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    members = [uuid.uuid4() for _ in range(TEAM_MEMBERS)]
    project_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            sa.insert(User.__table__),
            [
                {
                    "id": m,
                    "email": f"team-{i}@example.com",
                    "name": f"Teammate {i}",
                    "hashed_password": "x" * 60,
                    "is_active": True,
                    "chat_preferences": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for i, m in enumerate(members)
            ],
        )
        inboxes = _inboxes(conn, members, now)
        conn.execute(
            sa.insert(Project.__table__),
            [
                {
                    "id": project_id,
                    "owner_id": members[0],
                    "name": "Groceries",
                    "name_key": "groceries",
                    "color": "green",
                    "is_inbox": False,
                    "archived": False,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            sa.insert(Membership.__table__),
            [
                {
                    "id": uuid.uuid4(),
                    "project_id": project_id,
                    "user_id": m,
                    "role": "owner" if i == 0 else "editor",
                    "added_by": members[0],
                    "created_at": now + timedelta(seconds=i),
                }
                for i, m in enumerate(members)
            ],
        )
        tasks = []
        for n in range(TEAM_TASKS):
            created = now - timedelta(days=rng.random() * 120)
            done = rng.random() < 0.3
            tasks.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": rng.choice(members),
                    "project_id": project_id,
                    "assignee_id": members[n % TEAM_MEMBERS] if rng.random() < 0.8 else None,
                    "title": _title(_content(rng)),
                    "description": "",
                    "completed": done,
                    "completed_at": created + timedelta(days=1) if done else None,
                    "priority": rng.choice(("low", "medium", "high")),
                    "tags": [],
                    "due_date": None
                    if rng.random() < 0.3
                    else date.today() + timedelta(days=rng.randint(-30, 60)),
                    "recurrence": None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        for m in members:  # each member's own Inbox holds a few tasks too
            for _ in range(20):
                tasks.append(
                    {
                        **tasks[-1],
                        "id": uuid.uuid4(),
                        "user_id": m,
                        "project_id": inboxes[m],
                        "assignee_id": None,
                    }
                )
        conn.execute(sa.insert(Task.__table__), tasks)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    return Team(project_id, members, TEAM_TASKS, time.perf_counter() - started)


def run_team(engine: Engine, backend: str, rng: random.Random) -> list[Result]:
    team = seed_team(engine, rng)
    print(
        f"\n== {backend}: a shared project, {team.tasks:,} tasks, {len(team.members)} members "
        f"(seeded in {team.seconds:.1f} s), besides the data above =="
    )
    members, pid = team.members, team.project_id
    order = [rng.randrange(len(members)) for _ in range(1000)]

    def who(i: int) -> uuid.UUID:
        return members[order[i % len(order)]]

    def listing(query: TaskQuery, mine: bool = False) -> Callable[[Session, int], int]:
        def op(s: Session, i: int) -> int:
            me = who(i)
            q = dataclasses.replace(query, assignee_id=me) if mine else query
            return len(list_tasks(s, user_id=me, query=q))

        return op

    def project_counts(s: Session, i: int) -> int:
        return count_by_status(s, user_id=who(i), query=TaskQuery(project_id=pid))["all"]

    page = {"status": "pending", "limit": PAGE + 1}
    ops: list[tuple[str, Callable[[Session, int], int], float | None]] = [
        ("project list, by due", listing(TaskQuery(project_id=pid, sort="due_date", **page)), TEAM_GOAL_MS),
        ("project list, newest", listing(TaskQuery(project_id=pid, sort="created", **page)), TEAM_GOAL_MS),
        ("assigned to me, by due", listing(TaskQuery(sort="due_date", **page), mine=True), TEAM_GOAL_MS),
        ("assigned to me, newest", listing(TaskQuery(sort="created", **page), mine=True), TEAM_GOAL_MS),
        ("project counts", project_counts, None),
    ]
    results = [measure(engine, name, op, goal, 0) for name, op, goal in ops]
    _report(results, backend)
    if PROPOSED_INDEXES:
        # Not in the app's schema: what the plans above suggest, measured here so a model change
        # (and its migration) can be judged on numbers; dropped again afterwards.
        with engine.begin() as conn:
            for name, columns in PROPOSED_INDEXES.items():
                conn.exec_driver_sql(f"CREATE INDEX {name} ON tasks ({columns})")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"-- with the proposed indexes: {', '.join(f'{n} ({c})' for n, c in PROPOSED_INDEXES.items())}")
        proposed = [measure(engine, f"{name} +idx", op, goal, 0) for name, op, goal in ops[:4]]
        _report(proposed, backend)
        with engine.begin() as conn:
            for name in PROPOSED_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX {name}")
        results += proposed
    return results


# ---------------------------------------------------------------- timing and plans


@dataclass
class Result:
    name: str
    reps: int
    rows: float
    p50: float
    p95: float
    p99: float
    ops: float
    gc2: int
    goal: str
    plan: list[str]
    verdict: str


def _time(engine: Engine, op: Callable[[Session, int], int]) -> tuple[list[float], float, float, int]:
    for i in range(10):  # warm-up: pool, statement cache, page cache
        with Session(engine) as session:
            op(session, i)
    gc.collect()  # start each series without the garbage of the previous one (GC stays on while timing)
    full_gcs = gc.get_stats()[2]["collections"]
    times: list[float] = []
    rows = 0
    started = time.perf_counter()
    i = 0
    while i < REPS and (i < MIN_REPS or time.perf_counter() - started < BUDGET_S):
        t0 = time.perf_counter()
        with Session(engine) as session:
            rows += op(session, i)
        times.append((time.perf_counter() - t0) * 1000)
        i += 1
    ops = len(times) / (time.perf_counter() - started)
    return times, ops, rows / len(times), gc.get_stats()[2]["collections"] - full_gcs


@contextmanager
def _capture(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            depth = {0: -1}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return lines
        return [row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()]


def _verdict(plan: list[str]) -> str:
    """Index used? Any full scan? Any sort, and of what?"""
    text = "\n".join(plan)
    index = bool(re.search(r"USING (COVERING )?INDEX|USING PRIMARY KEY|Index (Only )?Scan", text))
    scans = re.findall(r"^\s*SCAN (\w+)(?! USING)\s*$|Seq Scan on (\w+)", text, re.M)
    scanned = sorted({a or b for a, b in scans})
    if "RIGHT PART OF ORDER BY" in text or "Incremental Sort" in text:
        sort = "partial (ties of the index order only)"
    elif re.search(r"TEMP B-TREE FOR ORDER BY|^\s*(->\s*)?Sort\b", text, re.M):
        sort = "SORT of the filtered rows"
    else:
        sort = "none (index order)"
    full = f"FULL SCAN of {', '.join(scanned)}" if scanned else "no full scan"
    return f"index: {'yes' if index else 'NO'}; {full}; sort: {sort}"


def measure(
    engine: Engine, name: str, op: Callable[[Session, int], int], goal_ms: float | None, size: int
) -> Result:
    with _capture(engine) as seen, Session(engine) as session:
        op(session, 0)
    selects = [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]
    statement, parameters = selects[-1]  # the operation's own query (list_messages first loads the thread)
    plan = _explain(engine, statement, parameters)
    times, ops, rows, gc2 = _time(engine, op)
    q = statistics.quantiles(times, n=100)
    if goal_ms is None:
        goal = "-"
    elif name.startswith("search") and size != SEARCH_GOAL_SIZE:
        goal = f"<{goal_ms:g} @100k: {'ok' if q[94] < goal_ms else 'over'} here"
    else:
        goal = f"<{goal_ms:g}: {'PASS' if q[94] < goal_ms else 'FAIL'}"
    return Result(name, len(times), rows, q[49], q[94], q[98], ops, gc2, goal, plan, _verdict(plan))


def run_size(engine: Engine, backend: str, size: int, rng: random.Random) -> list[Result]:
    data = seed(engine, size, rng)
    print(
        f"\n== {backend}: {data.threads:,} threads, {data.messages:,} messages, {data.tasks:,} tasks, "
        f"{data.terms:,} search index rows, {USERS} users (seeded in {data.seconds:.1f} s) =="
    )
    if INDEX:
        print(f"search blocks: {data.sealed:,} sealed, numbered and filtered in {data.block_seconds:.1f} s")
    print(
        f"sizes: messages {table_mb(engine, 'messages', indexes=False):.1f} MB "
        f"({table_mb(engine, 'messages'):.1f} MB with its indexes), search index "
        f"{table_mb(engine, ThreadTerms.__tablename__):.1f} MB with its indexes, block filters "
        f"{table_mb(engine, BlockBloom.__tablename__):.1f} MB"
    )
    cursors = []
    for owner, tid in data.long_threads:
        with Session(engine) as session:
            oldest = list_messages(session, user_id=owner, thread_id=tid, limit=50)[0]
            cursors.append((owner, tid, (oldest.created_at, oldest.id)))
    users, longs, task_users = data.users, data.long_threads, data.task_users
    task_query = TaskQuery(status="pending", priority="high", sort="due_date")

    def sidebar(s: Session, i: int) -> int:
        return len(list_threads(s, user_id=users[i % USERS], limit=30))

    def last_50(s: Session, i: int) -> int:
        owner, tid = longs[i % len(longs)]
        return len(list_messages(s, user_id=owner, thread_id=tid, limit=50))

    def earlier(s: Session, i: int) -> int:
        owner, tid, before = cursors[i % len(cursors)]
        return len(list_messages(s, user_id=owner, thread_id=tid, limit=50, before=before))

    def search_rare(s: Session, i: int) -> int:
        return len(list_threads(s, user_id=users[i % USERS], search=RARE))

    def search_common(s: Session, i: int) -> int:
        return len(list_threads(s, user_id=users[i % USERS], search=COMMON))

    def search_two(s: Session, i: int) -> int:
        return len(list_threads(s, user_id=users[i % USERS], search=f"{COMMON} {TWO}"))

    def tasks(s: Session, i: int) -> int:
        return len(list_tasks(s, user_id=task_users[i % TASK_USERS], query=task_query))

    today_page = view_query("today", TaskQuery(limit=PAGE + 1))
    upcoming_page = view_query("upcoming", TaskQuery(limit=PAGE + 1))

    def today(s: Session, i: int) -> int:
        return len(list_tasks(s, user_id=task_users[i % TASK_USERS], query=today_page))

    def today_nav_count(s: Session, i: int) -> int:
        return today_count(s, user_id=task_users[i % TASK_USERS])

    def upcoming(s: Session, i: int) -> int:
        return len(list_tasks(s, user_id=task_users[i % TASK_USERS], query=upcoming_page))

    ops: list[tuple[str, Callable[[Session, int], int], float | None]] = [
        ("sidebar first page", sidebar, SMALL_GOAL_MS),
        ("last 50 messages", last_50, SMALL_GOAL_MS),
        ("load earlier (before)", earlier, SMALL_GOAL_MS),
        (f"search rare '{RARE}'", search_rare, SEARCH_GOAL_MS),
        (f"search common '{COMMON}'", search_common, SEARCH_GOAL_MS),
        (f"search two '{COMMON} {TWO}'", search_two, SEARCH_GOAL_MS),
        ("tasks pending+high by due", tasks, None),
        ("today (first page)", today, None),
        ("today count (nav)", today_nav_count, None),
        ("upcoming (first page)", upcoming, None),
    ]
    if not INDEX:
        ops = [op for op in ops if not op[0].startswith("search")]
    results = [] if TEAM_ONLY else [measure(engine, name, op, goal, size) for name, op, goal in ops]
    _report(results, backend)
    if size == SIZES[0] and not os.environ.get("BENCH_SIZES"):
        results += run_team(engine, backend, rng)
    return results


def _report(results: list[Result], backend: str) -> None:
    if not results:
        return
    print(
        f"{'operation':<28}{'reps':>6}{'rows':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'ops/s':>9}"
        f"{'gc2':>5}  goal (p95, ms)"
    )
    for r in results:
        print(
            f"{r.name:<28}{r.reps:>6}{r.rows:>7.1f}{r.p50:>9.2f}{r.p95:>9.2f}{r.p99:>9.2f}{r.ops:>9.0f}"
            f"{r.gc2:>5}  {r.goal}"
        )
    print("(rows: average rows returned; gc2: full garbage collections during the series)")
    print(f"-- query plans ({'EXPLAIN QUERY PLAN' if backend == 'sqlite' else 'EXPLAIN'})")
    for r in results:
        print(f"[{r.name}] {r.verdict}")
        for line in r.plan:
            print(f"    {line}")


# ---------------------------------------------------------------- backends


def run_sqlite(rng: random.Random) -> dict[int, list[Result]]:
    out = {}
    with tempfile.TemporaryDirectory(prefix="ticked-bench-store-") as tmp:
        for size in SIZES:
            url = f"sqlite:///{tmp}/bench-{size}.db"
            migrations.upgrade(url)
            engine = make_engine(url)
            try:
                out[size] = run_size(engine, "sqlite", size, rng)
            finally:
                engine.dispose()
    return out


def run_postgres(rng: random.Random) -> dict[int, list[Result]] | None:
    admin = pg_admin()
    if admin is None:
        return None
    prefix = f"ticked_bench_{uuid.uuid4().hex[:8]}"
    out = {}
    for size in SIZES:
        with scratch_pg_database(admin, f"{prefix}_{size}") as url:
            engine = None
            try:
                migrations.upgrade(url)
                engine = make_engine(url)
                out[size] = run_size(engine, "postgresql", size, rng)
            finally:
                if engine is not None:
                    engine.dispose()
    admin.dispose()
    return out


def main() -> None:
    started = time.perf_counter()
    print(
        f"Store benchmark, sizes {', '.join(f'{s:,}' for s in SIZES)} threads, "
        f"BENCH_SCALE={'full' if FULL else 'quick'}, {os.cpu_count()} CPUs"
    )
    by_backend = {}
    if "sqlite" in BACKENDS:
        by_backend["sqlite"] = run_sqlite(random.Random(1))
    pg = run_postgres(random.Random(1)) if "postgresql" in BACKENDS else None
    if pg is not None:
        by_backend["postgresql"] = pg
    print("\n== goals (p95) ==")
    print(f"{'backend':<12}{'threads':>9}  {'operation':<28}{'p95 ms':>9}  result")
    for backend, sizes in by_backend.items():
        for size, results in sizes.items():
            for r in results:
                if r.goal != "-":
                    print(f"{backend:<12}{size:>9,}  {r.name:<28}{r.p95:>9.2f}  {r.goal}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
