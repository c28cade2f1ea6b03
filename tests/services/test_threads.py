"""The thread service on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.models import Action, AgentMemory, Message, Thread, ThreadStatus, User, Widget
from app.services import messages, threads, widgets
from app.services.errors import InvalidInputError, NotFoundError
from app.services.threads import DEFAULT_TITLE, ThreadCursor
from tests.utils.factories import make_thread


def fresh(engine, model, ident):
    """The row as the database holds it now (a new session, nothing cached)."""
    with Session(engine) as s:
        return s.get(model, ident)


def count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


# --- title_from_message ----------------------------------------------------------------------


def test_title_from_message_takes_first_nonblank_line():
    assert threads.title_from_message("\n   \nbuy milk tomorrow\nand eggs") == "Buy milk tomorrow"


def test_title_from_message_collapses_whitespace():
    assert threads.title_from_message("  plan \t the   trip  ") == "Plan the trip"


def test_title_from_message_short_text_unchanged_but_capitalised():
    assert threads.title_from_message("what's due today?") == "What's due today?"
    assert threads.title_from_message("x" * 60) == "X" + "x" * 59


def test_title_from_message_long_line_cut_at_word_with_ellipsis():
    text = "please remind me to " + "organise " * 10 + "the garage"
    title = threads.title_from_message(text)
    assert title.endswith("…")
    body = title[:-1]
    assert len(body) <= 60
    assert not body.endswith(" ")
    # Cut at a word boundary: every word of the title is a whole word of the message.
    words = text.split()
    assert body.split() == [w.capitalize() if i == 0 else w for i, w in enumerate(words[: len(body.split())])]


def test_title_from_message_long_word_without_spaces_is_hard_cut():
    title = threads.title_from_message("a" * 100)
    assert title == "A" + "a" * 59 + "…"


def test_title_from_message_blank_is_new_chat():
    assert threads.title_from_message("") == DEFAULT_TITLE
    assert threads.title_from_message("   \n\t \n ") == DEFAULT_TITLE
    assert DEFAULT_TITLE == "New chat"


# --- create / rename validation ---------------------------------------------------------------


def test_create_thread_default_title(session, user):
    thread = threads.create_thread(session, user_id=user.id)
    session.commit()
    assert fresh(session.get_bind(), Thread, thread.id).title == "New chat"


@pytest.mark.parametrize("title", ["x", "y" * 200])
def test_create_thread_title_bounds_ok(session, user, title):
    thread = threads.create_thread(session, user_id=user.id, title=title)
    session.commit()
    assert fresh(session.get_bind(), Thread, thread.id).title == title


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "Title can't be empty."),
        ("   \n\t", "Title can't be empty."),
        ("z" * 201, "Title is too long (201 characters; at most 200)."),
    ],
)
def test_create_thread_invalid_title_refused(session, user, title, message):
    with pytest.raises(InvalidInputError) as info:
        threads.create_thread(session, user_id=user.id, title=title)
    assert info.value.message == message
    session.rollback()
    assert count(session.get_bind(), Thread, Thread.user_id == user.id) == 0


def test_rename_thread_valid(session, user):
    thread = make_thread(session, user, "Old")
    threads.rename_thread(session, user_id=user.id, thread_id=str(thread.id), title="  New   name ")
    session.commit()
    row = fresh(session.get_bind(), Thread, thread.id)
    assert row.title == "New name"
    assert row.meta.get("title_set_by_user") is True


def test_propose_title_names_a_neutral_thread_and_indexes_it(session, user):
    thread = threads.create_thread(session, user_id=user.id)
    assert threads.title_is_automatic(thread)
    assert threads.propose_title(session, thread, "  pay   rent ") is True
    session.commit()
    assert fresh(session.get_bind(), Thread, thread.id).title == "Pay rent"
    assert not threads.title_is_automatic(thread)
    assert [t.id for t in threads.list_threads(session, user_id=user.id, search="rent")] == [thread.id]


def test_propose_title_keeps_a_given_title_except_on_the_first_turn(session, user):
    thread = threads.create_thread(session, user_id=user.id, title="Buy milk")
    assert threads.propose_title(session, thread, "Overdue tasks") is False
    assert thread.title == "Buy milk"
    assert threads.propose_title(session, thread, "Buy oat milk", first_turn=True) is True
    assert thread.title == "Buy oat milk"


@pytest.mark.parametrize("proposal", [None, "", "   "])
def test_propose_title_nothing_to_propose_keeps_new_chat(session, user, proposal):
    thread = threads.create_thread(session, user_id=user.id)
    assert threads.propose_title(session, thread, proposal, first_turn=True) is False
    assert thread.title == DEFAULT_TITLE


def test_propose_title_never_replaces_a_renamed_title(session, user):
    thread = threads.create_thread(session, user_id=user.id)
    threads.rename_thread(session, user_id=user.id, thread_id=thread.id, title=DEFAULT_TITLE)
    assert not threads.title_is_automatic(thread)
    assert threads.propose_title(session, thread, "Pay rent", first_turn=True) is False
    session.commit()
    assert fresh(session.get_bind(), Thread, thread.id).title == DEFAULT_TITLE


def test_propose_title_long_proposal_is_cut_at_a_word(session, user):
    thread = threads.create_thread(session, user_id=user.id)
    threads.propose_title(session, thread, "word " * 40)
    assert thread.title.endswith("…")
    assert len(thread.title) <= threads.TITLE_FROM_MESSAGE_MAX + 1


@pytest.mark.parametrize("title", ["", "  ", "q" * 201])
def test_rename_thread_invalid_keeps_title(session, user, title):
    thread = make_thread(session, user, "Keep me")
    with pytest.raises(InvalidInputError, match=r"Title (can't be empty|is too long)"):
        threads.rename_thread(session, user_id=user.id, thread_id=thread.id, title=title)
    session.rollback()
    assert fresh(session.get_bind(), Thread, thread.id).title == "Keep me"


def test_rename_thread_drops_nul_characters(session, user):
    """PostgreSQL text cannot hold NUL (SQLite can): both backends store the same title."""
    thread = make_thread(session, user)
    threads.rename_thread(session, user_id=user.id, thread_id=thread.id, title="Trip\x00 plans")
    session.commit()
    assert fresh(session.get_bind(), Thread, thread.id).title == "Trip plans"
    with pytest.raises(InvalidInputError, match=r"^Title can't be empty\.$"):
        threads.rename_thread(session, user_id=user.id, thread_id=thread.id, title="\x00")


def test_rename_thread_200_chars_ok(session, user):
    thread = make_thread(session, user)
    threads.rename_thread(session, user_id=user.id, thread_id=thread.id, title="r" * 200)
    session.commit()
    assert fresh(session.get_bind(), Thread, thread.id).title == "r" * 200


# --- list_threads paging ----------------------------------------------------------------------


def page_all(session, user, *, limit, **kwargs) -> list[uuid.UUID]:
    seen: list[uuid.UUID] = []
    cursor = None
    for _ in range(100):
        page = threads.list_threads(session, user_id=user.id, limit=limit, after=cursor, **kwargs)
        assert len(page) <= limit
        if not page:
            break
        seen += [t.id for t in page]
        last = page[-1]
        # Round-trip the cursor through its string form, as the UI does.
        cursor = ThreadCursor.decode(ThreadCursor(last.updated_at, last.id).encode())
    return seen


def test_list_threads_newest_first(session, user):
    base = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    a = make_thread(session, user, "A", updated_at=base)
    b = make_thread(session, user, "B", updated_at=base + timedelta(hours=2))
    c = make_thread(session, user, "C", updated_at=base + timedelta(hours=1))
    listed = threads.list_threads(session, user_id=user.id)
    assert [t.id for t in listed] == [b.id, c.id, a.id]


def test_list_threads_keyset_pages_no_duplicates_or_gaps(session, user, other):
    base = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    made = []
    for i in range(17):
        # Groups of equal updated_at (ties broken by id) mixed with distinct stamps.
        stamp = base + timedelta(minutes=i // 4)
        made.append(make_thread(session, user, f"T{i}", updated_at=stamp))
    make_thread(session, other, "Not mine", updated_at=base + timedelta(days=1))
    expected = [t.id for t in sorted(made, key=lambda t: (t.updated_at, t.id), reverse=True)]
    for limit in (1, 3, 4, 5, 16, 17, 50):
        assert page_all(session, user, limit=limit) == expected, limit


def test_list_threads_all_equal_updated_at_pages(session, user):
    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    made = [make_thread(session, user, f"T{i}", updated_at=stamp) for i in range(7)]
    got = page_all(session, user, limit=2)
    assert len(got) == 7
    assert set(got) == {t.id for t in made}
    assert got == sorted(got, reverse=True)


MANY = 150
"""More threads than the largest page (100): every limit takes at least two pages."""


def seed_threads(session, user, n: int, *, base: datetime) -> list[Thread]:
    """``n`` threads in one insert, their activity times in ties of three (the id breaks them)."""
    rows = [
        Thread(user_id=user.id, title=f"T{i}", updated_at=base + timedelta(seconds=i // 3), created_at=base)
        for i in range(n)
    ]
    session.add_all(rows)
    session.commit()
    return rows


def page_through(session, user, *, limit: int, order: str) -> list[uuid.UUID]:
    seen: list[uuid.UUID] = []
    cursor = None
    for _ in range(MANY + 1):
        page = threads.page_threads(session, user_id=user.id, limit=limit, after=cursor, order=order)
        seen += [t.id for t in page.threads]
        if not page.has_more:
            assert page.next_after is None
            return seen
        assert len(page.threads) == limit
        # Round-trip the cursor through its string form, as the API and the sidebar do.
        cursor = ThreadCursor.decode(page.next_after.encode())
    raise AssertionError(f"paging at limit={limit} did not end")


def test_page_threads_every_limit_and_order_each_thread_once(session, user, other):
    """Paging at every allowed limit (1-100), both orders: every thread exactly once, in order."""
    base = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    made = seed_threads(session, user, MANY, base=base)
    seed_threads(session, other, 20, base=base)  # interleaved in time, never listed
    newest_first = [t.id for t in sorted(made, key=lambda t: (t.updated_at, t.id), reverse=True)]
    for limit in range(1, threads.THREADS_PAGE_MAX + 1):
        assert page_through(session, user, limit=limit, order="desc") == newest_first, limit
        assert page_through(session, user, limit=limit, order="asc") == newest_first[::-1], limit


def test_page_threads_at_the_largest_limit_says_more_follow(session, user):
    seed_threads(session, user, 101, base=datetime(2025, 3, 1, tzinfo=UTC))
    first = threads.page_threads(session, user_id=user.id, limit=100)
    assert (len(first.threads), first.has_more) == (100, True)
    rest = threads.page_threads(session, user_id=user.id, limit=100, after=first.next_after)
    assert (len(rest.threads), rest.has_more, rest.next_after) == (1, False, None)


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_page_threads_limit_out_of_range_refused(session, user, limit):
    with pytest.raises(InvalidInputError, match=r"limit must be between 1 and 100\."):
        threads.page_threads(session, user_id=user.id, limit=limit)


def test_list_threads_archived_filter(session, user):
    active = make_thread(session, user, "Active")
    archived = make_thread(session, user, "Old")
    threads.set_archived(session, user_id=user.id, thread_id=archived.id)
    session.commit()
    assert [t.id for t in threads.list_threads(session, user_id=user.id)] == [active.id]
    assert [t.id for t in threads.list_threads(session, user_id=user.id, archived=True)] == [archived.id]
    threads.set_archived(session, user_id=user.id, thread_id=archived.id, archived=False)
    session.commit()
    assert fresh(session.get_bind(), Thread, archived.id).status == ThreadStatus.active
    assert {t.id for t in threads.list_threads(session, user_id=user.id)} == {active.id, archived.id}
    assert threads.list_threads(session, user_id=user.id, archived=True) == []


def test_list_threads_search_titles_and_message_text(session, user, other):
    by_title = make_thread(session, user, "Groceries for the WEEKEND")
    by_message = make_thread(session, user, "Something else")
    messages.add_user_message(
        session, user_id=user.id, thread_id=by_message.id, content="Plan the Weekend trip"
    )
    unrelated = make_thread(session, user, "Taxes")
    messages.add_user_message(session, user_id=user.id, thread_id=unrelated.id, content="file them")
    theirs = make_thread(session, other, "weekend plans")
    session.commit()
    found = {t.id for t in threads.list_threads(session, user_id=user.id, search="  weekEND ")}
    assert found == {by_title.id, by_message.id}
    assert theirs.id not in found
    assert {t.id for t in threads.list_threads(session, user_id=user.id, search="")} == {
        by_title.id,
        by_message.id,
        unrelated.id,
    }


def test_a_transactions_index_writes_are_gathered_and_found_before_the_commit(session, user):
    """A new conversation's title, question and answer are one index write (issue 19: five
    statements before); its words are found in the same transaction before the commit, and a
    savepoint rolled back meanwhile (a refused tool call) keeps them."""
    from tests.utils.sql_log import statements_run

    with statements_run(session.get_bind()) as ran:
        thread = threads.create_thread(session, user_id=user.id, title="Weekend")
        messages.add_user_message(
            session, user_id=user.id, thread_id=thread.id, content="plan the bilby trip"
        )
        reply = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
        refused = session.begin_nested()
        refused.rollback()
        messages.finish_assistant_message(session, message_id=reply.id, content="Packed the quokka snacks")
        assert {t.id for t in threads.list_threads(session, user_id=user.id, search="bilby")} == {thread.id}
        session.commit()
    index_writes = [q for q in ran if "search_terms" in q.split("FROM")[0] and not q.startswith("SELECT")]
    assert len(index_writes) == 1, index_writes
    for word in ("weekend", "bilby", "quokka", "snack"):
        assert {t.id for t in threads.list_threads(session, user_id=user.id, search=word)} == {thread.id}
    later = messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="and a wombat")
    session.commit()
    assert later.id is not None
    assert {t.id for t in threads.list_threads(session, user_id=user.id, search="wombat")} == {thread.id}


def test_a_thread_deleted_in_the_transaction_that_wrote_to_it_gets_no_index_write(session, user):
    """The gathered index writes skip a thread deleted since (its row would break its foreign key)."""
    kept = threads.create_thread(session, user_id=user.id, title="Kept")
    session.commit()
    fleeting = threads.create_thread(session, user_id=user.id, title="Fleeting")
    for thread in (kept, fleeting):
        messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="a passing thought")
        threads.delete_thread(session, user_id=user.id, thread_id=thread.id)
    session.commit()
    assert threads.list_threads(session, user_id=user.id, search="passing") == []


def test_list_threads_search_percent_and_underscore_are_literal(session, user):
    pct = make_thread(session, user, "Save 100% of it")
    under = make_thread(session, user, "Chat")
    messages.add_user_message(session, user_id=user.id, thread_id=under.id, content="rename my_file now")
    plain = make_thread(session, user, "Save 1000 of it")
    myxfile = make_thread(session, user, "myXfile")
    back = make_thread(session, user, r"path C:\temp")
    session.commit()

    def ids(q):
        return {t.id for t in threads.list_threads(session, user_id=user.id, search=q)}

    assert ids("100%") == {pct.id}
    assert ids("%") == {pct.id}
    assert ids("my_file") == {under.id}
    assert ids("_") == {under.id}
    assert plain.id not in ids("100%")
    assert myxfile.id not in ids("my_file")
    assert ids("\\") == {back.id}


def test_list_threads_search_respects_archived(session, user):
    t = make_thread(session, user, "Weekend")
    threads.set_archived(session, user_id=user.id, thread_id=t.id)
    session.commit()
    assert threads.list_threads(session, user_id=user.id, search="weekend") == []
    assert [
        x.id for x in threads.list_threads(session, user_id=user.id, search="weekend", archived=True)
    ] == [t.id]


def test_thread_cursor_decode_invalid():
    assert ThreadCursor.decode(None) is None
    assert ThreadCursor.decode("") is None
    for raw in ("garbage", "2025-01-01T00:00:00|not-a-uuid", f"yesterday|{uuid.uuid4()}"):
        with pytest.raises(InvalidInputError, match=r"^Invalid cursor\.$"):
            ThreadCursor.decode(raw)


# --- delete -----------------------------------------------------------------------------------


def populate(session, user, thread) -> tuple[Message, Widget, Action]:
    messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="hello")
    reply = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    messages.finish_assistant_message(session, message_id=reply.id, content="hi")
    [widget] = widgets.store_widgets(
        session, message_id=reply.id, thread_id=thread.id, payloads=[{"type": "Card", "children": []}]
    )
    action = Action(
        widget_id=widget.id, thread_id=thread.id, user_id=user.id, type="x", payload={}, idempotency_key="k1"
    )
    session.add(action)
    session.commit()
    return reply, widget, action


def test_delete_thread_cascades_messages_widgets_actions(session, user):
    engine = session.get_bind()
    doomed = make_thread(session, user, "Doomed")
    kept = make_thread(session, user, "Kept")
    populate(session, user, doomed)
    populate(session, user, kept)
    assert count(engine, Message, Message.thread_id == doomed.id) == 2
    assert count(engine, Widget, Widget.thread_id == doomed.id) == 1
    assert count(engine, Action, Action.thread_id == doomed.id) == 1

    threads.delete_thread(session, user_id=user.id, thread_id=str(doomed.id))
    session.commit()

    assert fresh(engine, Thread, doomed.id) is None
    assert count(engine, Message, Message.thread_id == doomed.id) == 0
    assert count(engine, Widget, Widget.thread_id == doomed.id) == 0
    assert count(engine, Action, Action.thread_id == doomed.id) == 0
    # The other thread is untouched.
    assert fresh(engine, Thread, kept.id) is not None
    assert count(engine, Message, Message.thread_id == kept.id) == 2
    assert count(engine, Widget, Widget.thread_id == kept.id) == 1
    assert count(engine, Action, Action.thread_id == kept.id) == 1


def test_delete_thread_clears_last_chat_thread_id(session, user):
    engine = session.get_bind()
    a = make_thread(session, user, "A")
    b = make_thread(session, user, "B")
    threads.remember_last_thread(session, user_id=user.id, thread_id=a.id)
    session.commit()
    threads.delete_thread(session, user_id=user.id, thread_id=b.id)
    session.commit()
    assert fresh(engine, User, user.id).last_chat_thread_id == a.id
    threads.delete_thread(session, user_id=user.id, thread_id=a.id)
    session.commit()
    assert fresh(engine, User, user.id).last_chat_thread_id is None
    assert threads.last_thread_id(session, user_id=user.id) is None


def test_last_thread_id_ignores_archived_and_deleted(session, user):
    assert threads.last_thread_id(session, user_id=user.id) is None
    t = make_thread(session, user, "T")
    threads.remember_last_thread(session, user_id=user.id, thread_id=t.id)
    session.commit()
    assert threads.last_thread_id(session, user_id=user.id) == t.id
    threads.set_archived(session, user_id=user.id, thread_id=t.id)
    session.commit()
    assert threads.last_thread_id(session, user_id=user.id) is None
    threads.set_archived(session, user_id=user.id, thread_id=t.id, archived=False)
    session.commit()
    assert threads.last_thread_id(session, user_id=user.id) == t.id
    # A thread removed behind the service's back (no clean-up of the pointer) is ignored too.
    session.execute(sa.delete(Thread).where(col(Thread.id) == t.id))
    session.commit()
    session.expire_all()
    assert threads.last_thread_id(session, user_id=user.id) is None


def test_last_thread_id_ignores_another_users_thread(session, user, other):
    theirs = make_thread(session, other, "Theirs")
    me = session.get(User, user.id)
    me.last_chat_thread_id = theirs.id
    session.add(me)
    session.commit()
    assert threads.last_thread_id(session, user_id=user.id) is None


# --- isolation --------------------------------------------------------------------------------


def snapshot_thread(engine, thread_id):
    with Session(engine) as s:
        row = s.get(Thread, thread_id)
        n = s.exec(select(func.count()).select_from(Message).where(Message.thread_id == thread_id)).one()
        return (row.title, row.status, row.updated_at, dict(row.meta), n)


@pytest.mark.parametrize(
    "call",
    [
        lambda s, uid, tid: threads.get_thread(s, user_id=uid, thread_id=tid),
        lambda s, uid, tid: threads.rename_thread(s, user_id=uid, thread_id=tid, title="Mine now"),
        lambda s, uid, tid: threads.set_archived(s, user_id=uid, thread_id=tid),
        lambda s, uid, tid: threads.set_archived(s, user_id=uid, thread_id=tid, archived=False),
        lambda s, uid, tid: threads.delete_thread(s, user_id=uid, thread_id=tid),
        lambda s, uid, tid: messages.list_messages(s, user_id=uid, thread_id=tid),
        lambda s, uid, tid: messages.add_user_message(s, user_id=uid, thread_id=tid, content="hi"),
    ],
    ids=["get", "rename", "archive", "unarchive", "delete", "list_messages", "add_message"],
)
def test_thread_isolation_other_users_thread_not_found(session, user, other, call):
    engine = session.get_bind()
    theirs = make_thread(session, other, "Private")
    messages.add_user_message(session, user_id=other.id, thread_id=theirs.id, content="secret")
    session.commit()
    before = snapshot_thread(engine, theirs.id)
    for tid in (theirs.id, str(theirs.id)):
        with pytest.raises(NotFoundError) as info:
            call(session, user.id, tid)
        assert info.value.message == "Conversation not found."
    session.commit()
    assert snapshot_thread(engine, theirs.id) == before


@pytest.mark.parametrize("bad", [None, "", "not-a-uuid", uuid.uuid4()])
def test_get_thread_missing_or_malformed_not_found(session, user, bad):
    with pytest.raises(NotFoundError, match=r"^Conversation not found\.$"):
        threads.get_thread(session, user_id=user.id, thread_id=bad)


def test_list_threads_only_own(session, user, other):
    mine = make_thread(session, user, "Mine")
    make_thread(session, other, "Theirs")
    assert [t.id for t in threads.list_threads(session, user_id=user.id)] == [mine.id]


def test_agent_memory_roundtrip(session, user):
    t = make_thread(session, user)
    assert threads.agent_memory(t) == AgentMemory()
    threads.set_agent_memory(session, t, AgentMemory(focus=["abc"]))
    session.commit()
    assert threads.agent_memory(fresh(session.get_bind(), Thread, t.id)) == AgentMemory(focus=["abc"])


def test_agent_memory_reads_rows_stored_before_it_had_a_type(session, user):
    """Old rows hold plain JSON: known keys load, unknown keys are dropped, bad values read as empty."""
    t = make_thread(session, user)
    t.meta = {"agent_memory": {"focus": ["a"], "last_list": "not a list", "it": "legacy"}, "other": 1}
    session.add(t)
    session.commit()
    memory = threads.agent_memory(fresh(session.get_bind(), Thread, t.id))
    assert memory == AgentMemory(focus=["a"])
    threads.set_agent_memory(session, t, memory)
    session.commit()
    assert fresh(session.get_bind(), Thread, t.id).meta == {"agent_memory": {"focus": ["a"]}, "other": 1}


# --- plain-row reads (issue 19) --------------------------------------------------------------


def orm_fields(thread: Thread) -> dict:
    return {f.name: getattr(thread, f.name) for f in dataclasses.fields(threads.ThreadRow)}


def test_thread_rows_read_as_the_orm_objects(engine, session, user, other):
    """The sidebar's and the API's plain rows hold exactly what the ORM loads for the same threads."""
    base = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    named = make_thread(session, user, "Pay rent", updated_at=base)
    threads.rename_thread(session, user_id=user.id, thread_id=named.id, title="Pay rent – ünïcode")
    threads.set_agent_memory(session, named, AgentMemory(focus=[str(uuid.uuid4())]))
    old = make_thread(session, user, "Old", updated_at=base - timedelta(days=3), status=ThreadStatus.archived)
    make_thread(session, other, "Not mine")
    session.commit()
    expected = {t.id: orm_fields(fresh(engine, Thread, t.id)) for t in (named, old)}
    assert expected[named.id]["meta"]["title_set_by_user"] is True

    rows = threads.list_threads(session, user_id=user.id) + threads.list_threads(
        session, user_id=user.id, archived=True
    )
    assert {r.id: dataclasses.asdict(r) for r in rows} == expected
    for thread in (named, old):
        row = threads.get_thread_row(session, user_id=user.id, thread_id=str(thread.id))
        assert dataclasses.asdict(row) == expected[thread.id]
        now = base + timedelta(hours=1)
        assert row.is_active(now) == fresh(engine, Thread, thread.id).is_active(now)


def test_thread_rows_see_the_sessions_own_unflushed_changes(session, user):
    """A read after a change in the same transaction sees it, as the ORM's autoflush made it do."""
    thread = make_thread(session, user, "Before")
    thread.title = "After"
    session.add(thread)
    assert [t.title for t in threads.list_threads(session, user_id=user.id)] == ["After"]
    assert threads.get_thread_row(session, user_id=user.id, thread_id=thread.id).title == "After"


def test_get_thread_row_other_users_thread_is_not_found(session, user, other):
    theirs = make_thread(session, other, "Theirs")
    with pytest.raises(NotFoundError, match="Conversation not found"):
        threads.get_thread_row(session, user_id=user.id, thread_id=theirs.id)
