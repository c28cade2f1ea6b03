"""The widgets the assistant answers with, built by the server from tool results.

Never from model output: whatever a backend says, the cards show what the database holds.
Every builder assembles the ChatKit models of :mod:`app.widgets.models` (each field is checked as
it is set, each action is one of :mod:`app.widgets.actions`) and returns the stored JSON form (a
dict, no nulls) once it passes the size and depth limits (:func:`app.widgets.validate.finish`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.services.presentation import relative_due
from app.widgets.actions import (
    AddSubtasks,
    ApplyTaskChanges,
    CancelDeleteTasks,
    CompleteTask,
    DeleteTask,
    DeleteTasks,
    FormRef,
    OperationRef,
    OperationRefs,
    ReopenTask,
    ShareProject,
    ShareRef,
    TaskChanges,
    TaskIds,
    TaskRef,
    ToggleForm,
    UndoOperation,
    UndoOperations,
    UpdateTask,
    WidgetAction,
)
from app.widgets.models import (
    Badge,
    BadgeColor,
    Button,
    Caption,
    Card,
    CardAction,
    Col,
    DatePicker,
    Form,
    Input,
    Label,
    ListView,
    ListViewItem,
    Row,
    Select,
    SelectOption,
    Text,
    Title,
    WidgetComponent,
    WidgetStatus,
)
from app.widgets.validate import MAX_BYTES, finish, payload_size, validate_widget

LIST_LIMIT = 10
LIST_MAX = 100
"""Rows a list stores at most (by reference; :func:`hydrate` shows those that fit one widget)."""
PRIORITY_BADGE: dict[str, BadgeColor] = {"high": "danger", "medium": "warning", "low": "secondary"}
DUE_BADGE: dict[str, BadgeColor] = {
    "overdue": "danger",
    "today": "warning",
    "soon": "info",
    "later": "secondary",
}


def _due(task: dict[str, Any], today: date) -> tuple[str, str]:
    raw = task.get("due_date")
    if not raw:
        return "", "none"
    return relative_due(date.fromisoformat(str(raw)[:10]), today, completed=bool(task.get("completed")))


INBOX = "Inbox"


def team_label(task: dict[str, Any]) -> str:
    """Where a task is and who has it: "Groceries · Sam" (the Inbox is not named on every row)."""
    parts = []
    project = task.get("project")
    if project and project != INBOX:
        parts.append(str(project))
    who = task.get("assignee_name") or task.get("assignee")
    if who:
        parts.append(str(who))
    return " · ".join(parts)


def _badges(task: dict[str, Any], today: date) -> list[WidgetComponent]:
    priority = str(task.get("priority") or "medium")
    badges: list[WidgetComponent] = [
        Badge(
            label=priority.capitalize(),
            color=PRIORITY_BADGE.get(priority, "secondary"),
            variant="soft",
            size="sm",
        )
    ]
    label, tone = _due(task, today)
    if label:
        badges.append(
            Badge(label=label, color=DUE_BADGE.get(tone, "secondary"), variant="outline", size="sm")
        )
    if task.get("recurrence"):
        badges.append(Badge(label=str(task["recurrence"]), color="info", variant="outline", size="sm"))
    badges += [
        Badge(label=f"#{tag}", color="discovery", variant="outline", size="sm", pill=True)
        for tag in task.get("tags") or []
    ]
    return badges


def task_row(task: dict[str, Any], today: date) -> ListViewItem:
    """A ListViewItem: complete/reopen, the title, badges and Delete."""
    done = bool(task.get("completed"))
    ref = TaskRef(task_id=str(task["id"]))
    toggle = Button(
        label="Reopen" if done else "Complete",
        iconStart="check-circle-filled" if done else "empty-circle",
        variant="ghost",
        color="success" if done else "secondary",
        size="sm",
        onClickAction=(ReopenTask(payload=ref) if done else CompleteTask(payload=ref)).config(),
    )
    title = Text(
        value=str(task.get("title", "")), lineThrough=done, color="secondary" if done else "prose", size="sm"
    )
    delete = Button(
        label="Delete",
        variant="ghost",
        color="danger",
        size="sm",
        onClickAction=DeleteTask(payload=ref).config(),
    )
    return ListViewItem(
        key=ref.task_id,
        children=[
            Row(
                gap=2,
                align="center",
                children=[
                    toggle,
                    Col(flex=1, gap=1, children=[title, *_team_caption(task), _badge_row(task, today)]),
                    delete,
                ],
            )
        ],
    )


def _team_caption(task: dict[str, Any]) -> list[WidgetComponent]:
    label = team_label(task)
    return [Caption(value=label, color="secondary")] if label else []


def _badge_row(task: dict[str, Any], today: date) -> Row:
    return Row(gap=1, wrap="wrap", children=_badges(task, today))


def deleted_row(task_id: str, title: str) -> ListViewItem:
    """A list row for a task deleted from the list: its title struck through, no buttons."""
    return ListViewItem(
        key=task_id,
        children=[
            Row(
                gap=2,
                align="center",
                children=[
                    Text(value=title, lineThrough=True, color="secondary", size="sm"),
                    Badge(label="Deleted", color="danger", variant="soft", size="sm"),
                ],
            )
        ],
    )


UNSHARED = "No longer shared with you"


def unshared_row(task_id: str) -> ListViewItem:
    """A list row for a task whose project the reader has left or was removed from: nothing of the
    task (not even its title) and no buttons, from the moment membership ends."""
    return ListViewItem(
        key=task_id,
        children=[Text(value=UNSHARED, color="secondary", size="sm", italic=True)],
    )


def replace_row(payload: dict[str, Any], key: str, row: ListViewItem) -> dict[str, Any]:
    """The list with the row ``key`` replaced by ``row``, validated; rows that no longer fit are left off.

    A row can grow after the list was built (a title edited to 200 characters since): like
    :func:`task_list`, the list then shows the rows that fit, dropping them from the end and never
    the changed one, so the widget stays under the size limit.
    """
    stored = validate_widget(payload)
    children: list[Any] = [row if c.key == key else c for c in stored.children]
    while True:
        new = stored.model_copy(update={"children": list(children)})
        last = max((i for i, c in enumerate(children) if c.key != key), default=None)
        if last is None or payload_size(new.model_dump(mode="json")) <= MAX_BYTES:
            return finish(new)  # only the changed row left and still too big: the gate says what is wrong
        del children[last]


def ref_row(task: dict[str, Any]) -> ListViewItem:
    """A list row as stored: the task's id, its title and its two buttons, nothing else.

    The row a person sees is built from the task as it is at view time (:func:`hydrate`: badges,
    dates, Complete or Reopen as the task is now), so a list never shows "Complete" for a task
    completed elsewhere. The stored row stays a working ChatKit row on its own (a client reading
    the stored widget gets the title and the actions), at about half the size of a full one.
    """
    ref = TaskRef(task_id=str(task["id"]))
    done = bool(task.get("completed"))
    toggle = (ReopenTask(payload=ref) if done else CompleteTask(payload=ref)).config()
    return ListViewItem(
        key=ref.task_id,
        children=[
            Button(label="Reopen" if done else "Complete", onClickAction=toggle),
            Text(value=str(task.get("title", ""))),
            Button(label="Delete", onClickAction=DeleteTask(payload=ref).config()),
        ],
    )


def task_list(tasks: list[dict[str, Any]], *, heading: str, today: date) -> dict[str, Any]:
    """The list answer to "show my tasks", searches and filters; "show more" past 10 rows.

    Stored by reference (:func:`ref_row`): :func:`hydrate` shows every row as its task is now.
    ``today`` is unused here (the rows' dates are worded at view time); kept for the callers.
    """
    del today
    rows: list[ListViewItem] = []
    budget = MAX_BYTES - 2048  # room for the status and the ListView itself
    for task in tasks[:LIST_MAX]:
        row = ref_row(task)
        budget -= payload_size(row.model_dump(mode="json")) + 1
        if budget < 0:  # more rows than one widget may hold: keep those that fit
            break
        rows.append(row)
    return finish(
        ListView(status=WidgetStatus(text=heading, icon="check-circle"), limit=LIST_LIMIT, children=rows)
    )


def _labelled(label: str, field: str, control: WidgetComponent) -> Col:
    return Col(gap=1, flex=1, children=[Label(value=label, fieldName=field, size="sm"), control])


def _edit_form(task: dict[str, Any]) -> Form:
    """The folded edit form of a change row (key ``edit:<task id>``), opened by its Edit button."""
    due = DatePicker(
        name="due_date",
        size="sm",
        clearable=True,
        # the date as text: parsed as the stored JSON always had it (midnight, "2026-06-14T00:00:00")
        defaultValue=str(task["due_date"])[:10] if task.get("due_date") else None,  # type: ignore[arg-type]
    )
    priority = Select(
        name="priority",
        size="sm",
        defaultValue=str(task.get("priority") or "medium"),
        options=[SelectOption(value=p, label=p.capitalize()) for p in ("high", "medium", "low")],
    )
    return Form(
        key=f"{EDIT_PREFIX}{task['id']}",
        direction="col",
        gap=2,
        onSubmitAction=UpdateTask(payload=TaskRef(task_id=str(task["id"]))).config(loading="container"),
        children=[
            Label(value="Title", fieldName="title", size="sm"),
            Input(name="title", defaultValue=str(task.get("title", "")), required=True, size="sm"),
            Row(
                gap=2,
                wrap="wrap",
                children=[
                    _labelled("Due date", "due_date", due),
                    _labelled("Priority", "priority", priority),
                ],
            ),
            Button(label="Save changes", submit=True, size="sm", style="primary"),
        ],
    )


# ----- change cards -------------------------------------------------------------------------------
#
# A change card is one line per changed task: its title, what changed ("Added · due tomorrow · High"),
# Undo and Edit (a disclosure: the form stays folded until asked for). Several changes of one turn
# are one card with a heading and "Undo all". It is stored as a skeleton, in ChatKit's shape:
#
#   Card(key="changes")
#     Text(key="heading")                     several changes only
#     Col(key="change:<task id>")             one per task
#       Text(key="title")                     the title when the card was made (shown once it is gone)
#       Caption(key="verb")                   "Added", "Updated", "Added, then edited"...
#       Row(key="undo")                       one Undo button per undoable change, oldest first
#       Caption(key="note")                   what its last Undo reverted, if it was used
#     Row(key="undo-all")                     several changes only; filled in at view time
#
# and shown by :func:`hydrate` from the tasks as they are then.

CHANGES_KEY = "changes"
CHANGE_PREFIX = "change:"
EDIT_PREFIX = "edit:"
SUMMARY_EDIT_MAX = 10
"""A summary of more changes than this has no Edit forms (they would outgrow a widget); Undo stays."""


@dataclass(frozen=True)
class Change:
    """One task a turn changed: its id, title, the verb ("Added") and its changes' journal ids."""

    task_id: str
    title: str
    verb: str
    operation_ids: tuple[str, ...] = ()


def _undo_button(operation_id: str) -> Button:
    return Button(
        label="Undo",
        iconStart="reload",
        variant="outline",
        size="sm",
        onClickAction=UndoOperation(payload=OperationRef(operation_id=operation_id)).config(),
    )


def _edit_button(task_id: str, *, key: str | None = None) -> Button:
    """Edit: a disclosure that shows the row's folded form (``edit:<task id>``), in the browser."""
    toggle = ToggleForm(payload=FormRef(form=f"{EDIT_PREFIX}{task_id}", task_id=task_id))
    return Button(
        key=key,
        label="Edit",
        iconStart="write",
        variant="ghost",
        size="sm",
        onClickAction=toggle.config(loading="none"),
    )


def change_skeleton(change: Change, *, note: str = "", undo: list[str] | None = None) -> Col:
    """A change row as stored (see the layout above); ``undo``: its undoable changes, oldest first."""
    ops = undo if undo is not None else list(change.operation_ids)
    children: list[WidgetComponent] = [
        Text(key="title", value=change.title, size="sm"),
        Caption(key="verb", value=change.verb),
        Row(key="undo", children=[_undo_button(op) for op in ops]),
        _edit_button(change.task_id, key="edit"),
    ]
    if note:
        children.append(Caption(key="note", value=note))
    return Col(key=f"{CHANGE_PREFIX}{change.task_id}", gap=1, children=children)


def change_card(changes: list[Change], *, heading: str = "") -> dict[str, Any]:
    """One card for every change of a turn: one row per task, and "Undo all" when there are several."""
    children: list[WidgetComponent] = []
    if len(changes) > 1:
        heading = heading or f"Changed {len(changes)} tasks"
        children.append(Text(key="heading", value=heading, weight="medium"))
    children += [change_skeleton(c) for c in changes]
    if len(changes) > 1:
        children.append(Row(key="undo-all", children=[]))
    return finish(Card(key=CHANGES_KEY, size="md", children=children))


@dataclass
class StoredChange:
    """A change row read back from a stored card."""

    task_id: str
    title: str
    verb: str
    undo: list[str]
    note: str


def read_change(node: dict[str, Any]) -> StoredChange | None:
    """The stored change row ``node`` (a ``change:`` Col), or None for any other node."""
    key = str(node.get("key") or "")
    if node.get("type") != "Col" or not key.startswith(CHANGE_PREFIX):
        return None
    parts = {str(k.get("key")): k for k in node.get("children") or [] if isinstance(k, dict)}
    undo = [
        str(b["onClickAction"]["payload"].get("operation_id", ""))
        for b in (parts.get("undo") or {}).get("children") or []
        if isinstance(b, dict) and isinstance(b.get("onClickAction"), dict)
    ]
    return StoredChange(
        task_id=key[len(CHANGE_PREFIX) :],
        title=str((parts.get("title") or {}).get("value", "")),
        verb=str((parts.get("verb") or {}).get("value", "")),
        undo=[op for op in undo if op],
        note=str((parts.get("note") or {}).get("value", "")),
    )


def change_line(verb: str, task: dict[str, Any] | None, today: date) -> str:
    """What changed, and the task's state now, on one line: "Added · due tomorrow · High"."""
    if task is None:
        return f"{verb} · deleted"
    parts = [verb]
    if team_label(task):
        parts.append(team_label(task))
    label, tone = _due(task, today)
    if label:
        parts.append(label if tone == "overdue" or task.get("completed") else f"due {label}")
    parts.append(str(task.get("priority") or "medium").capitalize())
    if task.get("recurrence"):
        parts.append(str(task["recurrence"]))
    parts += [f"#{tag}" for tag in task.get("tags") or []]
    if task.get("completed") and "Completed" not in verb:
        parts.append("done")
    return " · ".join(parts)


def change_row(
    stored: StoredChange,
    task: dict[str, Any] | None,
    today: date,
    *,
    editable: bool = True,
    unshared: bool = False,
) -> Col:
    """A change row as shown: the task as it is now, the last Undo and a folded Edit form.

    A task that is gone keeps its old title, says "deleted" and has no buttons; one the reader may
    no longer see (``unshared``) shows nothing of it.
    """
    if unshared:
        note = Text(value=UNSHARED, color="secondary", size="sm", italic=True)
        return Col(key=f"{CHANGE_PREFIX}{stored.task_id}", gap=1, children=[note])
    done = bool(task and task.get("completed"))
    title = str(task.get("title", "")) if task else stored.title
    buttons: list[WidgetComponent] = []
    if task is not None and stored.undo:
        buttons.append(_undo_button(stored.undo[-1]))
    if task is not None and editable:
        buttons.append(_edit_button(stored.task_id))
    line = Row(
        gap=2,
        align="center",
        children=[
            Col(
                flex=1,
                gap=0,
                children=[
                    Text(
                        value=title,
                        size="sm",
                        weight="medium",
                        lineThrough=done or task is None,
                        color="secondary" if done or task is None else "prose",
                    ),
                    Caption(value=change_line(stored.verb, task, today)),
                ],
            ),
            *buttons,
        ],
    )
    children: list[WidgetComponent] = [line]
    if stored.note:
        children.append(Caption(value=stored.note, color="secondary"))
    if task is not None and editable:
        children.append(_edit_form(task))
    return Col(key=f"{CHANGE_PREFIX}{stored.task_id}", gap=1, children=children)


def with_change(
    payload: dict[str, Any], task_id: str, update: Callable[[StoredChange], Col]
) -> dict[str, Any]:
    """The stored change card with the row of ``task_id`` replaced by ``update(row)``."""
    children = []
    for kid in payload.get("children") or []:
        stored = read_change(kid) if isinstance(kid, dict) else None
        mine = stored is not None and stored.task_id == task_id
        children.append(update(stored).model_dump(mode="json") if stored and mine else kid)
    return {**payload, "children": children}


def change_ops(payload: dict[str, Any]) -> list[str]:
    """Every undoable change still on a stored change card, newest first (what "Undo all" reverts)."""
    rows = [read_change(k) for k in payload.get("children") or [] if isinstance(k, dict)]
    return [op for row in reversed([r for r in rows if r]) for op in reversed(row.undo)]


# ----- hydration: stored cards shown as the tasks are now -------------------------------------------


def task_ids_in(payload: dict[str, Any]) -> list[str]:
    """The tasks a stored card shows by reference (list rows and change rows)."""
    ids: list[str] = []
    for kid in payload.get("children") or []:
        if not isinstance(kid, dict):
            continue
        if payload.get("type") == "ListView" and _is_id(kid.get("key")):
            ids.append(str(kid["key"]))
        elif (stored := read_change(kid)) is not None and _is_id(stored.task_id):
            ids.append(stored.task_id)
    return ids


def _is_id(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _first_text(node: dict[str, Any]) -> str:
    for kid in node.get("children") or []:
        if isinstance(kid, dict):
            if kid.get("type") == "Text":
                return str(kid.get("value", ""))
            found = _first_text(kid)
            if found:
                return found
    return ""


def hydrate(
    payload: dict[str, Any],
    tasks: dict[str, dict[str, Any]],
    today: date,
    unshared: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A stored card as it reads now: rows that name a task are built from ``tasks`` (its public
    JSON by id; a task missing from it is gone). Any other card comes back as stored.

    A list keeps the rows that fit in one widget (dropping from the end), like a list always did.
    """
    if payload.get("type") == "ListView":
        return _hydrate_list(payload, tasks, today, unshared)
    if payload.get("type") == "Card" and payload.get("key") == CHANGES_KEY:
        return _hydrate_changes(payload, tasks, today, unshared)
    return payload


def _hydrate_list(
    payload: dict[str, Any], tasks: dict[str, dict[str, Any]], today: date, unshared: frozenset[str]
) -> dict[str, Any]:
    stored = validate_widget(payload)
    rows: list[ListViewItem] = []
    budget = MAX_BYTES - 2048  # room for the status and the ListView itself
    for item, raw in zip(stored.children, payload.get("children") or [], strict=False):
        key = str(item.key or "")
        if not _is_id(key):
            row = item
        elif key in tasks:
            row = task_row(tasks[key], today)
        elif key in unshared:
            row = unshared_row(key)
        else:
            row = deleted_row(key, _first_text(raw))
        budget -= payload_size(row.model_dump(mode="json")) + 1
        if budget < 0:  # more rows than one widget may hold: show those that fit
            break
        rows.append(row)
    return finish(stored.model_copy(update={"children": rows}))


def _hydrate_changes(
    payload: dict[str, Any], tasks: dict[str, dict[str, Any]], today: date, unshared: frozenset[str]
) -> dict[str, Any]:
    stored_rows = [r for k in payload.get("children") or [] if isinstance(k, dict) and (r := read_change(k))]
    editable = len(stored_rows) <= SUMMARY_EDIT_MAX
    ops = change_ops(payload)
    children: list[Any] = []
    for kid in payload.get("children") or []:
        row = read_change(kid) if isinstance(kid, dict) else None
        if row is not None:
            hidden = row.task_id in unshared
            children.append(
                change_row(row, tasks.get(row.task_id), today, editable=editable, unshared=hidden)
            )
        elif isinstance(kid, dict) and kid.get("key") == "undo-all":
            button = Button(
                label="Undo all",
                iconStart="reload",
                variant="outline",
                size="sm",
                onClickAction=UndoOperations(payload=OperationRefs(operation_ids=ops)).config(
                    loading="container"
                ),
            )
            children.append(Row(key="undo-all", children=[button] if len(ops) > 1 else []))
        else:
            children.append(kid)
    return finish(validate_widget({**payload, "children": [_json(c) for c in children]}))


def _json(node: Any) -> Any:
    return node.model_dump(mode="json") if hasattr(node, "model_dump") else node


# ----- settled cards and confirmations ---------------------------------------------------------------


def outcome_card(
    message: str,
    *,
    detail: list[str] | None = None,
    operation_id: str | None = None,
    tone: str = "secondary",
    key: str | None = None,
) -> dict[str, Any]:
    """A settled card: what happened, with Undo when it can be undone; no other buttons."""
    children: list[WidgetComponent] = [Text(value=message, weight="medium", color=tone)]
    children += [Caption(value=line) for line in (detail or [])[:20]]
    if len(detail or []) > 20:
        children.append(Caption(value=f"and {len(detail or []) - 20} more"))
    if operation_id:
        children.append(Row(children=[_undo_button(operation_id)]))
    return finish(Card(key=key, size="md", children=children))


CONFIRM_PREFIX = "confirm:"
SETTLED_PREFIX = "settled:"


@dataclass(frozen=True)
class ConfirmSpec:
    """How a confirmation of one kind of action reads and what its buttons run.

    ``question`` and ``done`` take the count ("Delete 3 tasks?", "Deleted 3 tasks."); ``nothing``
    is what a "no" leaves ("nothing deleted").
    """

    label: str
    question: str
    done: str
    nothing: str
    confirm: Callable[[list[str], list[dict[str, Any]]], WidgetAction]
    cancel: Callable[[], WidgetAction]
    lists: bool = True
    """Whether the card lists its titles (tasks) under the question; a share names its one subject
    in the question instead (``{first}``: the first title)."""
    unit: str = "task"
    """What ``{n}`` counts ("3 tasks", "3 subtasks")."""


def _apply(ids: list[str], calls: list[dict[str, Any]]) -> WidgetAction:
    return ApplyTaskChanges(payload=TaskChanges.model_validate({"task_ids": ids, "calls": calls}))


def _change_spec(label: str, verb: str, done: str) -> ConfirmSpec:
    return ConfirmSpec(
        label=label,
        question=f"{verb} {{n}}?",
        done=f"{done} {{n}}.",
        nothing="nothing changed",
        confirm=_apply,
        cancel=CancelDeleteTasks,
    )


CONFIRMATIONS: dict[str, ConfirmSpec] = {
    "delete": ConfirmSpec(
        label="Delete",
        question="Delete {n}?",
        done="Deleted {n}.",
        nothing="nothing deleted",
        confirm=lambda ids, _calls: DeleteTasks(payload=TaskIds(task_ids=ids)),
        cancel=CancelDeleteTasks,
    ),
    "move": _change_spec("Move", "Move", "Moved"),
    "update": _change_spec("Apply", "Change", "Changed"),
    "complete": _change_spec("Complete", "Complete", "Completed"),
    "reopen": _change_spec("Reopen", "Reopen", "Reopened"),
    "subtasks": ConfirmSpec(
        label="Add these",
        question="Add these subtasks to {first}?",
        done="Added {n}.",
        nothing="no subtasks added",
        confirm=lambda ids, _calls: AddSubtasks(payload=TaskRef(task_id=ids[0] if ids else "")),
        cancel=CancelDeleteTasks,
        unit="subtask",
    ),
    "share": ConfirmSpec(
        label="Share",
        question="Share {first}?",
        done="Shared {first}.",
        nothing="nothing shared",
        confirm=lambda _ids, calls: ShareProject(payload=ShareRef.model_validate(calls[0]["args"])),
        cancel=CancelDeleteTasks,
        lists=False,
    ),
}
"""Every action the assistant asks about first, by :class:`~app.models.Confirmation` ``action``."""


def count_tasks(n: int, unit: str = "task") -> str:
    return f"{n} {unit}{'s' if n != 1 else ''}"


def confirmation_card(
    action: str, task_ids: list[str], titles: list[str], calls: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Ask before a change to several tasks, listing them; nothing happens until the confirm button.

    Generic over the pending :class:`~app.models.Confirmation`'s ``action`` (see :data:`CONFIRMATIONS`);
    the card's ``key`` (``confirm:<action>``) lets a later turn settle it (:func:`settled_confirmation`).
    ``calls``: each task's change as ``{"tool", "args"}`` (a bulk change; unused by a delete).
    """
    spec = CONFIRMATIONS[action]
    if action == "subtasks":
        return subtask_proposal(task_ids[0], titles[0] if titles else "", _proposed(calls or []))
    confirm = spec.confirm(task_ids, calls or [])
    count = len(task_ids)
    listed = titles if spec.lists else []
    children: list[WidgetComponent] = [
        Title(value=spec.question.format(n=count_tasks(count), first=titles[0] if titles else ""), size="sm"),
        *[Text(value=f"• {title}", size="sm") for title in listed[:20]],
        *([Caption(value=f"and {len(listed) - 20} more")] if len(listed) > 20 else []),
    ]
    return finish(
        Card(
            key=f"{CONFIRM_PREFIX}{action}",
            size="md",
            children=children,
            confirm=CardAction(label=spec.label, action=confirm.config(loading="container")),
            cancel=CardAction(label="Cancel", action=spec.cancel().config(loading="container")),
        )
    )


PROPOSAL_MAX = 12
"""The most subtasks a proposal card offers (a longer plan is a project, not a task's subtasks)."""
PROPOSAL_BLANKS = 2
"""Empty fields under the proposal, to add a subtask the model did not think of."""
PROPOSAL_FIELD = "subtask_"


def _proposed(calls: list[dict[str, Any]]) -> list[str]:
    args = (calls[0].get("args") or {}) if calls else {}
    return [str(t) for t in args.get("titles") or []]


def subtask_proposal(parent_id: str, parent_title: str, titles: list[str]) -> dict[str, Any]:
    """Proposed subtasks for a task as a form the person edits before accepting (``confirm:subtasks``).

    One labelled field per proposed subtask (``subtask_1``...), and :data:`PROPOSAL_BLANKS` empty ones;
    "Add these" adds what the fields hold, in order, blanks skipped, as one change (one Undo);
    "Cancel" settles it with nothing added. Until then nothing is changed.
    """
    spec = CONFIRMATIONS["subtasks"]
    shown = titles[:PROPOSAL_MAX]
    fields: list[WidgetComponent] = []
    for i, title in enumerate([*shown, *[""] * PROPOSAL_BLANKS], start=1):
        name = f"{PROPOSAL_FIELD}{i}"
        label = f"Subtask {i}" if i <= len(shown) else f"Subtask {i} (optional)"
        fields += [
            Label(value=label, fieldName=name, size="sm"),
            Input(
                name=name,
                defaultValue=title or None,
                placeholder=None if title else "Another subtask",
                size="sm",
            ),
        ]
    form = Form(
        key="propose",
        direction="col",
        gap=2,
        onSubmitAction=spec.confirm([parent_id], []).config(loading="container"),
        children=[
            *fields,
            Row(
                gap=2,
                children=[
                    Button(label=spec.label, submit=True, size="sm", style="primary"),
                    Button(
                        label="Cancel",
                        size="sm",
                        variant="outline",
                        onClickAction=spec.cancel().config(loading="container"),
                    ),
                ],
            ),
        ],
    )
    return finish(
        Card(
            key=f"{CONFIRM_PREFIX}subtasks",
            size="md",
            children=[
                Title(value=spec.question.format(first=f"“{parent_title}”"), size="sm"),
                Caption(value="Edit, clear or add any of them; nothing is added until you choose Add these."),
                form,
            ],
        )
    )


def _submit_config(node: dict[str, Any]) -> dict[str, Any] | None:
    """The first form's submit action under ``node`` (a proposal card's "Add these")."""
    for kid in node.get("children") or []:
        if not isinstance(kid, dict):
            continue
        if kid.get("type") == "Form" and isinstance(kid.get("onSubmitAction"), dict):
            return kid["onSubmitAction"]
        found = _submit_config(kid)
        if found is not None:
            return found
    return None


def confirm_delete(task_ids: list[str], titles: list[str]) -> dict[str, Any]:
    """Ask before deleting several tasks (:func:`confirmation_card` for ``delete``)."""
    return confirmation_card("delete", task_ids, titles)


def pending_confirmation(payload: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(action, task ids) of a live confirmation card; None for any other card (a settled one too)."""
    if payload.get("type") != "Card":
        return None
    key = str(payload.get("key") or "")
    action = key[len(CONFIRM_PREFIX) :] if key.startswith(CONFIRM_PREFIX) else ""
    confirm = payload.get("confirm")
    if isinstance(confirm, dict):
        config = confirm.get("action") or {}
    elif action == "subtasks":  # a proposal answers through its form
        config = _submit_config(payload) or {}
    else:
        return None
    if not action and config.get("type") == DeleteTasks.model_fields["type"].default:
        action = "delete"  # a card stored before confirmations had a key
    if action not in CONFIRMATIONS:
        return None
    asked = config.get("payload") or {}
    ids = asked.get("task_ids") or ([asked["task_id"]] if asked.get("task_id") else [])
    return action, [str(i) for i in ids]


def settled_confirmation(action: str, *, done: list[str], operation_id: str | None = None) -> dict[str, Any]:
    """A confirmation once answered: what happened, and no buttons but Undo.

    ``done``: the titles the confirmed action changed; none means it was cancelled.
    """
    spec = CONFIRMATIONS.get(action, CONFIRMATIONS["delete"])
    key = f"{SETTLED_PREFIX}{action}"
    if not done:
        return outcome_card(f"Cancelled: {spec.nothing}.", key=key)
    message = spec.done.format(n=count_tasks(len(done), spec.unit), first=done[0])
    return outcome_card(message, detail=done if spec.lists else None, operation_id=operation_id, key=key)


def share_subject(result: dict[str, Any]) -> str:
    """ "“Groceries” with sam@example.com as editor": what a share tool result shared."""
    return f"“{result.get('name', '')}” with {result.get('email', '')} as {result.get('role', '')}"


def settled_share(result: dict[str, Any]) -> dict[str, Any]:
    """A share confirmation once the share ran: shared, or invited (no account with that email yet)."""
    if result.get("status") == "invited":
        message = (
            f"Invited {result.get('email', '')} to “{result.get('name', '')}” as {result.get('role', '')}: "
            "they join when they sign up with that email."
        )
        return outcome_card(message, key=f"{SETTLED_PREFIX}share")
    return settled_confirmation("share", done=[share_subject(result)])


def is_settled_confirmation(payload: dict[str, Any]) -> bool:
    """A confirmation card that was answered (:func:`settled_confirmation`)."""
    return str(payload.get("key") or "").startswith(SETTLED_PREFIX)
