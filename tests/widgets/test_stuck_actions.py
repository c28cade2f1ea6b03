"""A click whose first run is still going (or stuck) never parks a database worker.

The first click with a key records a pending Action row; a second click with the same key (a
second tab, a reconnect, a retry) used to poll that row with ``time.sleep`` for up to 10 s on
the thread that called it: for the chat page, one of the two database workers of a SQLite
install. Now the API and the page get "still processing" at once (the API a 409 with
Retry-After; the page waits in its event loop between short database jobs, then shows the first
click's result), and the CLI, a process of its own, waits a little and then says so. Exactly
once still holds: nothing runs twice. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import sys
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.cli import main as cli_main
from app.core.db import session_scope
from app.models import Action, ActionStatus, Task, User, Widget
from app.orchestration import chat_session, live_cards
from app.orchestration import widget_actions as actions
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import perform
from app.services import auth as auth_service
from app.services.errors import StillProcessingError
from app.states import chat, workers
from app.views.widget import action_at
from tests.utils.pauses import record_pauses

KEY_OF_PAGE = "{path}@v{version}"  # the key the chat page derives from the node and version it clicked


def path_of(node: Any, kind: str, path: str = "") -> str | None:
    """The view path (``children.0.children.2``) of the first node whose click runs ``kind``."""
    if isinstance(node, dict):
        if (node.get("onClickAction") or {}).get("type") == kind:
            return path
        for i, kid in enumerate(node.get("children") or []):
            found = path_of(kid, kind, f"{path}.children.{i}" if path else f"children.{i}")
            if found is not None:
                return found
    return None


def token_for(user_id: uuid.UUID) -> str:
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return auth_service.issue_token(session, user=user)


def stuck_click(user_id: uuid.UUID, widget: dict[str, Any], action: dict[str, Any], key: str) -> uuid.UUID:
    """A first click with ``key`` that was recorded and is still running (or will never finish)."""
    with session_scope() as session:
        row = session.get(Widget, widget["id"])
        assert row is not None
        record = Action(
            widget_id=row.id,
            thread_id=row.thread_id,
            user_id=user_id,
            type=action["type"],
            payload=action.get("payload") or {},
            idempotency_key=key,
        )
        session.add(record)
    return record.id


def settle_later(action_id: uuid.UUID, after: float) -> threading.Thread:
    """The first click finishes ``after`` seconds from now (its result is what the others show)."""

    def settle() -> None:
        time.sleep(after)
        with session_scope() as session:
            row = session.get(Action, action_id)
            assert row is not None
            row.status, row.result = ActionStatus.completed.value, {"status": "completed", "by": "first"}
            session.add(row)

    thread = threading.Thread(target=settle, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def listed(alice: uuid.UUID, live_db: sa.Engine) -> dict[str, Any]:
    """Alice's "show my tasks" list (one task, pay rent) and the path and action of its Complete."""
    with session_scope() as session:
        session.add(Task(user_id=alice, title="pay rent"))
    (widget,) = run_turn(user_id=alice, text="show my tasks").widgets
    with session_scope() as session:  # stored by reference: the rows a person sees, with their buttons
        row = session.get(Widget, widget["id"])
        assert row is not None
        widget["payload"] = live_cards.live_widget(session, user_id=alice, widget=row)
    path = path_of(widget["payload"], "task.complete")
    assert path is not None
    return {"widget": widget, "path": path, "action": action_at(widget["payload"], path)}


def task_done(engine: sa.Engine, user_id: uuid.UUID) -> bool:
    with Session(engine) as s:
        return s.exec(select(Task.completed).where(Task.user_id == user_id)).one()


# --- the service ----------------------------------------------------------------------------------


def test_perform_without_waiting_says_still_processing_at_once(alice, live_db, listed, monkeypatch):
    stuck_click(alice, listed["widget"], listed["action"], "k1")
    pauses = record_pauses(monkeypatch, actions)
    with pytest.raises(StillProcessingError, match="still being processed") as caught:
        perform(
            user_id=alice,
            widget_id=listed["widget"]["id"],
            action=listed["action"],
            idempotency_key="k1",
            wait_seconds=0,
        )
    assert pauses == []  # answered from one read, without waiting for the first click
    assert caught.value.retry_after >= 1
    assert not task_done(live_db, alice)  # nothing ran twice (nor once: the first is still going)


def test_perform_waiting_shows_the_first_result_once_settled(alice, live_db, listed):
    first = stuck_click(alice, listed["widget"], listed["action"], "k2")
    settle_later(first, 0.3)
    out = perform(
        user_id=alice, widget_id=listed["widget"]["id"], action=listed["action"], idempotency_key="k2"
    )
    assert (out.action_id, out.replayed, out.result["by"]) == (str(first), True, "first")


def test_perform_waiting_for_a_stuck_click_gives_up_clearly(alice, live_db, listed, monkeypatch):
    monkeypatch.setattr(actions, "WAIT_FOR_OTHER_SECONDS", 0.3)
    stuck_click(alice, listed["widget"], listed["action"], "k3")
    with pytest.raises(StillProcessingError, match="still being processed"):
        perform(
            user_id=alice, widget_id=listed["widget"]["id"], action=listed["action"], idempotency_key="k3"
        )


# --- the chat page --------------------------------------------------------------------------------


def test_page_clicks_on_a_stuck_action_leave_the_database_workers_free(alice, live_db, listed, monkeypatch):
    """As many stuck clicks as the pool has workers, and a page load still gets a worker at once.

    A click that held its worker while it waited would hold it for the whole wait (20 s here), so
    the page load's bound (5 s) tells the two apart on a loaded machine without timing the code.
    """
    monkeypatch.setattr(actions, "WAIT_FOR_OTHER_SECONDS", 20.0)
    widget, path = listed["widget"], listed["path"]
    key = KEY_OF_PAGE.format(path=path, version=0)
    stuck_click(alice, widget, listed["action"], key)
    token = token_for(alice)

    async def scenario() -> tuple[list[Any], float]:
        click = functools.partial(
            chat._as_user, token, chat_session.perform_action, widget_id=widget["id"], path=path, version=0
        )
        clicks = [
            asyncio.ensure_future(workers.run_db(click)) for _ in range(workers._db_pool()._max_workers)
        ]
        await asyncio.sleep(0.2)  # the clicks have taken the workers, if they hold them
        started = time.monotonic()
        await workers.run_db(chat_session.chat_page, user_id=alice)
        waited = time.monotonic() - started
        return await asyncio.gather(*clicks, return_exceptions=True), waited

    outcomes, waited = asyncio.run(scenario())
    assert waited < 5, f"a page load waited {waited:.1f} s for a database worker"
    assert all(isinstance(o, StillProcessingError) for o in outcomes), outcomes
    assert not task_done(live_db, alice)


def test_page_click_waits_off_the_workers_then_shows_the_first_result(alice, live_db, listed):
    widget, path = listed["widget"], listed["path"]
    first = stuck_click(alice, widget, listed["action"], KEY_OF_PAGE.format(path=path, version=0))
    settle_later(first, 0.5)
    done = asyncio.run(chat._perform_settled(token_for(alice), widget["id"], path, 0, {}))
    assert done.error == ""
    assert done.widget is not None
    assert not task_done(live_db, alice)  # the first click's result is shown; nothing ran again


def test_page_click_on_a_stuck_action_says_still_processing(alice, live_db, listed, monkeypatch):
    monkeypatch.setattr(chat, "ACTION_WAIT_SECONDS", 0.4)
    widget, path = listed["widget"], listed["path"]
    stuck_click(alice, widget, listed["action"], KEY_OF_PAGE.format(path=path, version=0))
    started = time.monotonic()
    with pytest.raises(StillProcessingError, match="still being processed"):
        asyncio.run(chat._perform_settled(token_for(alice), widget["id"], path, 0, {}))
    assert time.monotonic() - started < 3


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_act_on_a_stuck_action_says_still_processing(alice, live_db, listed, monkeypatch, capsys):
    monkeypatch.setattr(actions, "WAIT_FOR_OTHER_SECONDS", 0.3)
    stuck_click(alice, listed["widget"], listed["action"], "cli-key")
    old, sys.stdin = sys.stdin, io.StringIO("")
    try:
        code = cli_main(
            [
                "act", "--user", "alice@example.com", "--widget", listed["widget"]["id"],
                "--action", json.dumps(listed["action"]), "--key", "cli-key",
            ]
        )  # fmt: skip
    finally:
        sys.stdin = old
    err = capsys.readouterr().err
    assert code == 1
    assert "still being processed" in err
    assert not task_done(live_db, alice)


# --- a click a crash left pending -----------------------------------------------------------------


def left_pending_by_a_crash(action_id: uuid.UUID, minutes: int = 5) -> None:
    with session_scope() as session:
        row = session.get(Action, action_id)
        assert row is not None
        row.created_at = row.created_at - timedelta(minutes=minutes)
        session.add(row)


def test_perform_takes_over_a_click_a_crash_left_pending(alice, live_db, listed):
    """Its process died between recording the click and settling it: the next click runs it, once."""
    first = stuck_click(alice, listed["widget"], listed["action"], "k-crash")
    left_pending_by_a_crash(first)
    call = {
        "user_id": alice,
        "widget_id": listed["widget"]["id"],
        "action": listed["action"],
        "idempotency_key": "k-crash",
        "wait_seconds": 0,
    }
    out = perform(**call)
    assert (out.action_id, out.status, out.replayed) == (str(first), "completed", False)
    assert task_done(live_db, alice)
    again = perform(**call)  # settled now: replayed, not run a third time
    assert (again.action_id, again.status, again.replayed) == (str(first), "completed", True)
    with Session(live_db) as s:
        assert len(s.exec(select(Action).where(Action.idempotency_key == "k-crash")).all()) == 1


def test_perform_racing_takeovers_of_a_stale_click_run_it_once(alice, live_db, listed):
    first = stuck_click(alice, listed["widget"], listed["action"], "k-race")
    left_pending_by_a_crash(first)
    outcomes: list[Any] = []

    def click() -> None:
        try:
            outcomes.append(
                perform(
                    user_id=alice,
                    widget_id=listed["widget"]["id"],
                    action=listed["action"],
                    idempotency_key="k-race",
                    wait_seconds=5,
                )
            )
        except Exception as exc:  # noqa: BLE001 - collected and checked below
            outcomes.append(exc)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.replayed for o in outcomes) == [False, True, True, True]
    assert {o.status for o in outcomes} == {"completed"}
    assert task_done(live_db, alice)
