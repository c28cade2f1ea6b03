"""Where a card's controls sit, as the page sends a click's ``path`` ("children.0.children.1").

Worked out from the builders (``app.widgets.build``) on a sample card, as the chat shows it
(hydrated), so a change to a card's layout moves the tests' and the bench's clicks with it instead
of leaving them pointing at nothing (a click on nothing is refused like a foreign id, which would
make an isolation case pass without testing anything).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.widgets import build

_TASK = {
    "id": "00000000-0000-4000-8000-000000000001",
    "title": "sample",
    "due_date": None,
    "priority": "medium",
    "tags": [],
    "completed": False,
}
_TODAY = date(2026, 1, 1)


def _find(node: Any, match: Any, path: str = "") -> str | None:
    if not isinstance(node, dict):
        return None
    if path and match(node):
        return path
    for i, child in enumerate(node.get("children") or []):
        found = _find(child, match, f"{path}.children.{i}" if path else f"children.{i}")
        if found:
            return found
    return None


def complete_path() -> str:
    """The first row's Complete button in a task list card."""
    card = build.hydrate(
        build.task_list([_TASK], heading="Tasks", today=_TODAY), {_TASK["id"]: _TASK}, _TODAY
    )
    path = _find(card, lambda n: n.get("type") == "Button" and n.get("label") == "Complete")
    assert path, "no Complete button in a task list card"
    return path


def edit_form_path() -> str:
    """The edit form of the first task in a change card ("Added ...")."""
    change = build.Change(
        task_id=_TASK["id"], title="sample", verb="Added", operation_ids=(str(_TASK["id"]),)
    )
    card = build.hydrate(build.change_card([change]), {_TASK["id"]: _TASK}, _TODAY)
    path = _find(card, lambda n: n.get("type") == "Form")
    assert path, "no edit form in a change card"
    return path
