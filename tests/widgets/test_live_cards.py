"""Cards show the current truth (issue 15, items 1 and 3), on real databases through the real turn
runner, widget actions and the chat page's use cases: one compact card per turn with Undo all,
list and change rows read from the tasks as they are now, confirmations settled once answered,
and an Undo that says exactly what it reverted."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from app.agent.types import AgentMemory, AgentReply
from app.core.db import session_scope
from app.models import Task, TaskOperation, Widget
from app.orchestration import chat_session, live_cards
from app.orchestration.runner import run_turn
from app.orchestration.turn_widgets import widgets_for_turn
from app.orchestration.widget_actions import declared_actions, perform
from app.services import tasks as task_service
from app.views.widget import WNode
from tests.widgets.conftest import make_user
from tests.widgets.helpers import assert_chatkit_parses, nodes


def live(user: uuid.UUID, widget_id: str) -> dict[str, Any]:
    with session_scope() as session:
        row = session.get(Widget, widget_id)
        assert row is not None
        return live_cards.live_widget(session, user_id=user, widget=row)


def action(payload: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(a for a in declared_actions(payload) if a["type"] == kind)


def titles(engine: sa.Engine, user: uuid.UUID) -> set[str]:
    with Session(engine) as s:
        return set(s.exec(select(Task.title).where(Task.user_id == user)).all())


def texts(node: WNode) -> list[str]:
    return [node.text] + [t for k in node.children for t in texts(k)]


def button_labels(node: WNode) -> list[str]:
    own = [node.text] if node.type == "Button" else []
    return own + [b for k in node.children for b in button_labels(k)]


def shown_widgets(user: uuid.UUID, thread_id: str) -> list[WNode]:
    opened = chat_session.open_thread(user_id=user, thread_id=thread_id)
    assert opened is not None
    return [w for m in opened.messages for w in m.widgets]


def test_multi_add_is_one_summary_card_and_undo_all_reverts_it_once(alice: uuid.UUID, live_db: sa.Engine):
    turn = run_turn(user_id=alice, text="add tasks: eggs, bread and butter")
    (card,) = turn.widgets
    payload = live(alice, card["id"])
    assert_chatkit_parses(payload)
    rows = [c for c in payload["children"] if str(c.get("key", "")).startswith("change:")]
    assert len(rows) == len(titles(live_db, alice)) >= 2
    assert payload["children"][0]["value"].startswith("Added ")
    assert all("Added · Medium" in json.dumps(r, ensure_ascii=False) for r in rows)
    assert "Form" in [n["type"] for n in nodes(payload)], "the Edit forms are there, folded"
    undo_all = action(payload, "task.undo_all")
    assert len(undo_all["payload"]["operation_ids"]) == len(rows)
    out = perform(user_id=alice, widget_id=card["id"], action=undo_all, idempotency_key="all")
    assert out.status == "completed", out.result
    assert titles(live_db, alice) == set()
    assert out.result["count"] == len(rows)
    after = live(alice, card["id"])
    assert out.widget == after
    assert declared_actions(after) == [], "every task is gone: no live button is left"
    assert json.dumps(after, ensure_ascii=False).count("Undone: adding") == len(rows)
    again = perform(user_id=alice, widget_id=card["id"], action=undo_all, idempotency_key="all")
    assert again.replayed
    other = perform(user_id=alice, widget_id=card["id"], action=undo_all, idempotency_key="again")
    assert other.status == "failed"
    with Session(live_db) as s:
        undos = s.exec(select(TaskOperation).where(TaskOperation.tool_name == "undo")).all()
    assert len(undos) == len(rows), "each change undone once, through the journaled undo tool"


def test_every_change_of_a_turn_is_a_row_of_one_card() -> None:
    """Nine updates in one turn (reschedule all overdue) are one card with nine rows, not three cards."""
    ids = [str(uuid.uuid4()) for _ in range(9)]
    calls = [
        {
            "name": "update_task",
            "arguments": {},
            "result": {
                "task_id": tid,
                "status": "updated",
                "title": f"t{i}",
                "operation_id": str(uuid.uuid4()),
            },
        }
        for i, tid in enumerate(ids)
    ]
    (card,) = widgets_for_turn(AgentReply(text="", memory=AgentMemory()), calls, date.today())
    assert card["key"] == "changes"
    assert card["children"][0]["value"] == "Updated 9 tasks"
    assert [c["key"] for c in card["children"] if "change:" in str(c.get("key"))] == [
        f"change:{i}" for i in ids
    ]


def test_list_rows_follow_changes_made_elsewhere(alice: uuid.UUID, live_db: sa.Engine):
    turn = run_turn(user_id=alice, text="add tasks: pay rent, water plants")
    run_turn(user_id=alice, text="show my tasks", thread_id=turn.thread_id)
    with session_scope() as session:
        by_title = {
            t.title: t
            for t in task_service.list_tasks(session, user_id=alice, query=task_service.TaskQuery())
        }
        task_service.complete_task(session, user_id=alice, task_id=by_title["pay rent"].id)
        task_service.update_task(
            session,
            user_id=alice,
            task_id=by_title["water plants"].id,
            data={"title": "water the plants", "due_date": (date.today() + timedelta(days=1)).isoformat()},
        )
    summary, listing = shown_widgets(alice, turn.thread_id)
    assert listing.type == "ListView"
    seen = texts(listing)
    assert "water the plants" in seen
    assert "tomorrow" in seen
    assert "Reopen" in button_labels(listing), "pay rent was completed on the task page"
    assert "Added · Medium · done" in texts(summary)
    with session_scope() as session:
        task_service.delete_task(session, user_id=alice, task_id=by_title["pay rent"].id)
    summary, listing = shown_widgets(alice, turn.thread_id)
    assert "Deleted" in texts(listing)
    assert "Added · deleted" in texts(summary)
    assert button_labels(listing).count("Complete") == 1, "no live buttons on the deleted row"


def test_rows_read_only_the_acting_users_tasks(alice: uuid.UUID, live_db: sa.Engine):
    run_turn(user_id=alice, text="add pay rent")
    (alices,) = titles(live_db, alice)
    with Session(live_db) as s:
        tid = str(s.exec(select(Task.id).where(Task.user_id == alice)).one())
    payload = {"type": "ListView", "children": [{"type": "ListViewItem", "key": tid, "children": []}]}
    bob = make_user("bob")
    with session_scope() as session:
        assert live_cards.current_tasks(session, user_id=bob, payloads=[payload]) == {}
        assert set(live_cards.current_tasks(session, user_id=alice, payloads=[payload])) == {tid}
    assert alices == "pay rent"


def _ask_to_delete_all(user: uuid.UUID) -> tuple[str, dict[str, Any]]:
    first = run_turn(user_id=user, text="add tasks: one, two, three")
    (card,) = run_turn(user_id=user, text="delete all my tasks", thread_id=first.thread_id).widgets
    assert card["payload"]["key"] == "confirm:delete"
    return first.thread_id, card


def test_a_confirmation_answered_no_in_text_settles_and_a_stale_delete_says_so(
    alice: uuid.UUID, live_db: sa.Engine
):
    thread_id, card = _ask_to_delete_all(alice)
    (shown,) = [w for w in shown_widgets(alice, thread_id) if w.widget_id == card["id"]]
    assert shown.confirm_label == "Delete", "still the open question"
    run_turn(user_id=alice, text="no", thread_id=thread_id)
    # the Delete the page still shows (stale) is clicked: nothing is deleted, and it says why
    done = chat_session.perform_action(user_id=alice, widget_id=card["id"], path="confirm", version=0)
    assert done.error == "Already answered: Cancelled: nothing deleted."
    assert done.widget is not None
    assert (done.widget.confirm_label, done.widget.cancel_label) == ("", "")
    assert titles(live_db, alice) == {"one", "two", "three"}
    (shown,) = [w for w in shown_widgets(alice, thread_id) if w.widget_id == card["id"]]
    assert "Cancelled: nothing deleted." in texts(shown)
    assert button_labels(shown) == []
    out = perform(user_id=alice, widget_id=card["id"], action=card["payload"]["confirm"]["action"])
    assert out.status == "failed"
    assert out.result["error"] == "Already answered: Cancelled: nothing deleted."
    assert titles(live_db, alice) == {"one", "two", "three"}


def test_a_confirmation_answered_yes_in_text_says_what_was_deleted(alice: uuid.UUID, live_db: sa.Engine):
    thread_id, card = _ask_to_delete_all(alice)
    run_turn(user_id=alice, text="yes", thread_id=thread_id)
    assert titles(live_db, alice) == set()
    fresh = chat_session.refresh_widgets(user_id=alice, widget_ids=[card["id"], "wdg_nope"])
    (shown,) = fresh
    assert "Deleted 3 tasks." in texts(shown)
    assert {"one", "two", "three"} <= set(texts(shown))
    assert (shown.confirm_label, shown.cancel_label) == ("", "")
    with Session(live_db) as s:
        assert s.get(Widget, card["id"]).payload["key"] == "settled:delete"  # type: ignore[union-attr]


def test_undo_after_editing_an_added_card_reverts_only_the_edit(alice: uuid.UUID, live_db: sa.Engine):
    (card,) = run_turn(user_id=alice, text="add take out the trash").widgets
    payload = live(alice, card["id"])
    submit = action(payload, "task.update")
    out = perform(
        user_id=alice, widget_id=card["id"], action=submit, form={"priority": "high"}, idempotency_key="e"
    )
    assert out.status == "completed", out.result
    assert "Added, then edited · High" in json.dumps(out.widget, ensure_ascii=False)
    undo = action(out.widget, "task.undo")
    out = perform(user_id=alice, widget_id=card["id"], action=undo, idempotency_key="u")
    assert out.status == "completed", out.result
    shown = json.dumps(out.widget, ensure_ascii=False)
    assert "Undone: editing “take out the trash”." in shown
    assert "Undone: take out the trash." not in shown
    with Session(live_db) as s:
        (task,) = s.exec(select(Task).where(Task.user_id == alice)).all()
    assert (task.title, task.priority) == ("take out the trash", "medium"), "only the edit was reverted"
    assert "take out the trash" in [n.get("value") for n in nodes(out.widget)], "the card still shows it"
    left = [a for a in declared_actions(out.widget) if a["type"] == "task.undo"]
    assert len(left) == 1, "the add itself can still be undone"
    assert left[0] != undo


def test_stored_list_of_seventy_tasks_is_small(alice: uuid.UUID, live_db: sa.Engine):
    """The export stores widgets as they are stored: a 70-task list references its tasks."""
    with session_scope() as session:
        for i in range(70):
            task_service.create_task(
                session,
                user_id=alice,
                data={"title": f"chore number {i:02}", "tags": ["home"], "priority": "high"},
            )
    (listed,) = run_turn(user_id=alice, text="show my tasks").widgets  # the turn answers with it as shown
    with Session(live_db) as s:
        row = s.get(Widget, listed["id"])
        assert row is not None
        kept = row.payload
    assert len(kept["children"]) == 70, "every listed task is stored, by id"
    stored = len(json.dumps(kept, ensure_ascii=False).encode())
    shown = live(alice, listed["id"])
    assert listed["payload"] == shown
    assert stored < 70 * 600, "about half a kilobyte per task: no badges, dates or tags stored"
    assert len(json.dumps(shown, ensure_ascii=False).encode()) > stored, (
        "the full rows are built at view time"
    )
    assert "#home" in json.dumps(shown)
    assert "#home" not in json.dumps(kept)
