"""The server-built widgets: valid, ChatKit-parseable, with exactly the actions we expect,
and every rendered action resolvable from its node's path."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest

from app.orchestration.widget_actions import declared_actions
from app.views.widget import WNode, action_at, to_view
from app.widgets import build
from app.widgets.validate import MAX_BYTES, dump, validate_widget
from tests.widgets.helpers import assert_chatkit_parses, nodes, types_in

TODAY = date(2026, 6, 15)
HTMLISH = "<script>alert(1)</script> & <b>bold</b> [x](javascript:alert(1))"


def task(title: str = "buy milk", **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "title": title,
        "description": "",
        "completed": False,
        "priority": "medium",
        "tags": [],
        "due_date": None,
        "recurrence": None,
        **fields,
    }


def server(kind: str, payload: dict[str, Any], loading: str = "self") -> dict[str, Any]:
    return {"type": kind, "payload": payload, "handler": "server", "loadingBehavior": loading}


def shown(payload: dict[str, Any], *tasks: dict[str, Any]) -> dict[str, Any]:
    """A stored card as a person sees it, with these tasks as they are now (others are gone)."""
    return build.hydrate(payload, {t["id"]: t for t in tasks}, TODAY)


def assert_sound(payload: dict[str, Any]) -> None:
    """Valid, stored form unchanged by validation, parses with ChatKit."""
    assert dump(validate_widget(payload)) == payload
    assert len(json.dumps(payload, ensure_ascii=False).encode()) <= MAX_BYTES
    assert_chatkit_parses(payload)


def test_build_task_list_rows_and_actions() -> None:
    open_, done = task("eggs", priority="high", tags=["shop"]), task("bread", completed=True)
    due = task("rent", due_date="2026-06-14", recurrence="monthly")
    stored = build.task_list([open_, done, due], heading="3 tasks", today=TODAY)
    assert_sound(stored)
    assert [[n["type"] for n in nodes(row)] for row in stored["children"]] == [
        ["ListViewItem", "Button", "Text", "Button"]
    ] * 3, "stored by reference: the id, the title and the buttons, no copy of the task"
    assert [n["value"] for n in nodes(stored) if n["type"] == "Text"] == ["eggs", "bread", "rent"]
    payload = shown(stored, open_, done, due)
    assert_sound(payload)
    assert payload["type"] == "ListView"
    assert payload["status"]["text"] == "3 tasks"
    assert [row["key"] for row in payload["children"]] == [open_["id"], done["id"], due["id"]]
    assert declared_actions(payload) == [
        server("task.complete", {"task_id": open_["id"]}),
        server("task.delete", {"task_id": open_["id"]}),
        server("task.reopen", {"task_id": done["id"]}),
        server("task.delete", {"task_id": done["id"]}),
        server("task.complete", {"task_id": due["id"]}),
        server("task.delete", {"task_id": due["id"]}),
    ]
    labels = [n["label"] for n in nodes(payload) if n["type"] == "Button"]
    assert labels == ["Complete", "Delete", "Reopen", "Delete", "Complete", "Delete"]
    badges = [n["label"] for n in nodes(payload["children"][0]) if n["type"] == "Badge"]
    assert badges == ["High", "#shop"]
    due_badges = [n for n in nodes(payload["children"][2]) if n["type"] == "Badge"]
    assert [b["label"] for b in due_badges][2] == "monthly"
    assert due_badges[1]["color"] == "danger", "yesterday's due date is overdue"
    done_text = next(n for n in nodes(payload["children"][1]) if n["type"] == "Text")
    assert done_text["lineThrough"] is True


def test_build_task_list_limit_ten_with_more_rows() -> None:
    tasks = [task(f"task {i}") for i in range(13)]
    payload = build.task_list(tasks, heading="13 tasks", today=TODAY)
    assert_sound(payload)
    assert payload["limit"] == build.LIST_LIMIT == 10
    assert len(payload["children"]) == 13
    assert to_view(payload, widget_id="w", version=0).limit == 10


def test_build_task_list_many_long_rows_fit_one_widget() -> None:
    """A long list of long titles used to exceed 64 KB and crash the turn; it shows what fits."""
    tasks = [
        task(f"{i:03} " + "x" * 190, tags=[f"tag{j}" for j in range(5)], priority="high") for i in range(100)
    ]
    stored = build.task_list(tasks, heading="100 tasks", today=TODAY)
    assert_sound(stored)
    stored_keys = [row["key"] for row in stored["children"]]
    payload = shown(stored, *tasks)
    assert_sound(payload)
    keys = [row["key"] for row in payload["children"]]
    assert 10 < len(keys) < len(stored_keys) < 100, "stored compactly: more rows fit than shown in full"
    assert stored_keys == [t["id"] for t in tasks[: len(stored_keys)]]
    assert keys == [t["id"] for t in tasks[: len(keys)]], "the first rows, in order"


def test_build_task_list_stores_at_most_list_max_rows_that_fit() -> None:
    tasks = [task(str(i)) for i in range(250)]
    payload = build.task_list(tasks, heading="250 tasks", today=TODAY)
    assert_sound(payload)
    assert len(payload["children"]) == build.LIST_MAX == 100
    assert_sound(shown(payload, *tasks))
    longer = [task(f"{i:03} " + "x" * 196) for i in range(100)]
    full = build.task_list(longer, heading="100 tasks", today=TODAY)
    assert_sound(full)
    keys = [row["key"] for row in full["children"]]
    assert 50 < len(keys) < 100
    assert keys == [t["id"] for t in longer[: len(keys)]], "the rows that fit, in order"


def test_build_task_list_rows_follow_the_tasks_now() -> None:
    """Completed, retitled, redated or deleted since the list was made: each row says so."""
    milk, eggs, rent = task("buy milk"), task("eggs"), task("rent", due_date="2026-06-20")
    stored = build.task_list([milk, eggs, rent], heading="3 tasks", today=TODAY)
    now = shown(stored, {**milk, "completed": True}, {**rent, "title": "pay rent", "due_date": "2026-06-16"})
    assert_sound(now)
    rows = now["children"]
    assert [n["label"] for n in nodes(rows[0]) if n["type"] == "Button"] == ["Reopen", "Delete"]
    assert [n["label"] for n in nodes(rows[1]) if n["type"] == "Button"] == [], "eggs is gone"
    assert [n["label"] for n in nodes(rows[1]) if n["type"] == "Badge"] == ["Deleted"]
    assert any(n.get("value") == "eggs" and n.get("lineThrough") for n in nodes(rows[1]))
    assert any(n.get("value") == "pay rent" for n in nodes(rows[2]))
    assert "tomorrow" in [n["label"] for n in nodes(rows[2]) if n["type"] == "Badge"]


def test_build_change_card_is_one_compact_line_with_a_folded_edit_form() -> None:
    t = task("call mom", priority="high", due_date="2026-06-16")
    op = str(uuid.uuid4())
    stored = build.change_card([build.Change(t["id"], "call mom", "Added", (op,))])
    assert_sound(stored)
    assert len(json.dumps(stored).encode()) < 1000, "stored: the id, the verb, Undo and Edit"
    payload = shown(stored, t)
    assert_sound(payload)
    (row,) = payload["children"]
    assert row["key"] == f"change:{t['id']}"
    assert [n["value"] for n in nodes(row) if n["type"] == "Caption"] == ["Added · due tomorrow · High"]
    assert declared_actions(payload) == [
        server("task.undo", {"operation_id": op}),
        {
            "type": "form.toggle",
            "payload": {"form": f"edit:{t['id']}", "task_id": t["id"]},
            "handler": "client",
            "loadingBehavior": "none",
        },
        server("task.update", {"task_id": t["id"]}, loading="container"),
    ]
    (form,) = [n for n in nodes(payload) if n["type"] == "Form"]
    assert form["key"] == f"edit:{t['id']}"
    values = {n["name"]: n.get("defaultValue") for n in nodes(form) if "name" in n and n["type"] != "Icon"}
    # the DatePicker's value is stored as ChatKit's datetime ("2026-06-16T00:00:00")
    assert values["due_date"].startswith("2026-06-16")
    assert values == {"title": "call mom", "due_date": values["due_date"], "priority": "high"}
    view = to_view(payload, widget_id="w", version=0)
    folded = next(n for n in _view_nodes(view) if n.type == "Form")
    edit = next(n for n in _view_nodes(view) if n.type == "Button" and n.text == "Edit")
    assert folded.folded
    assert edit.toggles == form["key"]
    assert edit.dom_id == folded.dom_id
    assert edit.aria_label == "Edit call mom"


def test_build_change_row_follows_the_task_and_says_when_it_is_gone() -> None:
    t = task("take out the trash")
    op = str(uuid.uuid4())
    stored = build.change_card([build.Change(t["id"], t["title"], "Added", (op,))])
    done = shown(stored, {**t, "completed": True, "title": "trash out"})
    assert "Added · Medium · done" in json.dumps(done, ensure_ascii=False)
    assert any(n.get("value") == "trash out" and n.get("lineThrough") for n in nodes(done))
    gone = shown(stored)
    assert_sound(gone)
    assert declared_actions(gone) == [], "a row whose task is gone has no live buttons"
    assert [n["value"] for n in nodes(gone) if n["type"] == "Caption"] == ["Added · deleted"]
    assert any(n.get("value") == "take out the trash" for n in nodes(gone))


def test_build_summary_card_lists_every_change_with_undo_all_newest_first() -> None:
    tasks = [task(f"chore {i}") for i in range(9)]
    ops = [str(uuid.uuid4()) for _ in tasks]
    changes = [build.Change(t["id"], t["title"], "Updated", (op,)) for t, op in zip(tasks, ops, strict=True)]
    stored = build.change_card(changes, heading="Updated 9 tasks")
    assert_sound(stored)
    payload = shown(stored, *tasks)
    assert_sound(payload)
    assert payload["children"][0]["value"] == "Updated 9 tasks"
    rows = [c for c in payload["children"] if str(c.get("key", "")).startswith("change:")]
    assert [r["key"] for r in rows] == [f"change:{t['id']}" for t in tasks], "every changed task"
    undo_all = [a for a in declared_actions(payload) if a["type"] == "task.undo_all"]
    assert undo_all == [server("task.undo_all", {"operation_ids": ops[::-1]}, loading="container")]
    assert len([a for a in declared_actions(payload) if a["type"] == "task.undo"]) == 9
    many = [build.Change(str(uuid.uuid4()), f"t{i}", "Added", (str(uuid.uuid4()),)) for i in range(70)]
    big = build.change_card(many, heading="Added 70 tasks")
    wide = shown(big, *[task(c.title, id=c.task_id) for c in many])
    assert_sound(wide)
    assert "Form" not in types_in(wide), "past SUMMARY_EDIT_MAX rows, no Edit forms: it must fit"


def test_build_change_ops_and_rows_read_back() -> None:
    a, b = task("a"), task("b")
    stored = build.change_card(
        [build.Change(a["id"], "a", "Added", ("op1", "op2")), build.Change(b["id"], "b", "Added", ("op3",))]
    )
    assert build.change_ops(stored) == ["op3", "op2", "op1"]
    row = build.read_change(stored["children"][1])
    assert row == build.StoredChange(a["id"], "a", "Added", ["op1", "op2"], "")
    assert build.task_ids_in(stored) == [a["id"], b["id"]]
    popped = build.with_change(
        stored,
        a["id"],
        lambda r: build.change_skeleton(
            build.Change(r.task_id, r.title, r.verb), note="Undone.", undo=r.undo[:1]
        ),
    )
    assert build.read_change(popped["children"][1]) == build.StoredChange(
        a["id"], "a", "Added", ["op1"], "Undone."
    )
    assert build.change_ops(popped) == ["op3", "op1"]


def test_build_outcome_card_actions() -> None:
    op = str(uuid.uuid4())
    with_undo = build.outcome_card("Deleted 3 tasks.", detail=["a", "b", "c"], operation_id=op)
    assert_sound(with_undo)
    assert declared_actions(with_undo) == [server("task.undo", {"operation_id": op})]
    assert [n["value"] for n in nodes(with_undo) if n["type"] == "Caption"] == ["a", "b", "c"]
    plain = build.outcome_card("Cancelled.", detail=[str(i) for i in range(30)])
    assert_sound(plain)
    assert declared_actions(plain) == []
    assert types_in(plain).count("Caption") == 21
    assert nodes(plain)[-1]["value"] == "and 10 more"


def test_build_confirm_delete_actions() -> None:
    ids = [str(uuid.uuid4()) for _ in range(25)]
    payload = build.confirm_delete(ids, [f"t{i}" for i in range(25)])
    assert_sound(payload)
    assert declared_actions(payload) == [
        server("tasks.delete", {"task_ids": ids}, loading="container"),
        server("tasks.cancel", {}, loading="container"),
    ]
    assert payload["children"][0]["value"] == "Delete 25 tasks?"
    assert payload["children"][-1] == {"type": "Caption", "value": "and 5 more"}
    assert types_in(payload).count("Text") == 20
    single = build.confirm_delete(ids[:1], ["only"])
    assert single["children"][0]["value"] == "Delete 1 task?"


@pytest.mark.parametrize("kind", ["list", "card", "outcome", "confirm"])
def test_build_htmlish_titles_stay_plain_text(kind: str) -> None:
    t = task(HTMLISH)
    payload = {
        "list": lambda: build.task_list([t], heading="1 task", today=TODAY),
        "card": lambda: shown(build.change_card([build.Change(t["id"], t["title"], "Added")]), t),
        "outcome": lambda: build.outcome_card(f"Deleted “{HTMLISH}”.", detail=[HTMLISH]),
        "confirm": lambda: build.confirm_delete([t["id"]], [HTMLISH]),
    }[kind]()
    assert_sound(payload)
    assert "Markdown" not in types_in(payload)
    texts = [n.get("value") for n in nodes(payload) if n["type"] in ("Text", "Title", "Caption")]
    assert any(HTMLISH in (v or "") for v in texts), texts


def _view_nodes(node: WNode) -> list[WNode]:
    return [node] + [n for k in node.children for n in _view_nodes(k)]


def _by_path(payload: dict[str, Any], path: str) -> dict[str, Any]:
    node: Any = payload
    for part in [p for p in path.split(".") if p]:
        node = node[int(part)] if part.isdigit() else node[part]
    return node


def _all_builds() -> list[dict[str, Any]]:
    tasks = [task("a"), task("b", completed=True)]
    op = str(uuid.uuid4())
    changes = [build.Change(t["id"], t["title"], "Added", (op,)) for t in tasks]
    return [
        shown(build.task_list(tasks, heading="2 tasks", today=TODAY), *tasks),
        shown(build.change_card(changes[:1]), *tasks),
        build.outcome_card("Done.", operation_id=op),
        build.confirm_delete([t["id"] for t in tasks], ["a", "b"]),
        shown(build.change_card(changes, heading="Added 2 tasks"), *tasks),
    ]


@pytest.mark.parametrize("index", range(5))
def test_build_view_action_at_round_trip(index: int) -> None:
    payload = _all_builds()[index]
    view = to_view(payload, widget_id="wdg_x", version=3)
    found: list[dict[str, Any]] = []
    for node in _view_nodes(view):
        assert (node.widget_id, node.version) == ("wdg_x", 3)
        source = _by_path(payload, node.path)
        assert source["type"] == node.type, node.path
        config = action_at(payload, node.path)
        if node.click:  # what a click sends finds the same action, and only while it is that type
            assert action_at(payload, node.click) == config
            assert action_at(payload, node.click.split("#")[0] + "#task.other") is None
        if node.type == "Button":
            assert config == source.get("onClickAction")
            assert node.has_action == (config is not None)
            assert node.client_action == (config is not None and config["handler"] == "client")
        if node.type == "Form":
            assert config == source["onSubmitAction"]
            assert node.has_action
        if config is not None:
            found.append(config)
    for name in ("confirm", "cancel"):
        if name in payload:
            config = action_at(payload, name)
            assert config == payload[name]["action"]
            found.append(config)
    assert sorted(map(json.dumps, found)) == sorted(map(json.dumps, declared_actions(payload)))


def test_build_view_confirm_card_paths() -> None:
    ids = [str(uuid.uuid4())]
    payload = build.confirm_delete(ids, ["a"])
    view = to_view(payload, widget_id="w", version=0)
    assert (view.confirm_label, view.cancel_label) == ("Delete", "Cancel")
    assert action_at(payload, "confirm")["type"] == "tasks.delete"
    assert action_at(payload, "confirm")["payload"] == {"task_ids": ids}
    assert action_at(payload, "cancel")["type"] == "tasks.cancel"
    settled = build.outcome_card("Cancelled.")
    assert action_at(settled, "confirm") is None
    assert action_at(settled, "cancel") is None


@pytest.mark.parametrize(
    "path",
    ["children.99", "children.x", "children.0.children.-1", "nope", "children.0.children.0.children.0.value"],
)
def test_build_view_action_at_bad_paths(path: str) -> None:
    payload = _all_builds()[0]
    assert action_at(payload, path) is None


def test_build_view_submit_button_has_no_action() -> None:
    payload = _all_builds()[1]
    view = to_view(payload, widget_id="w", version=0)
    save = next(n for n in _view_nodes(view) if n.type == "Button" and n.text == "Save changes")
    assert save.submit
    assert not save.has_action
    assert action_at(payload, save.path) is None
