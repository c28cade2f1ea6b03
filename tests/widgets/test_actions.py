"""perform() on real widgets from real turns, on SQLite and PostgreSQL: exactly once per key,
only declared actions, only on the acting user's widgets."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.db import session_scope
from app.models import Action, Task, TaskOperation, Widget
from app.orchestration import live_cards
from app.orchestration import widget_actions as actions_module
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import ActionOutcome, declared_actions, perform
from app.services import tasks as task_service
from app.services.errors import NotFoundError
from app.widgets.validate import MAX_BYTES, dump, validate_widget
from tests.utils.db_triggers import db_triggers
from tests.widgets.conftest import make_user
from tests.widgets.helpers import assert_chatkit_parses, nodes


@dataclass
class Scene:
    """Alice's thread after "add buy milk", "add tasks: eggs, bread" and "show my tasks"."""

    engine: sa.Engine
    user: uuid.UUID
    thread_id: str
    ids: dict[str, str]
    milk_card: dict[str, Any]
    task_list: dict[str, Any]

    def turn(self, text: str) -> list[dict[str, Any]]:
        result = run_turn(user_id=self.user, text=text, thread_id=self.thread_id)
        assert result.status == "completed", result.reply
        return result.widgets

    def confirm_card(self) -> dict[str, Any]:
        (card,) = self.turn("delete all my tasks")
        assert card["payload"].get("confirm"), card
        return card

    def tasks(self) -> dict[str, Task]:
        with Session(self.engine) as s:
            rows = s.exec(select(Task).where(Task.user_id == self.user)).all()
            return {str(t.id): t for t in rows}

    def task(self, title: str) -> Task | None:
        return self.tasks().get(self.ids[title])

    def live(self, widget_id: str) -> dict[str, Any]:
        """The widget as a person sees it now (rows read from the tasks as they are)."""
        with session_scope() as session:
            row = session.get(Widget, widget_id)
            assert row is not None
            return live_cards.live_widget(session, user_id=self.user, widget=row)

    def widget(self, widget_id: str) -> Widget:
        with Session(self.engine) as s:
            row = s.get(Widget, widget_id)
            assert row is not None
            return row

    def actions(self, widget_id: str | None = None) -> list[Action]:
        with Session(self.engine) as s:
            stmt = select(Action)
            if widget_id:
                stmt = stmt.where(Action.widget_id == widget_id)
            return list(s.exec(stmt).all())

    def ops(self, tool: str) -> list[TaskOperation]:
        with Session(self.engine) as s:
            stmt = select(TaskOperation).where(
                TaskOperation.tool_name == tool, col(TaskOperation.source) == "action"
            )
            return list(s.exec(stmt).all())


@pytest.fixture
def scene(alice: uuid.UUID, live_db: sa.Engine) -> Scene:
    first = run_turn(user_id=alice, text="add buy milk")
    thread_id = first.thread_id
    (milk_card,) = first.widgets
    (summary,) = run_turn(user_id=alice, text="add tasks: eggs, bread", thread_id=thread_id).widgets
    assert summary["payload"]["key"] == "changes", "several changes are one card"
    (listed,) = run_turn(user_id=alice, text="show my tasks", thread_id=thread_id).widgets
    assert listed["type"] == "ListView"
    with Session(live_db) as s:
        ids = {t.title: str(t.id) for t in s.exec(select(Task).where(Task.user_id == alice)).all()}
    assert set(ids) == {"buy milk", "eggs", "bread"}
    scene = Scene(live_db, alice, thread_id, ids, milk_card, listed)
    for widget in (milk_card, listed):  # stored by reference, shown as the tasks are: both ChatKit's
        assert_chatkit_parses(widget["payload"])
        widget["payload"] = scene.live(widget["id"])
        assert_chatkit_parses(widget["payload"])
    return scene


def row_action(payload: dict[str, Any], task_id: str, label: str) -> dict[str, Any]:
    """The action of the ``label`` button on the task's row of a list."""
    (row,) = [c for c in payload["children"] if c.get("key") == task_id]
    (button,) = [n for n in nodes(row) if n["type"] == "Button" and n.get("label") == label]
    return button["onClickAction"]


def labels(payload: dict[str, Any], task_id: str) -> list[str]:
    (row,) = [c for c in payload["children"] if c.get("key") == task_id]
    return [n["label"] for n in nodes(row) if n["type"] == "Button"]


def first_action(payload: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(a for a in declared_actions(payload) if a["type"] == kind)


def test_actions_complete_from_list_row(scene: Scene) -> None:
    eggs, wid = scene.ids["eggs"], scene.task_list["id"]
    assert labels(scene.task_list["payload"], eggs) == ["Complete", "Delete"]
    out = perform(
        user_id=scene.user, widget_id=wid, action=row_action(scene.task_list["payload"], eggs, "Complete"),
        idempotency_key="click-1",
    )  # fmt: skip
    assert (out.status, out.replayed) == ("completed", False)
    assert out.result["status"] == "completed"
    assert out.result["task_id"] == eggs
    task = scene.task("eggs")
    assert task is not None
    assert task.completed
    assert not scene.task("bread").completed  # type: ignore[union-attr]
    (record,) = scene.actions(wid)
    assert str(record.id) == out.action_id
    assert (record.status, record.type, record.idempotency_key) == ("completed", "task.complete", "click-1")
    assert record.processed_at is not None
    assert record.result == out.result
    stored = scene.widget(wid)
    assert (stored.state, stored.version) == ("updated", 1)
    shown = scene.live(wid)
    assert shown == out.widget
    assert labels(shown, eggs) == ["Reopen", "Delete"]
    assert labels(shown, scene.ids["bread"]) == ["Complete", "Delete"]
    assert row_action(shown, eggs, "Reopen")["type"] == "task.reopen"
    assert_chatkit_parses(shown)
    assert len(scene.ops("complete_task")) == 1


def test_actions_same_key_twice_applies_once(scene: Scene) -> None:
    wid, eggs = scene.task_list["id"], scene.ids["eggs"]
    action = row_action(scene.task_list["payload"], eggs, "Complete")
    first = perform(user_id=scene.user, widget_id=wid, action=action, idempotency_key="k")
    completed_at = scene.task("eggs").completed_at  # type: ignore[union-attr]
    second = perform(user_id=scene.user, widget_id=wid, action=action, idempotency_key="k")
    assert second.replayed
    assert not first.replayed
    assert (second.action_id, second.status, second.result) == (first.action_id, "completed", first.result)
    assert len(scene.actions(wid)) == 1
    assert len(scene.ops("complete_task")) == 1
    assert scene.widget(wid).version == 1
    assert scene.task("eggs").completed_at == completed_at  # type: ignore[union-attr]
    # Without a key the server derives one from the widget's current version: a second click
    # after the first settled is a new key, refused because the row no longer offers Complete.
    action = row_action(scene.task_list["payload"], scene.ids["bread"], "Complete")
    first = perform(user_id=scene.user, widget_id=wid, action=action)
    second = perform(user_id=scene.user, widget_id=wid, action=action)
    assert first.status == "completed"
    assert (second.status, second.replayed) == ("failed", False)
    assert "no longer available" in second.result["error"]
    keys = [a.idempotency_key for a in scene.actions(wid) if a.idempotency_key != "k"]
    assert [k.split(":")[:2] for k in sorted(keys)] == [["v1", "task.complete"], ["v2", "task.complete"]]
    assert len(scene.ops("complete_task")) == 2, "eggs once, bread once"


def test_actions_no_longer_declared_fails(scene: Scene) -> None:
    wid, eggs = scene.task_list["id"], scene.ids["eggs"]
    action = row_action(scene.task_list["payload"], eggs, "Complete")
    perform(user_id=scene.user, widget_id=wid, action=action, idempotency_key="k1")
    before = scene.task("eggs")
    out = perform(user_id=scene.user, widget_id=wid, action=action, idempotency_key="k2")
    assert (out.status, out.replayed) == ("failed", False)
    assert "no longer available" in out.result["error"]
    after = scene.task("eggs")
    assert after is not None
    assert (after.completed, after.completed_at, after.updated_at) == (
        before.completed,  # type: ignore[union-attr]
        before.completed_at,  # type: ignore[union-attr]
        before.updated_at,  # type: ignore[union-attr]
    )
    failed = [a for a in scene.actions(wid) if a.idempotency_key == "k2"]
    assert [(a.status, str(a.id)) for a in failed] == [("failed", out.action_id)]
    assert failed[0].processed_at is not None
    assert "no longer available" in failed[0].result["error"]  # type: ignore[index]
    assert len(scene.ops("complete_task")) == 1
    assert scene.widget(wid).version == 1, "a failed action leaves the payload alone"


def test_actions_forged_task_id_fails(scene: Scene) -> None:
    """Declared type, another task's id: not what the widget declares, so nothing runs."""
    milk_card, eggs = scene.milk_card, scene.ids["eggs"]
    update = first_action(milk_card["payload"], "task.update")
    forged = {**update, "payload": {"task_id": eggs}}
    out = perform(
        user_id=scene.user, widget_id=milk_card["id"], action=forged, form={"title": "hacked"},
        idempotency_key="f1",
    )  # fmt: skip
    assert out.status == "failed"
    assert "no longer available" in out.result["error"]
    assert scene.task("eggs").title == "eggs"  # type: ignore[union-attr]
    (scene.live(milk_card["id"]) == milk_card["payload"]) or pytest.fail("card changed")
    # a task that is not on the list can't be deleted through the list
    scene.turn("add walk the dog")
    dog = next(tid for tid, t in scene.tasks().items() if t.title == "walk the dog")
    delete = {**row_action(scene.task_list["payload"], eggs, "Delete"), "payload": {"task_id": dog}}
    out = perform(user_id=scene.user, widget_id=scene.task_list["id"], action=delete, idempotency_key="f2")
    assert out.status == "failed"
    assert dog in scene.tasks()
    assert scene.ops("update_task") == []
    assert scene.ops("delete_task") == []
    assert {a.status for a in scene.actions()} == {"failed"}
    # a declared client action is not the server's to run
    card = scene.milk_card
    out = perform(
        user_id=scene.user, widget_id=card["id"], action=first_action(card["payload"], "form.toggle")
    )
    assert out.status == "failed"
    assert "not an action the server runs" in out.result["error"]
    assert scene.live(card["id"]) == card["payload"]


def test_actions_confirm_card_cancel_then_delete(scene: Scene) -> None:
    card = scene.confirm_card()
    out = perform(
        user_id=scene.user,
        widget_id=card["id"],
        action=card["payload"]["cancel"]["action"],
        idempotency_key="c",
    )
    assert out.status == "completed"
    assert out.result == {"status": "cancelled"}
    assert len(scene.tasks()) == 3
    stored = scene.widget(card["id"])
    assert declared_actions(stored.payload) == []
    assert "confirm" not in stored.payload
    assert "cancel" not in stored.payload
    assert stored.state == "updated"
    # the old Delete is gone for good, and a later "yes" in the chat deletes nothing either
    late = perform(
        user_id=scene.user,
        widget_id=card["id"],
        action=card["payload"]["confirm"]["action"],
        idempotency_key="d",
    )
    assert late.status == "failed"
    assert late.result["error"] == "Already answered: Cancelled: nothing deleted."
    scene.turn("yes")
    assert len(scene.tasks()) == 3
    assert scene.ops("delete_tasks") == []
    # a fresh confirm card deletes them all, once
    card = scene.confirm_card()
    confirm = card["payload"]["confirm"]["action"]
    assert sorted(confirm["payload"]["task_ids"]) == sorted(scene.ids.values())
    out = perform(user_id=scene.user, widget_id=card["id"], action=confirm, idempotency_key="yes")
    assert out.status == "completed"
    assert out.result["count"] == 3
    assert scene.tasks() == {}
    assert declared_actions(out.widget) == [first_action(out.widget, "task.undo")], "only Undo is left"
    again = perform(user_id=scene.user, widget_id=card["id"], action=confirm, idempotency_key="yes")
    assert again.replayed
    assert again.action_id == out.action_id
    assert len(scene.ops("delete_tasks")) == 1
    assert scene.widget(card["id"]).version == 1


def test_actions_task_card_undo_reverts(scene: Scene) -> None:
    card = scene.milk_card
    undo = first_action(card["payload"], "task.undo")
    out = perform(user_id=scene.user, widget_id=card["id"], action=undo, idempotency_key="u")
    assert out.status == "completed"
    assert scene.task("buy milk") is None, "undoing the add removes the task"
    assert {t.title for t in scene.tasks().values()} == {"eggs", "bread"}
    assert declared_actions(scene.live(card["id"])) == [], "a row whose task is gone has no buttons"
    assert "Undone: adding “buy milk”." in str(scene.live(card["id"]))
    assert "Added · deleted" in str(scene.live(card["id"]))
    (card,) = scene.turn("complete eggs")
    assert scene.task("eggs").completed  # type: ignore[union-attr]
    out = perform(user_id=scene.user, widget_id=card["id"], action=first_action(card["payload"], "task.undo"))
    assert out.status == "completed"
    assert not scene.task("eggs").completed  # type: ignore[union-attr]


def test_actions_task_update_form(scene: Scene) -> None:
    card = scene.milk_card
    submit = first_action(card["payload"], "task.update")
    form = {"title": "buy oat milk", "due_date": "2027-03-01", "priority": "high"}
    out = perform(user_id=scene.user, widget_id=card["id"], action=submit, form=form, idempotency_key="e1")
    assert out.status == "completed", out.result
    task = scene.task("buy milk")
    assert task is not None
    assert (task.title, task.due_date, task.priority) == ("buy oat milk", date(2027, 3, 1), "high")
    (record,) = scene.actions(card["id"])
    assert record.payload == {"action": submit["payload"], "form": form}
    stored = scene.live(card["id"])
    assert out.widget == stored
    assert_chatkit_parses(stored)
    assert any(n.get("value") == "buy oat milk" for n in nodes(stored) if n["type"] == "Text")
    assert "Added, then edited · due " in str(stored)
    # the updated card's form clears the due date with an empty value
    out = perform(
        user_id=scene.user, widget_id=card["id"], action=first_action(stored, "task.update"),
        form={"due_date": ""}, idempotency_key="e2",
    )  # fmt: skip
    assert out.status == "completed", out.result
    task = scene.task("buy milk")
    assert task is not None
    assert (task.title, task.due_date, task.priority) == ("buy oat milk", None, "high")


def test_actions_task_update_unknown_field_fails(scene: Scene) -> None:
    card = scene.milk_card
    submit = first_action(card["payload"], "task.update")
    out = perform(
        user_id=scene.user, widget_id=card["id"], action=submit, form={"title": "x", "owner": "bob"},
        idempotency_key="e",
    )  # fmt: skip
    assert out.status == "failed"
    assert "Unknown form field(s): owner" in out.result["error"]
    assert scene.task("buy milk").title == "buy milk"  # type: ignore[union-attr]
    assert scene.ops("update_task") == []
    assert [a.status for a in scene.actions(card["id"])] == ["failed"]


def test_actions_other_users_widget_is_not_found(scene: Scene) -> None:
    bob = make_user("bob")
    wid = scene.task_list["id"]
    action = row_action(scene.task_list["payload"], scene.ids["eggs"], "Complete")
    with pytest.raises(NotFoundError, match=r"^Widget not found\.$"):
        perform(user_id=bob, widget_id=wid, action=action, idempotency_key="b")
    with pytest.raises(NotFoundError, match=r"^Widget not found\.$"):
        perform(user_id=bob, widget_id=wid, action=action)
    assert scene.actions() == []
    assert not scene.task("eggs").completed  # type: ignore[union-attr]
    stored = scene.widget(wid)
    assert (stored.version, stored.state) == (0, "pending")
    assert scene.live(wid) == scene.task_list["payload"]
    assert scene.ops("complete_task") == []
    # and the owner's own click still works afterwards
    out = perform(user_id=scene.user, widget_id=wid, action=action, idempotency_key="b")
    assert (out.status, out.replayed) == ("completed", False)


def test_actions_random_widget_ids_are_not_found(scene: Scene) -> None:
    action = row_action(scene.task_list["payload"], scene.ids["eggs"], "Complete")
    for widget_id in ["wdg_" + uuid.uuid4().hex, "", "wdg_", "' OR 1=1 --", "x" * 5000, str(uuid.uuid4())]:
        with pytest.raises(NotFoundError, match="Widget not found"):
            perform(user_id=scene.user, widget_id=widget_id, action=action, idempotency_key="r")
    assert scene.actions() == []
    assert not scene.task("eggs").completed  # type: ignore[union-attr]


def _race(n: int, call) -> list[ActionOutcome]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    errors = [r for r in results if not isinstance(r, ActionOutcome)]
    assert not errors, errors
    return results


def test_actions_concurrent_same_key_runs_once(scene: Scene) -> None:
    wid, eggs = scene.task_list["id"], scene.ids["eggs"]
    action = row_action(scene.task_list["payload"], eggs, "Complete")
    outcomes = _race(
        8, lambda: perform(user_id=scene.user, widget_id=wid, action=action, idempotency_key="race")
    )
    assert len({o.action_id for o in outcomes}) == 1
    assert {o.status for o in outcomes} == {"completed"}
    assert sum(not o.replayed for o in outcomes) == 1
    assert scene.task("eggs").completed  # type: ignore[union-attr]
    assert len([a for a in scene.actions(wid) if a.idempotency_key == "race"]) == 1
    ops = [op for op in scene.ops("complete_task") if str(op.task_id) == eggs]
    assert [(op.operation_type, op.status) for op in ops] == [("complete", "completed")]
    assert scene.widget(wid).version == 1


def test_actions_concurrent_confirm_delete_runs_once(scene: Scene) -> None:
    card = scene.confirm_card()
    confirm = card["payload"]["confirm"]["action"]
    outcomes = _race(
        2, lambda: perform(user_id=scene.user, widget_id=card["id"], action=confirm, idempotency_key="del")
    )
    assert len({o.action_id for o in outcomes}) == 1
    assert {o.status for o in outcomes} == {"completed"}
    assert scene.tasks() == {}
    ops = scene.ops("delete_tasks")
    assert [(op.operation_type, op.status) for op in ops] == [("delete", "completed")]
    assert len(scene.actions(card["id"])) == 1


# --- what the user sees is what is stored, and valid ------------------------------------------------


def assert_shown_is_stored(scene: Scene, out: ActionOutcome, widget_id: str) -> dict[str, Any]:
    """The card an action answers with is the one stored (read as the tasks are now), and it passes
    the one validation gate."""
    stored = scene.live(widget_id)
    assert out.widget == stored
    assert dump(validate_widget(stored)) == stored
    assert_chatkit_parses(stored)
    return stored


@pytest.fixture
def refuse_widget_updates(live_db: sa.Engine) -> Iterator[Callable[[str], None]]:
    """``refuse(widget_id)``: the database silently skips every payload change of that widget.

    A trigger (:mod:`tests.utils.db_triggers`) that leaves the row as it is (zero rows updated),
    exactly what an optimistic update sees when another writer always gets there first.
    """
    with db_triggers(live_db) as triggers:
        yield lambda widget_id: triggers.add(
            "widgets", "UPDATE", widget_id, effect="skip", only_if="NEW.version <> OLD.version"
        )


def test_actions_card_that_could_not_be_stored_is_not_shown(
    scene: Scene, refuse_widget_updates: Callable[[str], None]
) -> None:
    """Every attempt to store the new card loses: the answer shows the card as stored, not a phantom."""
    wid, eggs = scene.task_list["id"], scene.ids["eggs"]
    refuse_widget_updates(wid)
    out = perform(
        user_id=scene.user, widget_id=wid, action=row_action(scene.task_list["payload"], eggs, "Complete")
    )
    assert (out.status, out.result["status"]) == ("completed", "completed")
    assert scene.task("eggs").completed  # type: ignore[union-attr]
    stored = assert_shown_is_stored(scene, out, wid)
    assert scene.widget(wid).version == 0  # never replaced; its row still reads the task as it is now
    assert labels(stored, eggs) == ["Reopen", "Delete"]


def test_actions_concurrent_rows_of_one_list_all_land(scene: Scene) -> None:
    """Three rows of one list clicked at once: every row changes, and each answer is a stored card."""
    wid, payload = scene.task_list["id"], scene.task_list["payload"]
    clicks = {tid: row_action(payload, tid, "Complete") for tid in scene.ids.values()}
    calls = iter(list(clicks.values()))
    lock = threading.Lock()

    def click() -> ActionOutcome:
        with lock:
            action = next(calls)
        return perform(user_id=scene.user, widget_id=wid, action=action)

    outcomes = _race(len(clicks), click)
    final = scene.widget(wid)
    assert final.version == len(clicks)
    shown = scene.live(wid)
    for tid in clicks:
        assert labels(shown, tid) == ["Reopen", "Delete"]
    for out in outcomes:
        assert dump(validate_widget(out.widget)) == out.widget
    assert shown in [o.widget for o in outcomes]  # the last answer is the card as it is now


def test_actions_row_replacements_pass_the_validation_gate(scene: Scene) -> None:
    """A long list whose rows grow (long titles edited in later) stays a valid widget as rows change.

    The list stores every task by reference (a few bytes each); shown, the rows that fit one
    64 KB widget are kept and the rest left off the end. Each completed row comes back with its
    new 200-character title, and what is shown must still pass validation, the changed rows in place.
    """
    with session_scope() as session:
        for i in range(100):
            task_service.create_task(session, user_id=scene.user, data={"title": f"chore {i:03}"})
    (listed,) = scene.turn("show my tasks")
    wid = listed["id"]
    stored_rows = scene.widget(wid).payload["children"]
    assert len(stored_rows) == 100, "stored by id, compactly: up to LIST_MAX rows"
    payload = scene.live(wid)
    shown = [c["key"] for c in payload["children"]]
    assert len(shown) < 103, "shown, only the rows that fit one widget"
    assert len(json.dumps(payload, ensure_ascii=False).encode()) > MAX_BYTES - 3000
    changed = shown[:4]
    for n, task_id in enumerate(changed):
        with session_scope() as session:
            task_service.update_task(
                session, user_id=scene.user, task_id=task_id, data={"title": f"{n}" + "🌱" * 199}
            )
    for task_id in changed:
        current = scene.live(wid)
        out = perform(user_id=scene.user, widget_id=wid, action=row_action(current, task_id, "Complete"))
        assert out.status == "completed", out.result
        stored = assert_shown_is_stored(scene, out, wid)
        assert len(json.dumps(stored, ensure_ascii=False).encode()) <= MAX_BYTES
        assert labels(stored, task_id) == ["Reopen", "Delete"]
    keys = [c["key"] for c in scene.live(wid)["children"]]
    assert keys[: len(changed)] == changed  # the changed rows stay, in place
    assert keys == shown[: len(keys)]  # only rows from the end were left off


def test_actions_task_update_and_a_delete_from_another_tab_meanwhile(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The edit, the click's record and the card are one transaction: another tab's delete, asked
    for while the card is being stored, waits for it. The click answers with the edited task, never
    a half-done card, and the delete lands after (the next read shows the task deleted)."""
    card = scene.milk_card
    submit = first_action(card["payload"], "task.update")
    store = actions_module._store
    other_tab: list[threading.Thread] = []

    def delete_milk() -> None:
        with session_scope() as session:
            task_service.delete_task(session, user_id=scene.user, task_id=scene.ids["buy milk"])

    def storing(session: Session, widget: Widget, new_payload: Any) -> None:
        other_tab.append(threading.Thread(target=delete_milk))
        other_tab[0].start()
        other_tab[0].join(0.3)
        assert other_tab[0].is_alive(), "the delete did not wait for the click's transaction"
        store(session, widget, new_payload)

    monkeypatch.setattr(actions_module, "_store", storing)
    out = perform(
        user_id=scene.user,
        widget_id=card["id"],
        action=submit,
        form={"title": "oat milk"},
        idempotency_key="d1",
    )
    other_tab[0].join(30)
    assert out.status == "completed", out.result
    assert "oat milk" in str(out.widget)
    assert "deleted" not in str(out.widget)
    assert "deleted" in str(scene.live(card["id"]))
    with Session(scene.engine) as s:
        titles = set(s.exec(select(Task.title).where(Task.user_id == scene.user)).all())
    assert titles == {"eggs", "bread"}  # renamed, then deleted by the other tab


def test_actions_declared_payload_of_the_wrong_shape_fails_clearly(scene: Scene) -> None:
    """A stored card whose action payload does not fit its type is refused at the edge, naming the field."""
    wid, eggs = scene.milk_card["id"], scene.ids["eggs"]
    action = {"type": "task.complete", "payload": {"task_id": [eggs]}, "handler": "server"}
    payload = {"type": "Card", "children": [{"type": "Button", "label": "Complete", "onClickAction": action}]}
    with Session(scene.engine) as s:
        row = s.get(Widget, wid)
        assert row is not None
        row.payload = payload
        s.add(row)
        s.commit()
    out = perform(user_id=scene.user, widget_id=wid, action=action, idempotency_key="bad-shape")
    assert out.status == "failed"
    assert out.result["error"].startswith("'task.complete' has an invalid payload (payload.task_id: ")
    assert not scene.task("eggs").completed  # type: ignore[union-attr]
    assert scene.ops("complete_task") == []
