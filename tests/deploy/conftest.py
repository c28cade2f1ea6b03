"""Two production instances of the app behind nginx, set up as README's "Self-hosting" section says.

One module-scoped ``deployment`` brings up, for real: a PostgreSQL database of its own (migrated
with the CLI), a dedicated Redis db (flushed), two ``reflex run --env prod`` instances sharing
them, and nginx whose ``http {}`` holds README's ```nginx example verbatim (only the two upstream
ports and the listen port are substituted). nginx listens on the session's public port
(``tests/utils/server.py``), the address the session's one frontend build connects to, so the
instances serve that build. Everything is torn down afterwards, even on failure.

Where PostgreSQL, Redis, nginx, bun or Chromium are missing the tests skip with the reason,
except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.core.config import PROJECT_ROOT
from tests.utils.server import (
    BIN_DIR,
    REFLEX,
    app_env,
    ensure_built,
    free_port,
    frontend_address,
    port_open,
    public_port,
    reflex_run_command,
    start_process,
    stop_group,
    tail,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/7")
NGINX = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"
JWT_SECRET = "deploy-test-jwt-secret-not-for-production"
START_TIMEOUT = 240.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "deploy: two production instances behind nginx (PostgreSQL, Redis, real builds)"
    )


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason + " (CI=true: the deployment tests must run)")
    pytest.skip(reason)


def _missing_services() -> list[str]:
    missing = []
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        missing.append(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__})")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        missing.append(f"Redis not reachable at {REDIS_URL} ({exc.__class__.__name__})")
    if not os.access(NGINX, os.X_OK):
        missing.append(f"nginx not found (looked for {NGINX}; set NGINX_PATH)")
    if not (BIN_DIR / "bun").exists():
        missing.append(f"bun not installed in {BIN_DIR} (run `make setup`)")
    if not REFLEX.exists():
        missing.append(f"reflex not found at {REFLEX}")
    return missing


def readme_nginx_example() -> str:
    """The ```nginx block of README's "## Self-hosting" section, dedented."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = re.search(r"^## Self-hosting\n(.*?)(?=^## )", readme, re.S | re.M)
    assert section, 'README.md has no "## Self-hosting" section'
    block = re.search(r"^[ \t]*```nginx\n(.*?)^[ \t]*```", section.group(1), re.S | re.M)
    assert block, 'README.md\'s "Self-hosting" section has no ```nginx example'
    return textwrap.dedent(block.group(1))


def nginx_conf(prefix: Path, proxy: str, ports: tuple[int, int]) -> str:
    """A complete nginx.conf whose ``http {}`` is README's example with our ports."""
    example = readme_nginx_example()
    for pattern, value in (
        (r"127\.0\.0\.1:3001\b", f"127.0.0.1:{ports[0]}"),
        (r"127\.0\.0\.1:3002\b", f"127.0.0.1:{ports[1]}"),
        (r"\blisten\s+80\s*;", f"listen {proxy};"),
    ):
        example, count = re.subn(pattern, value, example)
        assert count == 1, f"README's nginx example changed: expected one {pattern!r}, found {count}"
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} info;
worker_processes 1;
events {{ worker_connections 512; }}
http {{
    log_format deploy '$status|$request_method|$uri|$upstream_addr|$msec|$request_time';
    access_log {prefix / "access.log"} deploy;
{temp}
    # --- README.md "Self-hosting" example ---
{textwrap.indent(example, "    ")}
    # --- end of README example ---
}}
"""


@dataclass
class LogEntry:
    status: int
    method: str
    uri: str
    upstreams: list[str]  # every upstream nginx tried, in order; the last one answered
    started: float  # epoch seconds the request arrived (a websocket is logged when it closes)

    @property
    def served_by(self) -> str | None:
        return self.upstreams[-1] if self.upstreams else None


class Instance:
    def __init__(self, number: int, port: int, log: Path) -> None:
        self.number, self.port, self.log = number, port, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def port_args(self) -> list[str]:
        return ["--frontend-port", str(self.port), "--backend-port", str(self.port)]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, env: dict[str, str]) -> None:
        """Serves the run's build (made first if no other server made it)."""
        assert not port_open(self.port, "127.0.0.1"), f"port {self.port} is already taken"
        ensure_built(env, self.log, START_TIMEOUT)
        self.proc = start_process(reflex_run_command(*self.port_args), env, self.log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"instance {self.number} exited with {self.proc.returncode}:\n{tail(self.log)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (
                    httpx.get(f"{self.url}/ping", timeout=2).status_code == 200
                    and httpx.get(f"{self.url}/", timeout=5).status_code == 200
                ):
                    return
            time.sleep(0.5)
        raise RuntimeError(f"instance {self.number} not up after {START_TIMEOUT:.0f}s:\n{tail(self.log)}")

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
            self.proc = None
        deadline = time.monotonic() + 10
        while port_open(self.port, "127.0.0.1") and time.monotonic() < deadline:
            time.sleep(0.2)


class Deployment:
    def __init__(self, tmp: Path, db_url: str, proxy_host: str) -> None:
        self.tmp, self.db_url = tmp, db_url
        # The session's public port: the build bakes the address pages connect to, here nginx's.
        self.proxy_host, self.proxy_port = proxy_host, public_port()
        self.proxy_address = f"{proxy_host}:{self.proxy_port}"
        self.proxy_url = f"http://{self.proxy_address}"
        self.instances = [Instance(n, free_port(), tmp / f"instance{n}.log") for n in (1, 2)]
        self.nginx_dir = tmp / "nginx"
        self.access_log = self.nginx_dir / "access.log"
        self.engine = sa.create_engine(db_url)

    def env(self) -> dict[str, str]:
        return app_env(
            data_dir=self.tmp / "data",
            db_url=self.db_url,
            api_url=self.proxy_url,
            jwt_secret=JWT_SECRET,
            extra={"REDIS_URL": REDIS_URL},
        )

    def cli(self, *args: str) -> str:
        """Run ``python -m app.cli`` against the deployment's database; returns stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=PROJECT_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"app.cli {args[0]} failed: {done.stderr or done.stdout}"
        return done.stdout

    @property
    def instance_urls(self) -> tuple[str, str]:
        return self.instances[0].url, self.instances[1].url

    def start_instance(self, number: int) -> None:
        self.instances[number - 1].start(self.env())

    def stop_instance(self, number: int) -> None:
        self.instances[number - 1].stop()

    def ensure_running(self) -> None:
        """Both instances up (a test that stopped one may have run first)."""
        for inst in self.instances:
            if not inst.alive():
                inst.start(self.env())

    def log_mark(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def log_entries(self, since: int = 0) -> list[LogEntry]:
        with self.access_log.open("rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        entries = []
        for line in text.splitlines():
            status, method, uri, upstream, ended, took = line.split("|")
            upstreams = [u.strip() for u in upstream.split(",") if u.strip() not in ("", "-")]
            entries.append(LogEntry(int(status), method, uri, upstreams, float(ended) - float(took)))
        return entries

    def instance_number(self, address: str | None) -> int | None:
        for inst in self.instances:
            if inst.address == address:
                return inst.number
        return None


def _start_nginx(dep: Deployment, stack: contextlib.ExitStack) -> None:
    dep.nginx_dir.mkdir()
    conf = dep.nginx_dir / "nginx.conf"
    conf.write_text(
        nginx_conf(dep.nginx_dir, dep.proxy_address, (dep.instances[0].port, dep.instances[1].port))
    )
    cmd = [NGINX, "-p", f"{dep.nginx_dir}/", "-e", str(dep.nginx_dir / "error.log"), "-c", str(conf)]
    check = subprocess.run([*cmd, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, f"nginx -t rejected the config:\n{check.stderr}\n{conf.read_text()}"
    procs: list[subprocess.Popen] = []

    def stop() -> None:
        while procs:
            stop_group(procs.pop(), signal.SIGTERM, 10.0)

    stack.callback(stop)
    with (dep.nginx_dir / "nginx.out").open("ab") as out:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    procs.append(proc)
    deadline = time.monotonic() + 20
    while not port_open(dep.proxy_port, dep.proxy_host):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nginx did not start:\n{tail(dep.nginx_dir / 'error.log')}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def deployment(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """PostgreSQL + Redis + two prod instances + nginx in front, for the whole module."""
    missing = _missing_services()
    if missing:
        unavailable("; ".join(missing))
    began = time.monotonic()
    failed_before = request.session.testsfailed
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="ticked-deploy-"))
        tmp.chmod(0o755)  # nginx workers may run as another user
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)

        name = f"ticked_deploy_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        stack.callback(admin.dispose)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

        def drop_database() -> None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        stack.callback(drop_database)
        proxy_host = stack.enter_context(frontend_address())  # nginx's, on the public port
        dep = Deployment(tmp, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", proxy_host)
        stack.callback(dep.engine.dispose)

        store = redis.Redis.from_url(REDIS_URL)
        stack.callback(store.close)
        store.flushdb()
        stack.callback(store.flushdb)

        dep.cli("migrate")
        _start_nginx(dep, stack)
        for inst in dep.instances:  # one after the other: the first may build .web, the second serves it
            stack.callback(inst.stop)
            inst.start(dep.env())

        def report_on_failure() -> None:
            if request.session.testsfailed > failed_before:
                for path in (*(i.log for i in dep.instances), dep.nginx_dir / "error.log"):
                    print(f"\n--- {path.name} (last lines) ---\n{tail(path, 60)}")

        stack.callback(report_on_failure)
        print(
            f"\ndeployment up in {time.monotonic() - began:.1f}s: proxy {dep.proxy_url}, "
            f"instances {', '.join(i.url for i in dep.instances)}, database {name}"
        )
        yield dep


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    return page
