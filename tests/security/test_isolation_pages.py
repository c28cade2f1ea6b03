"""Isolation through the pages' event handlers, over the real websocket of the production app.

Bob signs in on a real ``reflex run --env prod`` server, opens the chat and task pages, and sends
the events a page sends (``ChatState.select_thread``, ``widget_click``, ``TasksState.delete``, the
chat page's ``?thread=`` on load, ...) with Alice's ids, random ids and garbage, exactly as a
modified browser could. Every handler of ``app/states`` that takes an id is found by reading the
source, so a new one must be listed here. For each: what comes back over the socket for her id
equals what comes back for a random id (ids in the echo masked), nothing of hers ever appears in
any update, the server logs no traceback, and no table changes but Bob's own refusal records.

Runs the prod app (SQLite, frontend built) and the prod backend alone (PostgreSQL): run it under
``flock /tmp/ticked-web.lock``.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import contextlib
import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from app.core.config import PROJECT_ROOT
from app.core.db import session_scope
from app.services import projects as project_service
from tests.security.conftest import using_server_db
from tests.security.web import (
    AUTH_STATE,
    CHAT_STATE,
    ON_LOAD,
    ROOT_STATE,
    TASKS_STATE,
    THREADS_STATE,
    Received,
    Server,
    Tab,
)
from tests.security.world import (
    COUNTS,
    PASSWORD,
    Holdings,
    IdCase,
    assert_untouched,
    hold_data,
    id_cases,
    random_id,
    snapshot,
)
from tests.utils.widget_paths import complete_path, edit_form_path

COMPLETE_PATH = complete_path()
"""The first row's Complete button in a task list card."""
SUBMIT_PATH = edit_form_path()
"""Where a change card's Edit form sits."""

Step = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class PageCase:
    state: str
    page: str
    kind: str
    steps: Callable[[str], list[Step]]
    busy: str = ""
    """For a handler whose work goes on in the background: the busy flag that work always clears
    in its last state update, the sign its answer is in (it may come before the fence's echo)."""
    busy_first: bool = False
    """The handler sets ``busy`` before it starts that work, and may decline: nothing set, no work."""
    masked: tuple[str, ...] = field(default=())
    """State vars that only echo what was sent (not an answer), left out of the comparison."""
    warm: bool = False
    """Run once before the answers are compared: its steps open something of Bob's (his project, his
    task), and what the first opening changes is no answer to the id."""


CHAT = {
    "select_thread": PageCase(CHAT_STATE, "/", "thread", lambda v: [("select_thread", {"thread_id": v})]),
    "start_rename+save_rename": PageCase(
        THREADS_STATE, "/", "thread", lambda v: [("start_rename", {"thread_id": v}), ("save_rename", {})]
    ),
    "set_archived": PageCase(
        THREADS_STATE, "/", "thread", lambda v: [("set_archived", {"thread_id": v, "archived": True})]
    ),
    "ask_delete+confirm_delete": PageCase(
        THREADS_STATE, "/", "thread", lambda v: [("ask_delete", {"thread_id": v}), ("confirm_delete", {})]
    ),
    "delete_thread": PageCase(THREADS_STATE, "/", "thread", lambda v: [("delete_thread", {"thread_id": v})]),
    "retry": PageCase(
        CHAT_STATE,
        "/",
        "message",
        lambda v: [("retry", {"message_id": v})],
        busy="sending",
        busy_first=True,
    ),
    "expand_widget": PageCase(
        CHAT_STATE,
        "/",
        "widget",
        lambda v: [("expand_widget", {"widget_id": v})],
        masked=("expanded_widgets",),
    ),
    "widget_click": PageCase(
        CHAT_STATE,
        "/",
        "widget",
        lambda v: [("widget_click", {"widget_id": v, "path": COMPLETE_PATH, "version": 0})],
        busy="busy_widget",
        busy_first=True,
    ),
    "widget_submit": PageCase(
        CHAT_STATE,
        "/",
        "widget",
        lambda v: [
            (
                "widget_submit",
                {"form_data": {"title": "hijacked"}, "widget_id": v, "path": SUBMIT_PATH, "version": 0},
            )
        ],
        busy="busy_widget",
        busy_first=True,
    ),
    "toggle_form": PageCase(
        CHAT_STATE,
        "/",
        "widget",
        lambda v: [("toggle_form", {"widget_id": v, "form": "edit", "element_id": "form-x"})],
        masked=("open_forms",),
    ),
}
TASKS = {
    "toggle_done": PageCase(TASKS_STATE, "/tasks", "task", lambda v: [("toggle_done", {"task_id": v})]),
    "delete": PageCase(TASKS_STATE, "/tasks", "task", lambda v: [("delete", {"task_id": v})]),
    "start_edit+save_edit": PageCase(
        TASKS_STATE, "/tasks", "task", lambda v: [("start_edit", {"task_id": v}), ("save_edit", {})]
    ),
    "open_detail": PageCase(TASKS_STATE, "/tasks", "task", lambda v: [("open_detail", {"task_id": v})]),
    "undo_change": PageCase(TASKS_STATE, "/tasks", "operation", lambda v: [("undo_change", {"op_id": v})]),
}
PROJECTS_STATE = f"{ROOT_STATE}.app___states___projects____projects_state"
NOTIFICATIONS_STATE = f"{ROOT_STATE}.app___states___notifications____notifications_state"
SESSIONS_STATE = f"{ROOT_STATE}.app___states___sessions____sessions_state"
SETTINGS = {
    "sign_out_session": PageCase(
        SESSIONS_STATE,
        "/settings",
        "session",
        lambda v: [("sign_out_session", {"session_id": v})],
        masked=("sessions",),  # Bob's own list, sent again after each try (its "last seen" may tick)
    ),
}
BELL = {
    "open_item": PageCase(
        NOTIFICATIONS_STATE,
        "/",
        "notification",
        lambda v: [("load", {}), ("open_item", {"notification_id": v})],
        warm=True,  # the first load notes when the tab started listening ("since")
    ),
}
"""The bell (issue 17): a click on someone else's notification marks nothing and opens nothing."""
TALK_STATE = f"{ROOT_STATE}.app___states___projects____task_talk_state"
ADMIN_STATE = f"{ROOT_STATE}.app___states___admin____admin_state"
ADMIN = {
    "set_active": PageCase(
        ADMIN_STATE, "/admin", "user", lambda v: [("set_active", {"user_id": v, "active": False})]
    ),
    "set_admin": PageCase(
        ADMIN_STATE, "/admin", "user", lambda v: [("set_admin", {"user_id": v, "make_admin": True})]
    ),
    "reset_two_factor": PageCase(
        ADMIN_STATE, "/admin", "user", lambda v: [("reset_two_factor", {"user_id": v})]
    ),
    "reset_link": PageCase(ADMIN_STATE, "/admin", "user", lambda v: [("reset_link", {"user_id": v})]),
    "ask_delete+delete": PageCase(
        ADMIN_STATE,
        "/admin",
        "user",
        lambda v: [("ask_delete", {"user_id": v}), ("delete", {"form": {"password": PASSWORD}})],
    ),
}
"""The admin console (issue 18): Bob is no admin, so each is the missing page, whoever it names."""
ADMIN_SETTINGS_STATE = f"{ROOT_STATE}.app___states___admin_settings____admin_settings_state"
ADMIN_SETTINGS = {
    "revoke_invite": PageCase(
        ADMIN_SETTINGS_STATE,
        "/admin/settings",
        "user",
        lambda v: [("revoke_invite", {"invite_id": v})],
    ),
}
"""The admin console (issue 18): to Bob, no admin, revoking any id is revoking nothing."""


def team_cases(bob: Holdings, mine: str) -> dict[str, PageCase]:
    """Issue 16's handlers, each from a place of Bob's own: his project open (to change a role in or
    remove from it: Alice is no member) or his own task's detail (to edit or delete a comment: hers
    is not on it); and the list switched to her project."""
    own_view = (f"{TASKS_STATE}.set_project", {"view": mine})
    own_task = (f"{TASKS_STATE}.open_detail", {"task_id": bob.task_ids[0]})
    return {
        "set_project": PageCase(TASKS_STATE, "/tasks", "project", lambda v: [("set_project", {"view": v})]),
        "change_role": PageCase(
            PROJECTS_STATE,
            "/tasks",
            "user",
            lambda v: [own_view, ("change_role", {"member_id": v, "role": "owner"})],
            warm=True,
        ),
        "remove": PageCase(
            PROJECTS_STATE, "/tasks", "user", lambda v: [own_view, ("remove", {"member_id": v})]
        ),
        "start_edit (comment)": PageCase(
            TALK_STATE,
            "/tasks",
            "comment",
            lambda v: [own_task, ("start_edit", {"comment_id": v})],
            masked=("detail_version",),  # counts the openings
            warm=True,
        ),
        "ask_delete+delete_comment": PageCase(
            TALK_STATE,
            "/tasks",
            "comment",
            lambda v: [own_task, ("ask_delete", {"comment_id": v}), ("delete_comment", {"comment_id": v})],
            masked=("deleting_id", "detail_version"),
            warm=True,
        ),
    }


HANDLERS = {
    ("ChatState", "select_thread"),
    ("ThreadsState", "start_rename"),
    ("ThreadsState", "set_archived"),
    ("ThreadsState", "ask_delete"),
    ("ThreadsState", "delete_thread"),
    ("ChatState", "retry"),
    ("ChatState", "expand_widget"),
    ("ChatState", "widget_click"),
    ("ChatState", "widget_submit"),
    ("ChatState", "toggle_form"),
    ("TasksState", "toggle_done"),
    ("TasksState", "delete"),
    ("TasksState", "start_edit"),
    ("TasksState", "open_detail"),
    ("TasksState", "undo_change"),
    ("ProjectsState", "change_role"),
    ("ProjectsState", "remove"),
    ("TaskTalkState", "start_edit"),
    ("TaskTalkState", "ask_delete"),
    ("TaskTalkState", "delete_comment"),
    ("NotificationsState", "open_item"),
    ("AdminState", "set_active"),
    ("AdminState", "set_admin"),
    ("AdminState", "reset_two_factor"),
    ("AdminState", "reset_link"),
    ("AdminState", "ask_delete"),
    ("SessionsState", "sign_out_session"),
    ("AdminSettingsState", "revoke_invite"),
}
"""Every page handler taking an id, each fuzzed by a case above (``on_load``'s ``?thread=`` too)."""
FENCES = {
    CHAT_STATE: (THREADS_STATE, "set_rename_text", "rename_text"),
    THREADS_STATE: (THREADS_STATE, "set_rename_text", "rename_text"),
    TASKS_STATE: (TASKS_STATE, "set_edit_text", "edit_text"),
    PROJECTS_STATE: (PROJECTS_STATE, "set_share_email", "share_email"),
    TALK_STATE: (TALK_STATE, "set_draft", "draft"),
    NOTIFICATIONS_STATE: (THREADS_STATE, "set_rename_text", "rename_text"),
    ADMIN_STATE: (THREADS_STATE, "set_rename_text", "rename_text"),
    SESSIONS_STATE: (THREADS_STATE, "set_rename_text", "rename_text"),
    ADMIN_SETTINGS_STATE: (THREADS_STATE, "set_rename_text", "rename_text"),
}
"""A state's fence: (state, setter, var) of a cheap event whose echo proves the events before it ran
(one tab's events run in order, whichever state they are for)."""


def _id_handlers() -> set[tuple[str, str]]:
    """(state class, handler) for every public method of app/states whose parameters name an id."""
    found = set()
    for path in sorted((PROJECT_ROOT / "app" / "states").glob("*.py")):
        for cls in ast.parse(path.read_text()).body:
            if not isinstance(cls, ast.ClassDef):
                continue
            for node in cls.body:
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                    continue
                if any(re.search(r"(^|_)ids?$", a.arg) for a in node.args.args[1:]):
                    found.add((cls.name, node.name))
    return found


def test_isolation_every_id_taking_handler_is_covered() -> None:
    found = _id_handlers()
    assert found - HANDLERS == set(), f"page handlers taking ids with no isolation case: {found - HANDLERS}"
    assert HANDLERS - found == set(), f"listed here but gone from app/states: {HANDLERS - found}"


def run(coro: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run async test code on a loop of its own (pytest-playwright may hold the main thread's)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro())).result()


def _page_cases(kind: str, victim: Holdings) -> list[IdCase]:
    """A smaller set than the other surfaces (each case is a few round trips over the socket)."""
    cases = id_cases(kind, victim, garbage=False)
    keep = [c for c in cases if c.label.startswith("victim " + kind) and "respelled" not in c.label]
    keep += [c for c in cases if "respelled" in c.label][:2]
    keep += [c for c in cases if " as " in c.label][:3]
    keep += [c for c in cases if c.label.startswith("random")]
    garbage = ("", " ", "not-a-uuid", "' OR 1=1 --", "\x00", "x" * 3000)
    keep += [IdCase(f"garbage {v[:10]!r}", v, False) for v in garbage]
    return keep


def _answer(received: Received, value: str, masked: tuple[str, ...], fence_var: str) -> str:
    """What the page was told, with the id sent masked: merged deltas per state, then the events."""
    merged: dict[str, dict[str, Any]] = {}
    for update in received.updates:
        for state, delta in (update.get("delta") or {}).items():
            clean = {k.removesuffix("_rx_state_"): v for k, v in delta.items()}
            merged.setdefault(state, {}).update(clean)
    for state in merged.values():
        for name in (*masked, fence_var):
            state.pop(name, None)
    text = json.dumps({"deltas": merged, "events": received.events()}, sort_keys=True, ensure_ascii=False)
    if value.strip():
        text = text.replace(json.dumps(value)[1:-1], "<ID>")
    return re.sub(r"fence-[0-9a-f]{10}", "<FENCE>", text)


async def _do(tab: Tab, case: PageCase, value: str, events: int | None = None) -> Received:
    """What the page was told. A background handler's toast comes after its last update: for a
    missing id (``events`` None) it is waited for by a longer quiet; for the others, until as many
    events as the missing id's came (up to 5 s: a loaded machine can be slow to send it; a 0.1 s
    quiet alone once missed it)."""
    mark = tab.mark()
    for handler, payload in case.steps(value):
        name = handler if handler.startswith(ROOT_STATE) else f"{case.state}.{handler}"
        await tab.call(name, payload, case.page, fence=FENCES[case.state])
    if case.busy:
        await tab.wait_for(lambda: _settled(tab.since(mark), case), what=f"{name}'s background work")
        if events:
            with contextlib.suppress(TimeoutError):
                await tab.wait_for(lambda: len(tab.since(mark).events()) >= events, timeout=5.0)
        await tab.quiet(0.3 if events is None else 0.1)
    return tab.since(mark)


def _settled(received: Received, case: PageCase) -> bool:
    flags = [delta[case.busy] for delta in received.deltas(case.state) if case.busy in delta]
    if case.busy_first and not flags:
        return True  # declined (the fence's echo shows the handler's own update has come)
    return bool(flags) and not flags[-1]


async def _load_with_thread(tab: Tab, value: str) -> Received:
    mark = tab.mark()
    router = {"pathname": "/", "asPath": "/?thread=" + quote(value, safe=""), "query": {"thread": value}}
    await tab.sio.emit("event", {"name": ON_LOAD, "router_data": router}, namespace="/_event")
    await tab.call(f"{CHAT_STATE}.dismiss_error", None, "/", fence=FENCES[CHAT_STATE])
    return tab.since(mark)


def _log_size(server: Server) -> int:
    return server.log.stat().st_size


def _new_log(server: Server, since: int) -> str:
    with server.log.open("rb") as f:
        f.seek(since)
        return f.read().decode(errors="replace")


def test_isolation_pages_over_websocket(web_app: Server) -> None:
    with using_server_db(web_app) as engine:
        alice, bob = hold_data("alice"), hold_data("bob")
        with session_scope() as session:
            mine = str(project_service.create_project(session, user_id=bob.user_id, name="Bob's team").id)
        tasks_cases = {**TASKS, **team_cases(bob, mine)}

        async def scenario() -> None:
            tab = Tab(web_app.url)
            try:
                await tab.connect("/login")
                token = await tab.sign_in(bob.email, PASSWORD)
                assert token, tab.var(AUTH_STATE, "auth_error")
                for group, cases in (
                    ("/", {**CHAT, **BELL}),
                    ("/tasks", tasks_cases),
                    ("/admin", ADMIN),
                    ("/admin/settings", ADMIN_SETTINGS),
                    ("/settings", SETTINGS),
                ):
                    await tab.open_page(group, token)
                    for name, case in cases.items():
                        await _fuzz(tab, web_app, name, case, (alice, bob), engine)
                await tab.open_page("/", token)
                await _fuzz_on_load(tab, (alice, bob), engine)
            finally:
                await tab.close()

        run(scenario)


async def _fuzz(
    tab: Tab, server: Server, name: str, case: PageCase, users: tuple[Holdings, Holdings], engine: sa.Engine
) -> None:
    alice, bob = users
    _state, _setter, fence_var = FENCES[case.state]
    before = snapshot(engine)
    log_at = _log_size(server)
    fresh = random_id(case.kind)
    if case.warm:
        await _do(tab, case, random_id(case.kind), events=0)
    told = await _do(tab, case, fresh)
    missing = _answer(told, fresh, case.masked, fence_var)
    cases = _page_cases(case.kind, alice)
    for item in cases:
        received = await _do(tab, case, item.value, events=len(told.events()))
        assert "alice" not in received.text().lower(), f"{name}({item.label}) leaked Alice's data"
        answer = _answer(received, item.value, case.masked, fence_var)
        if item.shaped:
            assert answer == missing, f"{name}({item.label}):\n{answer}\nvs a missing id:\n{missing}"
    log = _new_log(server, log_at)
    assert "Traceback" not in log, f"{name} made the server log an error:\n{log[-3000:]}"
    assert_untouched(engine, before, bob.user_id, f"page handler {name}")
    COUNTS.add(f"page handlers ({engine.dialect.name})", name, len(cases))


async def _fuzz_on_load(tab: Tab, users: tuple[Holdings, Holdings], engine: sa.Engine) -> None:
    alice, bob = users
    before = snapshot(engine)
    fresh = random_id("thread")
    missing = _answer(await _load_with_thread(tab, fresh), fresh, (), "rename_text")
    cases = _page_cases("thread", alice)
    for item in cases:
        received = await _load_with_thread(tab, item.value)
        assert "alice" not in received.text().lower(), f"on_load ?thread={item.label} leaked Alice's data"
        if item.shaped:
            assert _answer(received, item.value, (), "rename_text") == missing, item.label
    assert_untouched(engine, before, bob.user_id, "chat on_load ?thread=")
    COUNTS.add(f"page handlers ({engine.dialect.name})", "ChatState.on_load ?thread=", len(cases))
