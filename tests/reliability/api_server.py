"""The API as a process of its own, started the way the real app starts.

``python -m uvicorn tests.reliability.api_server:create_app --factory`` serves ``create_api()``
(the same routes Reflex mounts under ``/api``) and, at start-up, runs the very lifespan task
``app/app.py`` registers to close the turns a crash left open. Tests start it, SIGKILL it in
the middle of a turn and start it again (see ``ApiProcess``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


def create_app() -> FastAPI:
    from app.api.main import create_api
    from app.orchestration.runner import recover_at_start_up  # the lifespan task the real app runs

    api = create_api()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await recover_at_start_up()
        yield

    api.router.lifespan_context = lifespan
    return api


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ApiProcess:
    """One uvicorn process of the API; ``kill()`` is SIGKILL (no shutdown code runs)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiProcess:
        """Start and wait until it answers (the start-up recovery has run by then)."""
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.reliability.api_server:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"API process exited ({self.proc.returncode}): {self.log()}")
            try:
                if httpx.get(f"{self.url}/api/health/live", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"API process did not start in {START_TIMEOUT_S} s: {self.log()}")

    def kill(self) -> int | None:
        """SIGKILL the server; returns its exit code (``-9``)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.kill(self.proc.pid, signal.SIGKILL)
        return self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
