"""Which widgets a chat turn answers with, decided from its tool results (never model text).

A turn that changed tasks answers with **one** card: a line per changed task (what changed, Undo,
a folded Edit form), and "Undo all" when it changed several. A question answers with a
confirmation card listing the tasks; a listing with a list card. Cards store the tasks they show
by id; :func:`app.widgets.build.hydrate` shows them as the tasks are when the card is read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.agent.types import AgentReply
from app.widgets import build

CARD_VERBS = {
    "add_task": "Added",
    "update_task": "Updated",
    "complete_task": "Completed",
    "reopen_task": "Reopened",
    "move_task": "Moved",
    "assign_task": "Assigned",
    "unassign_task": "Unassigned",
}


def _heading(count: int) -> str:
    return f"{count} task{'s' if count != 1 else ''}"


def widgets_for_turn(reply: AgentReply, calls: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """ChatKit payloads for a finished turn: a confirm card, a task list, or one change card."""
    confirmation = reply.confirmation
    if confirmation is not None and confirmation.action in build.CONFIRMATIONS:
        return [
            build.confirmation_card(
                confirmation.action, confirmation.task_ids, confirmation.titles, confirmation.calls
            )
        ]
    ok = [c for c in calls if "result" in c]
    changes = [c for c in ok if c["name"] in CARD_VERBS or c["name"] in ("delete_task", "delete_tasks")]
    if changes:
        return _change_widgets(changes)
    listed = reply.listed
    if listed is None:
        lists = [c for c in ok if c["name"] in ("list_tasks", "search_tasks")]
        listed = lists[-1]["result"].get("tasks") if lists else None
    if listed:
        return [build.task_list(listed, heading=_heading(len(listed)), today=today)]
    return []


def summary_heading(changes: list[build.Change]) -> str:
    """ "Added 3 tasks", or "Changed 4 tasks" when the verbs differ."""
    verbs = {c.verb for c in changes}
    verb = verbs.pop() if len(verbs) == 1 else "Changed"
    return f"{verb} {build.count_tasks(len(changes))}"


def _change_widgets(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One card: deletes say what was deleted (with Undo); every other change is a row of a change card."""
    widgets: list[dict[str, Any]] = []
    deletes = [c for c in calls if c["name"] == "delete_task"]
    if len(deletes) == 1:
        result = deletes[0]["result"]
        widgets.append(
            build.outcome_card(
                f"Deleted “{result.get('title', '')}”.", operation_id=result.get("operation_id")
            )
        )
    elif deletes:
        titles = [str(c["result"].get("title", "")) for c in deletes]
        widgets.append(build.outcome_card(f"Deleted {build.count_tasks(len(titles))}.", detail=titles))
    for call in calls:
        if call["name"] == "delete_tasks":
            result = call["result"]
            widgets.append(
                build.outcome_card(
                    f"Deleted {build.count_tasks(int(result.get('count', 0)))}.",
                    detail=result.get("titles"),
                    operation_id=result.get("operation_id"),
                )
            )
    rows: dict[str, build.Change] = {}
    for call in calls:
        result = call["result"]
        if call["name"] not in CARD_VERBS or not result.get("task_id"):
            continue
        task_id, title = str(result["task_id"]), str(result.get("title", ""))
        ops = (str(result["operation_id"]),) if result.get("operation_id") else ()
        first = rows.get(task_id)  # two changes to one task in one turn: one row, both undoable
        verb = first.verb if first else CARD_VERBS[call["name"]]
        rows[task_id] = build.Change(task_id, title, verb, (first.operation_ids if first else ()) + ops)
    changes = list(rows.values())
    if changes:
        widgets.insert(0, build.change_card(changes, heading=summary_heading(changes)))
    return widgets
