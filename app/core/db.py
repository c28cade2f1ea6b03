"""The one place that makes database engines and sessions.

SQLite is the zero-configuration default: it runs in WAL mode with a busy timeout (so
concurrent writers wait instead of failing) and with foreign keys on (so cascades work).
PostgreSQL gets a configurable connection pool whose connections are checked before use
(``_drop_if_closed``, without a round trip) and opened with a connect timeout, so after an outage
the app recovers by itself: dead pooled connections are replaced instead of failing the next request.
"""

from __future__ import annotations

import select
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Row, Select, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.util import identity_key
from sqlalchemy.pool import ConnectionPoolEntry, SingletonThreadPool
from sqlmodel import Session, create_engine

from app.core.config import Settings, get_settings

_Model = TypeVar("_Model")

PG_CONNECT_TIMEOUT_S = 10
"""Seconds libpq waits to open a connection (unless the URL sets ``connect_timeout``)."""
SQLITE_MMAP_BYTES = 1 << 30
"""Up to 1 GiB of the database file mapped into memory (address space, shared with the OS page cache)."""

UNAVAILABLE_MESSAGE = (
    "The service is unavailable right now (its database can't be reached). Try again in a moment."
)
"""What a person is told while the database is down (the API's 503, the pages' toast)."""


def is_database_outage(exc: BaseException) -> bool:
    """The database is down or unreachable (not a refused value or a bug): worth a retry later.

    Covers a refused or dropped connection, an exhausted pool and SQLite's "database is locked".
    """
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    """Create an engine for ``url`` with Ticked's connection rules."""
    settings = settings or get_settings()
    if url.startswith("sqlite"):
        return _sqlite_engine(url, settings)
    connect_args: dict[str, int] = {}
    if url.startswith("postgresql") and "connect_timeout" not in make_url(url).query:
        # libpq waits forever for a server that accepts TCP and never answers; a hung database
        # must become an error (and a 503) instead of a request that never returns.
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    engine = create_engine(
        url,
        connect_args=connect_args,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        hide_parameters=True,
    )
    event.listen(engine, "checkout", _drop_if_closed)
    return engine


def _drop_if_closed(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry, _proxy: object) -> None:
    """Before a pooled connection is handed out: one the server has closed (a restart, an outage,
    ``pg_terminate_backend``) is replaced, and the pool's older ones with it (SQLAlchemy's
    handling of a ``DisconnectionError`` at checkout), so the next request does not fail on it.

    SQLAlchemy's ``pool_pre_ping`` does this with a query to the server at every checkout, a round
    trip per transaction (~0.2 ms, issue 19). An idle connection's socket says as much: the server
    sends nothing on it unasked, so if it is readable, the server closed it (or said why before
    closing it); either way it is not handed out.
    """
    if getattr(dbapi_conn, "closed", False):
        raise DisconnectionError("the pooled connection is closed")
    try:
        fd = dbapi_conn.fileno()
    except Exception as exc:  # a connection without a usable socket is a dead one
        raise DisconnectionError("the pooled connection has no socket") from exc
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError("the server closed the pooled connection")


def _sqlite_engine(url: str, settings: Settings, *, read_only: bool = False, **pool: Any) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        hide_parameters=True,  # error texts (and so logged tracebacks) never quote row values
        **pool,
    )
    busy_ms = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(  # pragma: no cover - trivial
        dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry
    ) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Reads map the file instead of copying pages through each connection's 2 MB page
        # cache: a search tests ~2 KB of index per thread of the person, and at 1,000 threads
        # that cache thrashed (a rare word: 22 ms p50 with the default, 4.7 ms mapped).
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    return engine


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


def begin_write(session: Session) -> None:
    """Make the session's transaction a writer now, before it reads what it is about to change.

    A read-then-write (is the task done yet? then complete it) is only safe when nobody else can
    change those rows in between. PostgreSQL callers lock the rows they read (``SELECT ... FOR
    UPDATE``); this is the SQLite half: SQLite has one writer at a time, and the driver opens a
    transaction only at the first INSERT/UPDATE/DELETE, so reads before it see a snapshot that a
    racing writer may already have changed. ``BEGIN IMMEDIATE`` takes the write lock first (waiting
    up to the busy timeout), so what this transaction reads next stays true until it commits. A
    transaction an earlier write opened holds the lock already and is left as it is. Nothing on
    PostgreSQL.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    if not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def reads_on_the_loop() -> bool:
    """Whether the hot reads run on the event loop itself, in :func:`loop_read_scope` (SQLite)."""
    return get_engine().dialect.name == "sqlite"


@contextmanager
def loop_read_scope() -> Iterator[Session]:
    """A read-only transaction for code on the event loop, on SQLite (issue 19: the hot reads).

    Handing a read of under a millisecond to a worker thread and back cost ~0.16 ms of CPU and two
    thread wake-ups: without it the p50s at the server fell by 15-45 % (bench/RESULTS.md). In WAL
    mode a SQLite read never waits for a writer, and this session never waits for a connection
    either: it has its own, one per thread (``SingletonThreadPool``), apart from the pool the
    worker threads share. Its connection is ``query_only``: a write raises at once instead
    of waiting for the write lock on the loop (so the callers defer theirs: ``presence.defer``).
    Disposing the app's engine (a test replacing the file) closes it too.
    """
    engine = get_engine()
    reader = _readers.get(engine)
    if reader is None:
        url = engine.url.render_as_string(hide_password=False)
        reader = _readers[engine] = _sqlite_engine(
            url, get_settings(), read_only=True, poolclass=SingletonThreadPool
        )
        event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    with _scope(reader) as session:
        yield session


_readers: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
"""Each SQLite engine's reader for :func:`loop_read_scope`."""


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with _scope(get_engine()) as session:
        yield session


@contextmanager
def _scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def read_rows(
    session: Session, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
) -> Sequence[Row[*tuple[Any, ...]]]:
    """A Core select's rows (plain tuples) in the session's transaction, for the hot reads (issue 19).

    A select of table columns skips the ORM's per-row loading, and so its autoflush: the session's
    pending changes are flushed first, so a read after a change in the same transaction sees it,
    as it would through the ORM.
    """
    session.flush()
    return session.execute(statement, params).all()


def in_session(session: OrmSession, model: type[_Model], ident: Any) -> _Model | None:
    """The row of ``model`` with primary key ``ident`` if the session holds it already (nothing is
    read; the identity map holds a row only while something refers to it)."""
    found: _Model | None = session.identity_map.get(identity_key(model, ident))
    return found


_TRANSACTION_CACHES = "transaction_caches"


def transaction_cache(session: Session, name: str) -> dict[Any, Any]:
    """A dict kept for the rest of the session's transaction, emptied when it commits or rolls back
    (a savepoint's rollback too, not its release): what a transaction reads more than once (the
    person's time zone, the projects its tasks are in), read once. Values read here stay as this
    transaction saw them."""
    caches: dict[str, dict[Any, Any]] = session.info.setdefault(_TRANSACTION_CACHES, {})
    return caches.setdefault(name, {})


@event.listens_for(OrmSession, "after_commit")
def _forget_after_commit(session: OrmSession) -> None:
    # A savepoint released (a tool call's work) keeps what it changed: its transaction goes on.
    if not session.in_nested_transaction():
        session.info.pop(_TRANSACTION_CACHES, None)


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_after_rollback(session: OrmSession, previous_transaction: Any) -> None:
    session.info.pop(_TRANSACTION_CACHES, None)
