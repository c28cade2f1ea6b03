"""Card buttons are named after what they act on ("Complete buy milk"), read from the widget tree
the renderer draws (``app.views.widget``; ``app/components/widget.py`` puts it in ``aria-label``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.views.widget import WNode, to_view
from app.widgets import build
from app.widgets.validate import dump, validate_widget

TODAY = date(2026, 12, 5)
MILK = {"id": "00000000-0000-0000-0000-000000000001", "title": "buy milk", "priority": "medium"}
DOG = {"id": "00000000-0000-0000-0000-000000000002", "title": "walk the dog", "completed": True}


def buttons(node: WNode) -> list[tuple[str, str]]:
    """(visible label, accessible-name override) of every button, in document order."""
    found = [(node.text, node.aria_label)] if node.type == "Button" else []
    for kid in node.children:
        found += buttons(kid)
    return found


def view(payload: dict[str, Any]) -> WNode:
    return to_view(payload, widget_id="w1", version=1)


def test_task_rows_name_their_buttons_after_the_task() -> None:
    stored = build.task_list([MILK, DOG], heading="2 tasks", today=TODAY)
    payload = build.hydrate(stored, {MILK["id"]: MILK, DOG["id"]: DOG}, TODAY)
    assert buttons(view(payload)) == [
        ("Complete", "Complete buy milk"),
        ("Delete", "Delete buy milk"),
        ("Reopen", "Reopen walk the dog"),
        ("Delete", "Delete walk the dog"),
    ]


def test_change_card_buttons_name_the_task_of_their_row() -> None:
    changes = [build.Change(t["id"], t["title"], "Added", (t["id"],)) for t in (MILK, DOG)]
    stored = build.change_card(changes, heading="Added 2 tasks")
    named = buttons(view(build.hydrate(stored, {MILK["id"]: MILK, DOG["id"]: DOG}, TODAY)))
    assert named == [
        ("Undo", "Undo buy milk"),
        ("Edit", "Edit buy milk"),
        ("Save changes", "Save changes buy milk"),
        ("Undo", "Undo walk the dog"),
        ("Edit", "Edit walk the dog"),
        ("Save changes", "Save changes walk the dog"),
        ("Undo all", ""),
    ]


def test_cards_without_a_subject_keep_their_labels() -> None:
    # An outcome card says what happened in a sentence: "Undo" is named by its card, not a title.
    outcome = build.outcome_card("Deleted 2 tasks.", operation_id=MILK["id"])
    assert buttons(view(outcome)) == [("Undo", "")]
    plain = dump(validate_widget({"type": "Card", "children": [{"type": "Button", "label": "check"}]}))
    assert buttons(view(plain)) == [("check", "")]


def test_a_label_that_already_names_the_task_is_kept() -> None:
    card = {
        "type": "Card",
        "children": [
            {"type": "Title", "value": "Groceries"},
            {"type": "Button", "label": "Open Groceries"},
            {"type": "Button", "label": "Share"},
            {"type": "Button", "label": "", "iconStart": "check"},
        ],
    }
    assert buttons(view(dump(validate_widget(card)))) == [
        ("Open Groceries", ""),
        ("Share", "Share Groceries"),
        ("", ""),
    ]


def test_an_item_is_named_by_its_title_first_then_its_first_text() -> None:
    def item(*children: dict[str, Any]) -> dict[str, Any]:
        return {"type": "ListViewItem", "children": [*children, {"type": "Button", "label": "Complete"}]}

    caption = {"type": "Caption", "value": "due today"}
    listing = {
        "type": "ListView",
        "children": [
            item(caption, {"type": "Text", "value": "pay rent"}, {"type": "Text", "value": "monthly"}),
            item({"type": "Text", "value": "note"}, {"type": "Title", "value": "Groceries"}),
            item(caption),
        ],
    }
    assert buttons(view(dump(validate_widget(listing)))) == [
        ("Complete", "Complete pay rent"),
        ("Complete", "Complete Groceries"),
        ("Complete", ""),
    ]
