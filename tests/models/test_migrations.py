"""Alembic: empty -> head -> base -> head on SQLite and PostgreSQL, and no drift from the models."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from app import migrations
from app.core.db import make_engine

EXPECTED_TABLES = {
    "access_tokens",
    "recovery_codes",
    "instance_settings",
    "signup_invites",
    "user_identities",
    "audit_events",
    "reminders",
    "notifications",
    "users",
    "tasks",
    "threads",
    "messages",
    "widgets",
    "actions",
    "task_operations",
    "auth_tokens",
    "search_terms",
    "search_blooms",
    "projects",
    "project_members",
    "project_invitations",
    "comments",
}
EXPECTED_INDEXES = {
    "threads": {"ix_threads_user_updated", "ix_threads_user_search_block"},
    "messages": {"ix_messages_thread_created", "ux_messages_one_open_turn"},
    "tasks": {
        "ix_tasks_user_id",
        "ix_tasks_project_open_due",
        "ix_tasks_project_open_created",
        "ix_tasks_assignee_open_due",
        "ix_tasks_assignee_open_created",
    },
    "projects": {"ux_projects_one_inbox"},
    "project_members": {"ix_project_members_user_id"},
    "widgets": {"ix_widgets_message_id"},
    "actions": {"ix_actions_thread_id"},
}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mig.db'}"
    return request.getfixturevalue("pg_migration_url")


@pytest.fixture
def pg_migration_url():
    """An empty PostgreSQL database of this test's own (the shared test database is left alone)."""
    from tests.conftest import PG_ADMIN_URL, require_postgres

    require_postgres()
    name = f"ticked_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_db_url):
    migrations.upgrade(empty_db_url)
    assert _tables(empty_db_url) == EXPECTED_TABLES
    migrations.downgrade(empty_db_url)
    assert _tables(empty_db_url) == set()
    migrations.upgrade(empty_db_url)
    assert _tables(empty_db_url) == EXPECTED_TABLES


def _index_names(engine: sa.Engine, table: str) -> set[str]:
    """Every index of ``table`` from the catalog (SQLAlchemy can't reflect SQLite's expression
    indexes, and autogenerate skips them, so their names are checked here)."""
    if engine.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = :t"
    with engine.connect() as conn:
        return set(conn.execute(sa.text(sql), {"t": table}).scalars())


def test_migrations_match_models(empty_db_url):
    migrations.upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": migrations.include_object}
            )
            diff = compare_metadata(ctx, SQLModel.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        for table, names in EXPECTED_INDEXES.items():
            present = _index_names(engine, table)
            assert names <= present, f"{table} lacks {names - present}"
    finally:
        engine.dispose()


def _operation_types_check(url: str) -> str:
    engine = make_engine(url)
    try:
        checks = sa.inspect(engine).get_check_constraints("task_operations")
    finally:
        engine.dispose()
    return next(c["sqltext"] for c in checks if c["name"] == "ck_task_operations_type")


def test_migration_0003_journals_reopen_and_downgrades_it_to_update(empty_db_url):
    migrations.upgrade(empty_db_url)
    assert "'reopen'" in _operation_types_check(empty_db_url)
    engine = make_engine(empty_db_url)
    user_id, op_id = uuid.uuid4(), uuid.uuid4()
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, hashed_password, is_active, chat_preferences,"
                    " created_at, updated_at) VALUES (:id, 'a@example.com', 'x', true, '{}', :now, :now)"
                ).bindparams(sa.bindparam("id", type_=sa.Uuid())),
                {"id": user_id, "now": "2026-12-05 08:00:00"},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO task_operations (id, user_id, source, input_text, operation_type,"
                    " structured_command, status, created_at, updated_at)"
                    " VALUES (:id, :user, 'page', '', 'reopen', '{}', 'completed', :now, :now)"
                ).bindparams(sa.bindparam("id", type_=sa.Uuid()), sa.bindparam("user", type_=sa.Uuid())),
                {"id": op_id, "user": user_id, "now": "2026-12-05 08:00:00"},
            )
    finally:
        engine.dispose()
    migrations.downgrade(empty_db_url, "0002")
    assert "'reopen'" not in _operation_types_check(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            kinds = conn.execute(sa.text("SELECT operation_type FROM task_operations")).scalars().all()
    finally:
        engine.dispose()
    assert kinds == ["update"]


def test_migration_0004_moves_every_task_into_its_owners_inbox_and_back(empty_db_url):
    """Upgrade with data: each user gets one Inbox (owner), their tasks and task changes move into it;
    downgrade keeps every task with its creator."""
    migrations.upgrade(empty_db_url, "0003")
    engine = make_engine(empty_db_url)
    users = [uuid.uuid4(), uuid.uuid4()]
    uid = sa.bindparam("id", type_=sa.Uuid())
    owner = sa.bindparam("user", type_=sa.Uuid())
    now = "2026-12-05 08:00:00"
    try:
        with engine.begin() as conn:
            for n, user_id in enumerate(users):
                conn.execute(
                    sa.text(
                        "INSERT INTO users (id, email, hashed_password, is_active, chat_preferences,"
                        " created_at, updated_at) VALUES (:id, :email, 'x', true, '{}', :now, :now)"
                    ).bindparams(uid),
                    {"id": user_id, "email": f"u{n}@example.com", "now": now},
                )
                for title in ("pay rent", "buy milk")[: n + 1]:
                    conn.execute(
                        sa.text(
                            "INSERT INTO tasks (id, user_id, title, description, completed, priority, tags,"
                            " created_at, updated_at) VALUES (:id, :user, :title, '', false, 'medium', '[]',"
                            " :now, :now)"
                        ).bindparams(uid, owner),
                        {"id": uuid.uuid4(), "user": user_id, "title": title, "now": now},
                    )
                conn.execute(
                    sa.text(
                        "INSERT INTO task_operations (id, user_id, source, input_text, operation_type,"
                        " structured_command, status, created_at, updated_at)"
                        " VALUES (:id, :user, 'page', '', 'create', '{}', 'completed', :now, :now)"
                    ).bindparams(uid, owner),
                    {"id": uuid.uuid4(), "user": user_id, "now": now},
                )
        migrations.upgrade(empty_db_url)
        with engine.connect() as conn:
            inboxes = conn.execute(
                sa.text("SELECT owner_id, name, is_inbox FROM projects ORDER BY name")
            ).all()
            assert sorted(uuid.UUID(str(row[0])) for row in inboxes) == sorted(users)
            assert {(row[1], bool(row[2])) for row in inboxes} == {("Inbox", True)}
            roles = conn.execute(sa.text("SELECT role FROM project_members")).scalars().all()
            assert roles == ["owner", "owner"]
            misplaced = conn.execute(
                sa.text(
                    "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id"
                    " WHERE p.owner_id <> t.user_id OR NOT p.is_inbox"
                )
            ).scalar_one()
            placed = conn.execute(
                sa.text("SELECT count(*) FROM tasks WHERE project_id IS NOT NULL")
            ).scalar_one()
            journaled = conn.execute(
                sa.text("SELECT count(*) FROM task_operations WHERE project_id IS NOT NULL")
            ).scalar_one()
            assert (misplaced, placed, journaled) == (0, 3, 2)
        migrations.downgrade(empty_db_url, "0003")
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT title FROM tasks ORDER BY title")).scalars().all()
            assert kept == ["buy milk", "pay rent", "pay rent"]
            assert "projects" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_migration_0009_numbers_each_persons_threads_into_blocks_and_seals_all_but_the_last(empty_db_url):
    """Upgrade with data: threads in blocks of BLOCK_THREADS oldest first, every block but the last
    with its filter built from the stored hashes (no key needed); downgrade drops them again."""
    from sqlmodel import Session

    from app.core.crypto import get_keyring
    from app.models.search_term import BLOCK_THREADS
    from app.services import search_index

    migrations.upgrade(empty_db_url, "0008")
    engine = make_engine(empty_db_url)
    person = uuid.uuid4()
    key = get_keyring().primary
    ids = [uuid.uuid4() for _ in range(4 * BLOCK_THREADS + 3)]
    uid = sa.bindparam("id", type_=sa.Uuid())
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, hashed_password, is_active, chat_preferences, created_at,"
                    " updated_at) VALUES (:id, 'p@example.com', 'x', true, '{}', '2026-12-01', '2026-12-01')"
                ).bindparams(uid),
                {"id": person},
            )
            for n, thread_id in enumerate(reversed(ids)):  # inserted newest first: blocks go by age
                minute = len(ids) - 1 - n
                stamp = f"2026-12-01 {10 + minute // 60:02d}:{minute % 60:02d}:00"
                conn.execute(
                    sa.text(
                        "INSERT INTO threads (id, user_id, title, status, metadata, created_at, updated_at)"
                        " VALUES (:id, :user, 'x', 'active', '{}', :at, :at)"
                    ).bindparams(uid, sa.bindparam("user", type_=sa.Uuid())),
                    {"id": thread_id, "user": person, "at": stamp},
                )
            index = _search_terms_0008()
            rows = [
                search_index.thread_row(
                    key, user_id=person, thread_id=t, title=f"Topic{i}z", texts=[f"about item{i}x"]
                )
                for i, t in enumerate(ids)
            ]
            conn.execute(sa.insert(index), rows)
        migrations.upgrade(empty_db_url)
        with Session(engine) as session:
            read = sa.text("SELECT id, search_block FROM threads").columns(
                id=sa.Uuid(), search_block=sa.Integer()
            )
            blocks = dict(session.execute(read).all())
            assert [blocks[t] for t in ids] == [n // BLOCK_THREADS for n in range(len(ids))]
            assert search_index.sealed_blocks(session) == [(person, n) for n in range(4)]
            flags = session.execute(sa.text("SELECT count(*) FROM search_terms WHERE in_bloom")).scalar_one()
            assert flags == 4 * BLOCK_THREADS
            choice = search_index.block_choice(session, person, f"item{BLOCK_THREADS + 2}x")
            assert choice == search_index.BlockChoice(blocks=[1], last_sealed=3)
        migrations.downgrade(empty_db_url, "0008")
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "search_blooms" not in inspector.get_table_names()
            assert "search_block" not in {c["name"] for c in inspector.get_columns("threads")}
            assert "in_bloom" not in {c["name"] for c in inspector.get_columns("search_terms")}
    finally:
        engine.dispose()


def _search_terms_0008() -> sa.TableClause:
    """``search_terms`` as migration 0008 left it (no ``in_bloom`` yet)."""
    from app.models.search_term import MESSAGE_COLUMNS

    return sa.table(
        "search_terms",
        sa.column("thread_id", sa.Uuid()),
        *(sa.column(name, sa.LargeBinary()) for name in ("title_terms", *MESSAGE_COLUMNS)),
    )
