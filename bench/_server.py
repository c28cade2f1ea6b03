"""Start Ticked in production mode for a benchmark: its own SQLite file, data dir and port.

    with prod_server() as server:
        server.url, server.db_url, server.rss_mb()

The server is ``reflex run --env prod`` in a new session (process group); it is stopped with
SIGTERM to the whole group (SIGKILL after a grace period), even when the benchmark fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN_DIR = ROOT / ".tools" / "node_modules" / ".bin"
VENV_BIN = ROOT / ".venv" / "bin"
JWT_SECRET = "bench-jwt-secret-not-for-production"
START_TIMEOUT = 300.0
# Inherited variables that would change how the child app runs.
_DROPPED_PREFIXES = ("REFLEX_", "PYTEST_", "APP_HARNESS")
_DROPPED = {"DATABASE_URL", "REDIS_URL", "JWT_SECRET", "DATA_DIR", "OPENAI_API_KEY", "AGENT_BACKEND"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
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


def stop_group(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM the group ``proc`` leads; SIGKILL whatever outlives ``timeout``."""
    pgid = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
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


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    tmp: Path
    db_url: str
    log: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        return group_rss_mb(self.proc.pid)

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.proc.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log, lines)


def server_env(tmp: Path, db_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES) and k not in _DROPPED}
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        REFLEX_API_URL=f"http://127.0.0.1:{port}",
        NPM_CONFIG_REGISTRY=os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org"),
        DATABASE_URL=db_url,
        DATA_DIR=str(tmp / "data"),
        JWT_SECRET=JWT_SECRET,
        AGENT_BACKEND="local",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if os.environ.get("BENCH_STATE_MANAGER"):  # e.g. "disk", to compare with rxconfig's choice
        env["REFLEX_STATE_MANAGER_MODE"] = os.environ["BENCH_STATE_MANAGER"]
    return env


@contextlib.contextmanager
def prod_server(*, keep: bool = False) -> Iterator[Server]:
    """A migrated scratch database and ``reflex run --env prod`` on a free port, torn down after."""
    tmp = Path(tempfile.mkdtemp(prefix="ticked-bench-ws-"))
    port = free_port()
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    env = server_env(tmp, db_url, port)
    log = tmp / "server.log"
    proc: subprocess.Popen | None = None
    try:
        migrate = subprocess.run(
            [str(VENV_BIN / "python"), "-m", "app.cli", "migrate"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"migrate failed: {migrate.stderr or migrate.stdout}")
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [
                    str(VENV_BIN / "reflex"),
                    "run",
                    "--env",
                    "prod",
                    "--frontend-port",
                    str(port),
                    "--backend-port",
                    str(port),
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(proc=proc, port=port, tmp=tmp, db_url=db_url, log=log, env=env)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{server.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{server.url}/ping", timeout=2) as resp,
            ):
                if resp.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not up after {START_TIMEOUT:.0f}s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        if proc is not None:
            stop_group(proc)
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
