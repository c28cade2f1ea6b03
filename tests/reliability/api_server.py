"""The API as a process of its own, started the way the real app starts.

A uvicorn server of ``create_app()`` (``uvicorn.run(create_app, factory=True)``, as
``python -m uvicorn tests.reliability.api_server:create_app --factory`` would) serves
``create_api()`` (the same routes Reflex mounts under ``/api``) and, at start-up, runs the very
lifespan task ``app/app.py`` registers to close the turns a crash left open. Tests start it,
SIGKILL it in the middle of a turn and start it again (see ``ApiProcess``). Each is a child of
the test process's fork server (:mod:`tests.utils.forkserver`), in a session of its own, with its
own environment and its output in its log: a new interpreter importing the app took ~1.7 s of
CPU per start.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from multiprocessing.process import BaseProcess
from pathlib import Path

import httpx
from fastapi import FastAPI

from tests.utils import forkserver

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


BIND_TRIES = 3


class PortTaken(RuntimeError):
    """The server could not bind its port: something else took it after it was picked."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(env: dict[str, str], port: int, log_path: str) -> None:
    """The server process: its own session, environment and log, then uvicorn until it is killed."""
    os.setsid()
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    forkserver.take_environment(env)
    os.chdir(ROOT)
    import uvicorn

    uvicorn.run(create_app, factory=True, host="127.0.0.1", port=port, log_level="warning")


class ApiProcess:
    """One uvicorn process of the API; ``kill()`` is SIGKILL (no shutdown code runs)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.proc: BaseProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiProcess:
        """Start and wait until it answers (the start-up recovery has run by then).

        The port was free when it was picked, but another process may take it before the server
        binds it (another test's server, an outgoing connection's ephemeral port): the server then
        starts again on another one, up to :data:`BIND_TRIES` times."""
        for attempt in range(BIND_TRIES):
            try:
                return self._start()
            except PortTaken:
                if attempt == BIND_TRIES - 1:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start(self) -> ApiProcess:
        args = (self.env, self.port, str(self.log_path))
        self.proc = forkserver.context().Process(target=serve, args=args, daemon=True)
        self.proc.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.exitcode is not None:
                log = self.log()
                if f"{self.port}): address already in use" in log:
                    raise PortTaken(f"API process exited ({self.proc.exitcode}): {log}")
                raise RuntimeError(f"API process exited ({self.proc.exitcode}): {log}")
            try:
                if httpx.get(f"{self.url}/api/health/live", timeout=1, verify=False).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"API process did not start in {START_TIMEOUT_S} s: {self.log()}")

    def kill(self) -> int | None:
        """SIGKILL the server; returns its exit code (``-9``)."""
        if self.proc is None or self.proc.exitcode is not None:
            return self.proc.exitcode if self.proc else None
        self.proc.kill()
        self.proc.join(timeout=10)
        return self.proc.exitcode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
