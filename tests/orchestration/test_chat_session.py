"""The chat page's use cases (app.orchestration.chat_session) on a real database, without Reflex.

Each function opens its own transaction; the ``app_db`` fixture points ``session_scope()`` at a
fresh database, on SQLite and on PostgreSQL. The sidebar and "load earlier" are paged to the end:
every row exactly once, in order.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.models import Action, Message, Task, TaskOperation, Thread, User, Widget
from app.orchestration import chat_session
from app.orchestration.chat_session import PAGE_SIZE, SidebarFilter
from app.services.errors import ServiceError
from tests.utils.factories import make_task, make_thread
from tests.utils.sql_log import statements_run
from tests.utils.widget_paths import complete_path

BASE = datetime(2025, 3, 1, tzinfo=UTC)
COMPLETE_PATH = complete_path()
"""The first row's Complete button in a task list card."""


def _threads(engine: sa.Engine, user_id: uuid.UUID, count: int) -> list[Thread]:
    rows = [
        Thread(user_id=user_id, title=f"T{i}", updated_at=BASE + timedelta(seconds=i // 3), created_at=BASE)
        for i in range(count)
    ]
    with Session(engine, expire_on_commit=False) as s:
        s.add_all(rows)
        s.commit()
    return rows


def _thread(engine: sa.Engine, user_id: uuid.UUID, title: str = "Chat") -> str:
    with Session(engine) as s:
        return str(make_thread(s, s.get(User, user_id), title).id)


# ----- the sidebar -------------------------------------------------------------------------------


def test_sidebar_pages_show_every_thread_once(app_db, uid):
    rows = _threads(app_db, uid, 2 * PAGE_SIZE + 5)
    page = chat_session.thread_page(user_id=uid)
    shown = [v.id for v in page.views]
    while page.has_more:
        assert len(page.views) == PAGE_SIZE
        page = chat_session.thread_page(user_id=uid, after=page.cursor)
        shown += [v.id for v in page.views]
    assert shown == [str(t.id) for t in sorted(rows, key=lambda t: (t.updated_at, t.id), reverse=True)]


def test_sidebar_lists_only_the_users_threads_matching_the_filter(app_db, uid, new_user):
    _thread(app_db, new_user(), "Groceries for someone else")
    groceries, _work = _thread(app_db, uid, "Groceries"), _thread(app_db, uid, "Work")
    assert [v.title for v in chat_session.thread_page(user_id=uid).views] == ["Work", "Groceries"]
    found = chat_session.thread_page(user_id=uid, listing=SidebarFilter(search="grocer"))
    assert [v.id for v in found.views] == [groceries]
    assert chat_session.thread_page(user_id=uid, listing=SidebarFilter(archived=True)).views == []


def test_changes_answer_with_the_list_as_it_is_now(app_db, uid):
    first, second = _thread(app_db, uid, "First"), _thread(app_db, uid, "Second")
    active = SidebarFilter()
    page = chat_session.rename_thread(user_id=uid, thread_id=first, title="  Renamed  ", listing=active)
    assert {v.id: v.title for v in page.views} == {first: "Renamed", second: "Second"}
    page = chat_session.archive_thread(user_id=uid, thread_id=first, archived=True, listing=active)
    assert [v.id for v in page.views] == [second]
    archived = SidebarFilter(archived=True)
    page = chat_session.archive_thread(user_id=uid, thread_id=second, archived=True, listing=archived)
    assert {v.id for v in page.views} == {first, second}
    page = chat_session.delete_thread(user_id=uid, thread_id=first, listing=archived)
    assert [v.id for v in page.views] == [second]
    with Session(app_db) as s:
        assert s.get(Thread, uuid.UUID(first)) is None


def test_changes_to_another_users_thread_are_refused_and_change_nothing(app_db, uid, new_user):
    theirs = _thread(app_db, new_user(), "Theirs")
    listing = SidebarFilter()
    with pytest.raises(ServiceError):
        chat_session.rename_thread(user_id=uid, thread_id=theirs, title="Mine now", listing=listing)
    with pytest.raises(ServiceError):
        chat_session.archive_thread(user_id=uid, thread_id=theirs, archived=True, listing=listing)
    with pytest.raises(ServiceError):
        chat_session.delete_thread(user_id=uid, thread_id=theirs, listing=listing)
    with Session(app_db) as s:
        row = s.get(Thread, uuid.UUID(theirs))
        assert (row.title, row.status) == ("Theirs", "active")


# ----- the open conversation --------------------------------------------------------------------


def test_load_earlier_shows_every_message_once(app_db, uid):
    thread_id = _thread(app_db, uid, "long")
    rows = [
        Message(
            thread_id=uuid.UUID(thread_id),
            user_id=uid,
            role="user" if i % 2 == 0 else "assistant",
            content=f"m{i}",
            created_at=BASE + timedelta(seconds=i // 3),
        )
        for i in range(2 * chat_session.MESSAGES_PAGE + 5)
    ]
    with Session(app_db, expire_on_commit=False) as s:
        s.add_all(rows)
        s.commit()
    opened = chat_session.open_thread(user_id=uid, thread_id=thread_id)
    assert opened is not None
    shown, more = opened.messages, opened.has_earlier
    assert len(shown) == chat_session.MESSAGES_PAGE
    while more:
        page = chat_session.earlier_messages(user_id=uid, thread_id=thread_id, first=shown[0])
        assert page.messages
        shown, more = page.messages + shown, page.has_earlier
    assert [m.id for m in shown] == [str(m.id) for m in sorted(rows, key=lambda m: (m.created_at, m.id))]


def test_chat_page_opens_the_asked_for_thread_else_the_last_one(app_db, uid):
    assert chat_session.chat_page(user_id=uid).opened is None  # a new user: a new chat
    older, newer = _thread(app_db, uid, "Older"), _thread(app_db, uid, "Newer")
    page = chat_session.chat_page(user_id=uid, wanted=older)
    assert [v.id for v in page.sidebar.views] == [newer, older]
    assert page.opened is not None
    assert (page.opened.thread_id, page.opened.title) == (older, "Older")
    again = chat_session.chat_page(user_id=uid).opened  # opening it made it the last one
    assert again is not None
    assert again.thread_id == older


@pytest.mark.parametrize("wanted", ["someone else's", "random", "not-a-uuid", "x" * 3000])
def test_chat_page_opens_nothing_for_a_thread_that_is_not_the_users(app_db, uid, new_user, wanted):
    mine = _thread(app_db, uid, "Mine")
    value = {"someone else's": _thread(app_db, new_user(), "Theirs"), "random": str(uuid.uuid4())}.get(
        wanted, wanted
    )
    page = chat_session.chat_page(user_id=uid, wanted=value)
    assert page.opened is None
    assert [v.id for v in page.sidebar.views] == [mine]
    with Session(app_db) as s:
        assert s.get(User, uid).last_chat_thread_id is None


# ----- a turn and a click -----------------------------------------------------------------------


def test_begin_turn_answered_at_once_returns_the_stored_question_and_reply(app_db, uid):
    begun = chat_session.begin_turn(user_id=uid, text="add pay rent", thread_id=None, answer=True)
    assert begun.start.created_thread
    assert begun.result is not None
    assert begun.result.status == "completed"
    assert [(v.role, v.id) for v in begun.views] == [
        ("user", str(begun.start.user_message_id)),
        ("assistant", str(begun.start.message_id)),
    ]
    assert begun.views[0].content == "add pay rent"
    with Session(app_db) as s:
        assert [t.title for t in s.exec(select(Task).where(Task.user_id == uid))] == ["pay rent"]


def _commits(engine: sa.Engine) -> tuple[list[int], Callable[[], None]]:
    """A list that grows by one at each commit on ``engine``, and how to stop counting."""
    commits: list[int] = []

    def count(_conn: sa.Connection) -> None:
        commits.append(1)

    sa.event.listen(engine, "commit", count)
    return commits, lambda: sa.event.remove(engine, "commit", count)


def test_a_turn_answered_at_once_is_one_transaction(app_db, uid):
    """The question, the answer with its tools and their journal rows, the reply and its cards as
    the page shows them commit together (issue 19: they were two transactions), in a new
    conversation and in one already there."""
    commits, stop = _commits(app_db)
    try:
        begun = chat_session.begin_turn(user_id=uid, text="add pay rent", thread_id=None, answer=True)
        assert begun.result is not None
        assert begun.result.status == "completed"
        assert len(commits) == 1
        again = chat_session.begin_turn(
            user_id=uid, text="add pay rent", thread_id=begun.result.thread_id, answer=True
        )
        assert again.result is not None
        assert len(commits) == 2
    finally:
        stop()


def test_a_turn_answered_at_once_reads_what_it_knows_once(app_db, uid):
    """The person's time zone is read once; the question's and the reply's rows, written in the
    turn's transaction, are not read back for the reply's changes or the page's view of them;
    remembering the conversation to reopen after sign-in reads nothing (issue 19: fewer statements
    per turn)."""
    with statements_run(app_db, "SELECT") as selects:
        begun = chat_session.begin_turn(user_id=uid, text="show my tasks", thread_id=None, answer=True)
    assert begun.result is not None
    assert begun.result.status == "completed"
    flat = [" ".join(s.split()) for s in selects]
    assert len([s for s in flat if s.startswith("SELECT users.time_zone FROM users")]) == 1
    assert [s for s in flat if s.startswith("SELECT users.id")] == []
    assert [s for s in flat if s.startswith(("SELECT messages.id", "SELECT threads.id"))] == []


def test_a_turn_answered_at_once_writes_each_row_once(app_db, uid):
    """The answer's transaction writes the reply once (no "processing" nobody could see), its
    journal row once with the outcome, its card once as shown, and the card's tasks are the ones
    the tool read, not read again; the question's does not move a conversation it has just made to
    the top (issue 19)."""
    with Session(app_db) as s:
        make_task(s, s.get(User, uid), "Water the plants")
        s.commit()
    with statements_run(app_db) as ran:
        begun = chat_session.begin_turn(user_id=uid, text="show my tasks", thread_id=None, answer=True)
    assert begun.result is not None
    [card] = begun.views[-1].widgets
    assert "Water the plants" in json.dumps(begun.result.widgets)
    flat = [" ".join(s.split()) for s in ran]
    [reply] = [s for s in flat if s.startswith("UPDATE messages")]
    assert reply.startswith("UPDATE messages SET content=")
    assert [s for s in flat if s.startswith("UPDATE task_operations")] == []
    assert [s for s in flat if s.startswith("UPDATE widgets")] == []
    assert [s for s in flat if s.startswith("UPDATE threads SET updated_at")] == []  # made just now
    assert len([s for s in flat if s.startswith("SELECT tasks.id") and "FROM tasks" in s]) == 1
    assert [s for s in flat if s.startswith("SELECT widgets")] == []  # the card it stored, held
    with Session(app_db) as s:
        assert s.exec(select(Widget.state).where(Widget.id == card.widget_id)).one() == "rendered"
        [op] = s.exec(select(TaskOperation).where(TaskOperation.tool_name == "list_tasks")).all()
        assert (op.user_id, op.status) == (uid, "completed")


def test_an_answer_cut_short_applies_none_of_its_tools_and_closes_the_turn(app_db, uid, monkeypatch):
    """An unexpected error while the answer is stored (the database going away) rolls the tools
    back with it: no task added, and the turn is closed as failed with its calls marked not applied,
    so a retry runs them again instead of replaying results that never landed."""
    from app.services import widgets as widget_service

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(widget_service, "store_widgets", broken)
    with pytest.raises(RuntimeError):
        chat_session.begin_turn(user_id=uid, text="add pay rent", thread_id=None, answer=True)
    with Session(app_db) as s:
        assert list(s.exec(select(Task).where(Task.user_id == uid))) == []
        [question, reply] = s.exec(
            select(Message).where(Message.user_id == uid).order_by(Message.created_at, Message.role.desc())
        ).all()
        assert (question.role, question.content) == ("user", "add pay rent")
        assert reply.status == "error"
        [call] = reply.tool_calls
        assert call["name"] == "add_task"
        assert "result" not in call
        assert call["error"] == "Not applied: the turn was cut short."


def test_begin_turn_for_a_model_only_stores_the_question(app_db, uid):
    begun = chat_session.begin_turn(user_id=uid, text="add pay rent", thread_id=None)
    assert (begun.result, begun.views) == (None, [])
    with Session(app_db) as s:
        reply = s.get(Message, begun.start.message_id)
        assert reply is not None
        assert reply.status == "pending"
        assert list(s.exec(select(Task).where(Task.user_id == uid))) == []


def _task_list(app_db: sa.Engine, uid: uuid.UUID) -> tuple[str, int]:
    with Session(app_db) as s:
        make_task(s, s.get(User, uid), "Water the plants")
        s.commit()
    begun = chat_session.begin_turn(user_id=uid, text="show my tasks", thread_id=None, answer=True)
    [card] = begun.views[-1].widgets
    return card.widget_id, card.version


def test_perform_action_runs_the_click_once_and_answers_with_the_new_widget(app_db, uid):
    widget_id, version = _task_list(app_db, uid)
    done = chat_session.perform_action(user_id=uid, widget_id=widget_id, path=COMPLETE_PATH, version=version)
    assert (done.client, done.error) == (None, "")
    assert done.widget is not None
    assert done.widget.widget_id == widget_id
    assert done.widget.version > version
    again = chat_session.perform_action(user_id=uid, widget_id=widget_id, path=COMPLETE_PATH, version=version)
    assert again.widget is not None
    assert again.widget.version == done.widget.version  # the same click: replayed
    with Session(app_db) as s:
        [task] = s.exec(select(Task).where(Task.user_id == uid)).all()
        assert task.completed


def test_a_click_is_one_transaction(app_db, uid):
    """The click's record, the task's change with its journal row and the card's new version commit
    together, once (the click used to commit six times, one after another)."""
    widget_id, version = _task_list(app_db, uid)
    commits, stop = _commits(app_db)
    try:
        done = chat_session.perform_action(
            user_id=uid, widget_id=widget_id, path=COMPLETE_PATH, version=version
        )
    finally:
        stop()
    assert done.error == ""
    assert done.widget is not None
    assert len(commits) == 1


def test_a_click_shows_the_pages_other_cards_and_the_today_count_as_it_left_them(app_db, uid):
    """The page leaves its own tab out of the live refresh after a click (issue 19), so the click
    reads again, in its transaction, the other cards the page shows (here an earlier listing of
    the same task) and the nav's Today count."""
    with Session(app_db) as s:
        make_task(
            s, s.get(User, uid), "Water the plants", due_date=datetime.now(UTC).date() - timedelta(days=1)
        )
        s.commit()
    first = chat_session.begin_turn(user_id=uid, text="show my tasks", thread_id=None, answer=True)
    [earlier] = first.views[-1].widgets
    thread_id = first.result.thread_id if first.result else ""
    second = chat_session.begin_turn(user_id=uid, text="show my tasks", thread_id=thread_id, answer=True)
    [card] = second.views[-1].widgets
    commits, stop = _commits(app_db)
    try:
        done = chat_session.perform_action(
            user_id=uid, widget_id=card.widget_id, path=COMPLETE_PATH, version=card.version,
            others=[earlier.widget_id, "wdg_gone"],
        )  # fmt: skip
    finally:
        stop()
    assert done.error == ""
    assert len(commits) == 1
    [again] = done.after.cards
    assert again.widget_id == earlier.widget_id
    assert "task.reopen" in json.dumps(dataclasses.asdict(again))
    assert "task.complete" not in json.dumps(dataclasses.asdict(again))
    assert done.after.today == 0  # the overdue task was the one due
    replay = chat_session.perform_action(
        user_id=uid,
        widget_id=card.widget_id,
        path=COMPLETE_PATH,
        version=card.version,
        others=[earlier.widget_id],
    )
    assert replay.after == chat_session.AfterChange()  # a replay changed nothing: nothing read again


def test_a_turn_that_changes_tasks_shows_the_cards_before_it_and_the_today_count(app_db, uid):
    with Session(app_db) as s:
        make_task(s, s.get(User, uid), "Water the plants", due_date=datetime.now(UTC).date())
        s.commit()
    first = chat_session.begin_turn(user_id=uid, text="show my tasks", thread_id=None, answer=True)
    [card] = first.views[-1].widgets
    assert first.after == chat_session.AfterChange()  # nothing shown before, nothing changed
    thread_id = first.result.thread_id if first.result else ""
    read = chat_session.begin_turn(
        user_id=uid, text="what's due today?", thread_id=thread_id, answer=True, shown=[card.widget_id]
    )
    assert read.after.today is None  # a read changes no count
    done = chat_session.begin_turn(
        user_id=uid, text="I watered the plants", thread_id=thread_id, answer=True, shown=[card.widget_id]
    )
    assert done.result is not None
    assert chat_session.wrote(done.result)
    [again] = done.after.cards
    assert "task.reopen" in json.dumps(dataclasses.asdict(again))
    assert done.after.today == 0


def test_a_click_reads_the_zone_and_the_card_once_and_writes_the_card_once(app_db, uid):
    """Issue 19: a tool call's released savepoint keeps what the transaction read (the person's
    zone), and the stored card is updated once (no separate "interacted" write before its new
    payload) and not read back."""
    widget_id, version = _task_list(app_db, uid)
    with statements_run(app_db) as ran:
        done = chat_session.perform_action(
            user_id=uid, widget_id=widget_id, path=COMPLETE_PATH, version=version
        )
    assert done.widget is not None
    assert done.widget.version == version + 1
    flat = [" ".join(s.split()) for s in ran]
    assert len([s for s in flat if s.startswith("SELECT users.time_zone FROM users")]) == 1
    assert len([s for s in flat if s.startswith("SELECT widgets.id")]) == 1
    assert len([s for s in flat if s.startswith("UPDATE widgets")]) == 1
    # the click's record and the tool's journal row are each written once, with their outcome
    assert len([s for s in flat if s.startswith("INSERT INTO actions")]) == 1
    assert len([s for s in flat if s.startswith("INSERT INTO task_operations")]) == 1
    assert [s for s in flat if s.startswith(("UPDATE actions", "UPDATE task_operations"))] == []
    with Session(app_db) as s:
        assert s.exec(select(Widget.state).where(Widget.id == widget_id)).one() == "updated"
        [action] = s.exec(select(Action).where(Action.widget_id == widget_id)).all()
        assert action.status == "completed"
        assert action.processed_at is not None
        [op] = s.exec(select(TaskOperation).where(TaskOperation.tool_name == "complete_task")).all()
        assert op.status == "completed"
        assert op.undo_state


def test_a_click_cut_short_leaves_nothing_and_runs_when_clicked_again(app_db, uid, monkeypatch):
    """An unexpected error mid-click (a bug, the database going away) rolls the whole click back: no
    click recorded, no journal row, the task as it was. Clicked again, it runs (no "still being
    processed" for a click that never finished)."""
    from app.orchestration import widget_actions

    widget_id, version = _task_list(app_db, uid)
    with Session(app_db) as s:
        journal = s.exec(select(TaskOperation).where(TaskOperation.user_id == uid)).all()
    store = widget_actions._store

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(widget_actions, "_store", broken)
    with pytest.raises(RuntimeError):
        chat_session.perform_action(user_id=uid, widget_id=widget_id, path=COMPLETE_PATH, version=version)
    with Session(app_db) as s:
        assert s.exec(select(Action)).all() == []
        assert s.exec(select(TaskOperation).where(TaskOperation.user_id == uid)).all() == journal
        [task] = s.exec(select(Task).where(Task.user_id == uid)).all()
        assert not task.completed
    monkeypatch.setattr(widget_actions, "_store", store)
    done = chat_session.perform_action(user_id=uid, widget_id=widget_id, path=COMPLETE_PATH, version=version)
    assert done.error == ""
    assert done.widget is not None
    assert done.widget.version > version
    with Session(app_db) as s:
        [task] = s.exec(select(Task).where(Task.user_id == uid)).all()
        assert task.completed


def test_perform_action_refuses_a_node_without_an_action_and_another_users_widget(app_db, uid, new_user):
    widget_id, version = _task_list(app_db, uid)
    done = chat_session.perform_action(user_id=uid, widget_id=widget_id, path="children.0", version=version)
    assert done.error == "This card changed since it was shown; here it is as it is now."
    assert done.widget is not None  # shown again, as it is
    assert done.widget.widget_id == widget_id
    # a click on what was a Complete button that now reads Reopen runs nothing either
    stale = chat_session.perform_action(
        user_id=uid, widget_id=widget_id, path=f"{COMPLETE_PATH}#task.reopen", version=version
    )
    assert stale.error.startswith("This card changed")
    with pytest.raises(ServiceError):
        chat_session.perform_action(
            user_id=new_user(), widget_id=widget_id, path=COMPLETE_PATH, version=version
        )
    with Session(app_db) as s:
        [task] = s.exec(select(Task).where(Task.user_id == uid)).all()
        assert not task.completed
