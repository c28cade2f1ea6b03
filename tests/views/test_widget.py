"""The render tree of a stored widget is read from the parsed widget models, never from raw fields."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.views.widget import UNSHOWABLE, to_view
from app.widgets import build
from app.widgets.validate import dump, validate_widget


def _card(*children: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "Card", "children": list(children), **fields}


@pytest.mark.parametrize(
    "payload",
    [
        _card({"type": "Text", "value": "hi", "color": "red;background:url(javascript:x)"}),
        _card({"type": "Button", "label": "Go", "onClickAction": {"type": "1nope"}}),
        _card({"type": "Script", "value": "alert(1)"}),
        {"type": "Box", "children": []},
        _card({"type": "Text", "value": "hi", "onClick": "alert(1)"}),
    ],
)
def test_view_unparseable_stored_payload_shows_a_plain_card(payload: dict[str, Any]) -> None:
    """A payload that no longer passes the gate shows nothing of its own, and no action."""
    view = to_view(payload, widget_id="w", version=4)
    assert (view.type, view.widget_id, view.version) == ("Card", "w", 4)
    (note,) = view.children
    assert (note.type, note.text, note.has_action, note.children) == ("Text", UNSHOWABLE, False, [])


def test_view_reads_typed_fields() -> None:
    payload = dump(
        validate_widget(
            _card(
                {"type": "Transition", "children": {"type": "Text", "value": "inside", "color": "red-500"}},
                {"type": "Text", "value": "themed", "color": {"dark": "gray-100", "light": "#1a1a1a"}},
                {"type": "DatePicker", "name": "due", "defaultValue": "2026-06-14T10:30:00"},
                {"type": "Box", "direction": "row", "gap": 12.5, "flex": 0, "children": []},
                status={"text": "Saved", "icon": "check"},
            )
        )
    )
    view = to_view(payload, widget_id="w", version=1)
    transition, themed, picker, box = view.children
    (inside,) = transition.children
    assert (inside.text, inside.color, inside.path) == ("inside", "red", "children.0.children.0")
    assert themed.color == "", "a theme colour is not a Radix token"
    assert (picker.name, picker.default) == ("due", "2026-06-14")
    assert (box.direction, box.gap, box.grow) == ("row", "9", False)
    assert view.status_text == "Saved"


def test_view_of_built_cards_keeps_actions_and_labels() -> None:
    card = build.confirm_delete(["a", "b"], ["A", "B"])
    view = to_view(card, widget_id="w", version=0)
    assert (view.confirm_label, view.cancel_label) == ("Delete", "Cancel")
    tid = "00000000-0000-0000-0000-000000000001"
    task = {"id": tid, "title": "milk", "priority": "high", "completed": True, "tags": []}
    today = date(2026, 6, 15)
    stored = build.task_list([task], heading="1 task", today=today)
    listed = to_view(build.hydrate(stored, {tid: task}, today), widget_id="l", version=0)
    (row,) = listed.children
    toggle = row.children[0].children[0]
    assert (toggle.type, toggle.text, toggle.has_action, toggle.loading) == ("Button", "Reopen", True, "self")
    assert (listed.limit, listed.status_text) == (10, "1 task")


def test_only_a_delete_confirmation_is_drawn_as_destructive() -> None:
    ids = ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]
    calls = [{"tool": "update_task", "args": {"task_id": i, "due_date": "2026-12-06"}} for i in ids]
    delete = to_view(build.confirm_delete(ids, ["A", "B"]), widget_id="w", version=0)
    move = to_view(build.confirmation_card("move", ids, ["A", "B"], calls), widget_id="w", version=0)
    assert (delete.confirm_label, delete.confirm_destructive) == ("Delete", True)
    assert (move.confirm_label, move.confirm_destructive) == ("Move", False)
