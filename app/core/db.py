"""The one place that makes database engines and sessions.

SQLite is the zero-configuration default: it runs in WAL mode with a busy timeout (so
concurrent writers wait instead of failing) and with foreign keys on (so cascades work).
PostgreSQL gets a configurable connection pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from app.core.config import Settings, get_settings


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    """Create an engine for ``url`` with Ticked's connection rules."""
    settings = settings or get_settings()
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        )
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=True,
    )


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for ``DATABASE_URL`` (created on first use, never at import)."""
    settings = get_settings()
    return make_engine(settings.effective_database_url, settings)


def reset_engine() -> None:
    """Drop the cached engine (tests and the CLI switch databases with it)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
