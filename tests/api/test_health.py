"""GET /api/health/live and /api/health/ready: no sign-in, quick answers, no secrets in errors.

Ready is checked on SQLite and PostgreSQL (the ``api`` fixture), with the local Redis up
(``redis://127.0.0.1:6379/15``) and with Redis, PostgreSQL or the SQLite file out of reach,
including a server that accepts the TCP connection and never answers (the timeouts).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from app.services.health import check_readiness
from tests.api.conftest import point_app_at, release_app
from tests.utils.api_app import shared_api
from tests.utils.test_client import TestClient

REDIS_UP = "redis://127.0.0.1:6379/15"
REDIS_DOWN = "redis://127.0.0.1:9/0"
PG_DOWN = "postgresql+psycopg://postgres@127.0.0.1:9/none"
PASSWORD = "s3cret-Pa55word"
HANG_S = 15
"""A silent peer is answered after the probe's own timeout (2 s) or the check's deadline (3 s; pinned
by ``test_check_readiness_has_a_deadline``); the wall time around it also holds this machine's
scheduling, which under the whole suite (both pytest runs on 2 cores) has added 3.5 s. Waiting on
the pool (30 s) or on a socket without a timeout would take longer than this."""


def use_redis(url: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if url is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", url)
    from app.core.config import get_settings

    get_settings.cache_clear()


@pytest.fixture
def app_on(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """``app_on(database_url)``: a TestClient of the API on that (possibly broken) database."""
    clients: list[TestClient] = []

    def make(url: str) -> TestClient:
        point_app_at(url, monkeypatch)
        client = TestClient(shared_api())
        clients.append(client)
        return client

    try:
        yield make
    finally:
        release_app()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def ready(client: TestClient) -> tuple[int, dict, float]:
    start = time.monotonic()
    resp = client.get("/api/health/ready")  # no Authorization header: the probe is public
    elapsed = time.monotonic() - start
    assert resp.headers["content-type"].startswith("application/json")
    return resp.status_code, resp.json(), elapsed


def assert_clean_error(check: dict, *forbidden: str) -> str:
    assert check["ok"] is False, check
    error = check["error"]
    assert isinstance(error, str)
    assert error.strip()
    assert len(error) <= 200
    assert "://" not in error, error
    for text in (PASSWORD, *forbidden):
        assert text not in error, error
    for marker in ("Traceback", 'File "', "sqlalche.me"):
        assert marker not in error, error
    return error


def test_live(api: TestClient) -> None:
    resp = api.get("/api/health/live")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_ready_without_redis(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    use_redis(None, monkeypatch)
    status, body, _ = ready(api)
    assert status == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database"}
    db = body["checks"]["database"]
    assert db["ok"] is True
    assert "error" not in db
    assert isinstance(db["latency_ms"], float)
    assert db["latency_ms"] >= 0


def test_ready_with_redis_up(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    use_redis(REDIS_UP, monkeypatch)
    status, body, _ = ready(api)
    assert status == 200, body
    assert body == {
        "status": "ready",
        "checks": {
            "database": {"ok": True, "latency_ms": body["checks"]["database"]["latency_ms"]},
            "redis": {"ok": True, "latency_ms": body["checks"]["redis"]["latency_ms"]},
        },
    }


@pytest.mark.parametrize("url", [REDIS_DOWN, f"redis://:{PASSWORD}@127.0.0.1:9/0"])
def test_ready_with_redis_down(api: TestClient, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    use_redis(url, monkeypatch)
    status, body, elapsed = ready(api)
    assert status == 503, body
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    error = assert_clean_error(body["checks"]["redis"], url, "127.0.0.1:9/0")
    assert "ConnectionError" in error
    assert elapsed < 5
    # The API still works otherwise: liveness is unaffected.
    assert api.get("/api/health/live").json() == {"status": "ok"}


def test_ready_with_redis_silent(api: TestClient, monkeypatch: pytest.MonkeyPatch, silent_port: int) -> None:
    use_redis(f"redis://127.0.0.1:{silent_port}/0", monkeypatch)
    status, body, elapsed = ready(api)
    assert status == 503, body
    assert body["checks"]["database"]["ok"] is True
    assert_clean_error(body["checks"]["redis"])
    assert body["checks"]["redis"]["latency_ms"] >= 1900, body  # its socket timeout, not an error at once
    assert elapsed < HANG_S, elapsed


@pytest.mark.parametrize(
    "url",
    [
        PG_DOWN,
        f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:9/none",
        "sqlite:////nonexistent-dir/x.db",
    ],
    ids=["postgres-refused", "postgres-refused-password", "sqlite-unopenable"],
)
def test_ready_with_database_down(app_on, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    use_redis(None, monkeypatch)
    client = app_on(url)
    status, body, elapsed = ready(client)
    assert status == 503, body
    assert body["status"] == "unavailable"
    assert set(body["checks"]) == {"database"}
    assert_clean_error(body["checks"]["database"], url, url.split("://", 1)[1])
    assert elapsed < 5, elapsed
    assert client.get("/api/health/live").json() == {"status": "ok"}


def test_ready_with_database_and_redis_down(app_on, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app_on(PG_DOWN)
    use_redis(REDIS_DOWN, monkeypatch)
    status, body, _ = ready(client)
    assert status == 503, body
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["redis"]["ok"] is False


def test_ready_with_postgres_silent(app_on, monkeypatch: pytest.MonkeyPatch, silent_port: int) -> None:
    """A server that takes the connection and never answers: the connect timeout, not 30 s."""
    use_redis(None, monkeypatch)
    client = app_on(f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{silent_port}/none")
    status, body, elapsed = ready(client)
    assert status == 503, body
    assert_clean_error(body["checks"]["database"])
    assert body["checks"]["database"]["latency_ms"] >= 1900, body  # the connect timeout fired
    assert elapsed < HANG_S, elapsed


def test_check_readiness_never_raises(app_on, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings that can't even make an engine are reported, not raised."""
    app_on("not a database url")
    monkeypatch.setenv("REDIS_URL", "not a redis url")
    from app.core.config import get_settings

    get_settings.cache_clear()
    result = check_readiness()
    assert result["status"] == "unavailable"
    assert result["checks"]["database"]["ok"] is False
    assert result["checks"]["redis"]["ok"] is False
    assert result["checks"]["database"]["error"]


def test_check_readiness_has_a_deadline(app_on, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """A probe that hangs (whatever its own timeouts) still answers within the deadline."""
    from app.services import health

    app_on(f"sqlite:///{tmp_path / 'hang.db'}")
    release = threading.Event()
    monkeypatch.setattr(health, "DEADLINE_S", 0.5)
    monkeypatch.setattr(health, "_ping_database", lambda: release.wait(10))
    try:
        start = time.monotonic()
        result = check_readiness()
        elapsed = time.monotonic() - start
    finally:
        release.set()
    assert elapsed < 2, elapsed
    assert result["status"] == "unavailable"
    assert result["checks"]["database"]["ok"] is False
    assert result["checks"]["database"]["error"].startswith("TimeoutError")
