"""Chat retention on a real database (SQLite and PostgreSQL), plus thread activity and the archive.

The purge runs exactly as the CLI and the app's daily task run it (``purge_expired_chats``
on the engine ``session_scope()`` uses); threads are aged by writing their timestamps.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from app import migrations
from app.cli import main as cli_main
from app.core.config import get_settings
from app.core.db import make_engine, session_scope
from app.models import Message, Task, Thread, ThreadStatus, User
from app.models.base import utcnow
from app.models.thread import INACTIVE_AFTER
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import declared_actions, perform
from app.services import messages as message_service
from app.services import preferences, retention
from app.services import threads as thread_service


def new_user(retention_days: int | None = None) -> uuid.UUID:
    with session_scope() as session:
        user = User(email=f"r{uuid.uuid4().hex[:8]}@example.com", hashed_password="-")
        session.add(user)
        session.flush()
        if retention_days is not None:
            preferences.update_preferences(session, user_id=user.id, retention_days=retention_days)
        return user.id


def new_thread(user_id: uuid.UUID, text: str = "hello") -> uuid.UUID:
    with session_scope() as session:
        thread = thread_service.create_thread(session, user_id=user_id, title=text)
        message_service.add_user_message(session, user_id=user_id, thread_id=thread.id, content=text)
        return thread.id


def age(thread_id: uuid.UUID, days: float) -> None:
    """Make a thread, and every message in it, ``days`` old."""
    when = utcnow() - timedelta(days=days)
    with session_scope() as session:
        session.execute(sa.update(Thread).where(col(Thread.id) == thread_id).values(updated_at=when))
        session.execute(
            sa.update(Message)
            .where(col(Message.thread_id) == thread_id)
            .values(created_at=when, updated_at=when)
        )


def exists(thread_id: uuid.UUID) -> bool:
    with session_scope() as session:
        return session.get(Thread, thread_id) is not None


def rows_pointing_at(thread_id: uuid.UUID) -> dict[str, int]:
    """Rows of every table with a ``thread_id`` column that still point at this thread."""
    counts = {}
    with session_scope() as session:
        for table in SQLModel.metadata.sorted_tables:
            if "thread_id" in table.c:
                stmt = sa.select(sa.func.count()).select_from(table).where(table.c.thread_id == thread_id)
                counts[table.name] = int(session.execute(stmt).scalar_one())
    return counts


def full_conversation(user_id: uuid.UUID) -> uuid.UUID:
    """A real chat: a task added, a list card shown, its Complete button clicked."""
    first = run_turn(user_id=user_id, text="add pay rent tomorrow, high priority")
    listing = run_turn(user_id=user_id, text="show my tasks", thread_id=first.thread_id)
    widget = listing.widgets[0]
    action = next(a for a in declared_actions(widget["payload"]) if a["type"] == "task.complete")
    assert perform(user_id=user_id, widget_id=widget["id"], action=action).status == "completed"
    return uuid.UUID(first.thread_id)


@pytest.fixture
def server_max(monkeypatch: pytest.MonkeyPatch):
    def set_days(days: int) -> None:
        monkeypatch.setenv("CHAT_RETENTION_DAYS", str(days))
        get_settings.cache_clear()

    yield set_days
    get_settings.cache_clear()


def test_retention_purge_deletes_expired_thread_with_everything_under_it(app_db):
    user = new_user(retention_days=30)
    old = full_conversation(user)
    fresh = new_thread(user, "still talking")
    age(old, 31)
    with session_scope() as session:
        thread_service.remember_last_thread(session, user_id=user, thread_id=old)
    before = rows_pointing_at(old)
    assert before["messages"] == 4
    assert before["widgets"] == 2
    assert before["actions"] == 1
    assert before["task_operations"] >= 1

    report = retention.purge_expired_chats()

    assert (report.users, report.threads) == (1, 1)
    assert report.rows["messages"] == 4
    assert report.rows["widgets"] == 2
    assert report.rows["actions"] == 1
    assert report.rows["task_operations"] == before["task_operations"]
    if "search_terms" in before:  # the search index of encrypted chats goes too
        assert before["search_terms"] > 0
        assert report.rows["search_terms"] == before["search_terms"]
    assert not exists(old)
    assert set(rows_pointing_at(old).values()) == {0}
    assert exists(fresh)
    with session_scope() as session:
        assert session.get(User, user).last_chat_thread_id is None
        tasks = session.exec(select(Task).where(Task.user_id == user)).all()
        assert [t.title for t in tasks] == ["pay rent"]
        assert tasks[0].completed
    assert retention.purge_expired_chats().threads == 0  # a second run finds nothing


def test_retention_dry_run_counts_and_deletes_nothing(app_db):
    user = new_user(retention_days=30)
    old = new_thread(user)
    age(old, 45)
    report = retention.purge_expired_chats(dry_run=True)
    assert report.dry_run
    assert (report.users, report.threads) == (1, 1)
    assert report.rows["messages"] == 1
    assert "Would delete 1 conversation(s) of 1 user(s)" in report.summary()
    assert exists(old)


def test_retention_keeps_chats_of_users_without_retention(app_db):
    keeper = new_user()
    old = new_thread(keeper)
    age(old, 3650)
    assert retention.purge_expired_chats().threads == 0
    assert exists(old)


def test_retention_server_maximum_caps_every_user(app_db, server_max):
    server_max(60)
    no_choice, yearly, monthly = new_user(), new_user(retention_days=365), new_user(retention_days=30)
    t_61, t_59 = new_thread(no_choice), new_thread(no_choice)
    t_yearly = new_thread(yearly)
    t_monthly = new_thread(monthly)
    age(t_61, 61)
    age(t_59, 59)
    age(t_yearly, 100)
    age(t_monthly, 45)
    report = retention.purge_expired_chats()
    assert (report.users, report.threads) == (3, 3)
    assert [exists(t) for t in (t_61, t_59, t_yearly, t_monthly)] == [False, True, False, False]


def test_retention_age_counts_from_last_message(app_db):
    user = new_user(retention_days=30)
    returned, late_message = new_thread(user), new_thread(user)
    age(returned, 40)
    age(late_message, 40)
    with session_scope() as session:  # the person came back: the thread is touched
        message_service.add_user_message(session, user_id=user, thread_id=returned, content="back again")
        # a message newer than the cut-off keeps its thread even if updated_at lags behind
        session.add(Message(thread_id=late_message, user_id=user, role="assistant", content="late"))
    assert retention.purge_expired_chats().threads == 0
    assert exists(returned)
    assert exists(late_message)


def test_retention_works_in_batches(app_db):
    user = new_user(retention_days=90)
    old = [new_thread(user, f"chat {i}") for i in range(5)]
    for i, thread_id in enumerate(old):
        age(thread_id, 100 + i)
    keep = new_thread(user, "recent")
    dry = retention.purge_expired_chats(dry_run=True, batch_size=2)
    assert (dry.threads, dry.rows["messages"]) == (5, 5)
    report = retention.purge_expired_chats(batch_size=2)
    assert (report.users, report.threads, report.rows["messages"]) == (1, 5, 5)
    assert not any(exists(t) for t in old)
    assert exists(keep)


def test_retention_purge_only_touches_each_users_own_threads(app_db):
    strict, relaxed = new_user(retention_days=30), new_user()
    mine, theirs = new_thread(strict), new_thread(relaxed)
    age(mine, 31)
    age(theirs, 31)
    with session_scope() as session:
        found = retention.expired_thread_ids(session, user_id=strict, cutoff=utcnow() - timedelta(days=30))
        assert [tid for _, tid in found] == [mine]
        assert retention.delete_threads(session, user_id=strict, thread_ids=[theirs]) == 0
    assert exists(theirs)


def test_retention_cascade_covers_every_table_under_a_thread():
    """Every table that points at threads, directly or through messages/widgets, is counted."""
    assert set(retention.cascade_tables()) >= {"messages", "widgets", "actions", "task_operations"}
    for name in retention.cascade_tables():
        table = SQLModel.metadata.tables[name]
        assert any(fk.ondelete == "CASCADE" for fk in table.foreign_keys), name


def test_retention_cli_purge(app_db, capsys):
    user = new_user(retention_days=30)
    old = new_thread(user)
    age(old, 31)
    assert cli_main(["purge", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry == {"dry_run": True, "users": 1, "threads": 1, "rows": dry["rows"]}
    assert dry["rows"]["messages"] == 1
    assert exists(old)
    assert cli_main(["purge"]) == 0
    assert capsys.readouterr().out.startswith("Deleted 1 conversation(s) of 1 user(s)")
    assert not exists(old)


def test_retention_daily_task_runs_at_start_and_again(app_db):
    user = new_user(retention_days=30)
    first = new_thread(user)
    age(first, 31)

    async def scenario() -> None:
        task = asyncio.create_task(retention.purge_daily(interval_seconds=0.2))
        try:
            for _ in range(100):
                if not await asyncio.to_thread(exists, first):
                    break
                await asyncio.sleep(0.05)
            assert not await asyncio.to_thread(exists, first), "no purge at start-up"
            second = await asyncio.to_thread(new_thread, user)
            await asyncio.to_thread(age, second, 31)
            for _ in range(100):
                if not await asyncio.to_thread(exists, second):
                    break
                await asyncio.sleep(0.05)
            assert not await asyncio.to_thread(exists, second), "no second purge"
            assert not task.done()
        finally:
            task.cancel()

    asyncio.run(scenario())


# ----- thread activity (seed 001's isActive) and the archive ---------------------------------------


def _thread(session: Session) -> Thread:
    user = User(email=f"a{uuid.uuid4().hex[:8]}@example.com", hashed_password="-")
    session.add(user)
    session.flush()
    thread = thread_service.create_thread(session, user_id=user.id, title="Groceries")
    message_service.add_user_message(session, user_id=user.id, thread_id=thread.id, content="add milk")
    session.commit()
    return thread


def _reload(session: Session, thread: Thread) -> Thread:
    session.expire_all()
    return session.get(Thread, thread.id)


def test_thread_goes_inactive_after_24_hours_and_active_on_next_message(session):
    thread = _thread(session)
    assert thread.is_active()
    now = utcnow()
    assert thread.is_active(now + INACTIVE_AFTER - timedelta(minutes=1))
    assert not thread.is_active(now + INACTIVE_AFTER + timedelta(minutes=1))

    session.execute(
        sa.update(Thread).where(col(Thread.id) == thread.id).values(updated_at=now - timedelta(hours=25))
    )
    session.commit()
    thread = _reload(session, thread)
    assert isinstance(thread.updated_at, datetime)
    assert thread.updated_at.tzinfo is not None
    assert not thread.is_active()

    message_service.add_user_message(session, user_id=thread.user_id, thread_id=thread.id, content="and eggs")
    session.commit()
    assert _reload(session, thread).is_active()


def test_archived_thread_is_never_active_and_stays_out_of_the_default_list(session):
    thread = _thread(session)
    other = thread_service.create_thread(session, user_id=thread.user_id, title="Work")
    thread_service.remember_last_thread(session, user_id=thread.user_id, thread_id=thread.id)
    thread_service.set_archived(session, user_id=thread.user_id, thread_id=thread.id)
    session.commit()
    thread = _reload(session, thread)
    assert thread.status == ThreadStatus.archived
    assert not thread.is_active()

    default = thread_service.list_threads(session, user_id=thread.user_id)
    assert [t.id for t in default] == [other.id]
    assert [t.id for t in thread_service.list_threads(session, user_id=thread.user_id, archived=True)] == [
        thread.id
    ]
    assert thread_service.last_thread_id(session, user_id=thread.user_id) is None  # not reopened at sign-in

    thread_service.set_archived(session, user_id=thread.user_id, thread_id=thread.id, archived=False)
    session.commit()
    assert thread.id in [t.id for t in thread_service.list_threads(session, user_id=thread.user_id)]
    assert _reload(session, thread).is_active()


def test_migrated_schema_cascades_thread_deletes(tmp_path):
    """The purge relies on the migrated schema's ON DELETE CASCADE, not only on the models."""
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        inspector = sa.inspect(engine)
        for name in ("messages", "widgets", "actions", "task_operations"):
            rules = {
                fk["referred_table"]: (fk.get("options") or {}).get("ondelete")
                for fk in inspector.get_foreign_keys(name)
                if fk["constrained_columns"] == ["thread_id"]
            }
            assert rules == {"threads": "CASCADE"}, name
    finally:
        engine.dispose()
