"""The chat page's two states together, as one tab holds them, on a real database (no browser).

The sidebar's state (``ThreadsState``) does not know the chat's; the page sends
``ChatState.follow_sidebar`` after each sidebar change. These run the handlers as the page sends
them, through the sign-in state's token check and the database threads, and look at both states.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
import reflex as rx
import sqlalchemy as sa
from sqlmodel import Session

from app import routes
from app.models import Thread, User
from app.orchestration import chat_session
from app.states.address import replace_address_script
from app.states.auth import AuthState, current_user_id
from app.states.chat import ChatState, _as_user
from app.states.threads import ThreadsState
from tests.states.tab import in_tab, redirect_path, scripts, sign_up
from tests.utils.factories import make_thread
from tests.utils.sql_log import statements_run


@dataclass
class Tab:
    auth: AuthState
    chat: ChatState
    threads: ThreadsState
    user_id: uuid.UUID


def run(make: Callable[[Tab], Coroutine[Any, Any, Any]], signed_in: tuple[str, uuid.UUID]) -> Any:
    """``make(tab)`` in a fresh tab signed in with the token."""
    token, user_id = signed_in

    async def go(root: rx.State) -> Any:
        tab = Tab(
            await root.get_state(AuthState),
            await root.get_state(ChatState),
            await root.get_state(ThreadsState),
            user_id,
        )
        return await make(tab)

    return in_tab(token, go)


@pytest.fixture
def signed_in(app_db: sa.Engine) -> tuple[str, uuid.UUID]:
    return sign_up(app_db)


def _thread(engine: sa.Engine, user_id: uuid.UUID, title: str) -> str:
    with Session(engine) as s:
        return str(make_thread(s, s.get(User, user_id), title).id)


def test_the_acting_user_comes_from_the_sign_in_state(app_db, signed_in):
    async def check(tab: Tab) -> None:
        assert await current_user_id(tab.chat) == tab.user_id
        assert await current_user_id(tab.threads) == tab.user_id
        tab.auth.token = "not-a-token"
        assert await current_user_id(tab.chat) is None
        assert redirect_path(await tab.chat.select_thread(str(uuid.uuid4()))) == routes.sign_in_url()

    run(check, signed_in)


def test_a_page_event_takes_the_persons_time_zone_from_its_token_check(app_db, signed_in):
    """The token check reads the person's row; the turn after it in the same database job does not
    read their time zone again (issue 19), and a bad token runs nothing."""
    token, user_id = signed_in
    with Session(app_db) as s:
        s.get(User, user_id).time_zone = "Pacific/Honolulu"
        s.commit()
    with statements_run(app_db) as ran:
        done = _as_user(token, chat_session.begin_turn, text="what's due today?", thread_id=None, answer=True)
    assert done is not None
    assert done[0] == user_id
    assert done[1].result is not None
    assert done[1].result.status == "completed"
    flat = [" ".join(s.split()) for s in ran]
    assert [s for s in flat if "users.time_zone" in s and "auth_tokens" not in s] == []
    assert _as_user("not-a-token", chat_session.begin_turn, text="hi", thread_id=None) is None


def test_page_load_fills_the_sidebar_and_opens_the_last_conversation(app_db, signed_in):
    first = _thread(app_db, signed_in[1], "First")
    _thread(app_db, signed_in[1], "Second")

    async def check(tab: Tab) -> None:
        await tab.chat.select_thread(first)  # remembered as the last one
        tab.threads.show_archived, tab.threads.thread_search, tab.threads.sidebar_open = True, "zzz", True
        await tab.chat.on_load()
        assert (tab.threads.show_archived, tab.threads.thread_search, tab.threads.sidebar_open) == (
            False,
            "",
            False,
        )
        assert [t.title for t in tab.threads.threads] == ["Second", "First"]
        assert (tab.chat.thread_id, tab.chat.thread_title) == (first, "First")

    run(check, signed_in)


def test_a_conversation_or_new_chat_picked_while_the_page_loads_stays(app_db, signed_in):
    """The sidebar (from an earlier visit) and New chat can be clicked before the page's load runs,
    which reads the address the page opened with and opens the last conversation: the pick stays."""
    first = _thread(app_db, signed_in[1], "First")
    _thread(app_db, signed_in[1], "Second")

    async def check(tab: Tab) -> None:
        root = tab.chat.parent_state
        assert root is not None
        assert not root.is_hydrated  # the page is loading
        await tab.chat.new_chat()
        events = await tab.chat.on_load()
        assert tab.chat.thread_id == ""
        assert scripts(events)[0] == replace_address_script(routes.CHAT)
        assert [t.title for t in tab.threads.threads] == ["Second", "First"]
        root.is_hydrated = True  # loaded: the next visit opens the last conversation again
        await tab.chat.new_chat()
        root.is_hydrated = False  # another visit, loading; "First" clicked in the sidebar meanwhile
        await tab.chat.select_thread(first)
        await tab.chat.new_chat()  # then New chat: the last pick wins
        await tab.chat.on_load()
        assert tab.chat.thread_id == ""
        root.is_hydrated = True
        await tab.chat.new_chat()
        root.is_hydrated = False
        await tab.chat.on_load()
        assert tab.chat.thread_title == "First"  # the last one opened

    run(check, signed_in)


def test_a_page_load_while_a_turn_creates_its_thread_lists_it_once(app_db, signed_in):
    """The first message of a new chat, sent while the page loads: the turn creates the thread,
    the load reads the list (with it) and shows it, then the turn tops the list with it. Seen in a
    browser as the same conversation twice in the sidebar."""

    async def check(tab: Tab) -> None:
        tab.chat._submit("remind me to call the dentist")  # what Send does, before the turn runs
        created = _thread(app_db, tab.user_id, "Call the dentist")  # the turn's first database step
        await tab.chat.on_load()
        assert tab.chat.sending
        assert tab.threads._new_thread_first(created, "Call the dentist")  # the turn's next step
        assert [(t.id, t.first_in_group) for t in tab.threads.threads] == [(created, True)]

    run(check, signed_in)


def test_renaming_the_open_conversation_renames_its_header(app_db, signed_in):
    thread_id = _thread(app_db, signed_in[1], "Old title")

    async def check(tab: Tab) -> None:
        await tab.chat.on_load()
        events = await tab.chat.select_thread(thread_id)
        # the address follows, unless the person has left the chat page by the time this arrives
        assert replace_address_script(f"/?thread={thread_id}") in scripts(events)
        tab.threads.start_rename(thread_id)
        assert tab.threads.rename_text == "Old title"
        tab.threads.set_rename_text("  New   title ")
        await tab.threads.rename_key("Enter")
        await tab.chat.follow_sidebar()
        assert tab.threads.renaming_id == ""
        assert [t.title for t in tab.threads.threads] == ["New title"]
        assert tab.chat.thread_title == "New title"

    run(check, signed_in)


def test_archiving_follows_only_the_open_conversation(app_db, signed_in):
    other, opened = _thread(app_db, signed_in[1], "Other"), _thread(app_db, signed_in[1], "Open")

    async def check(tab: Tab) -> None:
        await tab.chat.on_load()
        await tab.chat.select_thread(opened)
        await tab.threads.set_archived(other, True)
        await tab.chat.follow_sidebar()
        assert tab.chat.thread_archived is False
        await tab.threads.set_archived(opened, True)
        await tab.chat.follow_sidebar()
        assert tab.chat.thread_archived is True
        assert tab.threads.threads == []
        await tab.threads.toggle_archived_view()
        assert {t.id for t in tab.threads.threads} == {other, opened}

    run(check, signed_in)


def test_deleting_the_open_conversation_empties_the_chat(app_db, signed_in):
    thread_id = _thread(app_db, signed_in[1], "Doomed")

    async def check(tab: Tab) -> None:
        await tab.chat.on_load()
        await tab.chat.select_thread(thread_id)
        tab.threads.ask_delete(thread_id)
        assert tab.threads.confirm_delete_title == "Doomed"
        await tab.threads.confirm_delete()
        await tab.chat.follow_sidebar()
        assert (tab.chat.thread_id, tab.chat.thread_title, tab.chat.messages) == ("", "", [])
        assert tab.threads.threads == []
        assert tab.threads.confirm_delete_id == ""

    run(check, signed_in)
    with Session(app_db) as s:
        assert s.get(Thread, uuid.UUID(thread_id)) is None


def test_a_refused_sidebar_change_shows_its_error_on_the_page(app_db, signed_in):
    thread_id = _thread(app_db, signed_in[1], "Kept")

    async def check(tab: Tab) -> None:
        await tab.chat.on_load()
        tab.threads.start_rename(thread_id)
        tab.threads.set_rename_text("q" * 201)
        await tab.threads.save_rename()
        await tab.chat.follow_sidebar()
        assert "at most 200" in tab.chat.error
        assert tab.threads.renaming_id == thread_id  # still editing, to shorten it
        await tab.chat.follow_sidebar()  # a change is followed once
        tab.chat.dismiss_error()
        await tab.chat.follow_sidebar()
        assert tab.chat.error == ""

    run(check, signed_in)
