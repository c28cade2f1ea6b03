"""One task in the list: checkbox, inline-editable title, badges, tags, its project (in the All and
Assigned views), its assignee's initials, open (details) and delete.

A row of a project where the person is a viewer draws no write controls: the checkbox is
read-only, the title is plain text, there is no Delete (the service refuses anyway).
"""

from __future__ import annotations

import reflex as rx

from app.components.projects import avatar, color_dot
from app.states.projects import ALL, ASSIGNED
from app.states.tasks import TaskRow, TasksState


def priority_badge(priority: rx.Var) -> rx.Component:
    return rx.match(
        priority,
        ("high", rx.badge("High", color_scheme="red", variant="soft")),
        ("low", rx.badge("Low", color_scheme="gray", variant="soft")),
        rx.badge("Medium", color_scheme="amber", variant="soft"),
    )


def due_badge(task: TaskRow) -> rx.Component:
    """ "Tomorrow 17:00", "3 days overdue": red when late (a time today that has passed too)."""
    color = rx.match(task.due_tone, ("overdue", "red"), ("today", "amber"), ("soon", "indigo"), "gray")
    return rx.cond(
        task.due_text != "",
        rx.badge(
            rx.icon(rx.cond(task.due_time != "", "clock", "calendar"), size=12, aria_hidden="true"),
            task.due_text,
            color_scheme=color,
            variant="surface",
            title=rx.cond(task.due_time != "", task.due_date + " " + task.due_time, task.due_date),
        ),
    )


def progress_badge(task: TaskRow) -> rx.Component:
    """ "2/5": how many of its subtasks are done (green when all are)."""
    return rx.cond(
        task.subtasks_total > 0,
        rx.badge(
            rx.icon("list-tree", size=12, aria_hidden="true"),
            task.progress,
            color_scheme=rx.cond(task.subtasks_done == task.subtasks_total, "grass", "gray"),
            variant="surface",
            title=task.progress + " subtasks done",
            aria_label=task.subtasks_done.to_string()
            + " of "
            + task.subtasks_total.to_string()
            + " subtasks done",
        ),
    )


def parent_note(task: TaskRow) -> rx.Component:
    """A subtask listed away from its parent names it ("in Plan the party")."""
    return rx.cond(
        task.parent_title != "",
        rx.text(
            rx.icon("corner-down-right", size=12, aria_hidden="true"),
            rx.text("in ", as_="span"),
            rx.el.bdi(task.parent_title),
            size="1",
            color=rx.color("gray", 11),
            class_name="ticked-wrap",
            display="inline-flex",
            align_items="center",
            gap="0.25em",
        ),
    )


def reminder_badge(task: TaskRow) -> rx.Component:
    return rx.cond(
        task.reminder_count > 0,
        rx.badge(
            rx.icon("bell", size=12, aria_hidden="true"),
            task.reminder_count,
            variant="surface",
            color_scheme="gray",
            title="Reminders",
            aria_label=task.reminder_count.to_string()
            + rx.cond(task.reminder_count == 1, " reminder", " reminders"),
        ),
    )


def project_badge(task: TaskRow) -> rx.Component:
    """The task's project, in the views that mix projects (All tasks, Assigned to me)."""
    return rx.cond(
        (TasksState.project == ALL) | (TasksState.project == ASSIGNED),
        rx.badge(
            color_dot(task.project_color, "8px"),
            rx.text(task.project_name, as_="span", dir="auto"),
            variant="surface",
            color_scheme="gray",
            title="Project: " + task.project_name,
            max_width="14em",
            overflow="hidden",
            white_space="nowrap",
        ),
    )


def assignee_avatar(task: TaskRow) -> rx.Component:
    return rx.cond(
        task.assignee_id != "",
        avatar(task.assignee_initials, task.assignee_tone, "Assigned to " + task.assignee_name, size="1"),
    )


def title_view(task: TaskRow) -> rx.Component:
    return rx.cond(
        ~task.can_write,
        rx.text(
            task.title,
            id="task-title-" + task.id,
            dir="auto",
            class_name="ticked-wrap",
            size="3",
            color=rx.cond(task.completed, rx.color("gray", 11), rx.color("gray", 12)),
            text_decoration=rx.cond(task.completed, "line-through", "none"),
            style={"overflow-wrap": "anywhere"},
        ),
        rx.cond(
            TasksState.editing_id == task.id,
            rx.input(
                value=TasksState.edit_text,
                on_change=TasksState.set_edit_text,
                on_key_down=TasksState.edit_key,
                on_blur=TasksState.blur_edit,
                auto_focus=True,
                aria_label="Edit title",
                width="100%",
                size="2",
            ),
            rx.el.button(
                task.title,
                id="task-title-" + task.id,
                on_click=TasksState.start_edit(task.id).stop_propagation,
                title="Click to edit",
                aria_label="Edit " + task.title,
                # dir=auto: a right-to-left title reads right to left, and its bidi controls stay inside.
                dir="auto",
                class_name="ticked-wrap",
                style={
                    "all": "unset",
                    "cursor": "text",
                    "font-size": "var(--font-size-3)",
                    "line-height": "1.4",
                    "color": rx.cond(task.completed, "var(--gray-11)", "var(--gray-12)"),
                    "text-decoration": rx.cond(task.completed, "line-through", "none"),
                    # "all: unset" drops the class's rules: wrap long words, keep combining marks inside.
                    "overflow-wrap": "anywhere",
                    "overflow": "clip",
                    "overflow-clip-margin": "0.35em",
                },
            ),
        ),
    )


def task_row(task: TaskRow) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.box(
                rx.checkbox(
                    checked=task.completed,
                    on_change=lambda _v: TasksState.toggle_done(task.id),
                    disabled=~task.can_write,
                    aria_label=rx.cond(task.completed, "Reopen " + task.title, "Complete " + task.title),
                    size="3",
                    margin_top="3px",
                ),
                on_click=rx.stop_propagation,
                display="flex",
            ),
            rx.vstack(
                title_view(task),
                rx.hstack(
                    project_badge(task),
                    priority_badge(task.priority),
                    due_badge(task),
                    progress_badge(task),
                    reminder_badge(task),
                    rx.cond(
                        task.done_text != "",
                        rx.badge(
                            rx.icon("circle-check", size=12, aria_hidden="true"),
                            task.done_text,
                            variant="surface",
                            color_scheme="grass",
                        ),
                    ),
                    rx.cond(
                        task.recurrence != "",
                        rx.badge(
                            rx.icon("repeat", size=12),
                            task.recurrence,
                            variant="surface",
                            color_scheme="gray",
                        ),
                    ),
                    rx.foreach(task.tags, lambda tag: rx.badge("#" + tag, variant="outline", radius="full")),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                parent_note(task),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            assignee_avatar(task),
            rx.icon_button(
                rx.icon("panel-right-open", size=16, aria_hidden="true"),
                id="task-open-" + task.id,
                on_click=TasksState.open_detail(task.id).stop_propagation,
                variant="ghost",
                color_scheme="gray",
                aria_label="Open " + task.title,
                aria_haspopup="dialog",
                title="Details",
            ),
            rx.cond(
                task.can_write,
                rx.icon_button(
                    rx.icon("trash-2", size=16, aria_hidden="true"),
                    on_click=TasksState.delete(task.id).stop_propagation,
                    variant="ghost",
                    color_scheme="gray",
                    aria_label="Delete " + task.title,
                    title="Delete",
                ),
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        # A click anywhere else on the row opens it too (the Open button is the keyboard's way).
        on_click=TasksState.open_detail(task.id),
        cursor="pointer",
        role="listitem",
        padding="0.75em",
        # A subtask listed under its parent sits indented under it (1.5em a level), with a guide line.
        margin_left=rx.match(task.depth, (0, "0"), (1, "1.5em"), (2, "3em"), "4.5em"),
        border_left=rx.cond(task.depth > 0, f"2px solid {rx.color('gray', 6)}", "none"),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        _hover={"background": rx.color("gray", 2)},
    )
