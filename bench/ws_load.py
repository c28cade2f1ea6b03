"""Benchmark: N simulated browser tabs over Reflex's real websocket against a production server.

Starts ``reflex run --env prod`` on a scratch SQLite database (``bench/_server.py``), seeds N
accounts with one open task each, and lets N python-socketio clients talk to it exactly as the
compiled frontend does (``.web/utils/state.js``): the ``hydrate_and_load`` boot event rides in
the socket.io CONNECT packet, events go out as ``event`` messages on ``/_event`` and deltas come
back the same way. Every tab runs the same steps; all tabs do one step, then the next (so each
row is N tabs doing that step). Arrivals: in each step every tab acts at a random moment within
``BENCH_SPREAD`` seconds (default 10: each person acts about once every 10 s, so N/10 steps per
second arrive, 20/s at N=200, with all N tabs connected and active together; the first step's
window is ``BENCH_CONNECT_SPREAD``, default the same). Stress tests: ``BENCH_CONNECT_SPREAD=1``
is every open tab reconnecting at once (a server restart), ``BENCH_SPREAD=1`` is N people
pressing the same button within one second.

    connect      open the socket on /login; until the hydrate delta (``is_hydrated`` true)
    sign_in      AuthState.sign_in(form); until the token delta and the redirect to /
    open_chat    the client-side navigation to /: update_vars_internal (the LocalStorage token)
                 + on_load_internal (require_auth, ChatState.on_load); until hydrated again
    turn_ack     ChatState.send({"message": "show my tasks"}); until the first delta (sending)
    turn_first   ... until the first streamed words of the reply (``stream_text``); a reply shown
                 at once (the local agent's short ones, like this 13-word one) counts its final update
    turn_done    ... until ``sending`` is false (the reply is stored and complete)
    click        ChatState.widget_click on the first row's Complete button of the reply's
                 ListView; until the widget comes back with a new version showing "Reopen"
    floor        ChatState.expand_widget on that card (no database, a one-item delta); until the
                 delta: what Reflex, socket.io and the server cost one event by themselves

Errors: exceptions, timeouts (``BENCH_STEP_TIMEOUT``, default 90 s), unexpected disconnects,
error toasts, ``auth_error`` / ``ChatState.error`` set, a failed reply; a tab that fails a step
skips the rest. Afterwards the database must hold, for every tab that sent its message, that
message exactly once (and one completed reply); for every click, one completed action and the
task completed. Server memory is the VmRSS sum over the server's process group (/proc), peak
during the round and after it.

Goal at N=200 on the 2-core machine: p95 < 250 ms on every step, zero errors, nothing lost.

    .venv/bin/python bench/ws_load.py                     # N = 25, 50, 100 (~3 minutes)
    BENCH_SCALE=full .venv/bin/python bench/ws_load.py    # adds N = 200 (~4 minutes)
    BENCH_CLIENTS=10,20 BENCH_SPREAD=1 .venv/bin/python bench/ws_load.py
    BENCH_PROFILE=/tmp/prof .venv/bin/python bench/ws_load.py  # py-spy stacks per step (see Profiler)
    BENCH_STATE_MANAGER=disk .venv/bin/python bench/ws_load.py  # another Reflex state manager
    BENCH_REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/ws_load.py  # several workers
    BENCH_DATABASE=postgres .venv/bin/python bench/ws_load.py  # a scratch PostgreSQL database

Server CPU per phase (utime + stime of the server's processes, /proc) is printed per round: it
is what a step costs, independent of how busy the machine is, with the step's wall time (first
arrival to last answer: CPU over wall time over cores says whether the server was busy or waiting)
and, with several worker processes, its split by process (how evenly the tabs fell on them).

Needs ``python-socketio[asyncio_client]`` and ``aiohttp`` in the venv (``BENCH_PROFILE``: ``py-spy``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import socketio
from _server import ROOT, Server, pg_admin, prod_server, scratch_pg_database

from tests.utils.reflex_events import (  # the state names, checked against .web at start-up
    AUTH_STATE,
    CHAT_STATE,
    NAMESPACE,
    ON_LOAD,
    ROOT_STATE,
    TOKEN_VAR,
    UPDATE_VARS,
    make_event,
    open_socket,
)
from tests.utils.widget_paths import complete_path

FULL = os.environ.get("BENCH_SCALE") == "full"
CLIENTS = [int(n) for n in os.environ.get("BENCH_CLIENTS", "").split(",") if n.strip()] or (
    [25, 50, 100, 200] if FULL else [25, 50, 100]
)
SPREAD = float(os.environ.get("BENCH_SPREAD", "10"))
CONNECT_SPREAD = float(os.environ.get("BENCH_CONNECT_SPREAD", str(SPREAD)))
STEP_TIMEOUT = float(os.environ.get("BENCH_STEP_TIMEOUT", "90"))
PROFILE_DIR = os.environ.get("BENCH_PROFILE", "")
GOAL_N, GOAL_P95_MS = 200, 250.0
PASSWORD = "bench-password-1"
MESSAGE = "show my tasks"

STEPS = ["connect", "sign_in", "open_chat", "turn_ack", "turn_first", "turn_done", "click", "floor"]
COMPLETE_PATH = complete_path()  # the first row's Complete button in a task list card


class StepError(Exception):
    pass


def _first_button(node: dict[str, Any]) -> dict[str, Any] | None:
    if node.get("type") == "Button":
        return node
    for child in node.get("children") or []:
        found = _first_button(child)
        if found is not None:
            return found
    return None


class Tab:
    """One browser tab: one socket, one client token, the state it has been sent."""

    def __init__(self, url: str, email: str) -> None:
        self.url, self.email = url, email
        self.client_token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_update, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.times: dict[str, float] = {}
        self.failed_step = ""
        self.failure = ""
        self.sent_message = False
        self.clicked = False
        self.auth_token = ""
        self.chat: dict[str, Any] = {}
        self.closing = False
        self._waiter: tuple[Any, asyncio.Future] | None = None
        self._problem: str = ""

    # ----- incoming ---------------------------------------------------------------------------

    async def _on_update(self, update: dict[str, Any]) -> None:
        delta = update.get("delta") or {}
        auth = delta.get(AUTH_STATE) or {}
        chat = delta.get(CHAT_STATE) or {}
        if auth.get("token_rx_state_"):
            self.auth_token = auth["token_rx_state_"]
        if auth.get("auth_error_rx_state_"):
            self._problem = f"auth_error: {auth['auth_error_rx_state_']}"
        self.chat.update({k.removesuffix("_rx_state_"): v for k, v in chat.items()})
        if chat.get("error_rx_state_"):
            self._problem = f"chat error: {chat['error_rx_state_']}"
        for event in update.get("events") or []:
            code = json.dumps(event.get("payload") or {})
            scripted = event.get("name") in ("_call_script", "_call_function")
            if scripted and "toast" in code and "error" in code:
                self._problem = f"error toast: {code[:200]}"
        if self._waiter is None:
            return
        check, future = self._waiter
        if future.done():
            return
        if self._problem:
            future.set_exception(StepError(self._problem))
            return
        try:
            if check(update):
                future.set_result(time.perf_counter())
        except Exception as exc:  # noqa: BLE001 - a broken reply is the step's error
            future.set_exception(StepError(f"{type(exc).__name__}: {exc}"))

    async def _on_disconnect(self, *args: Any) -> None:
        if not self.closing and self._waiter is not None and not self._waiter[1].done():
            self._waiter[1].set_exception(StepError("server closed the socket"))

    def _expect(self, check) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._problem = ""
        self._waiter = (check, future)
        return future

    async def _emit(self, name: str, payload: dict[str, Any] | None, path: str) -> None:
        await self.sio.emit("event", make_event(name, payload, path), namespace=NAMESPACE)

    # ----- steps ------------------------------------------------------------------------------

    async def connect(self) -> None:
        hydrated = self._expect(
            lambda u: (u.get("delta") or {}).get(ROOT_STATE, {}).get("is_hydrated_rx_state_")
        )
        t0 = time.perf_counter()
        await open_socket(self.sio, self.url, self.client_token, timeout=STEP_TIMEOUT)
        self.times["connect"] = (await hydrated - t0) * 1000

    async def sign_in(self) -> None:
        redirected = self._expect(lambda u: any(e.get("name") == "_redirect" for e in u.get("events") or []))
        t0 = time.perf_counter()
        form = {"email": self.email, "password": PASSWORD}
        await self._emit(f"{AUTH_STATE}.sign_in", {"form": form}, "/login")
        done = await redirected
        if not self.auth_token:
            raise StepError("redirected without a token")
        self.times["sign_in"] = (done - t0) * 1000

    async def open_chat(self) -> None:
        def loaded(update: dict[str, Any]) -> bool:
            for event in update.get("events") or []:
                if event.get("name") == "_redirect":
                    raise StepError(f"redirected to {event.get('payload', {}).get('path')}")
            return bool((update.get("delta") or {}).get(ROOT_STATE, {}).get("is_hydrated_rx_state_"))

        hydrated = self._expect(loaded)
        t0 = time.perf_counter()
        await self._emit(UPDATE_VARS, {"vars": {TOKEN_VAR: self.auth_token}}, "/")
        await self._emit(ON_LOAD, None, "/")
        done = await hydrated
        if "messages" not in self.chat:
            raise StepError("hydrated without the chat page's state")
        self.times["open_chat"] = (done - t0) * 1000

    async def turn(self) -> None:
        marks: dict[str, float] = {}

        def progress(update: dict[str, Any]) -> bool:
            chat = (update.get("delta") or {}).get(CHAT_STATE) or {}
            now = time.perf_counter()
            if chat.get("sending_rx_state_") is True:
                marks.setdefault("turn_ack", now)
            if chat.get("stream_text_rx_state_"):
                marks.setdefault("turn_first", now)
            return chat.get("sending_rx_state_") is False

        finished = self._expect(progress)
        t0 = time.perf_counter()
        await self._emit(f"{CHAT_STATE}.send", {"form": {"message": MESSAGE}}, "/")
        self.sent_message = True
        done = await finished
        last = (self.chat.get("messages") or [{}])[-1]
        if last.get("role") != "assistant" or last.get("status") != "completed":
            raise StepError(f"reply not completed: {last.get('status')} {last.get('error', '')}")
        widgets = [w for w in last.get("widgets") or [] if w.get("type") == "ListView"]
        if not widgets:
            raise StepError(f"reply has no ListView: {last.get('content', '')[:80]!r}")
        self.widget = widgets[0]
        for key in ("turn_ack", "turn_first"):
            self.times[key] = (marks.get(key, done) - t0) * 1000
        self.times["turn_done"] = (done - t0) * 1000

    async def click(self) -> None:
        widget_id, version = self.widget["widget_id"], self.widget["version"]
        button = _first_button(self.widget)
        if button is None or button.get("path") != COMPLETE_PATH or button.get("text") != "Complete":
            raise StepError(f"first row's button is not Complete: {button and button.get('text')}")

        def updated(update: dict[str, Any]) -> bool:
            chat = (update.get("delta") or {}).get(CHAT_STATE) or {}
            if chat.get("busy_widget_rx_state_") != "" or "messages_rx_state_" not in chat:
                return False
            for message in chat["messages_rx_state_"]:
                for widget in message.get("widgets") or []:
                    if widget.get("widget_id") == widget_id:
                        fresh = _first_button(widget)
                        if widget.get("version", 0) <= version or (fresh or {}).get("text") != "Reopen":
                            raise StepError(f"widget came back unchanged (version {widget.get('version')})")
                        return True
            raise StepError("widget missing from the update")

        finished = self._expect(updated)
        t0 = time.perf_counter()
        await self._emit(
            f"{CHAT_STATE}.widget_click",
            {"widget_id": widget_id, "path": COMPLETE_PATH, "version": version},
            "/",
        )
        self.clicked = True
        self.times["click"] = (await finished - t0) * 1000

    async def floor(self) -> None:
        widget_id = self.widget["widget_id"]

        def expanded(update: dict[str, Any]) -> bool:
            chat = (update.get("delta") or {}).get(CHAT_STATE) or {}
            return widget_id in (chat.get("expanded_widgets_rx_state_") or [])

        finished = self._expect(expanded)
        t0 = time.perf_counter()
        await self._emit(f"{CHAT_STATE}.expand_widget", {"widget_id": widget_id}, "/")
        self.times["floor"] = (await finished - t0) * 1000

    async def close(self) -> None:
        self.closing = True
        if self.sio.connected:
            try:
                await asyncio.wait_for(self.sio.disconnect(), 10)
            except Exception:  # noqa: BLE001 - closing after the measurements
                pass


# ----- seeding and checking the database ------------------------------------------------------------


def seed_users(n: int, round_id: str) -> list[tuple[uuid.UUID, str, uuid.UUID]]:
    """N accounts (one password hash shared, hashing is slow on purpose) with one open task each."""
    from app.core.db import session_scope
    from app.core.security import hash_password
    from app.models import User
    from app.services import tasks as task_service

    hashed = hash_password(PASSWORD)
    due = (date.today() + timedelta(days=1)).isoformat()
    rows = []
    with session_scope() as session:
        for i in range(n):
            user = User(email=f"ws-{round_id}-{i}@example.com", hashed_password=hashed)
            session.add(user)
            session.flush()
            task = task_service.create_task(
                session, user_id=user.id, data={"title": f"bench task {i}", "due_date": due}
            )
            rows.append((user.id, user.email, task.id))
    return rows


def check_db(tabs: list[Tab], users: list[tuple[uuid.UUID, str, uuid.UUID]]) -> list[str]:
    """Every sent message stored exactly once with one completed reply; every click applied once."""
    import sqlalchemy as sa

    from app.core.db import session_scope
    from app.models import Action, Message, Task

    ids = [u[0] for u in users]
    with session_scope() as session:
        msgs = session.execute(
            sa.select(Message.user_id, Message.role, Message.status, Message.content).where(
                Message.user_id.in_(ids)
            )
        ).all()
        actions = session.execute(
            sa.select(Action.user_id, Action.status).where(Action.user_id.in_(ids))
        ).all()
        task_ids = [u[2] for u in users]
        done_tasks = set(
            session.execute(sa.select(Task.id).where(Task.id.in_(task_ids), Task.completed)).scalars()
        )
    problems: list[str] = []
    for tab, (user_id, _email, task_id) in zip(tabs, users, strict=True):
        mine = [m for m in msgs if m.user_id == user_id]
        sent = [m for m in mine if m.role == "user"]
        replies = [m for m in mine if m.role == "assistant" and m.status == "completed"]
        expected = 1 if tab.sent_message else 0
        if len(sent) != expected or any(m.content != MESSAGE for m in sent):
            problems.append(f"{tab.email}: {len(sent)} stored user message(s), expected {expected}")
        if tab.sent_message and len(replies) != 1:
            problems.append(f"{tab.email}: {len(replies)} completed replies, expected 1")
        clicks = [a for a in actions if a.user_id == user_id]
        if tab.clicked and (len(clicks) != 1 or clicks[0].status != "completed" or task_id not in done_tasks):
            problems.append(
                f"{tab.email}: click stored {len(clicks)}x ({[a.status for a in clicks]}), "
                f"task completed: {task_id in done_tasks}"
            )
    return problems


PHASES = [
    ("connect", Tab.connect),
    ("sign_in", Tab.sign_in),
    ("open_chat", Tab.open_chat),
    ("turn_done", Tab.turn),
    ("click", Tab.click),
    ("floor", Tab.floor),
]

# ----- one round ----------------------------------------------------------------------------------------


@dataclass
class Round:
    n: int
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    skipped: int = 0
    db_problems: list[str] = field(default_factory=list)
    rss_peak: float = 0.0
    rss_after: float = 0.0
    log_errors: int = 0
    first_log_error: str = ""
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: dict[str, float] = field(default_factory=dict)
    server_cpu_split: dict[str, list[float]] = field(default_factory=dict)  # by process, busiest first
    phase_seconds: dict[str, float] = field(default_factory=dict)  # wall time, first arrival to last answer


class Profiler:
    """``BENCH_PROFILE=dir``: py-spy samples the server's processes during each step (collapsed stacks).

    ``BENCH_PROFILE_GIL=1`` samples only the thread holding the GIL (where Python's CPU goes).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, label: str) -> None:
        if not PROFILE_DIR:
            return
        out = Path(PROFILE_DIR) / f"{label}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        self.proc = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(self.pid),
            "--subprocesses",
            "--nonblocking",
            "--rate",
            "200",
            *(["--gil"] if os.environ.get("BENCH_PROFILE_GIL") else []),
            "--format",
            "raw",
            "--output",
            str(out),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)  # py-spy attaches

    async def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        await self.proc.wait()
        self.proc = None


async def run_step(tabs: list[Tab], name: str, action) -> None:
    async def one(tab: Tab) -> None:
        if tab.failed_step:
            return
        await asyncio.sleep(random.uniform(0, CONNECT_SPREAD if name == "connect" else SPREAD))
        try:
            await asyncio.wait_for(action(tab), STEP_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
            tab.failed_step = name
            text = str(exc) or type(exc).__name__
            tab.failure = f"{type(exc).__name__}: {text}" if not isinstance(exc, StepError) else text
        finally:
            tab._waiter = None

    await asyncio.gather(*(one(t) for t in tabs))


async def run_round(server: Server, n: int) -> Round:
    result = Round(n=n)
    users = await asyncio.to_thread(seed_users, n, uuid.uuid4().hex[:8])
    tabs = [Tab(server.url, email) for _uid, email, _tid in users]
    log_start = server.log.stat().st_size
    cpu0, t0 = sum(os.times()[:2]), time.perf_counter()
    sampling = True

    async def sample_rss() -> None:
        while sampling:
            result.rss_peak = max(result.rss_peak, await asyncio.to_thread(server.rss_mb))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_rss())
    profiler = Profiler(server.proc.pid)
    try:
        for name, action in PHASES:
            await profiler.start(f"{n}-{name}")
            cpu_before, started = server.cpu_by_process(), time.perf_counter()
            try:
                await run_step(tabs, name, action)
            finally:
                after = server.cpu_by_process()
                spent = {pid: secs - cpu_before.get(pid, 0.0) for pid, secs in after.items()}
                result.server_cpu[name] = sum(spent.values())
                result.server_cpu_split[name] = sorted(spent.values(), reverse=True)
                result.phase_seconds[name] = time.perf_counter() - started
                await profiler.stop()
    finally:
        sampling = False
        await sampler
        await asyncio.gather(*(t.close() for t in tabs))
    result.seconds = time.perf_counter() - t0
    result.client_cpu = sum(os.times()[:2]) - cpu0
    await asyncio.sleep(0.5)  # let the server drop the sockets before measuring
    result.rss_after = server.rss_mb()
    for step in STEPS:
        result.times[step] = [t.times[step] for t in tabs if step in t.times]
    for tab in tabs:
        if tab.failed_step:
            result.errors[tab.failed_step] = result.errors.get(tab.failed_step, 0) + 1
            result.failures.setdefault(tab.failed_step, tab.failure)
            result.skipped += len(STEPS) - 1 - STEPS.index(tab.failed_step)
    with server.log.open("rb") as f:
        f.seek(log_start)
        log = f.read().decode(errors="replace")
    lines = log.splitlines()
    bad = [i for i, line in enumerate(lines) if "Traceback" in line or " ERROR" in line]
    result.log_errors = len(bad)
    if bad:
        result.first_log_error = "\n".join(lines[bad[0] : bad[0] + 40])
    result.db_problems = await asyncio.to_thread(check_db, tabs, users)
    return result


# ----- report -------------------------------------------------------------------------------------------


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def print_round(r: Round) -> None:
    for step in STEPS:
        values = r.times[step]
        errors = r.errors.get(step, 0)
        p50, p95 = pct(values, 50), pct(values, 95)
        print(f"{r.n:>5}  {step:<11}{len(values):>6}{p50:>10.1f}{p95:>10.1f}{errors:>8}")
    print(
        f"{r.n:>5}  server RSS MB: peak {r.rss_peak:.0f}, after {r.rss_after:.0f}; "
        f"round {r.seconds:.1f} s (load generator CPU {r.client_cpu:.1f} s); "
        f"server log errors: {r.log_errors}; skipped steps: {r.skipped}"
    )
    cpu = ", ".join(
        f"{name} {secs:.1f} s in {r.phase_seconds[name]:.1f} s ({secs * 1000 / r.n:.0f} ms/tab)"
        for name, secs in r.server_cpu.items()
    )
    print(f"{r.n:>5}  server CPU per phase: {cpu}")
    split = ", ".join(
        f"{name} " + " / ".join(f"{secs:.1f}" for secs in spent if secs >= 0.05)
        for name, spent in r.server_cpu_split.items()
        if sum(1 for secs in spent if secs >= 0.05) > 1
    )
    if split:  # several worker processes: how evenly the tabs' work fell on them (seconds)
        print(f"{r.n:>5}  server CPU by process: {split}")
    for step, text in r.failures.items():
        print(f"{r.n:>5}  first {step} error: {text[:200]}")
    if r.first_log_error:
        print(f"{r.n:>5}  first server log error:\n{r.first_log_error}")
    if r.db_problems:
        print(f"{r.n:>5}  DATABASE: {len(r.db_problems)} problem(s), e.g. {r.db_problems[:3]}")
    else:
        print(f"{r.n:>5}  database: every sent message stored exactly once, every click applied once")
    sys.stdout.flush()


def verdict(rounds: list[Round]) -> str:
    at = next((r for r in rounds if r.n == GOAL_N), None)
    target = at or max(rounds, key=lambda r: r.n)
    slow = [
        f"{s} {pct(target.times[s], 95):.0f} ms"
        for s in STEPS
        if not target.times[s] or pct(target.times[s], 95) >= GOAL_P95_MS
    ]
    errors = sum(target.errors.values())
    lost = len(target.db_problems)
    ok = not slow and not errors and not lost
    what = f"N={target.n}, arrivals within {SPREAD:g} s" + (
        "" if at else f" (goal is stated at N={GOAL_N}: run BENCH_SCALE=full)"
    )
    detail = (
        f"p95 >= {GOAL_P95_MS:.0f} ms: {', '.join(slow) or 'none'}; errors: {errors}; DB problems: {lost}"
    )
    return (
        f"goal (p95 < {GOAL_P95_MS:.0f} ms every step, zero errors, nothing lost) at {what}: "
        + ("MET" if ok else "NOT MET")
        + f" ({detail})"
    )


def check_state_names() -> None:
    context = ROOT / ".web" / "utils" / "context.jsx"
    text = context.read_text() if context.exists() else ""
    missing = [name for name in (AUTH_STATE, CHAT_STATE, TOKEN_VAR) if name not in text]
    if missing:
        raise SystemExit(f"state names changed, update bench/ws_load.py: {missing} not in {context}")


def argon2_ms() -> float:
    from app.core.security import hash_password, verify_password

    hashed = hash_password(PASSWORD)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        verify_password(PASSWORD, hashed)
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


async def main_async(server: Server) -> list[Round]:
    rounds = []
    print(f"{'N':>5}  {'step':<11}{'ok':>6}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
    for n in CLIENTS:
        if not server.alive():
            print(f"server died before N={n}:\n{server.log_tail()}")
            break
        r = await run_round(server, n)
        rounds.append(r)
        print_round(r)
    return rounds


@contextlib.contextmanager
def database() -> Iterator[str | None]:
    """``BENCH_DATABASE=postgres``: a scratch PostgreSQL database (dropped after); else None (a
    scratch SQLite file, ``prod_server``'s default)."""
    if os.environ.get("BENCH_DATABASE") != "postgres":
        yield None
        return
    admin = pg_admin()
    if admin is None:
        raise SystemExit("BENCH_DATABASE=postgres: PostgreSQL unreachable")
    with scratch_pg_database(admin, f"ticked_bench_ws_{os.getpid()}") as url:
        yield url


def main() -> None:
    started = time.perf_counter()
    with database() as db_url, prod_server(db_url=db_url) as server:
        os.environ["DATABASE_URL"] = server.db_url
        os.environ["JWT_SECRET"] = server.env["JWT_SECRET"]
        os.environ["DATA_DIR"] = server.env["DATA_DIR"]
        check_state_names()
        print(
            f"Ticked prod server {server.url} up in {time.perf_counter() - started:.0f} s, "
            f"RSS {server.rss_mb():.0f} MB idle; {os.cpu_count()} cores; clients {CLIENTS}, "
            f"step timeout {STEP_TIMEOUT:g} s"
        )
        print(
            f"arrivals: in each step every tab acts at a random moment within {SPREAD:g} s "
            f"(N/{SPREAD:g} per second; connect within {CONNECT_SPREAD:g} s)"
        )
        print(f"argon2 verify of one sign-in, measured in this process: {argon2_ms():.0f} ms")
        sys.stdout.flush()
        rounds = asyncio.run(main_async(server))
    if rounds:
        print(verdict(rounds))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
