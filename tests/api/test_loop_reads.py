"""The hot reads on SQLite run on the event loop itself (issue 19), never waiting there.

``GET /api/threads``, ``GET /api/threads/{id}`` and its messages read in ``db.loop_read_scope``: a
read-only connection of their own, no worker thread. "Last seen", when due, is written after the
read in a worker thread, so a writer holding SQLite's write lock never holds up the loop. A
search (``?q=``), which may test the person's whole index, takes a worker thread too. On
PostgreSQL the same reads take one worker thread, as before.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import anyio.to_thread
import pytest
import sqlalchemy as sa
from sqlmodel import select

from app.core import db
from app.core.db import session_scope
from app.models import AuthToken, User
from app.models.base import utcnow
from app.services import threads as thread_service
from tests.api.conftest import ApiUser
from tests.utils.test_client import TestClient


def _hot_paths(user: ApiUser) -> list[str]:
    with session_scope() as session:
        thread = thread_service.create_thread(session, user_id=user.id, title="Groceries")
    return ["/api/threads", f"/api/threads/{thread.id}?messages=50", f"/api/threads/{thread.id}/messages"]


def _make_stale(user: ApiUser) -> None:
    an_hour_ago = utcnow() - timedelta(hours=1)
    with session_scope() as session:
        session.execute(
            sa.update(AuthToken).where(AuthToken.user_id == user.id).values(last_seen_at=an_hour_ago)
        )
        session.execute(sa.update(User).where(User.id == user.id).values(last_active_at=an_hour_ago))


def _last_seen(user: ApiUser) -> tuple:
    with session_scope() as session:
        token = session.exec(select(AuthToken).where(AuthToken.user_id == user.id)).one()
        return token.last_seen_at, session.get(User, user.id).last_active_at


def test_hot_reads_take_a_worker_thread_only_on_postgres_for_a_search_or_to_write_last_seen(
    api: TestClient, alice: ApiUser, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _hot_paths(alice)
    assert api.get(paths[0], headers=alice.headers).status_code == 200  # "last seen" fresh
    hops: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):
        hops.append(getattr(func, "__name__", "?"))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    on_sqlite = engine.dialect.name == "sqlite"
    for path in paths:
        assert api.get(path, headers=alice.headers).status_code == 200
    assert len(hops) == (0 if on_sqlite else len(paths)), hops

    _make_stale(alice)
    hops.clear()
    before = utcnow()
    assert api.get(paths[0], headers=alice.headers).status_code == 200
    assert hops == (["_write_presence"] if on_sqlite else ["job"])
    token_seen, person_seen = _last_seen(alice)
    assert token_seen >= before  # written, and committed
    assert person_seen >= before

    # A search may test the person's whole index: never on the loop.
    hops.clear()
    assert api.get("/api/threads", params={"q": "groceries"}, headers=alice.headers).json()["data"]
    assert hops == ["job"]


SQLITE_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
"""The loop reads are SQLite's."""


@SQLITE_ONLY
def test_a_loop_read_cannot_write(api: TestClient) -> None:
    with pytest.raises(sa.exc.OperationalError, match="readonly"), db.loop_read_scope() as session:
        session.execute(sa.update(User).values(name="x"))


@SQLITE_ONLY
def test_a_held_write_lock_holds_up_no_read_and_last_seen_waits_for_it_off_the_loop(
    api: TestClient, alice: ApiUser, bob: ApiUser, engine: sa.Engine
) -> None:
    paths = _hot_paths(alice)
    bobs = _hot_paths(bob)
    for who, path in ((alice, paths[0]), (bob, bobs[0])):
        assert api.get(path, headers=who.headers).status_code == 200  # "last seen" fresh
    writer = sqlite3.connect(str(engine.url.database), isolation_level=None, timeout=30)
    answered: list[int] = []
    stale = threading.Thread(
        target=lambda: answered.append(api.get(paths[0], headers=alice.headers).status_code)
    )
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process's long write
        for path in paths:  # nothing to write: answered while the lock is held
            assert api.get(path, headers=alice.headers).status_code == 200
        writer.execute("ROLLBACK")

        _make_stale(alice)
        before = utcnow()
        writer.execute("BEGIN IMMEDIATE")
        # Alice's "last seen" is due now: her request waits for the lock in a worker thread, and
        # the loop meanwhile answers Bob's.
        stale.start()
        for path in bobs:
            assert api.get(path, headers=bob.headers).status_code == 200
        stale.join(timeout=0.5)
        assert stale.is_alive(), f"the due write did not wait for the lock: {answered}"
    finally:
        if writer.in_transaction:
            writer.execute("ROLLBACK")
        writer.close()
    stale.join(timeout=30)
    assert answered == [200]
    assert min(_last_seen(alice)) >= before  # written once the lock was free
