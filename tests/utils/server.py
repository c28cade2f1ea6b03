"""The production app in a process of its own, for the security and deployment tests and ``bench/``.

    with prod_server() as server:
        server.url, server.db_url, server.rss_mb()

``prod_server`` migrates a database of its own (a scratch SQLite file unless given one) and starts
``reflex run --env prod`` (optionally ``--backend-only``: the event handlers without a frontend
build) on a free port, in a new session (process group), stopped afterwards with SIGTERM to the
whole group (SIGKILL after a grace period), even when the caller fails. It builds the app in the
shared ``.web`` directory, so tests that use it run under ``flock /tmp/ticked-web.lock``.

Nothing here imports the app, so ``bench/`` scripts run it standalone (``python bench/x.py``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
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
        **(extra or {}),
    )
    return env


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
    probe: str | None = None,
    start_timeout: float = START_TIMEOUT,
    prefix: str = "ticked-prod-",
    keep: bool = False,
) -> Iterator[Server]:
    """A migrated database (a scratch SQLite file unless ``db_url``) and the prod app serving it.

    Up once ``probe`` answers 200 (``/ping`` for the backend alone, else the page at ``/``).
    ``keep`` leaves the scratch directory (database, data, log) behind.
    """
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    db_url = db_url or f"sqlite:///{tmp / 'app.db'}"
    env = app_env(
        data_dir=tmp / "data",
        db_url=db_url,
        api_url=f"http://127.0.0.1:{port}",
        jwt_secret=jwt_secret,
        extra=extra_env,
    )
    server = Server(port=port, db_url=db_url, env=env, log=tmp / "server.log", tmp=tmp)
    try:
        migrate = subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=ROOT,
            env=server.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"migrate failed: {migrate.stderr or migrate.stdout}")
        ports = ["--backend-port", str(port)]
        if not backend_only:
            ports = ["--frontend-port", str(port), *ports]
        command = [str(REFLEX), "run", "--env", "prod", *(["--backend-only"] if backend_only else []), *ports]
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
        probe = probe or ("/ping" if backend_only else "/")
        deadline = time.monotonic() + start_timeout
        while True:
            if server.proc.poll() is not None:
                raise RuntimeError(f"server exited with {server.proc.returncode}:\n{server.log_tail()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(server.url + probe, timeout=3) as resp:
                if resp.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not up after {start_timeout:.0f}s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        if server.proc is not None:
            stop_group(server.proc)
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
