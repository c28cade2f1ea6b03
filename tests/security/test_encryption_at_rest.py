"""Chat content is encrypted at rest, on SQLite and PostgreSQL, and search still finds it.

The raw-bytes test writes marker strings through the real paths (a local-assistant turn, a rename,
a stored widget, a widget action), then reads the SQLite file and its WAL byte for byte, or a
``pg_dump`` of the PostgreSQL database, and finds no marker. Inputs are chosen so that no task is
created from a marker ("what's overdue? <marker>" and "search for <marker>" only read tasks): task
titles stay plaintext by design (task search, filters and sorting run in SQL), so a marker there
would be found and prove nothing about chats. One task is created on purpose with a CONTROL
marker, which must be found in the same bytes: it shows the scan reads the data it should.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from app import migrations
from app.core.crypto import PREFIX, get_keyring
from app.core.db import make_engine, session_scope
from app.models import Action, Message, TaskOperation, Thread, ThreadTerms, User, Widget
from app.models.base import EncryptedJSON, EncryptedText
from app.models.search_term import MESSAGE_COLUMNS
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import perform
from app.services import comments as comment_service
from app.services import messages as message_service
from app.services import search_index
from app.services import tasks as task_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.key_rotation import encrypted_columns

EXPECTED_ENCRYPTED = {
    "threads.title",
    "threads.metadata",
    "messages.content",
    "messages.tool_calls",
    "messages.metadata",
    "widgets.payload",
    "actions.payload",
    "actions.result",
    "task_operations.input_text",
    "task_operations.structured_command",
    "task_operations.result",
    "comments.body",
    "users.totp_secret",
}


def marker(label: str) -> str:
    return f"zq{label}{uuid.uuid4().hex[:12]}"


def new_user() -> uuid.UUID:
    with session_scope() as session:
        user = User(email=f"u{uuid.uuid4().hex[:8]}@example.com", hashed_password="-")
        session.add(user)
        session.flush()
        return user.id


def raw_bytes(engine: sa.Engine) -> bytes:
    """Everything the database holds, as the disk (SQLite) or a dump (PostgreSQL) shows it."""
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        parts = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, check=True, timeout=120)
    return dump.stdout


def stored_values(engine: sa.Engine) -> dict[str, list[str]]:
    """The raw text of every encrypted column (bypassing the column types)."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table, column in encrypted_columns():
            raw = sa.type_coerce(column, sa.Text)
            out[f"{table.name}.{column.name}"] = [
                v for (v,) in conn.execute(sa.select(raw).where(raw.is_not(None))).all()
            ]
    return out


def test_every_encrypted_column_is_bound_to_its_own_name():
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText | EncryptedJSON):
                found[f"{table.name}.{column.name}"] = column.type.context
    assert set(found) == EXPECTED_ENCRYPTED
    assert all(name == context for name, context in found.items()), found


def test_chat_content_never_reaches_the_database_in_plaintext(app_db):
    user_id = new_user()
    m_message, m_search, m_title, m_widget, m_action, m_comment, m_edited = (
        marker(k) for k in ("msg", "find", "ttl", "wdg", "act", "cmt", "edit")
    )
    control = marker("control")
    with session_scope() as session:
        control_task = task_service.create_task(
            session, user_id=user_id, data={"title": f"water plants {control}"}
        )
        # a comment (issue 16), and an edit of another: both bodies are encrypted like messages
        comment_service.add_comment(
            session, user_id=user_id, task_id=control_task.id, body=f"**{m_comment}**"
        )
        edited = comment_service.add_comment(session, user_id=user_id, task_id=control_task.id, body="draft")
        comment_service.edit_comment(session, user_id=user_id, comment_id=edited.comment.id, body=m_edited)

    first = run_turn(user_id=user_id, text=f"what's overdue? {m_message}")
    run_turn(user_id=user_id, text=f"search for {m_search}", thread_id=first.thread_id)
    listing = run_turn(user_id=user_id, text="show my tasks", thread_id=first.thread_id)
    assert listing.widgets, "the task list card is needed for the action below"
    with session_scope() as session:
        thread_service.rename_thread(session, user_id=user_id, thread_id=first.thread_id, title=m_title)
        card = {"type": "Card", "children": [{"type": "Text", "value": f"note {m_widget}"}]}
        widget_service.store_widgets(
            session,
            message_id=uuid.UUID(listing.message_id),
            thread_id=uuid.UUID(first.thread_id),
            payloads=[card],
        )
    outcome = perform(
        user_id=user_id,
        widget_id=listing.widgets[0]["id"],
        action={"type": "task.complete", "payload": {"task_id": m_action}},
    )
    assert outcome.status == "failed"  # undeclared payload: recorded, then refused

    # The app reads everything back in plaintext ...
    with session_scope() as session:
        texts = [
            m.content
            for m in message_service.list_messages(session, user_id=user_id, thread_id=first.thread_id)
        ]
        assert any(m_message in t for t in texts)
        assert any(m_search in t for t in texts)
        assert thread_service.get_thread(session, user_id=user_id, thread_id=first.thread_id).title == m_title
        payloads = [w.payload for w in session.exec(select(Widget)).all()]
        assert any(m_widget in str(p) for p in payloads)
        assert session.exec(select(Action)).one().payload == {"task_id": m_action}
        bodies = [c.comment.body for c in comment_service.list_comments(
            session, user_id=user_id, task_id=control_task.id)]  # fmt: skip
        assert bodies == [f"**{m_comment}**", m_edited]
        assert [
            c.comment.body for c in comment_service.search_comments(session, user_id=user_id, text=m_comment)
        ]
        inputs = [op.input_text for op in session.exec(select(TaskOperation)).all()]
        assert any(m_search in t for t in inputs)
        found = thread_service.list_threads(session, user_id=user_id, search=m_message)
        assert [str(t.id) for t in found] == [first.thread_id]
        assert [str(t.id) for t in thread_service.list_threads(session, user_id=user_id, search=m_title)] == [
            first.thread_id
        ]

    # ... while every encrypted column holds only ciphertext ...
    kid = get_keyring().primary.kid
    for name, values in stored_values(app_db).items():
        assert all(v.startswith(f"{PREFIX}{kid}:") for v in values), name
    # ... and no marker is anywhere in the database's bytes, while the control task's title is.
    raw = raw_bytes(app_db)
    assert control.encode() in raw
    for secret in (m_message, m_search, m_title, m_widget, m_action, m_comment, m_edited):
        assert secret.encode() not in raw, secret
        assert secret.upper().encode() not in raw, secret
        assert secret.capitalize().encode() not in raw, secret


# --- search over the index --------------------------------------------------------------------


def chat(session: Session, user: User, title: str, *texts: str) -> Thread:
    thread = thread_service.create_thread(session, user_id=user.id, title=title)
    for text in texts:
        message_service.add_user_message(session, user_id=user.id, thread_id=thread.id, content=text)
    session.commit()
    return thread


def found(session: Session, user: User, query: str, **kwargs: Any) -> set[uuid.UUID]:
    return {t.id for t in thread_service.list_threads(session, user_id=user.id, search=query, **kwargs)}


def test_search_prefixes_while_typing(session, user):
    t = chat(session, user, "Shopping", "buy groceries for the weekend")
    assert found(session, user, "groceries") == {t.id}
    for partial in ("gro", "groc", "grocer", "GROCERIE"):
        assert found(session, user, partial) == {t.id}, partial
    assert found(session, user, "groceriesx") == set()
    assert found(session, user, "ceries") == set()  # infix search is not offered (see search_index)
    assert found(session, user, "gr") == set()  # 1-2 letter words match whole words only


def test_search_long_words_match_on_their_first_12_letters(session, user):
    t = chat(session, user, "Docs", "internationalization checklist")
    assert found(session, user, "internationalization") == {t.id}
    assert found(session, user, "internationa") == {t.id}


def test_search_needs_every_word_in_one_thread_title_or_messages(session, user):
    trip = chat(session, user, "Trip to Lisbon", "pack the passport", "book the hotel")
    other_trip = chat(session, user, "Trip to Porto", "book the train")
    assert found(session, user, "trip") == {trip.id, other_trip.id}
    assert found(session, user, "trip passport") == {trip.id}
    assert found(session, user, "lisbon hotel passport") == {trip.id}
    assert found(session, user, "book") == {trip.id, other_trip.id}
    assert found(session, user, "porto passport") == set()
    assert found(session, user, "trip visa") == set()


def test_search_ignores_case_and_accents(session, user):
    t = chat(session, user, "Desserts", "Crème brûlée at the CAFÉ on Straße 5")
    for query in ("creme", "CRÈME", "brulee", "Brûlée", "café", "cafe", "strasse", "STRASSE", "straße"):
        assert found(session, user, query) == {t.id}, query
    u = chat(session, user, "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ")  # compatibility forms fold too
    assert found(session, user, "fullwidth") == {u.id}


def test_search_symbols_are_literal_terms(session, user):
    pct = chat(session, user, "Budget", "save 100% of it")
    plain = chat(session, user, "Budget 2", "save 1000 of it")
    assert found(session, user, "100%") == {pct.id}
    assert found(session, user, "%") == {pct.id}
    assert found(session, user, "100") == {pct.id, plain.id}


def test_search_never_finds_another_users_threads(session, user, other):
    mine = chat(session, user, "Weekend plans", "hiking")
    theirs = chat(session, other, "Weekend plans", "hiking and groceries")
    assert found(session, user, "weekend hiking") == {mine.id}
    assert found(session, other, "weekend hiking") == {theirs.id}
    assert found(session, user, "groceries") == set()
    # the same word is a different hash for each person: rows say nothing across users
    key = get_keyring().primary
    assert search_index.term_hash(key, user.id, "weekend") != search_index.term_hash(key, other.id, "weekend")


def test_rename_drops_old_title_terms_but_keeps_message_terms(session, user):
    t = chat(session, user, "Dentist appointment", "call the dentist on monday")
    thread_service.rename_thread(session, user_id=user.id, thread_id=t.id, title="Health")
    session.commit()
    assert found(session, user, "health") == {t.id}
    assert found(session, user, "appointment") == set()  # only in the old title
    assert found(session, user, "dentist") == {t.id}  # still in a message


def test_assistant_replies_are_searchable(session, user):
    t = chat(session, user, "Chat", "hello")
    turn = message_service.open_assistant_message(session, user_id=user.id, thread_id=t.id)
    message_service.finish_assistant_message(session, message_id=turn.id, content="Added 'quokka food'.")
    session.commit()
    assert found(session, user, "quokka") == {t.id}


def test_search_respects_archived_and_paging(session, user):
    threads = [chat(session, user, f"Note {i}", "common word") for i in range(5)]
    thread_service.set_archived(session, user_id=user.id, thread_id=threads[0].id)
    session.commit()
    assert found(session, user, "common") == {t.id for t in threads[1:]}
    assert found(session, user, "common", archived=True) == {threads[0].id}
    first = thread_service.list_threads(session, user_id=user.id, search="common", limit=2)
    cursor = thread_service.ThreadCursor(first[-1].updated_at, first[-1].id)
    rest = thread_service.list_threads(session, user_id=user.id, search="common", limit=10, after=cursor)
    assert {t.id for t in first} | {t.id for t in rest} == {t.id for t in threads[1:]}
    assert len(first) + len(rest) == 4


def test_deleting_a_thread_deletes_its_terms(session, user):
    t = chat(session, user, "Temporary", "throwaway words here")
    assert session.exec(
        select(sa.func.count()).select_from(ThreadTerms).where(ThreadTerms.thread_id == t.id)
    ).one()
    thread_service.delete_thread(session, user_id=user.id, thread_id=t.id)
    session.commit()
    left = session.exec(
        select(sa.func.count()).select_from(ThreadTerms).where(ThreadTerms.thread_id == t.id)
    ).one()
    assert left == 0


def test_blank_or_symbol_free_queries_do_not_filter(session, user):
    a = chat(session, user, "One", "x")
    b = chat(session, user, "Two", "y")
    assert found(session, user, "   ") == {a.id, b.id}


# --- the migration ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    from tests.conftest import PG_ADMIN_URL, require_postgres

    require_postgres()
    name = f"ticked_enc_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _put(conn: sa.Connection, name: str, **values: Any) -> None:
    """Insert one row as revision 0001 stored it (JSON as plain JSON text, ids per dialect)."""

    def column(key: str, value: Any) -> sa.ColumnClause[Any]:
        if isinstance(value, uuid.UUID):
            return sa.column(key, sa.Uuid())
        if value is None or isinstance(value, dict | list):
            return sa.column(key, sa.JSON(none_as_null=True))
        return sa.column(key)

    table = sa.table(name, *(column(k, v) for k, v in values.items()))
    conn.execute(table.insert().values(**values))


def _legacy_rows(engine: sa.Engine) -> dict[str, Any]:
    """A conversation stored in plaintext by revision 0001, each value holding a bird's name."""
    from datetime import datetime

    ids: dict[str, Any] = {k: uuid.uuid4() for k in ("user", "thread", "m1", "m2", "op", "action")}
    ids["widget"] = "wdg_" + uuid.uuid4().hex
    at = {"created_at": datetime(2026, 11, 20, 12, 0)}
    both = {**at, "updated_at": at["created_at"]}
    thread = {"thread_id": ids["thread"]}
    owner = {"user_id": ids["user"]}
    with engine.begin() as conn:
        _put(conn, "users", id=ids["user"], email="old@example.com", hashed_password="-", is_active=True,
             chat_preferences={}, **both)  # fmt: skip
        _put(conn, "threads", id=ids["thread"], **owner, title="Old pelican trip", status="active",
             metadata={"agent_memory": {"last": "flamingo"}}, **both)  # fmt: skip
        _put(conn, "messages", id=ids["m1"], **thread, **owner, role="user", content="remember the albatross",
             status="completed", tool_calls=None, metadata={}, **both)  # fmt: skip
        _put(conn, "messages", id=ids["m2"], **thread, **owner, role="assistant",
             content="Noted the cormorant.", status="completed",
             tool_calls=[{"name": "list_tasks", "arguments": {"search": "heron"}}], metadata={"k": 1},
             **both)  # fmt: skip
        _put(conn, "widgets", id=ids["widget"], message_id=ids["m2"], **thread, type="Card",
             payload={"type": "Card", "title": "egret"}, state="rendered", version=0, **both)  # fmt: skip
        _put(conn, "actions", id=ids["action"], widget_id=ids["widget"], **thread, **owner,
             type="task.complete", payload={"task_id": "ibis"}, idempotency_key="k1", status="failed",
             result={"error": "stork"}, **at)  # fmt: skip
        _put(conn, "task_operations", id=ids["op"], **owner, **thread, source="chat",
             input_text="search for puffin", operation_type="search", structured_command={"search": "puffin"},
             status="completed", result=None, **both)  # fmt: skip
    return ids


def test_upgrade_encrypts_existing_rows_and_downgrade_restores_them(empty_url):
    words = ["pelican", "flamingo", "albatross", "cormorant", "heron", "egret", "ibis", "stork", "puffin"]
    migrations.upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        ids = _legacy_rows(engine)

        migrations.upgrade(empty_url)
        engine.dispose()
        values = stored_values(engine)
        assert sum(len(v) for v in values.values()) == 12  # 14 columns, 2 of them NULL
        assert all(v.startswith(PREFIX) for vs in values.values() for v in vs), values
        raw = raw_bytes(engine)
        for word in words:
            assert word.encode() not in raw, word
        with Session(engine) as session:
            thread = session.get(Thread, ids["thread"])
            assert (thread.title, thread.meta) == ("Old pelican trip", {"agent_memory": {"last": "flamingo"}})
            m1, m2 = session.get(Message, ids["m1"]), session.get(Message, ids["m2"])
            assert (m1.content, m1.tool_calls, m1.meta) == ("remember the albatross", None, {})
            assert m2.tool_calls == [{"name": "list_tasks", "arguments": {"search": "heron"}}]
            assert session.get(Widget, ids["widget"]).payload == {"type": "Card", "title": "egret"}
            action = session.get(Action, ids["action"])
            assert (action.payload, action.result) == ({"task_id": "ibis"}, {"error": "stork"})
            op = session.get(TaskOperation, ids["op"])
            assert (op.input_text, op.structured_command, op.result) == (
                "search for puffin",
                {"search": "puffin"},
                None,
            )
            user = session.get(User, ids["user"])
            for query in ("pelican", "albatross", "cormor", "noted albatross"):
                hits = thread_service.list_threads(session, user_id=user.id, search=query)
                assert [t.id for t in hits] == [ids["thread"]], query

        migrations.downgrade(empty_url, "0001")
        engine.dispose()
        with engine.connect() as conn:
            assert "search_terms" not in sa.inspect(conn).get_table_names()
            title, meta = conn.execute(sa.text("SELECT title, metadata FROM threads")).one()
            assert title == "Old pelican trip"
            assert "flamingo" in str(meta)
            contents = sorted(r[0] for r in conn.execute(sa.text("SELECT content FROM messages")).all())
            assert contents == ["Noted the cormorant.", "remember the albatross"]
            payload = conn.execute(sa.text("SELECT payload FROM widgets")).scalar_one()
            assert "egret" in str(payload)
        migrations.upgrade(empty_url)
        engine.dispose()
        with Session(engine) as session:
            assert session.get(Message, ids["m1"]).content == "remember the albatross"
    finally:
        engine.dispose()


def test_migration_0008_packs_the_index_per_thread_and_downgrade_restores_the_term_rows(empty_url):
    """0008 rebuilds the index from the stored messages (one row a thread, 6 bytes a term) and search
    keeps finding the old conversation; its downgrade writes the per-term rows 0002-0007 read."""
    migrations.upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    key = get_keyring().primary
    texts = ["remember the albatross", "Noted the cormorant."]
    try:
        ids = _legacy_rows(engine)
        migrations.upgrade(empty_url, "0007")
        engine.dispose()
        with engine.connect() as conn:
            v1_before = {
                tuple(r) for r in conn.execute(sa.text("SELECT term_hash, sources FROM search_terms"))
            }
        expected_v1 = search_index.v1_thread_rows(
            key, user_id=ids["user"], thread_id=ids["thread"], title="Old pelican trip", texts=texts
        )
        assert v1_before == {(r["term_hash"], r["sources"]) for r in expected_v1}

        migrations.upgrade(empty_url)
        engine.dispose()
        with Session(engine) as session:
            (row,) = session.exec(select(ThreadTerms)).all()
            assert row.thread_id == ids["thread"]
            terms = set().union(*(search_index.index_terms(t) for t in texts))
            stored = {column: bytes(getattr(row, column)) for column in MESSAGE_COLUMNS}
            assert sum(map(len, stored.values())) == search_index.TERM_BYTES * len(terms)  # 6 bytes a term
            for column, packed in stored.items():  # each term in the column of its length
                want = {
                    search_index.term_hash(key, ids["user"], t)
                    for t in terms
                    if search_index.column_of(t) == column
                }
                assert search_index.unpack(packed) == want, column
            assert search_index.unpack(row.title_terms) == search_index.text_hashes(
                key, ids["user"], "Old pelican trip"
            )
            for query in ("pelican", "albatross", "albat", "cormorant albatross", "old trip"):
                hits = thread_service.list_threads(session, user_id=ids["user"], search=query)
                assert [t.id for t in hits] == [ids["thread"]], query
            assert thread_service.list_threads(session, user_id=ids["user"], search="heron") == []

        migrations.downgrade(empty_url, "0007")
        engine.dispose()
        with engine.connect() as conn:
            v1_after = {
                tuple(r) for r in conn.execute(sa.text("SELECT term_hash, sources FROM search_terms"))
            }
        assert v1_after == v1_before
    finally:
        engine.dispose()


def test_key_file_is_created_private_in_the_data_dir(tmp_path, monkeypatch):
    from app.core.config import get_settings

    monkeypatch.delenv("ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        key = get_keyring().primary
        path = tmp_path / "data" / "encryption_key"
        assert path.stat().st_mode & 0o777 == 0o600
        assert os.environ.get("ENCRYPTION_KEY") is None
        assert key.kid in repr(key)
    finally:
        get_settings.cache_clear()
