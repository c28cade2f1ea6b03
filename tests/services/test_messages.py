"""The message service on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, func, select

from app.models import Message, MessageStatus, Role, Thread
from app.models.base import utcnow
from app.services import messages, threads
from app.services.errors import BusyError, InvalidInputError, NotFoundError
from tests.utils.factories import make_thread


def stored(engine, thread_id) -> list[Message]:
    """The thread's messages as the database holds them, oldest first."""
    with Session(engine) as s:
        stmt = select(Message).where(Message.thread_id == thread_id)
        return list(s.exec(stmt.order_by(col(Message.created_at), col(Message.id))).all())


def open_count(engine, thread_id) -> int:
    with Session(engine) as s:
        stmt = select(func.count()).select_from(Message)
        stmt = stmt.where(Message.thread_id == thread_id, col(Message.status).in_(["pending", "processing"]))
        return s.exec(stmt).one()


# --- clean_content ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_clean_content_empty_refused(text):
    with pytest.raises(InvalidInputError) as info:
        messages.clean_content(text)
    assert info.value.message == "Type a message first."


def test_clean_content_strips():
    assert messages.clean_content("  hello there \n") == "hello there"


def test_clean_content_10000_ok():
    text = "a" * 10_000
    assert messages.clean_content(text) == text
    # Surrounding whitespace does not count toward the limit.
    assert messages.clean_content("  " + text + "\n") == text


def test_clean_content_10001_refused_clearly():
    with pytest.raises(InvalidInputError) as info:
        messages.clean_content("a" * 10_001)
    assert info.value.message == "That message is too long (10,001 characters; at most 10,000)."


def test_clean_content_drops_nul_characters():
    assert messages.clean_content("a\x00b ") == "ab"
    with pytest.raises(InvalidInputError, match=r"^Type a message first\.$"):
        messages.clean_content("\x00 \x00")


def test_add_user_message_with_nul_is_stored_on_every_backend(session, user):
    """PostgreSQL text cannot hold NUL (SQLite can): the service must not depend on that."""
    thread = make_thread(session, user)
    messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="buy\x00 milk")
    reply = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    messages.finish_assistant_message(session, message_id=reply.id, content="ok\x00")
    session.commit()
    assert [m.content for m in stored(session.get_bind(), thread.id)] == ["buy milk", "ok"]


def test_add_user_message_too_long_stores_nothing(session, user):
    thread = make_thread(session, user)
    with pytest.raises(InvalidInputError, match="too long"):
        messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="b" * 10_001)
    session.rollback()
    assert stored(session.get_bind(), thread.id) == []


# --- add_user_message -------------------------------------------------------------------------


def test_add_user_message_stores_and_moves_thread_updated_at(session, user):
    engine = session.get_bind()
    thread = make_thread(session, user)
    old = datetime(2024, 1, 1, tzinfo=UTC)
    thread.updated_at = old
    session.add(thread)
    session.commit()
    before = utcnow()
    msg = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="  hi there ")
    session.commit()
    [row] = stored(engine, thread.id)
    assert row.id == msg.id
    assert (row.role, row.content, row.status, row.user_id) == ("user", "hi there", "completed", user.id)
    with Session(engine) as s:
        moved = s.get(Thread, thread.id).updated_at
    assert moved >= before - timedelta(seconds=1)
    assert moved > old


def test_add_user_message_moves_thread_to_top_of_list(session, user):
    first = make_thread(session, user, "First")
    second = make_thread(session, user, "Second")
    first.updated_at = datetime(2024, 1, 1, tzinfo=UTC)
    second.updated_at = datetime(2024, 1, 2, tzinfo=UTC)
    session.add_all([first, second])
    session.commit()
    assert [t.id for t in threads.list_threads(session, user_id=user.id)] == [second.id, first.id]
    messages.add_user_message(session, user_id=user.id, thread_id=first.id, content="bump")
    session.commit()
    assert [t.id for t in threads.list_threads(session, user_id=user.id)] == [first.id, second.id]


# --- one open turn per thread -----------------------------------------------------------------


def test_open_assistant_message_second_open_is_busy(session, user):
    engine = session.get_bind()
    thread = make_thread(session, user)
    first = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    session.commit()
    assert first.status == MessageStatus.pending
    assert messages.has_open_turn(session, thread_id=thread.id)
    with pytest.raises(BusyError) as info:
        messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    assert info.value.message == messages.BUSY_MESSAGE
    assert open_count(engine, thread.id) == 1
    assert [m.id for m in stored(engine, thread.id)] == [first.id]


def test_open_assistant_message_busy_while_processing(session, user):
    thread = make_thread(session, user)
    first = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    messages.set_status(session, message_id=first.id, status=MessageStatus.processing)
    session.commit()
    with pytest.raises(BusyError):
        messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)


def test_open_assistant_message_enforced_across_sessions(session, user):
    """The database index, not the session, refuses: a second connection is refused too."""
    engine = session.get_bind()
    thread = make_thread(session, user)
    messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    session.commit()
    with Session(engine) as s2, pytest.raises(BusyError):
        messages.open_assistant_message(s2, user_id=user.id, thread_id=thread.id)
    assert open_count(engine, thread.id) == 1


def test_open_assistant_message_other_thread_fine(session, user):
    engine = session.get_bind()
    a = make_thread(session, user, "A")
    b = make_thread(session, user, "B")
    messages.open_assistant_message(session, user_id=user.id, thread_id=a.id)
    session.commit()
    messages.open_assistant_message(session, user_id=user.id, thread_id=b.id)
    session.commit()
    assert open_count(engine, a.id) == 1
    assert open_count(engine, b.id) == 1


@pytest.mark.parametrize("final", [MessageStatus.completed, MessageStatus.error])
def test_open_assistant_message_after_finish_takes_new_turn(session, user, final):
    engine = session.get_bind()
    thread = make_thread(session, user)
    first = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    session.commit()
    messages.finish_assistant_message(
        session,
        message_id=first.id,
        content="done",
        status=final,
        tool_calls=[{"name": "list_tasks", "arguments": {}, "result": {"count": 0}}],
        meta={"k": "v"},
    )
    session.commit()
    assert not messages.has_open_turn(session, thread_id=thread.id)
    second = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    session.commit()
    rows = {m.id: m for m in stored(engine, thread.id)}
    assert rows[first.id].status == final.value
    assert rows[first.id].content == "done"
    assert rows[first.id].tool_calls == [{"name": "list_tasks", "arguments": {}, "result": {"count": 0}}]
    assert rows[first.id].meta == {"k": "v"}
    assert rows[second.id].status == "pending"
    assert open_count(engine, thread.id) == 1


def test_finish_assistant_message_truncates_to_limit(session, user):
    thread = make_thread(session, user)
    m = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    messages.finish_assistant_message(session, message_id=m.id, content="x" * 12_000)
    session.commit()
    [row] = stored(session.get_bind(), thread.id)
    assert len(row.content) == 10_000
    assert row.tool_calls is None


def test_finish_assistant_message_unknown_id(session):
    with pytest.raises(NotFoundError, match=r"^Message not found\.$"):
        messages.finish_assistant_message(session, message_id=uuid.uuid4(), content="x")


# --- list_messages ----------------------------------------------------------------------------


def seed_messages(session, user, thread, n: int) -> list[Message]:
    """``n`` user messages one second apart, so their order is unambiguous."""
    base = datetime(2025, 2, 1, 9, 0, tzinfo=UTC)
    made = []
    for i in range(n):
        m = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content=f"m{i}")
        m.created_at = base + timedelta(seconds=i)
        session.add(m)
        made.append(m)
    session.commit()
    return made


def test_list_messages_last_n_chronological(session, user):
    thread = make_thread(session, user)
    made = seed_messages(session, user, thread, 8)
    got = messages.list_messages(session, user_id=user.id, thread_id=thread.id, limit=3)
    assert [m.content for m in got] == ["m5", "m6", "m7"]
    everything = messages.list_messages(session, user_id=user.id, thread_id=str(thread.id))
    assert [m.id for m in everything] == [m.id for m in made]


def test_list_messages_before_cursor_pages_back(session, user):
    thread = make_thread(session, user)
    made = seed_messages(session, user, thread, 10)
    pages = []
    before = None
    while True:
        page = messages.list_messages(session, user_id=user.id, thread_id=thread.id, limit=3, before=before)
        if not page:
            break
        pages.append([m.content for m in page])
        before = (page[0].created_at, page[0].id)
    assert pages == [["m7", "m8", "m9"], ["m4", "m5", "m6"], ["m1", "m2", "m3"], ["m0"]]
    assert sum(len(p) for p in pages) == len(made)


def test_list_messages_before_cursor_equal_created_at(session, user):
    thread = make_thread(session, user)
    stamp = datetime(2025, 2, 1, tzinfo=UTC)
    made = []
    for i in range(5):
        m = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content=f"m{i}")
        m.created_at = stamp
        session.add(m)
        made.append(m)
    session.commit()
    seen = []
    before = None
    for _ in range(10):
        page = messages.list_messages(session, user_id=user.id, thread_id=thread.id, limit=2, before=before)
        if not page:
            break
        assert [m.id for m in page] == sorted(m.id for m in page)
        seen = [m.id for m in page] + seen
        before = (page[0].created_at, page[0].id)
    assert seen == sorted(m.id for m in made)


def test_list_messages_only_this_thread(session, user):
    a = make_thread(session, user, "A")
    b = make_thread(session, user, "B")
    messages.add_user_message(session, user_id=user.id, thread_id=a.id, content="in a")
    messages.add_user_message(session, user_id=user.id, thread_id=b.id, content="in b")
    session.commit()
    assert [m.content for m in messages.list_messages(session, user_id=user.id, thread_id=a.id)] == ["in a"]


# --- mark_interrupted -------------------------------------------------------------------------


def test_mark_interrupted_closes_open_turns(session, user):
    engine = session.get_bind()
    a = make_thread(session, user, "A")
    b = make_thread(session, user, "B")
    pending = messages.open_assistant_message(session, user_id=user.id, thread_id=a.id)
    processing = messages.open_assistant_message(session, user_id=user.id, thread_id=b.id)
    session.commit()
    messages.set_status(session, message_id=processing.id, status=MessageStatus.processing)
    processing_row = session.get(Message, processing.id)
    processing_row.content = "partial answer"
    session.add(processing_row)
    done = messages.add_user_message(session, user_id=user.id, thread_id=a.id, content="hello")
    session.commit()

    assert messages.mark_interrupted(session) == 2
    session.commit()

    rows = {m.id: m for m in stored(engine, a.id) + stored(engine, b.id)}
    for mid in (pending.id, processing.id):
        assert rows[mid].status == "error"
        assert rows[mid].meta["error"] == "interrupted"
    assert rows[pending.id].content == "This reply was interrupted."
    assert rows[processing.id].content == "partial answer"
    assert rows[done.id].status == "completed"
    assert "error" not in rows[done.id].meta
    # Both threads take a new turn again.
    messages.open_assistant_message(session, user_id=user.id, thread_id=a.id)
    messages.open_assistant_message(session, user_id=user.id, thread_id=b.id)
    session.commit()
    assert messages.mark_interrupted(session) == 2


def test_mark_interrupted_scoped_by_age_and_thread(session, user):
    engine = session.get_bind()
    a = make_thread(session, user, "A")
    b = make_thread(session, user, "B")
    old = messages.open_assistant_message(session, user_id=user.id, thread_id=a.id)
    young = messages.open_assistant_message(session, user_id=user.id, thread_id=b.id)
    old.updated_at = utcnow() - timedelta(minutes=10)
    session.add(old)
    session.commit()
    cutoff = utcnow() - timedelta(minutes=5)
    assert messages.mark_interrupted(session, older_than=cutoff, thread_id=b.id) == 0
    assert messages.mark_interrupted(session, older_than=cutoff) == 1
    session.commit()
    statuses = {m.id: m.status for m in stored(engine, a.id) + stored(engine, b.id)}
    assert statuses == {old.id: "error", young.id: "pending"}
    assert messages.mark_interrupted(session, thread_id=b.id) == 1
    session.commit()
    assert open_count(engine, b.id) == 0


# --- get_message ------------------------------------------------------------------------------


def test_get_message_own(session, user):
    thread = make_thread(session, user)
    m = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="mine")
    session.commit()
    assert messages.get_message(session, user_id=user.id, message_id=str(m.id)).content == "mine"


@pytest.mark.parametrize("which", ["other_user", "missing", "malformed", "none"])
def test_get_message_isolation_not_found(session, user, other, which):
    thread = make_thread(session, other)
    theirs = messages.add_user_message(session, user_id=other.id, thread_id=thread.id, content="secret")
    session.commit()
    message_id = {
        "other_user": theirs.id,
        "missing": uuid.uuid4(),
        "malformed": "nope",
        "none": None,
    }[which]
    with pytest.raises(NotFoundError) as info:
        messages.get_message(session, user_id=user.id, message_id=message_id)
    assert info.value.message == "Message not found."


def test_user_message_before_finds_question(session, user):
    thread = make_thread(session, user)
    q1 = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="first")
    session.commit()
    a1 = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    session.commit()
    assert messages.user_message_before(session, message=a1).id == q1.id
    assert a1.role == Role.assistant


# --- thread_with_page: every allowed limit ------------------------------------------------------


def test_thread_with_page_every_limit_each_message_once(session, user):
    """ "Load earlier" at every allowed limit (1-200): every message exactly once, oldest first."""
    thread = make_thread(session, user)
    base = datetime(2025, 3, 1, tzinfo=UTC)
    rows = [
        Message(
            thread_id=thread.id,
            user_id=user.id,
            role=Role.user.value if i % 2 == 0 else Role.assistant.value,
            content=f"m{i}",
            created_at=base + timedelta(seconds=i // 3),  # ties of three, broken by id
        )
        for i in range(250)
    ]
    session.add_all(rows)
    session.commit()
    oldest_first = [m.id for m in sorted(rows, key=lambda m: (m.created_at, m.id))]
    for limit in range(1, messages.MESSAGES_PAGE_MAX + 1):
        pages: list[list[uuid.UUID]] = []
        before = None
        while len(pages) <= len(rows):
            _, page = messages.thread_with_page(
                session, user_id=user.id, thread_id=thread.id, limit=limit, before=before
            )
            pages.append([m.id for m in page.messages])
            if not page.has_earlier:
                assert page.next_before is None
                break
            assert len(page.messages) == limit
            before = page.next_before
        assert [mid for p in reversed(pages) for mid in p] == oldest_first, limit


@pytest.mark.parametrize("limit", [0, 201])
def test_thread_with_page_limit_out_of_range_refused(session, user, limit):
    thread = make_thread(session, user)
    with pytest.raises(InvalidInputError, match=r"limit must be between 1 and 200\."):
        messages.thread_with_page(session, user_id=user.id, thread_id=thread.id, limit=limit)


# --- plain-row reads (issue 19) --------------------------------------------------------------


def test_message_rows_read_as_the_orm_objects(engine, session, user):
    """The page's and the API's plain message rows hold exactly what the ORM loads for them."""
    thread = make_thread(session, user)
    asked = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="add milk – ü")
    reply = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    messages.finish_assistant_message(
        session,
        message_id=reply.id,
        content="Added milk.",
        status=MessageStatus.completed,
        tool_calls=[{"name": "add_task", "arguments": {"title": "milk"}}],
        meta={"error": ""},
    )
    waiting = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    session.commit()
    expected = [
        {f.name: getattr(m, f.name) for f in dataclasses.fields(messages.MessageRow)}
        for m in stored(engine, thread.id)
    ]
    assert [e["id"] for e in expected] == [asked.id, reply.id, waiting.id]
    assert expected[1]["tool_calls"]
    assert expected[2]["status"] == MessageStatus.pending

    row, page = messages.thread_with_page(session, user_id=user.id, thread_id=str(thread.id), limit=2)
    assert row == threads.get_thread_row(session, user_id=user.id, thread_id=thread.id)
    assert [dataclasses.asdict(m) for m in page.messages] == expected[1:]
    assert page.has_earlier
    listed = messages.list_messages(session, user_id=user.id, thread_id=thread.id)
    assert [dataclasses.asdict(m) for m in listed] == expected


def test_message_rows_see_the_sessions_own_unflushed_changes(session, user):
    thread = make_thread(session, user)
    message = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="hi")
    session.commit()
    message.status = MessageStatus.error.value
    session.add(message)
    _, page = messages.thread_with_page(session, user_id=user.id, thread_id=thread.id)
    assert [m.status for m in page.messages] == [MessageStatus.error]
