"""The widgets the assistant answers with, built by the server from tool results.

Never from model output: whatever a backend says, the cards show what the database holds.
Every builder returns a validated ChatKit-shaped payload (a dict).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from app.services.presentation import relative_due
from app.widgets.validate import MAX_BYTES, dump, validate_widget

LIST_LIMIT = 10
PRIORITY_BADGE = {"high": "danger", "medium": "warning", "low": "secondary"}
DUE_BADGE = {"overdue": "danger", "today": "warning", "soon": "info", "later": "secondary"}


def _action(
    kind: str, payload: dict[str, Any] | None = None, *, handler: str = "server", loading: str = "self"
) -> dict[str, Any]:
    return {"type": kind, "payload": payload or {}, "handler": handler, "loadingBehavior": loading}


def _due(task: dict[str, Any], today: date) -> tuple[str, str]:
    raw = task.get("due_date")
    if not raw:
        return "", "none"
    return relative_due(date.fromisoformat(str(raw)[:10]), today, completed=bool(task.get("completed")))


def _badges(task: dict[str, Any], today: date) -> list[dict[str, Any]]:
    priority = str(task.get("priority") or "medium")
    badges: list[dict[str, Any]] = [
        {
            "type": "Badge",
            "label": priority.capitalize(),
            "color": PRIORITY_BADGE.get(priority, "secondary"),
            "variant": "soft",
            "size": "sm",
        }
    ]
    label, tone = _due(task, today)
    if label:
        badges.append(
            {
                "type": "Badge",
                "label": label,
                "color": DUE_BADGE.get(tone, "secondary"),
                "variant": "outline",
                "size": "sm",
            }
        )
    if task.get("recurrence"):
        badges.append(
            {
                "type": "Badge",
                "label": str(task["recurrence"]),
                "color": "info",
                "variant": "outline",
                "size": "sm",
            }
        )
    badges += [
        {
            "type": "Badge",
            "label": f"#{tag}",
            "color": "discovery",
            "variant": "outline",
            "size": "sm",
            "pill": True,
        }
        for tag in task.get("tags") or []
    ]
    return badges


def task_row(task: dict[str, Any], today: date) -> dict[str, Any]:
    """A ListViewItem: complete/reopen, the title, badges and Delete."""
    done = bool(task.get("completed"))
    task_id = str(task["id"])
    toggle = {
        "type": "Button",
        "label": "Reopen" if done else "Complete",
        "iconStart": "check-circle-filled" if done else "empty-circle",
        "variant": "ghost",
        "color": "success" if done else "secondary",
        "size": "sm",
        "onClickAction": _action("task.reopen" if done else "task.complete", {"task_id": task_id}),
    }
    return {
        "type": "ListViewItem",
        "key": task_id,
        "children": [
            {
                "type": "Row",
                "gap": 2,
                "align": "center",
                "children": [
                    toggle,
                    {
                        "type": "Col",
                        "flex": 1,
                        "gap": 1,
                        "children": [
                            {
                                "type": "Text",
                                "value": str(task.get("title", "")),
                                "lineThrough": done,
                                "color": "secondary" if done else "prose",
                                "size": "sm",
                            },
                            {"type": "Row", "gap": 1, "wrap": "wrap", "children": _badges(task, today)},
                        ],
                    },
                    {
                        "type": "Button",
                        "label": "Delete",
                        "variant": "ghost",
                        "color": "danger",
                        "size": "sm",
                        "onClickAction": _action("task.delete", {"task_id": task_id}),
                    },
                ],
            }
        ],
    }


def deleted_row(task_id: str, title: str) -> dict[str, Any]:
    """A list row for a task deleted from the list: its title struck through, no buttons."""
    return {
        "type": "ListViewItem",
        "key": task_id,
        "children": [
            {
                "type": "Row",
                "gap": 2,
                "align": "center",
                "children": [
                    {"type": "Text", "value": title, "lineThrough": True, "color": "secondary", "size": "sm"},
                    {"type": "Badge", "label": "Deleted", "color": "danger", "variant": "soft", "size": "sm"},
                ],
            }
        ],
    }


def replace_row(payload: dict[str, Any], key: str, row: dict[str, Any]) -> dict[str, Any]:
    """The list with the row ``key`` replaced by ``row``, validated; rows that no longer fit are left off.

    A row can grow after the list was built (a title edited to 200 characters since): like
    :func:`task_list`, the list then shows the rows that fit, dropping them from the end and never
    the changed one, so the widget stays under the size limit.
    """
    children = [row if c.get("key") == key else c for c in payload.get("children", [])]
    new = {**payload, "children": children}
    while len(json.dumps(new, ensure_ascii=False).encode()) > MAX_BYTES:
        last = max((i for i, c in enumerate(children) if c.get("key") != key), default=None)
        if last is None:
            break  # only the changed row is left: the gate below says what is wrong
        del children[last]
    return dump(validate_widget(new))


def task_list(tasks: list[dict[str, Any]], *, heading: str, today: date) -> dict[str, Any]:
    """The list answer to "show my tasks", searches and filters; "show more" past 10 rows."""
    rows: list[dict[str, Any]] = []
    budget = MAX_BYTES - 2048  # room for the status and the ListView itself
    for task in tasks[:100]:
        row = task_row(task, today)
        budget -= len(json.dumps(row, ensure_ascii=False).encode()) + 1
        if budget < 0:  # more rows than one widget may hold: show those that fit
            break
        rows.append(row)
    payload = {
        "type": "ListView",
        "status": {"text": heading, "icon": "check-circle"},
        "limit": LIST_LIMIT,
        "children": rows,
    }
    return dump(validate_widget(payload))


def _edit_form(task: dict[str, Any]) -> dict[str, Any]:
    task_id = str(task["id"])
    return {
        "type": "Form",
        "key": "edit",
        "direction": "col",
        "gap": 2,
        "onSubmitAction": _action("task.update", {"task_id": task_id}, loading="container"),
        "children": [
            {"type": "Label", "value": "Title", "fieldName": "title", "size": "sm"},
            {
                "type": "Input",
                "name": "title",
                "defaultValue": str(task.get("title", "")),
                "required": True,
                "size": "sm",
            },
            {
                "type": "Row",
                "gap": 2,
                "wrap": "wrap",
                "children": [
                    {
                        "type": "Col",
                        "gap": 1,
                        "flex": 1,
                        "children": [
                            {"type": "Label", "value": "Due date", "fieldName": "due_date", "size": "sm"},
                            {
                                "type": "DatePicker",
                                "name": "due_date",
                                "size": "sm",
                                "clearable": True,
                                **(
                                    {"defaultValue": str(task["due_date"])[:10]}
                                    if task.get("due_date")
                                    else {}
                                ),
                            },
                        ],
                    },
                    {
                        "type": "Col",
                        "gap": 1,
                        "flex": 1,
                        "children": [
                            {"type": "Label", "value": "Priority", "fieldName": "priority", "size": "sm"},
                            {
                                "type": "Select",
                                "name": "priority",
                                "size": "sm",
                                "defaultValue": str(task.get("priority") or "medium"),
                                "options": [
                                    {"value": p, "label": p.capitalize()} for p in ("high", "medium", "low")
                                ],
                            },
                        ],
                    },
                ],
            },
            {"type": "Button", "label": "Save changes", "submit": True, "size": "sm", "style": "primary"},
        ],
    }


def task_card(
    task: dict[str, Any], *, verb: str, operation_id: str | None, today: date, editable: bool = True
) -> dict[str, Any]:
    """A created/updated task: title, badges, Undo, Open in Tasks and an Edit form."""
    actions: list[dict[str, Any]] = []
    if operation_id:
        actions.append(
            {
                "type": "Button",
                "label": "Undo",
                "iconStart": "reload",
                "variant": "outline",
                "size": "sm",
                "onClickAction": _action("task.undo", {"operation_id": operation_id}),
            }
        )
    actions.append(
        {
            "type": "Button",
            "label": "Open in Tasks",
            "iconStart": "external-link",
            "variant": "ghost",
            "size": "sm",
            "onClickAction": _action(
                "task.open", {"title": str(task.get("title", ""))}, handler="client", loading="none"
            ),
        }
    )
    children: list[dict[str, Any]] = [
        {"type": "Caption", "value": verb, "color": "secondary"},
        {"type": "Title", "value": str(task.get("title", "")), "size": "sm"},
        {"type": "Row", "gap": 1, "wrap": "wrap", "children": _badges(task, today)},
        {"type": "Row", "gap": 2, "wrap": "wrap", "children": actions},
    ]
    if editable:
        children += [{"type": "Divider", "spacing": 2}, _edit_form(task)]
    return dump(validate_widget({"type": "Card", "size": "md", "children": children}))


def outcome_card(
    message: str, *, detail: list[str] | None = None, operation_id: str | None = None, tone: str = "secondary"
) -> dict[str, Any]:
    """A settled card: what happened, with Undo when it can be undone; no other buttons."""
    children: list[dict[str, Any]] = [{"type": "Text", "value": message, "weight": "medium", "color": tone}]
    children += [{"type": "Caption", "value": line} for line in (detail or [])[:20]]
    if operation_id:
        children.append(
            {
                "type": "Row",
                "children": [
                    {
                        "type": "Button",
                        "label": "Undo",
                        "iconStart": "reload",
                        "variant": "outline",
                        "size": "sm",
                        "onClickAction": _action("task.undo", {"operation_id": operation_id}),
                    }
                ],
            }
        )
    return dump(validate_widget({"type": "Card", "size": "md", "children": children}))


def confirm_delete(task_ids: list[str], titles: list[str]) -> dict[str, Any]:
    """Ask before deleting several tasks; nothing is deleted until Confirm."""
    count = len(task_ids)
    payload = {
        "type": "Card",
        "size": "md",
        "children": [
            {"type": "Title", "value": f"Delete {count} task{'s' if count != 1 else ''}?", "size": "sm"},
            *[{"type": "Text", "value": f"• {title}", "size": "sm"} for title in titles[:20]],
            *([{"type": "Caption", "value": f"and {len(titles) - 20} more"}] if len(titles) > 20 else []),
        ],
        "confirm": {
            "label": "Delete",
            "action": _action("tasks.delete", {"task_ids": task_ids}, loading="container"),
        },
        "cancel": {"label": "Cancel", "action": _action("tasks.cancel", {}, loading="container")},
    }
    return dump(validate_widget(payload))
