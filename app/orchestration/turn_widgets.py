"""Which widgets a chat turn answers with, decided from its tool results (never model text)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.agent.types import AgentReply
from app.widgets import build

MAX_CARDS = 3
CARD_VERBS = {
    "add_task": "Added",
    "update_task": "Updated",
    "complete_task": "Completed",
    "reopen_task": "Reopened",
}


def _heading(count: int) -> str:
    return f"{count} task{'s' if count != 1 else ''}"


def widgets_for_turn(reply: AgentReply, calls: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """ChatKit payloads for a finished turn: a confirm card, a task list, or change cards."""
    if reply.confirmation is not None and reply.confirmation.action == "delete":
        return [build.confirm_delete(reply.confirmation.task_ids, reply.confirmation.titles)]
    ok = [c for c in calls if "result" in c]
    changes = [c for c in ok if c["name"] in CARD_VERBS or c["name"] in ("delete_task", "delete_tasks")]
    if changes:
        return _change_widgets(changes, today)
    listed = reply.listed
    if listed is None:
        lists = [c for c in ok if c["name"] in ("list_tasks", "search_tasks")]
        listed = lists[-1]["result"].get("tasks") if lists else None
    if listed:
        return [build.task_list(listed, heading=_heading(len(listed)), today=today)]
    return []


def _change_widgets(changes: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    deletes = [c for c in changes if c["name"] == "delete_task"]
    if len(deletes) > 1:
        titles = [str(c["result"].get("title", "")) for c in deletes]
        return [build.outcome_card(f"Deleted {len(titles)} tasks.", detail=titles)]
    widgets: list[dict[str, Any]] = []
    for call in changes[:MAX_CARDS]:
        result = call["result"]
        if call["name"] == "delete_task":
            widgets.append(
                build.outcome_card(
                    f"Deleted “{result.get('title', '')}”.", operation_id=result.get("operation_id")
                )
            )
        elif call["name"] == "delete_tasks":
            n = int(result.get("count", 0))
            widgets.append(
                build.outcome_card(
                    f"Deleted {n} task{'s' if n != 1 else ''}.",
                    detail=result.get("titles"),
                    operation_id=result.get("operation_id"),
                )
            )
        elif isinstance(result.get("task"), dict):
            widgets.append(
                build.task_card(
                    result["task"],
                    verb=CARD_VERBS[call["name"]],
                    operation_id=result.get("operation_id"),
                    today=today,
                )
            )
    return widgets
