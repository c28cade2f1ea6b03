"""The widgets the assistant answers with, built by the server from tool results.

Never from model output: whatever a backend says, the cards show what the database holds.
Every builder assembles the ChatKit models of :mod:`app.widgets.models` (each field is checked as
it is set, each action is one of :mod:`app.widgets.actions`) and returns the stored JSON form (a
dict, no nulls) once it passes the size and depth limits (:func:`app.widgets.validate.finish`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.services.presentation import relative_due
from app.widgets.actions import (
    CancelDeleteTasks,
    CompleteTask,
    DeleteTask,
    DeleteTasks,
    OpenTask,
    OperationRef,
    ReopenTask,
    TaskIds,
    TaskRef,
    TaskTitle,
    UndoOperation,
    UpdateTask,
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
    Divider,
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


def _undo_button(operation_id: str) -> Button:
    return Button(
        label="Undo",
        iconStart="reload",
        variant="outline",
        size="sm",
        onClickAction=UndoOperation(payload=OperationRef(operation_id=operation_id)).config(),
    )


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
                    Col(
                        flex=1,
                        gap=1,
                        children=[title, Row(gap=1, wrap="wrap", children=_badges(task, today))],
                    ),
                    delete,
                ],
            )
        ],
    )


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


def task_list(tasks: list[dict[str, Any]], *, heading: str, today: date) -> dict[str, Any]:
    """The list answer to "show my tasks", searches and filters; "show more" past 10 rows."""
    rows: list[ListViewItem] = []
    budget = MAX_BYTES - 2048  # room for the status and the ListView itself
    for task in tasks[:100]:
        row = task_row(task, today)
        budget -= payload_size(row.model_dump(mode="json")) + 1
        if budget < 0:  # more rows than one widget may hold: show those that fit
            break
        rows.append(row)
    return finish(
        ListView(status=WidgetStatus(text=heading, icon="check-circle"), limit=LIST_LIMIT, children=rows)
    )


def _labelled(label: str, field: str, control: WidgetComponent) -> Col:
    return Col(gap=1, flex=1, children=[Label(value=label, fieldName=field, size="sm"), control])


def _edit_form(task: dict[str, Any]) -> Form:
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
        key="edit",
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


def task_card(
    task: dict[str, Any], *, verb: str, operation_id: str | None, today: date, editable: bool = True
) -> dict[str, Any]:
    """A created/updated task: title, badges, Undo, Open in Tasks and an Edit form."""
    title = str(task.get("title", ""))
    actions: list[WidgetComponent] = [_undo_button(operation_id)] if operation_id else []
    actions.append(
        Button(
            label="Open in Tasks",
            iconStart="external-link",
            variant="ghost",
            size="sm",
            onClickAction=OpenTask(payload=TaskTitle(title=title)).config(loading="none"),
        )
    )
    children: list[WidgetComponent] = [
        Caption(value=verb, color="secondary"),
        Title(value=title, size="sm"),
        Row(gap=1, wrap="wrap", children=_badges(task, today)),
        Row(gap=2, wrap="wrap", children=actions),
    ]
    if editable:
        children += [Divider(spacing=2), _edit_form(task)]
    return finish(Card(size="md", children=children))


def outcome_card(
    message: str, *, detail: list[str] | None = None, operation_id: str | None = None, tone: str = "secondary"
) -> dict[str, Any]:
    """A settled card: what happened, with Undo when it can be undone; no other buttons."""
    children: list[WidgetComponent] = [Text(value=message, weight="medium", color=tone)]
    children += [Caption(value=line) for line in (detail or [])[:20]]
    if operation_id:
        children.append(Row(children=[_undo_button(operation_id)]))
    return finish(Card(size="md", children=children))


def confirm_delete(task_ids: list[str], titles: list[str]) -> dict[str, Any]:
    """Ask before deleting several tasks; nothing is deleted until Confirm."""
    count = len(task_ids)
    children: list[WidgetComponent] = [
        Title(value=f"Delete {count} task{'s' if count != 1 else ''}?", size="sm"),
        *[Text(value=f"• {title}", size="sm") for title in titles[:20]],
        *([Caption(value=f"and {len(titles) - 20} more")] if len(titles) > 20 else []),
    ]
    confirm = DeleteTasks(payload=TaskIds(task_ids=task_ids)).config(loading="container")
    return finish(
        Card(
            size="md",
            children=children,
            confirm=CardAction(label="Delete", action=confirm),
            cancel=CardAction(label="Cancel", action=CancelDeleteTasks().config(loading="container")),
        )
    )
