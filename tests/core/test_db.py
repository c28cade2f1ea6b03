"""The engine rules of app/core/db.py, on real databases.

SQLite: WAL, the configured busy timeout and foreign keys on every pooled connection, and
20 writer threads on one file all succeed. PostgreSQL: the pool settings from the
environment (``DB_POOL_SIZE`` and friends) reach the engine's pool.
"""

from __future__ import annotations

import select as io_select
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, func, select

from app.core.config import get_settings
from app.core.db import get_engine, make_engine, reset_engine
from app.models import Task, User
from app.services import tasks as task_service
from tests.conftest import PG_ADMIN_URL, require_postgres

WRITERS = 20
TRANSACTIONS_PER_WRITER = 5


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Env changes made through the yielded monkeypatch reach ``get_settings()``; caches reset after."""
    get_settings.cache_clear()
    reset_engine()
    yield monkeypatch
    reset_engine()
    get_settings.cache_clear()


@pytest.fixture
def sqlite_engine(fresh_settings: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[sa.Engine]:
    fresh_settings.setenv("SQLITE_BUSY_TIMEOUT_MS", "4321")
    get_settings.cache_clear()
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    yield engine
    engine.dispose()


def _pragmas(conn: sa.Connection) -> tuple[str, int, int]:
    return (
        conn.exec_driver_sql("PRAGMA journal_mode").scalar_one(),
        conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one(),
        conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one(),
    )


def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(sqlite_engine: sa.Engine) -> None:
    # Two connections at once: the rules hold for every pooled connection, not just the first.
    with sqlite_engine.connect() as first, sqlite_engine.connect() as second:
        assert _pragmas(first) == ("wal", 4321, 1)
        assert _pragmas(second) == ("wal", 4321, 1)
    # WAL is a property of the file: a plain sqlite3 connection sees it too.
    import sqlite3

    raw = sqlite3.connect(sqlite_engine.url.database)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_sqlite_explicit_settings_win(tmp_path: Path) -> None:
    settings = get_settings().model_copy(update={"sqlite_busy_timeout_ms": 1234})
    engine = make_engine(f"sqlite:///{tmp_path / 'explicit.db'}", settings)
    try:
        with engine.connect() as conn:
            assert _pragmas(conn) == ("wal", 1234, 1)
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys(sqlite_engine: sa.Engine) -> None:
    SQLModel.metadata.create_all(sqlite_engine)
    with Session(sqlite_engine) as session:
        session.add(Task(user_id=uuid.uuid4(), title="orphan"))
        with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
            session.commit()


def test_get_engine_uses_the_sqlite_rules(fresh_settings: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fresh_settings.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cached.db'}")
    fresh_settings.setenv("SQLITE_BUSY_TIMEOUT_MS", "2500")
    get_settings.cache_clear()
    reset_engine()
    engine = get_engine()
    assert get_engine() is engine
    with engine.connect() as conn:
        assert _pragmas(conn) == ("wal", 2500, 1)


def test_sqlite_concurrent_writers_all_succeed(tmp_path: Path) -> None:
    """20 threads, each committing transactions through the real task service, on one file."""
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    try:
        SQLModel.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            user = User(email="writers@example.com", hashed_password="not-a-real-hash")
            session.add(user)
            session.commit()
            user_id = user.id

        barrier = threading.Barrier(WRITERS)
        failures: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                barrier.wait(timeout=30)
                for t in range(TRANSACTIONS_PER_WRITER):
                    with Session(engine) as session:
                        task_service.create_task(session, user_id=user_id, data={"title": f"w{n} t{t}"})
                        task_service.create_task(session, user_id=user_id, data={"title": f"w{n} t{t}b"})
                        session.commit()
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)

        threads = [threading.Thread(target=writer, args=(n,), name=f"writer-{n}") for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a writer is still running"
        assert failures == [], [f"{type(e).__name__}: {e}" for e in failures[:3]]
        assert not any("database is locked" in str(e) for e in failures)

        with Session(engine) as session:
            count = session.exec(select(func.count()).select_from(Task)).one()
        assert count == WRITERS * TRANSACTIONS_PER_WRITER * 2
    finally:
        engine.dispose()


POOL_ENV = {"DB_POOL_SIZE": "3", "DB_MAX_OVERFLOW": "1", "DB_POOL_TIMEOUT": "0.5", "DB_POOL_RECYCLE": "600"}


def test_postgres_pool_settings_reach_the_engine(fresh_settings: pytest.MonkeyPatch) -> None:
    for name, value in POOL_ENV.items():
        fresh_settings.setenv(name, value)
    get_settings.cache_clear()
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/none")  # no connection made
    try:
        pool = engine.pool
        assert isinstance(pool, sa.QueuePool)
        assert pool.size() == 3
        assert pool._max_overflow == 1
        assert pool._timeout == 0.5
        assert pool._recycle == 600
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_pooled_connection_the_server_closed_is_replaced_at_checkout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What ``pool_pre_ping`` did with a query per checkout, without one: a connection whose backend
    was terminated (a restart, an outage) is not handed out; the next use just works."""
    require_postgres()
    engine = make_engine(PG_ADMIN_URL)
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or True)
    try:
        with engine.connect() as conn:
            pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            raw = conn.connection.dbapi_connection
        with admin.connect() as conn:  # the pooled connection is idle now: end its backend
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        poller = io_select.poll()
        poller.register(raw.fileno(), io_select.POLLIN)
        assert poller.poll(10_000), "the server never closed the connection"
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != pid
        assert pings == []  # no query to the server at any checkout
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.postgres
def test_postgres_pool_limits_hold(fresh_settings: pytest.MonkeyPatch) -> None:
    """On the real server: size + overflow connections check out, one more times out."""
    require_postgres()
    for name, value in POOL_ENV.items():
        fresh_settings.setenv(name, value)
    fresh_settings.setenv("DATABASE_URL", PG_ADMIN_URL)
    get_settings.cache_clear()
    reset_engine()
    engine = get_engine()
    assert engine.pool.size() == 3
    conns = [engine.connect() for _ in range(3 + 1)]
    try:
        for conn in conns:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
        with pytest.raises(sa.exc.TimeoutError):
            engine.connect()
    finally:
        for conn in conns:
            conn.close()
