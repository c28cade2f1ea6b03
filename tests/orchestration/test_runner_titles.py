"""Conversation titles through whole turns (issue 15, item 5), on a real database.

A title says what the conversation is about ("Pay rent"), never the first message word for word;
a yes/no or unclear first message leaves the neutral "New chat" until a turn gives a real one; a
title the person chose by renaming is never replaced. The local agent titles from its parse (so
the thread is named when it is created) and from the turn's result.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.models import Thread
from app.orchestration import runner
from app.services import threads as thread_service
from app.services.threads import DEFAULT_TITLE

pytestmark = pytest.mark.usefixtures("local_agent")


def title_of(engine: sa.Engine, thread_id: str) -> str:
    with Session(engine) as s:
        thread = s.get(Thread, uuid.UUID(thread_id))
        assert thread is not None
        return thread.title


def say(uid: uuid.UUID, *messages: str) -> runner.TurnResult:
    result = runner.run_turn(user_id=uid, text=messages[0])
    for text in messages[1:]:
        result = runner.run_turn(user_id=uid, text=text, thread_id=result.thread_id)
    return result


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("Add pay rent tomorrow, high priority #home", "Pay rent"),
        ("remind me at 5pm to take out the trash", "Take out the trash"),
        ("add tasks: eggs, bread and butter", "Eggs, bread and butter"),
        ("add oat milk, free range eggs, flour, brown sugar and butter", "Oat milk and 4 more"),
        ("what's overdue?", "Overdue tasks"),
        ("show high priority tasks", "High priority tasks"),
        ("what's due in the next 3 days?", "Tasks due in the next 3 days"),
    ],
)
def test_run_turn_titles_a_new_thread_by_what_it_is_about(app_db, uid, first, title):
    start = runner.begin_turn(user_id=uid, text=first)
    assert start.thread_title == title  # named when created: the sidebar shows it at once
    result = runner.process_turn(start)
    assert (result.thread_title, title_of(app_db, result.thread_id)) == (title, title)
    assert title.lower() != first.lower()


def test_run_turn_groceries_share_a_tag_title(app_db, uid):
    result = say(uid, "add tasks: milk #groceries, eggs #groceries")
    assert title_of(app_db, result.thread_id) == "Groceries"


@pytest.mark.parametrize("first", ["No", "yes", "hi", "thanks!", "undo", "what is 2+2"])
def test_run_turn_unclear_first_message_keeps_new_chat_until_a_real_turn(app_db, uid, first):
    result = say(uid, first)
    assert result.thread_title == DEFAULT_TITLE
    assert title_of(app_db, result.thread_id) == DEFAULT_TITLE
    later = say_in(uid, result.thread_id, "add pay rent tomorrow")
    assert later.thread_title == "Pay rent"
    assert title_of(app_db, result.thread_id) == "Pay rent"


def say_in(uid: uuid.UUID, thread_id: str, text: str) -> runner.TurnResult:
    return runner.run_turn(user_id=uid, text=text, thread_id=thread_id)


def test_run_turn_later_turns_do_not_retitle_an_automatic_title(app_db, uid):
    result = say(uid, "add pay rent tomorrow", "add buy milk", "what's overdue?")
    assert title_of(app_db, result.thread_id) == "Pay rent"


def test_run_turn_first_turn_refines_its_title_from_the_result(app_db, uid):
    first = say(uid, "add call the dentist")
    thread = runner.run_turn(user_id=uid, text="complete the dentist one")  # a new thread
    assert title_of(app_db, first.thread_id) == "Call the dentist"
    assert title_of(app_db, thread.thread_id) == "Call the dentist"  # the task, not the words "dentist"


def test_run_turn_never_replaces_a_title_the_person_chose(app_db, uid):
    result = say(uid, "hi")
    with Session(app_db) as s:
        thread_service.rename_thread(s, user_id=uid, thread_id=result.thread_id, title="New chat")
        s.commit()
    say_in(uid, result.thread_id, "add pay rent tomorrow")
    assert title_of(app_db, result.thread_id) == "New chat"  # renamed to it on purpose: it stays
    other = say(uid, "add buy milk")
    with Session(app_db) as s:
        thread_service.rename_thread(s, user_id=uid, thread_id=other.thread_id, title="Shopping")
        s.commit()
    say_in(uid, other.thread_id, "what's overdue?")
    assert title_of(app_db, other.thread_id) == "Shopping"


def test_run_turn_titles_stay_renamable(app_db, uid):
    result = say(uid, "add pay rent tomorrow")
    with Session(app_db) as s:
        thread_service.rename_thread(s, user_id=uid, thread_id=result.thread_id, title="Rent")
        s.commit()
    assert title_of(app_db, result.thread_id) == "Rent"


def test_begin_turn_asks_for_a_title_only_while_it_is_automatic(app_db, uid):
    fresh = runner.begin_turn(user_id=uid, text="hi")
    assert fresh.title_automatic is True
    runner.process_turn(fresh)
    again = runner.begin_turn(user_id=uid, text="add pay rent", thread_id=fresh.thread_id)
    assert again.title_automatic is True  # still "New chat"
    runner.process_turn(again)
    named = runner.begin_turn(user_id=uid, text="add buy milk", thread_id=fresh.thread_id)
    assert named.title_automatic is False
    runner.process_turn(named)


def test_run_turn_a_title_that_cannot_be_made_keeps_the_turn(app_db, uid, monkeypatch):
    from app.agent.offline import agent

    def broken(*args, **kwargs):
        raise RuntimeError("title bug")

    monkeypatch.setattr(agent.titles, "for_intent", broken)
    result = say(uid, "add pay rent tomorrow")
    assert result.status == "completed"
    assert title_of(app_db, result.thread_id) == "Pay rent"  # the reply's title still names it
