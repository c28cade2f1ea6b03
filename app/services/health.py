"""Readiness: does the database answer, and Redis when one is configured?

``check_readiness()`` never raises and never takes long: every probe has its own short
timeouts (a PostgreSQL connect timeout, Redis socket timeouts) and the whole check has a hard
deadline on top, so a hung network answers "unavailable" within a few seconds. The endpoint
is public, so its answer names only the exception class; the detail (first line, scrubbed of
URLs and credentials) goes to the server log.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.core.config import get_settings
from app.core.db import get_engine

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2
STATEMENT_TIMEOUT_MS = 2000
DEADLINE_S = 3.0
MAX_ERROR_CHARS = 200
_URL_RE = re.compile(r"\b[a-z][a-z0-9+.\-]*://\S+", re.IGNORECASE)


def check_readiness() -> dict[str, Any]:
    """``{"status": "ready"|"unavailable", "checks": {"database": {...}, "redis": {...}}}``.

    ``redis`` is there only when ``REDIS_URL`` is set. Each check is
    ``{"ok": bool, "latency_ms": float}`` plus ``"error"`` when it failed.
    """
    try:
        probes: dict[str, Callable[[], None]] = {"database": _ping_database}
        redis_url = get_settings().redis_url
        if redis_url:
            probes["redis"] = lambda: _ping_redis(redis_url)
        checks = _run(probes)
    except Exception as exc:  # noqa: BLE001 - e.g. invalid settings: report, never raise
        checks = {"database": _failed(exc, 0.0)}
    ready = all(check["ok"] for check in checks.values())
    return {"status": "ready" if ready else "unavailable", "checks": checks}


def _run(probes: dict[str, Callable[[], None]]) -> dict[str, dict[str, Any]]:
    """Run the probes side by side; one that has not answered by the deadline has failed."""
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="readiness")
    try:
        futures = {name: pool.submit(_timed, probe) for name, probe in probes.items()}
        deadline = time.monotonic() + DEADLINE_S
        checks: dict[str, dict[str, Any]] = {}
        for name, future in futures.items():
            try:
                checks[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                checks[name] = {
                    "ok": False,
                    "latency_ms": round(DEADLINE_S * 1000, 1),
                    "error": f"TimeoutError: no answer within {DEADLINE_S:g} s",
                }
                log.warning("readiness: %s did not answer within %s s", name, DEADLINE_S)
        return checks
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _timed(probe: Callable[[], None]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return _failed(exc, _elapsed_ms(start))
    return {"ok": True, "latency_ms": _elapsed_ms(start)}


def _ping_database() -> None:
    engine = get_engine()
    url = engine.url
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in {"psycopg", "psycopg2"}:
        # A connection of its own with a connect timeout: the pool would wait up to
        # pool_timeout (30 s) and libpq's connect has no timeout of its own.
        cargs, cparams = engine.dialect.create_connect_args(url)
        cparams["connect_timeout"] = CONNECT_TIMEOUT_S
        cparams["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
        conn = engine.dialect.connect(*cargs, **cparams)
        try:
            cursor = conn.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchone()
        finally:
            conn.close()
        return
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1")).scalar_one()


def _ping_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _failed(exc: BaseException, latency_ms: float) -> dict[str, Any]:
    """The public answer names only the kind of failure; the scrubbed detail goes to the server log."""
    log.warning("readiness check failed: %s", _describe(exc, _secrets()))
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return {"ok": False, "latency_ms": latency_ms, "error": cause.__class__.__name__}


def _describe(exc: BaseException, secrets: list[str]) -> str:
    """``ClassName: first line of the message`` with URLs and credentials taken out."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig  # the driver's error, not SQLAlchemy's wrapper with its SQL and links
    lines = str(exc).strip().splitlines()
    message = lines[0].strip() if lines else ""
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "***")
    message = _URL_RE.sub("<url>", message)
    text = f"{exc.__class__.__name__}: {message}" if message else exc.__class__.__name__
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _secrets() -> list[str]:
    """The strings an error text must not show: the configured URLs and their passwords."""
    try:
        settings = get_settings()
        urls = [u for u in (settings.database_url, settings.redis_url) if u]
    except Exception:  # noqa: BLE001 - settings that don't load: the URL scrub below still runs
        return []
    secrets: set[str] = set()
    for value in urls:
        secrets.add(value)
        password = _password_of(value)
        if password:
            secrets.update({password, unquote(password), quote(unquote(password), safe="")})
    return [s for s in secrets if len(s) >= 3]


def _password_of(url: str) -> str | None:
    try:
        return make_url(url).password or urlsplit(url).password
    except Exception:  # noqa: BLE001 - a URL that doesn't parse has no password to hide
        return None
