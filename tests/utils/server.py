"""The production app in a process of its own, for the security and deployment tests and ``bench/``.

    with prod_server() as server:
        server.url, server.db_url, server.rss_mb()

``prod_server`` migrates a database of its own (a scratch SQLite file unless given one) and starts
``reflex run --env prod`` (optionally ``--backend-only``: the event handlers without a frontend
build) in a new session (process group), stopped afterwards with SIGTERM to the whole group
(SIGKILL after a grace period), even when the caller fails. It builds the app in the shared
``.web`` directory, so tests that use it run under ``flock /tmp/ticked-web.lock``.

One production build per run: the build bakes the backend's address into the pages
(``.web/env.json``), and it is baked as ``http://localhost:PORT``, which a page served from any
loopback address turns into its own host (Reflex's ``getBackendURL``) but not its own port. So every
server with a frontend listens on the run's one public port (``public_port``), each on a loopback
address of its own (``frontend_address``: this process's ``server_host`` -- ``127.0.0.1``, or one
per pytest-xdist worker -- then the same under 127.1, 127.2, ...), so a worker's e2e app and its
security tests' app stay up side by side (one port per process, they took turns: each swap was a
server start of ~10 s). The first ``reflex run`` of a run builds, under a
lock the run's other processes wait on (``build_lock``), then comes up again on the build as every
later one does: ``reflex run`` with its compile and build steps skipped (``reflex_run_command``)
and the server's own address as its ``REFLEX_API_URL``. A build took about a minute; the browser
tests used to make six.

Nothing here imports the app, so ``bench/`` scripts run it standalone (``python bench/x.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
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
import socket
import sys
from reflex import reflex
from reflex.utils import build, processes

reflex._compile_app = lambda **_: None
build.setup_frontend_prod = lambda _root: None
host = sys.argv[sys.argv.index("--backend-host") + 1] if "--backend-host" in sys.argv else ""
processes.is_process_on_port = lambda port, *_: not processes._can_bind_at_port(socket.AF_INET, host, port)
sys.argv[0] = "reflex"
sys.exit(reflex.cli())
"""
"""``reflex run`` without its compile and frontend build steps (``reflex/reflex.py``'s ``_run_prod``
does both, then starts the backend with the compiled app mounted): the rest runs as always, except
that the port must be free on the address it will listen on (``--backend-host``), not on every one
(other processes' servers listen on the same port at their own addresses)."""

RUN_VAR = "TICKED_TEST_RUN"
"""Names the run whose build ``.web`` holds; tests/conftest.py sets it once for pytest and its workers."""
PUBLIC_PORT_VAR = "TICKED_PUBLIC_PORT"
"""The run's public port, chosen by the first process that needs it and inherited by the others."""
HOST_VAR = "TICKED_SERVER_HOST"
"""This process's loopback address for production servers (tests/conftest.py: one per xdist worker)."""
BUILD_STAMP = ROOT / ".web" / "ticked-build"
"""The run and public port the build in ``.web`` was made for."""


def server_host() -> str:
    """The loopback address this process's production servers listen on."""
    return os.environ.get(HOST_VAR, "127.0.0.1")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(port: int, host: str | None = None) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host or server_host(), port)) == 0


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
    return sum(group_cpu_by_process(pgid).values())


def group_cpu_by_process(pgid: int) -> dict[int, float]:
    """User + system CPU seconds used so far by each live process of group ``pgid``, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    return {int(entry.name): (int(fields[11]) + int(fields[12])) / tick for entry, fields in _group(pgid)}


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
    )
    if not env.get("PYTHONPYCACHEPREFIX"):  # no shared cache (the Makefile's): no __pycache__ in the tree
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


# ----- one public port and one build per process ------------------------------------------------------


@dataclass
class _Public:
    port: int | None = None
    addresses: set[str] = field(default_factory=set)
    """The loopback addresses this process's servers on the public port hold (``frontend_address``)."""


_PUBLIC = _Public()


def public_port() -> int:
    """The port every production server with a frontend listens on in this run (chosen once: free on
    every address, and handed to the processes this one starts, pytest-xdist's workers among them)."""
    if _PUBLIC.port is None:
        if not os.environ.get(PUBLIC_PORT_VAR):
            os.environ[PUBLIC_PORT_VAR] = str(free_port("0.0.0.0"))
        _PUBLIC.port = int(os.environ[PUBLIC_PORT_VAR])
    return _PUBLIC.port


@contextlib.contextmanager
def frontend_address() -> Iterator[str]:
    """A loopback address of this process's for a server on the public port, free of its others
    while held: ``server_host()`` first, then its last two parts under 127.1, 127.2, ... (Linux
    answers on all of 127.0.0.0/8), so the addresses of the run's processes never meet."""
    _a, _b, c, d = server_host().split(".")
    host = next(h for k in range(256) if (h := f"127.{k}.{c}.{d}") not in _PUBLIC.addresses)
    _PUBLIC.addresses.add(host)
    try:
        deadline = time.monotonic() + 30  # a server stopped there a moment ago may still be closing
        while port_open(public_port(), host) and time.monotonic() < deadline:
            time.sleep(0.2)
        yield host
    finally:
        _PUBLIC.addresses.discard(host)


def run_id() -> str:
    """This run's name (made here for a process outside pytest, such as a ``bench/`` script)."""
    if not os.environ.get(RUN_VAR):
        os.environ[RUN_VAR] = uuid.uuid4().hex
    return os.environ[RUN_VAR]


def build_url() -> str:
    """The backend address the run's build bakes into its pages (see the module doc)."""
    return f"http://localhost:{public_port()}"


def _stamp() -> str:
    return f"{run_id()} {build_url()}"


def built() -> bool:
    """``.web`` holds this run's build."""
    try:
        return BUILD_STAMP.read_text() == _stamp()
    except OSError:
        return False


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """Held while a process checks for the run's build and makes it: the others wait, then use it."""
    with (ROOT / ".web-build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def reflex_run_command(*args: str, build: bool = False) -> list[str]:
    """``reflex run --env prod *args``; without ``build``, its compile and build steps skipped."""
    if build:
        return [str(REFLEX), "run", "--env", "prod", *args]
    return [sys.executable, "-c", SERVE_BUILT, "run", "--env", "prod", *args]


@dataclass
class Server:
    port: int
    db_url: str
    env: dict[str, str]
    log: Path
    tmp: Path
    proc: subprocess.Popen | None = None
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        return tail(self.log, lines)

    def rss_mb(self) -> float:
        return group_rss_mb(self.proc.pid) if self.proc is not None else 0.0

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.proc.pid) if self.proc is not None else 0.0

    def cpu_by_process(self) -> dict[int, float]:
        return group_cpu_by_process(self.proc.pid) if self.proc is not None else {}


def start_process(command: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    """``command`` in ``cwd`` (the project directory), in a new process group, its output appended
    to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def ensure_built(env: dict[str, str], log: Path, timeout: float = START_TIMEOUT) -> None:
    """Make the run's build in ``.web`` unless it is there: ``reflex run`` with its compile and
    build steps, for ``build_url()``, on a spare port, stopped once it serves its first page.
    ``env`` is the caller's server's (a migrated database); the run's other processes wait."""
    with build_lock():
        if built():
            return
        port = free_port()
        ports = ["--frontend-port", str(port), "--backend-port", str(port), "--backend-host", "127.0.0.1"]
        build_env = {**env, "REFLEX_API_URL": build_url()}
        proc = start_process(reflex_run_command(*ports, build=True), build_env, log)
        try:
            wait_until_url_up(proc, f"http://127.0.0.1:{port}/", log, timeout)
        finally:
            stop_group(proc)
        BUILD_STAMP.write_text(_stamp())


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

    With a frontend it listens on the public port at an address of its own (``frontend_address``)
    and serves the run's build (``ensure_built``); ``--backend-only`` takes a free port at
    ``server_host()``. Up once ``probe`` answers 200 (``/ping`` for the backend alone, else the
    page at ``/``). ``keep`` leaves the scratch directory (database, data, log) behind.
    """
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    server = Server(port=0, db_url="", env={}, log=tmp / "server.log", tmp=tmp)
    address = contextlib.ExitStack()

    def stop() -> None:
        if server.proc is not None:
            stop_group(server.proc)

    try:
        if backend_only:
            server.host = server_host()
            server.port = free_port(server.host)
        else:
            server.host = address.enter_context(frontend_address())
            server.port = public_port()
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
        args = ["--backend-port", str(server.port), "--backend-host", server.host]
        if backend_only:
            command = reflex_run_command("--backend-only", *args, build=True)  # compiles no frontend
        else:
            ensure_built(server.env, server.log, start_timeout)
            command = reflex_run_command("--frontend-port", str(server.port), *args)
        server.proc = start_process(command, server.env, server.log)
        wait_until_up(server, probe or ("/ping" if backend_only else "/"), start_timeout)
        yield server
    finally:
        stop()
        address.close()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def wait_until_url_up(
    proc: subprocess.Popen, url: str, log: Path, timeout: float, request_timeout: float = 3
) -> None:
    """Until ``url`` answers 200; fails with ``log``'s last lines if ``proc`` exits or times out."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log)}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=request_timeout) as resp:
            if resp.status == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not up after {timeout:.0f}s:\n{tail(log)}")
        time.sleep(0.5)


def wait_until_up(server: Server, probe: str, timeout: float = START_TIMEOUT) -> None:
    """Until ``probe`` answers 200; fails with the log's last lines if the server exits or times out."""
    assert server.proc is not None
    wait_until_url_up(server.proc, server.url + probe, server.log, timeout)


class SharedServer:
    """A production server that fixtures share across tests: ``get()`` returns it running (started
    again, without building, if it stopped)."""

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
