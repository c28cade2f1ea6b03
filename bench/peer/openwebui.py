"""Benchmark (issue 19 goal 7): Open WebUI and Ticked side by side, the same chats, one interleaved run.

Generates one deterministic corpus (BENCH_CHATS chats x BENCH_MESSAGES messages, default 2,000 x 20;
titles and messages from a fixed vocabulary and a fixed seed: 30 everyday words plus a tail of
made-up words, each in about 1% of the chats) and seeds it into both apps:

- Open WebUI (its own virtualenv; ``OPENWEBUI_BIN``, default /work/peer/owui/bin/open-webui) served
  offline with its SQLite database in a scratch ``DATA_DIR``: the first sign-up (the admin), then
  one ``POST /api/v1/chats/new`` per chat, in the chat JSON its frontend sends (``history`` tree
  and ``messages`` list);
- Ticked, the production server ``--backend-only`` (``bench/_server.py``), seeded as
  ``bench/rest_hot.py`` does (bulk inserts through the column types, so messages are encrypted at
  rest) plus each thread's search index row (``app.services.search_index.thread_row``, as
  ``bench/store.py`` and migration 0008 build it); sign-in through ``POST /api/auth/token``.

Then, on one keep-alive connection per app with a bearer token, alternating one Open WebUI call and
one Ticked call of the same kind (which app goes first alternates too), after a warm-up:

    list      GET /api/v1/chats/?page=1               GET /api/threads   (each app's first page)
    open      GET /api/v1/chats/{id}                  GET /api/threads/{id}?messages=50
    search 1  GET /api/v1/chats/search?text=W1        GET /api/threads?q=W1
    search 2  GET /api/v1/chats/search?text=W1 W2     GET /api/threads?q=W1 W2

(``open`` takes the same random chat of the corpus in both; W1 is a tail word, W2 an everyday
one, and both apps must find the same chats), and the database on disk for the same chats (the
SQLite file plus its WAL after a checkpoint, both apps). With ``BENCH_BROWSER=1`` also the reload
of a chat page to a usable message box in Chromium (Ticked then needs its production build, made
once in ``.web``); otherwise that row says "not measured". Prints one markdown table with ratios.

    .venv/bin/python bench/peer/openwebui.py                    # 2,000 x 20
    BENCH_CHATS=200 .venv/bin/python bench/peer/openwebui.py    # quick
    BENCH_BROWSER=1 OPENWEBUI_BIN=/path/bin/open-webui .venv/bin/python bench/peer/openwebui.py

Not part of ``make test``: Open WebUI needs its own virtualenv (see bench/README.md). Both servers
run in their own process groups and are stopped (SIGTERM, then SIGKILL) even on failure.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ENCRYPTION_KEY = "peer-bench-key-" + "x" * 48
os.environ.update(
    ENCRYPTION_KEY=ENCRYPTION_KEY,
    JWT_SECRET="bench-jwt-secret-not-for-production",
    DATA_DIR=tempfile.mkdtemp(prefix="ticked-bench-peer-data-"),
)

import sqlalchemy as sa  # noqa: E402
from _server import free_port, prod_server, start_process, stop_group, wait_until_url_up  # noqa: E402

from app.core.config import get_settings  # noqa: E402
from app.core.crypto import get_keyring, reset_keyring  # noqa: E402
from app.core.db import make_engine  # noqa: E402
from app.core.security import hash_password  # noqa: E402
from app.models import Message, Thread, ThreadTerms, User  # noqa: E402
from app.services.search_index import HashCache, thread_row  # noqa: E402

CHATS = int(os.environ.get("BENCH_CHATS", "2000"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
"""Timed rounds (one call to each app) for list and open."""
SEARCH_ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "40"))
WARMUP, SEARCH_WARMUP = 50, 3
BROWSER = os.environ.get("BENCH_BROWSER") == "1"
BROWSER_RUNS = int(os.environ.get("BENCH_BROWSER_RUNS", "7"))
OPENWEBUI_BIN = os.environ.get("OPENWEBUI_BIN", "/work/peer/owui/bin/open-webui")
START_TIMEOUT = 300.0
EMAIL, PASSWORD, NAME = "bench-peer@example.com", "correct-horse-42", "Bench"
MODEL = "bench-model"

COMMON_TEXT = (
    "add buy call check clean cook email fix plan read send pay book move pick order review write "
    "rent milk bread eggs coffee dentist doctor meeting report invoice taxes garden laundry kitchen"
)
COMMON = COMMON_TEXT.split()
TAIL_SIZE = 1_000
TAIL_RATE = 0.02
"""Share of a message's words drawn from the tail: each tail word lands in about 1% of the chats."""


# -- the corpus ------------------------------------------------------------------------------------


@dataclass
class Chat:
    title: str
    messages: list[str]


def tail_words(rng: random.Random) -> list[str]:
    """TAIL_SIZE made-up words (consonant-vowel syllables) that hold no other word of the
    vocabulary, so Open WebUI's substring match and Ticked's word match find the same chats."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < TAIL_SIZE:
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(3, 4))))
    ordered = sorted(words)
    vocab = COMMON + ordered
    return [w for w in ordered if not any(o != w and o in w for o in vocab)]


def corpus() -> tuple[list[Chat], list[str]]:
    rng = random.Random(19)
    tail = tail_words(rng)

    def word() -> str:
        return rng.choice(tail) if rng.random() < TAIL_RATE else rng.choice(COMMON)

    chats = [
        Chat(
            title=" ".join(rng.choices(COMMON, k=4)).capitalize(),
            messages=[" ".join(word() for _ in range(rng.randint(6, 40))) for _ in range(MESSAGES)],
        )
        for _ in range(CHATS)
    ]
    return chats, tail


def search_words(chats: list[Chat], tail: list[str]) -> tuple[str, str, int]:
    """A tail word in about 1% of the chats (at least one), an everyday word, and its chat count."""
    counts = dict.fromkeys(tail, 0)
    for chat in chats:
        for w in set(" ".join(chat.messages).split()) & counts.keys():
            counts[w] += 1
    target = max(1, CHATS // 100)
    rare = min(tail, key=lambda w: (abs(counts[w] - target), w))
    return rare, "invoice", counts[rare]


# -- HTTP ------------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection with a bearer token."""

    def __init__(self, base: str, token: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def request(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        elapsed = (time.perf_counter() - started) * 1000
        if resp.status != 200:
            raise RuntimeError(f"{method} {path}: {resp.status} {raw[:300]!r}")
        return elapsed, json.loads(raw)

    def close(self) -> None:
        self.conn.close()


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


# -- Open WebUI ------------------------------------------------------------------------------------


@dataclass
class OpenWebUI:
    proc: subprocess.Popen
    port: int
    data_dir: Path
    log: Path
    started: float
    token: str = ""
    ids: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def openwebui_server() -> Iterator[OpenWebUI]:
    """``open-webui serve`` offline on a free port, its data in a scratch directory, its own group."""
    if not Path(OPENWEBUI_BIN).exists():
        raise SystemExit(f"Open WebUI not found at {OPENWEBUI_BIN} (set OPENWEBUI_BIN; see bench/README.md)")
    tmp = Path(tempfile.mkdtemp(prefix="ticked-bench-owui-"))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "DATABASE_URL", "JWT_SECRET")},
        "OFFLINE_MODE": "true",
        "HF_HUB_OFFLINE": "1",
        "ENABLE_OLLAMA_API": "false",
        "ENABLE_OPENAI_API": "false",
        "RAG_EMBEDDING_MODEL_AUTO_UPDATE": "false",
        "DATA_DIR": str(tmp / "data"),
        "WEBUI_SECRET_KEY": "peer-bench-secret-not-for-production",
        "ENABLE_VERSION_UPDATE_CHECK": "false",
        "PORT": str(port),
    }
    log = tmp / "server.log"
    proc = start_process([OPENWEBUI_BIN, "serve", "--host", "127.0.0.1", "--port", str(port)], env, log, tmp)
    try:
        yield OpenWebUI(proc=proc, port=port, data_dir=tmp / "data", log=log, started=time.perf_counter())
    finally:
        stop_group(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def owui_chat(chat: Chat, stamp: int) -> dict[str, Any]:
    """A chat as Open WebUI's frontend posts it: the message tree and the current branch's list."""
    ids = [str(uuid.uuid4()) for _ in chat.messages]
    tree: dict[str, dict[str, Any]] = {}
    for k, (mid, text) in enumerate(zip(ids, chat.messages, strict=True)):
        message: dict[str, Any] = {
            "id": mid,
            "parentId": ids[k - 1] if k else None,
            "childrenIds": [ids[k + 1]] if k + 1 < len(ids) else [],
            "role": "user" if k % 2 == 0 else "assistant",
            "content": text,
            "timestamp": stamp + k,
        }
        if k % 2:
            message.update(model=MODEL, modelName=MODEL, modelIdx=0, done=True)
        else:
            message["models"] = [MODEL]
        tree[mid] = message
    return {
        "chat": {
            "id": "",
            "title": chat.title,
            "models": [MODEL],
            "params": {},
            "history": {"messages": tree, "currentId": ids[-1]},
            "messages": list(tree.values()),
            "tags": [],
            "timestamp": stamp * 1000,
        }
    }


def seed_openwebui(owui: OpenWebUI, chats: list[Chat]) -> float:
    """Sign up (the first user is the admin) and create every chat; returns the seconds it took."""
    wait_until_url_up(owui.proc, f"{owui.url}/health", owui.log, START_TIMEOUT, request_timeout=5)
    print(f"  Open WebUI up in {time.perf_counter() - owui.started:.0f} s")
    owui.token = post_json(
        f"{owui.url}/api/v1/auths/signup", {"name": NAME, "email": EMAIL, "password": PASSWORD}
    )["token"]
    client = Client(owui.url, owui.token)
    started = time.perf_counter()
    stamp = int(time.time())
    for chat in chats:
        _, body = client.request("POST", "/api/v1/chats/new", owui_chat(chat, stamp))
        owui.ids.append(body["id"])
    client.close()
    return time.perf_counter() - started


# -- Ticked ----------------------------------------------------------------------------------------


def seed_ticked(url: str, chats: list[Chat]) -> list[uuid.UUID]:
    """One user and one thread per chat (newest last, as Open WebUI's are), with the search index."""
    get_settings.cache_clear()
    reset_keyring()
    key = get_keyring().primary
    rng = random.Random(7)
    engine = make_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    user_id = uuid.uuid4()
    thread_ids = [uuid.uuid4() for _ in chats]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(User.__table__),
            [
                {
                    "id": user_id, "email": EMAIL, "name": NAME, "hashed_password": hash_password(PASSWORD),
                    "is_active": True, "chat_preferences": {}, "created_at": now, "updated_at": now,
                }
            ],
        )  # fmt: skip
        cache: HashCache = {}
        for first in range(0, len(chats), 500):
            threads, messages, terms = [], [], []
            for i in range(first, min(first + 500, len(chats))):
                chat, tid = chats[i], thread_ids[i]
                at = now - timedelta(minutes=len(chats) - i)
                created = at
                for k, text in enumerate(chat.messages):
                    at += timedelta(seconds=rng.randint(1, 5))
                    messages.append(
                        {
                            "id": uuid.uuid4(), "thread_id": tid, "user_id": user_id,
                            "role": "user" if k % 2 == 0 else "assistant", "content": text,
                            "status": "completed", "tool_calls": None, "metadata": {},
                            "created_at": at, "updated_at": at,
                        }
                    )  # fmt: skip
                threads.append(
                    {
                        "id": tid, "user_id": user_id, "title": chat.title, "status": "active",
                        "metadata": {}, "created_at": created, "updated_at": at,
                    }
                )  # fmt: skip
                terms.append(
                    thread_row(
                        key,
                        user_id=user_id,
                        thread_id=tid,
                        title=chat.title,
                        texts=chat.messages,
                        cache=cache,
                    )
                )
            conn.execute(sa.insert(Thread.__table__), threads)
            conn.execute(sa.insert(Message.__table__), messages)
            conn.execute(sa.insert(ThreadTerms.__table__), terms)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return thread_ids


def ticked_sign_in(base: str) -> str:
    return str(post_json(f"{base}/api/auth/token", {"email": EMAIL, "password": PASSWORD})["access_token"])


# -- measures --------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Pair:
    owui: list[float] = field(default_factory=list)
    ticked: list[float] = field(default_factory=list)
    owui_rows: int = 0
    ticked_rows: int = 0


def interleaved(
    owui: Client, ticked: Client, paths: Any, rounds: int, warmup: int, rng: random.Random
) -> Pair:
    """``rounds`` timed rounds after ``warmup`` untimed ones; ``paths(rng)`` gives one round's two
    paths (Open WebUI's, Ticked's); the app called first alternates by round."""
    out = Pair()
    for r in range(warmup + rounds):
        first, second = paths(rng)
        calls = [("owui", owui, first), ("ticked", ticked, second)]
        for name, client, path in calls if r % 2 == 0 else calls[::-1]:
            elapsed, body = client.request("GET", path)
            if r < warmup:
                continue
            if name == "owui":
                out.owui.append(elapsed)
                out.owui_rows = (
                    len(body) if isinstance(body, list) else len(body["chat"]["history"]["messages"])
                )
            else:
                out.ticked.append(elapsed)
                out.ticked_rows = len(body.get("messages", body)["data"])
    return out


def sqlite_mb(path: Path) -> float:
    """The database file plus its WAL after a (truncating) checkpoint, in MB."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{path}-wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 1e6


# -- browser ---------------------------------------------------------------------------------------


def browser_reloads(
    owui: OpenWebUI, ticked_url: str, ticked_token: str, tid: uuid.UUID, last: str
) -> tuple[float, float]:
    """Median of BROWSER_RUNS reloads (after one uncounted) of the newest chat's page until its message
    box is there and enabled and its last message (``last``, a few words of it) is on the page,
    alternating the apps; from navigation start (``performance.now()`` at that animation frame)."""
    from playwright.sync_api import sync_playwright

    from tests.utils.chromium import CHROMIUM, CHROMIUM_ARGS

    usable_js = """([sel, text]) => {
        const box = document.querySelector(sel);
        if (!box || box.disabled || box.getAttribute('contenteditable') === 'false' || !box.offsetParent)
            return 0;
        return document.body.innerText.includes(text) ? performance.now() : 0;
    }"""
    sites = {
        "owui": (owui.url, "token", owui.token, f"/c/{owui.ids[-1]}", "#chat-input"),
        "ticked": (
            ticked_url,
            "ticked_token",
            ticked_token,
            f"/?thread={tid}",
            'textarea[aria-label="Message"]',
        ),
    }
    times: dict[str, list[float]] = {"owui": [], "ticked": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = {}
            for name, (base, key, token, path, _) in sites.items():
                context = browser.new_context()
                context.add_init_script(f"localStorage.setItem({json.dumps(key)}, {json.dumps(token)})")
                pages[name] = context.new_page()
                pages[name].goto(base + path)
            for run in range(BROWSER_RUNS + 1):
                for name in ("owui", "ticked") if run % 2 == 0 else ("ticked", "owui"):
                    page, sel = pages[name], sites[name][4]
                    page.reload(wait_until="commit")
                    try:
                        handle = page.wait_for_function(
                            usable_js, arg=[sel, last], timeout=60_000, polling="raf"
                        )
                    except Exception:
                        shot = Path(tempfile.gettempdir()) / f"peer-bench-{name}.png"
                        page.screenshot(path=str(shot))
                        print(f"  {name}: not usable at {page.url} (screenshot {shot})")
                        raise
                    if run:
                        times[name].append(float(handle.json_value()))
        finally:
            browser.close()
    return statistics.median(times["owui"]), statistics.median(times["ticked"])


# -- the run ---------------------------------------------------------------------------------------


def fmt_ms(v: float) -> str:
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def ratio(a: float, b: float) -> str:
    r = a / b
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x" if r >= 1 else f"{r:.2f}x"


def main() -> None:
    started = time.perf_counter()
    chats, tail = corpus()
    rare, common, matches = search_words(chats, tail)
    print(
        f"Open WebUI vs Ticked: {CHATS:,} chats x {MESSAGES} messages "
        f"({sum(len(m.split()) for c in chats for m in c.messages):,} words), "
        f"search '{rare}' ({matches} chats) and '{rare} {common}'"
    )
    rows: list[tuple[str, str, str, str]] = []
    with contextlib.ExitStack() as stack:
        owui = stack.enter_context(openwebui_server())  # boots (~1 min) while Ticked starts and seeds
        ticked = stack.enter_context(
            prod_server(backend_only=not BROWSER, extra_env={"ENCRYPTION_KEY": ENCRYPTION_KEY})
        )
        t0 = time.perf_counter()
        thread_ids = seed_ticked(ticked.db_url, chats)
        print(f"  Ticked seeded in {time.perf_counter() - t0:.1f} s (bulk inserts, index rows included)")
        took = seed_openwebui(owui, chats)
        print(
            f"  Open WebUI seeded in {took:.1f} s ({1000 * took / CHATS:.1f} ms per POST /api/v1/chats/new)"
        )
        ticked_token = ticked_sign_in(ticked.url)
        ow, tk = Client(owui.url, owui.token), Client(ticked.url, ticked_token)
        rng = random.Random(11)

        def pick(r: random.Random) -> tuple[str, str]:
            i = r.randrange(CHATS)
            return f"/api/v1/chats/{owui.ids[i]}", f"/api/threads/{thread_ids[i]}?messages=50"

        one, two = urllib.parse.quote(rare), urllib.parse.quote(f"{rare} {common}")
        measures = [
            (
                "list first page of threads",
                lambda r: ("/api/v1/chats/?page=1", "/api/threads"),
                ROUNDS,
                WARMUP,
            ),
            ("open a chat with its messages", pick, ROUNDS, WARMUP),
            (
                "search one word",
                lambda r: (f"/api/v1/chats/search?text={one}", f"/api/threads?q={one}"),
                SEARCH_ROUNDS,
                SEARCH_WARMUP,
            ),
            (
                "search two words",
                lambda r: (f"/api/v1/chats/search?text={two}", f"/api/threads?q={two}"),
                SEARCH_ROUNDS,
                SEARCH_WARMUP,
            ),
        ]
        for label, paths, rounds, warmup in measures:
            pair = interleaved(ow, tk, paths, rounds, warmup, rng)
            o50, t50 = pct(pair.owui, 0.5), pct(pair.ticked, 0.5)
            o95, t95 = pct(pair.owui, 0.95), pct(pair.ticked, 0.95)
            print(
                f"  {label:<30} Open WebUI p50 {o50:7.1f} p95 {o95:7.1f} ms ({pair.owui_rows} rows)"
                f" | Ticked p50 {t50:6.1f} p95 {t95:6.1f} ms ({pair.ticked_rows} rows)"
                f"  n={rounds}"
            )
            rows.append((label, fmt_ms(o50), fmt_ms(t50), ratio(o50, t50)))
        ow.close()
        tk.close()
        if BROWSER:
            last = " ".join(chats[-1].messages[-1].split()[:4])
            o, t = browser_reloads(owui, ticked.url, ticked_token, thread_ids[-1], last)
            rows.append(("reload to a usable chat input (Chromium)", fmt_ms(o), fmt_ms(t), ratio(o, t)))
        else:
            rows.append(("reload to a usable chat input (Chromium)", "not measured", "not measured", "-"))
        owui_mb = sqlite_mb(owui.data_dir / "webui.db")
        ticked_mb = sqlite_mb(Path(sa.make_url(ticked.db_url).database or ""))
        rows.append(
            (
                "database size for the same chats",
                f"{owui_mb:.1f} MB",
                f"{ticked_mb:.1f} MB",
                ratio(owui_mb, ticked_mb),
            )
        )
    print(
        f"\n{CHATS:,} chats x {MESSAGES} messages, SQLite, loopback HTTP with a bearer token, "
        f"calls alternating between the two apps (run took {time.perf_counter() - started:.0f} s; "
        f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n"
    )
    print("| measure | Open WebUI p50 | Ticked p50 | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(os.environ["DATA_DIR"], ignore_errors=True)
