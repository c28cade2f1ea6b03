"""Live pages without a browser: what a tab shows after a teammate's change, once the live listener
calls its page state's ``live_refresh`` (app/states/live.py), on a real database.

Alice shares Groceries with Bob; both have a chat card listing its task. Bob completes the task:
Alice's card shows it done after her refresh. Alice removes Bob: his card stops showing the task.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
import sqlalchemy as sa
from sqlmodel import Session

from app.orchestration import chat_session
from app.orchestration.runner import run_turn
from app.services import projects, tasks
from app.states.auth import AuthState
from app.states.chat import ChatState
from app.states.live import REFRESHED, TAB_USERS, refresh_tab, tabs_to_refresh
from tests.states.tab import in_tab, sign_up
from tests.utils.sql_log import statements_run


def _texts(views: list[Any]) -> str:
    return json.dumps([dataclasses.asdict(v) for m in views for v in m.widgets], default=str)


def _chat_showing(token: str, user_id: uuid.UUID, thread_id: str, then: Any = None) -> str:
    """A tab with the thread open; ``then(chat)`` runs before what the cards say is read."""

    async def go(root: rx.State) -> str:
        chat = await root.get_state(ChatState)
        opened = chat_session.open_thread(user_id=user_id, thread_id=thread_id)
        assert opened is not None
        chat._show(opened)
        if then is not None:
            await then(chat)
        return _texts(chat.messages)

    return in_tab(token, go)


def _shared_groceries(app_db: sa.Engine) -> dict[str, Any]:
    """Alice's Groceries shared with Bob (editor), its task, and each one's chat listing it."""
    alice_token, alice = sign_up(app_db)
    bob_token, bob = sign_up(app_db)
    with Session(app_db, expire_on_commit=False) as s:
        groceries = projects.create_project(s, user_id=alice, name="Groceries")
        bob_email = projects.names_of(s, {bob})[bob].email
        projects.share_project(s, user_id=alice, project_id=groceries.id, email=bob_email)
        milk = tasks.create_task(s, user_id=alice, data={"title": "oat milk", "project_id": groceries.id})
        s.commit()
    return {
        "alice": (alice_token, alice, run_turn(user_id=alice, text="show my tasks").thread_id),
        "bob": (bob_token, bob, run_turn(user_id=bob, text="show my tasks").thread_id),
        "project": groceries.id,
        "task": milk.id,
    }


async def refresh(chat: ChatState) -> None:
    await chat.live_refresh()


def test_a_card_shows_a_teammates_change_after_the_live_refresh(app_db: sa.Engine):
    team = _shared_groceries(app_db)
    before = _chat_showing(*team["alice"])
    assert "oat milk" in before
    assert "task.complete" in before
    with Session(app_db) as s:
        tasks.complete_task(s, user_id=team["bob"][1], task_id=team["task"])
        s.commit()
    refreshed = _chat_showing(*team["alice"], then=refresh)
    assert "task.reopen" in refreshed
    assert "task.complete" not in refreshed


def test_only_the_connected_tabs_of_the_people_concerned_are_refreshed():
    alice, bob = uuid.uuid4(), uuid.uuid4()
    TAB_USERS.update({"tab-a1": alice, "tab-a2": alice, "tab-b": bob, "tab-gone": alice})
    try:
        concerned = [{"users": [str(alice)]}]
        assert tabs_to_refresh(concerned, connected={"tab-a1", "tab-a2", "tab-b"}) == {"tab-a1", "tab-a2"}
        assert "tab-gone" not in TAB_USERS  # a tab no longer connected is forgotten
        assert tabs_to_refresh([{"users": [str(uuid.uuid4())]}], connected={"tab-a1", "tab-b"}) == set()
    finally:
        for token in ("tab-a1", "tab-a2", "tab-b", "tab-gone"):
            TAB_USERS.pop(token, None)


def test_a_removed_members_card_stops_showing_the_projects_task(app_db: sa.Engine):
    team = _shared_groceries(app_db)
    assert "oat milk" in _chat_showing(*team["bob"])
    with Session(app_db) as s:
        projects.remove_member(
            s, user_id=team["alice"][1], project_id=team["project"], member_id=team["bob"][1]
        )
        s.commit()
    assert "oat milk" not in _chat_showing(*team["bob"], then=refresh)


def test_a_tab_is_left_out_of_the_refresh_its_own_change_asked_for():
    alice, bob = uuid.uuid4(), uuid.uuid4()
    TAB_USERS.update({"tab-a1": alice, "tab-a2": alice, "tab-b": bob})
    connected = {"tab-a1", "tab-a2", "tab-b"}
    both = [str(alice), str(bob)]
    try:
        own = {"users": both, "origin": "tab-a1"}
        assert tabs_to_refresh([own], connected) == {"tab-a2", "tab-b"}
        # the same window holds a teammate's change too: that one concerns tab-a1 as well
        assert tabs_to_refresh([own, {"users": both, "origin": "tab-b"}], connected) == connected
        assert tabs_to_refresh([{"users": both}], connected) == connected  # no origin: everyone
    finally:
        for token in connected:
            TAB_USERS.pop(token, None)


class _OneTabApp:
    """The two things :func:`refresh_tab` asks of ``rx.App``, for one tab's states."""

    def __init__(self, root: rx.State) -> None:
        self.root, self.sent = root, []
        self.event_namespace = self

    @contextlib.asynccontextmanager
    async def modify_state(self, token: rx.BaseStateToken) -> AsyncIterator[rx.State]:
        yield self.root

    async def emit_update(self, *, update: Any, token: str) -> None:
        self.sent.append(update)


def test_a_tabs_refresh_checks_its_token_once_for_all_its_page_states(app_db: sa.Engine):
    team = _shared_groceries(app_db)
    token, alice, thread_id = team["alice"]
    added = [cls for cls in (ChatState, AuthState) if cls not in REFRESHED]
    REFRESHED.extend(added)
    try:

        async def go(root: rx.State) -> str:
            chat = await root.get_state(ChatState)
            opened = chat_session.open_thread(user_id=alice, thread_id=thread_id)
            assert opened is not None
            chat._show(opened)
            (await root.get_state(AuthState)).signed_in = True
            with Session(app_db) as s:
                tasks.complete_task(s, user_id=team["bob"][1], task_id=team["task"])
                s.commit()
            app = _OneTabApp(root)
            with statements_run(app_db) as ran:
                await refresh_tab(app, "tab-a")
            checks = [q for q in ran if "FROM auth_tokens" in q]
            assert len(checks) == 1, checks
            assert app.sent == []  # signed in still: no event for the tab to run
            return _texts(chat.messages)

        assert "task.reopen" in in_tab(token, go)
    finally:
        for cls in added:
            REFRESHED.remove(cls)
