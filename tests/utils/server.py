"""The production app in a process of its own, for the security and deployment tests and ``bench/``.

    with prod_server() as server:
        server.url, server.db_url, server.rss_mb()

``prod_server`` migrates a database of its own (a scratch SQLite file unless given one) and starts
``reflex run --env prod`` (optionally ``--backend-only``: the event handlers without a frontend
build) in a new session (process group), stopped afterwards with SIGTERM to the whole group
(SIGKILL after a grace period), even when the caller fails. It builds the app in the shared
``.web`` directory, so tests that use it run under ``flock /tmp/ticked-web.lock``.

One production build per process: the build bakes the server's address into ``.web/env.json``,
so every server with a frontend listens on the process's one public port (``public_port``), one
at a time (starting one stops the one before; ``SharedServer`` starts a displaced one again), and
only the first ``reflex run`` of the process builds: the later ones run ``reflex run`` with its
compile and build steps skipped (``reflex_run_command``), serving the build already in ``.web``.
A build took about a minute; the browser tests used to make six.

Nothing here imports the app, so ``bench/`` scripts run it standalone (``python bench/x.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = ROOT / ".tools" / "node_modules" / ".bin"
REFLEX = Path(sys.executable).parent / "reflex"
START_TIMEOUT = 420.0
DROPPED_PREFIXES = ("REFLEX_", "PYTEST_", "APP_HARNESS")
"""Inherited variables that would change how a child app runs (pytest's own, the e2e harness's)."""
DROPPED = {
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_SECRET",
    "DATA_DIR",
    "OPENAI_API_KEY",
    "AGENT_BACKEND",
    "CORS_ALLOWED_ORIGINS",
}


SERVE_BUILT = """
import sys
from reflex import reflex
from reflex.utils import build

reflex._compile_app = lambda **_: None
build.setup_frontend_prod = lambda _root: None
sys.argv[0] = "reflex"
sys.exit(reflex.cli())
"""
"""``reflex run`` without its compile and frontend build steps (``reflex/reflex.py``'s ``_run_prod``
does both, then starts the backend with the compiled app mounted): the rest runs as always."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _group(pgid: int) -> Iterator[tuple[Path, list[str]]]:
    """(/proc entry, stat fields after the command name) of every live process in group ``pgid``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # Fields after the ")" that ends the command name: state ppid pgrp ...
        fields = stat[stat.rindex(")") + 2 :].split()
        if len(fields) > 12 and fields[2] == str(pgid):
            yield entry, fields


def group_rss_mb(pgid: int) -> float:
    """Resident memory (VmRSS) summed over every live process in process group ``pgid``."""
    total_kb = 0
    for entry, _fields in _group(pgid):
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return total_kb / 1024


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time used so far by the live processes of group ``pgid``."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _entry, fields in _group(pgid))
    return ticks / os.sysconf("SC_CLK_TCK")


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Signal the process group ``proc`` leads; SIGKILL whatever outlives ``timeout``."""
    pgid = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.poll()
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def app_env(
    *, data_dir: Path, db_url: str, api_url: str, jwt_secret: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """This process's environment without what would change the child app, plus the app's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_PREFIXES) and k not in DROPPED}
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        REFLEX_API_URL=api_url,
        NPM_CONFIG_REGISTRY=os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org"),
        DATABASE_URL=db_url,
        DATA_DIR=str(data_dir),
        JWT_SECRET=jwt_secret,
        AGENT_BACKEND="local",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra or {})
    return env


# ----- one public port and one build per process ------------------------------------------------------


@dataclass
class _Public:
    port: int | None = None
    holder: Callable[[], None] | None = None
    built_for: str | None = None  # the api_url of the build this process made in .web


_PUBLIC = _Public()


def public_port() -> int:
    """The port every production server with a frontend listens on in this process (chosen once)."""
    if _PUBLIC.port is None:
        _PUBLIC.port = free_port()
    return _PUBLIC.port


def claim_public_port(stop: Callable[[], None]) -> int:
    """Stop the server on the public port (another fixture's), wait until it is free; ``stop`` stops ours."""
    if _PUBLIC.holder is not None and _PUBLIC.holder is not stop:
        _PUBLIC.holder()
    _PUBLIC.holder = stop
    port = public_port()
    deadline = time.monotonic() + 30
    while port_open(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    return port


def release_public_port(stop: Callable[[], None]) -> None:
    if _PUBLIC.holder is stop:
        _PUBLIC.holder = None


def built_api_url() -> str:
    """The api_url the frontend in ``.web`` was built for ("" without a build)."""
    env = ROOT / ".web" / "env.json"
    try:
        event = json.loads(env.read_text()).get("EVENT", "")
    except (OSError, ValueError):
        return ""
    return event.removesuffix("/_event").replace("ws://", "http://", 1).replace("wss://", "https://", 1)


def reflex_run_command(api_url: str, *args: str) -> list[str]:
    """``reflex run --env prod *args``, skipping compile and build when this process already built
    ``.web`` for ``api_url`` (and it is still there: ``env.json`` says so)."""
    if _PUBLIC.built_for == api_url and built_api_url() == api_url:
        return [sys.executable, "-c", SERVE_BUILT, "run", "--env", "prod", *args]
    return [str(REFLEX), "run", "--env", "prod", *args]


def mark_built(api_url: str) -> None:
    """A ``reflex run`` with a frontend came up: ``.web`` holds this process's build for ``api_url``."""
    if built_api_url() == api_url:
        _PUBLIC.built_for = api_url


@dataclass
class Server:
    port: int
    db_url: str
    env: dict[str, str]
    log: Path
    tmp: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        return tail(self.log, lines)

    def rss_mb(self) -> float:
        return group_rss_mb(self.proc.pid) if self.proc is not None else 0.0

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.proc.pid) if self.proc is not None else 0.0


@contextlib.contextmanager
def prod_server(
    db_url: str | None = None,
    *,
    backend_only: bool = False,
    extra_env: dict[str, str] | None = None,
    jwt_secret: str = "test-jwt-secret-not-for-production",
    data_dir: Path | None = None,
    migrate: bool = True,
    probe: str | None = None,
    start_timeout: float = START_TIMEOUT,
    prefix: str = "ticked-prod-",
    keep: bool = False,
) -> Iterator[Server]:
    """A migrated database (a scratch SQLite file unless ``db_url``) and the prod app serving it.

    With a frontend it listens on the public port (stopping the server there before) and builds
    ``.web`` only if this process has not yet; ``--backend-only`` takes a free port of its own. Up
    once ``probe`` answers 200 (``/ping`` for the backend alone, else the page at ``/``). ``keep``
    leaves the scratch directory (database, data, log) behind.
    """
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    server = Server(port=0, db_url="", env={}, log=tmp / "server.log", tmp=tmp)

    def stop() -> None:
        if server.proc is not None:
            stop_group(server.proc)

    try:
        server.port = free_port() if backend_only else claim_public_port(stop)
        server.db_url = db_url or f"sqlite:///{tmp / 'app.db'}"
        server.env = app_env(
            data_dir=data_dir or tmp / "data",
            db_url=server.db_url,
            api_url=server.url,
            jwt_secret=jwt_secret,
            extra=extra_env,
        )
        if migrate:
            done = subprocess.run(
                [sys.executable, "-m", "app.cli", "migrate"],
                cwd=ROOT,
                env=server.env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            if done.returncode != 0:
                raise RuntimeError(f"migrate failed: {done.stderr or done.stdout}")
        ports = ["--backend-port", str(server.port)]
        if not backend_only:
            ports = ["--frontend-port", str(server.port), *ports]
        command = reflex_run_command(server.url, *(["--backend-only"] if backend_only else []), *ports)
        with server.log.open("ab") as out:
            server.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=server.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(server, probe or ("/ping" if backend_only else "/"), start_timeout)
        if not backend_only:
            mark_built(server.url)
        yield server
    finally:
        stop()
        release_public_port(stop)
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def wait_until_up(server: Server, probe: str, timeout: float = START_TIMEOUT) -> None:
    """Until ``probe`` answers 200; fails with the log's last lines if the server exits or times out."""
    assert server.proc is not None
    deadline = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(server.url + probe, timeout=3) as resp:
            if resp.status == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not up after {timeout:.0f}s:\n{server.log_tail()}")
        time.sleep(0.5)


class SharedServer:
    """A production server that fixtures share across tests, started again (without building) when
    another server took the public port: ``get()`` returns it running. Its address stays the same."""

    def __init__(self, **options) -> None:
        self.options = options
        self.stack = contextlib.ExitStack()
        self.server: Server | None = None

    @property
    def url(self) -> str:
        return self.get().url

    def get(self) -> Server:
        if self.server is None or not self.server.alive():
            self.close()
            self.server = self.stack.enter_context(prod_server(**self.options))
        return self.server

    def close(self) -> None:
        self.stack.close()
        self.stack = contextlib.ExitStack()
        self.server = None

    def __enter__(self) -> SharedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
