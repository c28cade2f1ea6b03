"""One SQLAlchemy engine per database in a test process, as in the app.

The app makes one engine per process (``app.core.db.get_engine``); the tests switch databases
between tests, and each switch made a new engine. An engine keeps the SQL it has compiled (its
statement cache) and, on PostgreSQL, its open connections and what it learnt of the server on the
first: a new one per test compiled every statement again and connected again, about a tenth of
the API tests' CPU. :func:`install` makes ``app.core.db.make_engine`` hand back the engine it made
before for the same URL and connection settings; ``dispose()`` still closes its connections (the
next use opens new ones), so tests that cut or drop a database see what they saw before.
"""

from __future__ import annotations

from collections import OrderedDict

import sqlalchemy as sa

from app.core import db
from app.core.config import Settings, get_settings

_made: OrderedDict[tuple[object, ...], sa.Engine] = OrderedDict()
_KEEP = 16
"""Engines kept (the least recently used beyond this are disposed and let go)."""
_make = db.make_engine


def _key(url: str, settings: Settings) -> tuple[object, ...]:
    return (
        url,
        settings.sqlite_busy_timeout_ms,
        settings.db_pool_size,
        settings.db_max_overflow,
        settings.db_pool_timeout,
        settings.db_pool_recycle,
    )


def make_engine(url: str, settings: Settings | None = None) -> sa.Engine:
    """``app.core.db.make_engine``, made once per URL and connection settings in this process."""
    settings = settings or get_settings()
    key = _key(url, settings)
    engine = _made.get(key)
    if engine is None:
        engine = _made[key] = _make(url, settings)
        while len(_made) > _KEEP:
            _made.popitem(last=False)[1].dispose()
    else:
        _made.move_to_end(key)
    return engine


def dispose(url: str) -> None:
    """Close every connection to ``url`` (before its file is replaced)."""
    for key, engine in _made.items():
        if key[0] == url:
            engine.dispose()


def install() -> None:
    db.make_engine = make_engine  # type: ignore[assignment]
