"""A task's detail panel: a drawer on the right on a desktop, a full sheet on a phone.

It is a real dialog (Radix): focus moves into it, Tab stays inside, Escape or a click outside
closes it, and focus goes back to the task's row. Every field saves when it is left (a select or
a date when it is picked), and each saved change is listed with its own Undo.
"""

from __future__ import annotations

import reflex as rx

from app.components.markdown import markdown_text
from app.models.task import DESCRIPTION_MAX, TITLE_MAX
from app.states.tasks import DetailChange, TasksState


def _field(label: str, control_id: str, control: rx.Component, hint: rx.Var | str | None = None):
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control_id),
        control,
        rx.text(hint, size="1", color=rx.color("gray", 11)) if hint is not None else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _change_item(change: DetailChange) -> rx.Component:
    return rx.hstack(
        rx.text(
            change.label,
            size="2",
            class_name="ticked-wrap",
            text_decoration=rx.cond(change.undone, "line-through", "none"),
            color=rx.cond(change.undone, rx.color("gray", 10), rx.color("gray", 12)),
            flex="1",
            min_width="0",
        ),
        rx.cond(
            change.undone,
            rx.text("Undone", size="1", color=rx.color("gray", 11)),
            rx.button(
                rx.icon("undo-2", size=14, aria_hidden="true"),
                "Undo",
                on_click=TasksState.undo_change(change.op_id),
                aria_label=change.undo_label,
                size="1",
                variant="soft",
            ),
        ),
        role="listitem",
        align="center",
        spacing="2",
        width="100%",
        padding_y="0.25em",
    )


def _fields() -> rx.Component:
    task = TasksState.detail
    return rx.vstack(
        _field(
            "Title",
            "task-detail-title",
            rx.input(
                id="task-detail-title",
                default_value=task.title,
                on_blur=lambda value: TasksState.save_field("title", value),
                max_length=TITLE_MAX,
                width="100%",
                size="3",
                dir="auto",
            ),
        ),
        _field(
            "Description",
            "task-detail-description",
            rx.text_area(
                id="task-detail-description",
                default_value=task.description,
                on_blur=lambda value: TasksState.save_field("description", value),
                max_length=DESCRIPTION_MAX,
                placeholder="Notes, links, a checklist…",
                rows="5",
                width="100%",
                resize="vertical",
                dir="auto",
            ),
            hint="Markdown works: **bold**, - lists, [links](https://example.com).",
        ),
        rx.cond(
            task.description != "",
            rx.box(
                rx.text("Preview", size="1", weight="medium", color=rx.color("gray", 11)),
                markdown_text(task.description),
                width="100%",
                padding="0.5em 0.75em",
                border=f"1px solid {rx.color('gray', 5)}",
                border_radius="var(--radius-3)",
                aria_label="Description preview",
                role="region",
            ),
        ),
        rx.grid(
            _field(
                "Due date",
                "task-detail-due",
                rx.input(
                    id="task-detail-due",
                    type="date",
                    default_value=task.due_date,
                    # A picked date saves at once; a cleared one when the field is left (typing
                    # a date passes through empty values, which must not clear it meanwhile).
                    on_change=TasksState.pick_due,
                    on_blur=lambda value: TasksState.save_field("due_date", value),
                    size="3",
                    width="100%",
                ),
                hint=rx.cond(task.due_date != "", "Due " + task.due_label, "No due date"),
            ),
            _field(
                "Priority",
                "task-detail-priority",
                rx.el.select(
                    rx.el.option("High", value="high"),
                    rx.el.option("Medium", value="medium"),
                    rx.el.option("Low", value="low"),
                    id="task-detail-priority",
                    default_value=task.priority,
                    on_change=lambda value: TasksState.save_field("priority", value),
                    class_name="ticked-native-select",
                    style={"width": "100%"},
                ),
            ),
            _field(
                "Repeats",
                "task-detail-recurrence",
                rx.el.select(
                    rx.el.option("Does not repeat", value=""),
                    rx.el.option("Every day", value="daily"),
                    rx.el.option("Every week", value="weekly"),
                    rx.el.option("Every month", value="monthly"),
                    id="task-detail-recurrence",
                    default_value=task.recurrence,
                    on_change=lambda value: TasksState.save_field("recurrence", value),
                    class_name="ticked-native-select",
                    style={"width": "100%"},
                ),
            ),
            _field(
                "Tags",
                "task-detail-tags",
                rx.input(
                    id="task-detail-tags",
                    default_value=task.tags.join(" "),
                    on_blur=lambda value: TasksState.save_field("tags", value),
                    placeholder="work home",
                    size="3",
                    width="100%",
                ),
                hint="Separate tags with spaces or commas.",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
        key=TasksState.detail_id + "-" + TasksState.detail_version.to_string(),
        spacing="4",
        width="100%",
    )


def task_detail() -> rx.Component:
    """The open task's panel; closed when no task is open."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title("Task details", size="5", margin="0"),
                    rx.spacer(),
                    rx.dialog.close(
                        rx.icon_button(
                            rx.icon("x", size=18, aria_hidden="true"),
                            variant="ghost",
                            color_scheme="gray",
                            size="2",
                            aria_label="Close task details",
                        ),
                    ),
                    align="center",
                    width="100%",
                ),
                rx.dialog.description(
                    "Changes save when you leave a field. Each one can be undone.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    TasksState.detail_error != "",
                    rx.callout(
                        TasksState.detail_error, icon="triangle-alert", color_scheme="red", role="alert"
                    ),
                ),
                _fields(),
                rx.cond(
                    TasksState.detail_changes.length() > 0,
                    rx.vstack(
                        rx.heading("Changes", as_="h3", size="2"),
                        rx.box(
                            rx.foreach(TasksState.detail_changes, _change_item),
                            role="list",
                            aria_label="Changes",
                            width="100%",
                        ),
                        role="status",
                        spacing="1",
                        width="100%",
                        padding_top="0.5em",
                        border_top=f"1px solid {rx.color('gray', 4)}",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            # A drawer on the right; on a phone it fills the screen (a full sheet).
            position="fixed",
            top="0",
            right="0",
            left=["0", "auto"],
            bottom="0",
            width=["100vw", "min(480px, 100vw)"],
            max_width="100vw",
            height="100dvh",
            max_height="100dvh",
            margin="0",
            border_radius="0",
            overflow_y="auto",
            padding=["1em", "1.5em"],
        ),
        open=TasksState.detail_id != "",
        on_open_change=TasksState.set_detail_open,
    )
