"""A task's detail panel: a drawer on the right on a desktop, a full sheet on a phone.

It is a real dialog (Radix): focus moves into it, Tab stays inside, Escape or a click outside
closes it, and focus goes back to the task's row. Every field saves when it is left (a select or
a date when it is picked), and each saved change is listed with its own Undo.

Below the fields (issue 16): the project and the assignee (a member of the project), the comments
(markdown, rendered safely by ``markdown_text``; one's own can be edited and deleted) and the
task's activity ("Sam completed “Buy milk” · 2 min ago"). A viewer's panel shows the fields read
only and no write buttons; every member may comment.
"""

from __future__ import annotations

import reflex as rx

from app.components.alerts import error_callout
from app.components.markdown import markdown_text
from app.components.projects import avatar
from app.models.task import DESCRIPTION_MAX, TITLE_MAX
from app.states.projects import COMMENT_MAX, ActivityRow, CommentRow, MemberRow, TaskTalkState
from app.states.tasks import DetailChange, ProjectChoice, ReminderRow, TaskRow, TasksState

READ_ONLY = ~TasksState.detail.can_write


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
            color=rx.cond(change.undone, rx.color("gray", 11), rx.color("gray", 12)),
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


def _member_option(member: MemberRow) -> rx.Component:
    return rx.el.option(member.name + rx.cond(member.is_me, " (me)", ""), value=member.user_id)


def _move_option(choice: ProjectChoice) -> rx.Component:
    return rx.el.option(choice.name, value=choice.id)


def _team_fields() -> rx.Component:
    """Project (move) and assignee; a viewer reads them only."""
    task = TasksState.detail
    return rx.grid(
        _field(
            "Project",
            "task-detail-project",
            rx.el.select(
                rx.foreach(TasksState.detail_moves, _move_option),
                id="task-detail-project",
                default_value=task.project_id,
                on_change=lambda value: TasksState.save_field("project_id", value),
                disabled=READ_ONLY,
                class_name="ticked-native-select",
                style={"width": "100%"},
            ),
        ),
        _field(
            "Assignee",
            "task-detail-assignee",
            rx.el.select(
                rx.el.option("Nobody", value=""),
                rx.foreach(TasksState.detail_members, _member_option),
                id="task-detail-assignee",
                default_value=task.assignee_id,
                on_change=lambda value: TasksState.save_field("assignee_id", value),
                disabled=READ_ONLY,
                class_name="ticked-native-select",
                style={"width": "100%"},
            ),
            hint=rx.cond(READ_ONLY, "You can view this task: its project's owner decides who edits.", ""),
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="4",
        width="100%",
    )


def _fields() -> rx.Component:
    task = TasksState.detail
    return rx.vstack(
        _team_fields(),
        _field(
            "Title",
            "task-detail-title",
            rx.input(
                id="task-detail-title",
                default_value=task.title,
                on_blur=lambda value: TasksState.save_field("title", value),
                read_only=READ_ONLY,
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
                read_only=READ_ONLY,
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
                    read_only=READ_ONLY,
                    size="3",
                    width="100%",
                ),
                hint=rx.cond(task.due_date != "", "Due " + task.due_label, "No due date"),
            ),
            _field(
                "Due time",
                "task-detail-time",
                rx.hstack(
                    rx.input(
                        id="task-detail-time",
                        type="time",
                        default_value=task.due_time,
                        on_change=TasksState.pick_time,
                        on_blur=lambda value: TasksState.save_field("due_time", value),
                        read_only=READ_ONLY,
                        size="3",
                        flex="1",
                        min_width="0",
                    ),
                    rx.cond(
                        (task.due_time != "") & task.can_write,
                        rx.icon_button(
                            rx.icon("x", size=16, aria_hidden="true"),
                            on_click=TasksState.clear_time,
                            variant="soft",
                            color_scheme="gray",
                            size="3",
                            aria_label="Clear due time",
                            title="Clear due time",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
                hint=rx.cond(
                    task.due_time != "",
                    "At " + task.due_time + ", your time",
                    rx.cond(task.due_date != "", "Any time that day", "A time sets the date to today"),
                ),
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
                    disabled=READ_ONLY,
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
                    disabled=READ_ONLY,
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
                    read_only=READ_ONLY,
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


def _comment(comment: CommentRow) -> rx.Component:
    editing = TaskTalkState.editing_id == comment.id
    return rx.hstack(
        avatar(comment.initials, comment.tone, comment.author, decorative=True),
        rx.vstack(
            rx.hstack(
                rx.text(comment.author, size="2", weight="medium", class_name="ticked-wrap", dir="auto"),
                rx.el.time(
                    comment.when,
                    date_time=comment.at,
                    title=comment.at,
                    style={"font-size": "var(--font-size-1)", "color": "var(--gray-11)"},
                ),
                rx.cond(comment.edited, rx.text("· edited", size="1", color=rx.color("gray", 11))),
                spacing="2",
                align="baseline",
                wrap="wrap",
            ),
            rx.cond(
                editing,
                rx.vstack(
                    rx.text_area(
                        id="comment-edit",
                        value=TaskTalkState.edit_text,
                        on_change=TaskTalkState.set_edit_text,
                        max_length=COMMENT_MAX,
                        aria_label="Edit your comment",
                        rows="3",
                        width="100%",
                        dir="auto",
                    ),
                    rx.hstack(
                        rx.button("Save", on_click=TaskTalkState.save_edit, size="1"),
                        rx.button(
                            "Cancel",
                            on_click=TaskTalkState.cancel_edit,
                            size="1",
                            variant="soft",
                            color_scheme="gray",
                        ),
                        spacing="2",
                    ),
                    spacing="2",
                    width="100%",
                ),
                rx.box(markdown_text(comment.body), dir="auto", width="100%", class_name="ticked-wrap"),
            ),
            rx.cond(
                TaskTalkState.deleting_id == comment.id,
                rx.hstack(
                    rx.text("Delete this comment?", size="2", weight="medium"),
                    rx.button(
                        "Delete",
                        on_click=TaskTalkState.delete_comment(comment.id),
                        size="1",
                        color_scheme="red",
                        aria_label="Yes, delete the comment",
                    ),
                    rx.button(
                        "Keep",
                        id="comment-keep",
                        on_click=TaskTalkState.keep_comment,
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                    ),
                    role="group",
                    aria_label="Confirm deleting the comment",
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
            ),
            rx.cond(
                ~editing & (TaskTalkState.deleting_id != comment.id) & (comment.mine | comment.can_delete),
                rx.hstack(
                    rx.cond(
                        comment.mine,
                        rx.button(
                            "Edit",
                            id="comment-edit-" + comment.id,
                            on_click=TaskTalkState.start_edit(comment.id),
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            aria_label="Edit your comment from " + comment.when,
                        ),
                    ),
                    rx.button(
                        "Delete",
                        id="comment-delete-" + comment.id,
                        on_click=TaskTalkState.ask_delete(comment.id),
                        size="1",
                        variant="ghost",
                        color_scheme="red",
                        aria_label=rx.cond(
                            comment.mine,
                            "Delete your comment from " + comment.when,
                            "Delete the comment by " + comment.author,
                        ),
                    ),
                    spacing="3",
                    padding_left="0.25em",
                ),
            ),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        role="listitem",
        align="start",
        spacing="3",
        width="100%",
        padding_y="0.5em",
    )


def _subtask(sub: TaskRow) -> rx.Component:
    return rx.hstack(
        rx.checkbox(
            checked=sub.completed,
            on_change=lambda _v: TasksState.toggle_done(sub.id),
            disabled=~sub.can_write,
            aria_label=rx.cond(sub.completed, "Reopen " + sub.title, "Complete " + sub.title),
            size="2",
            margin_top="2px",
        ),
        rx.vstack(
            rx.el.button(
                sub.title,
                on_click=TasksState.open_detail(sub.id),
                aria_label="Open subtask " + sub.title,
                title="Open this subtask",
                dir="auto",
                class_name="ticked-wrap",
                style={
                    "all": "unset",
                    "cursor": "pointer",
                    "font-size": "var(--font-size-2)",
                    "line-height": "1.4",
                    "overflow-wrap": "anywhere",
                    "color": rx.cond(sub.completed, "var(--gray-11)", "var(--gray-12)"),
                    "text-decoration": rx.cond(sub.completed, "line-through", "none"),
                },
                _focus_visible={"outline": "2px solid var(--accent-8)", "outline_offset": "2px"},
            ),
            rx.cond(
                (sub.due_text != "") | (sub.progress != ""),
                rx.hstack(
                    rx.cond(sub.due_text != "", rx.text(sub.due_text, size="1", color=rx.color("gray", 11))),
                    rx.cond(sub.progress != "", rx.text(sub.progress, size="1", color=rx.color("gray", 11))),
                    spacing="2",
                ),
            ),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        role="listitem",
        align="start",
        spacing="2",
        width="100%",
        padding_y="0.3em",
    )


def subtasks_panel() -> rx.Component:
    """The open task's subtasks with their boxes, and a line to add one (read like quick add)."""
    task = TasksState.detail
    return rx.vstack(
        rx.hstack(
            rx.heading("Subtasks", as_="h3", size="3"),
            rx.cond(task.progress != "", rx.badge(task.progress + " done", variant="soft", radius="full")),
            align="center",
            spacing="2",
        ),
        rx.cond(
            TasksState.detail_subtasks.length() > 0,
            rx.box(
                rx.foreach(TasksState.detail_subtasks, _subtask),
                role="list",
                aria_label="Subtasks",
                width="100%",
            ),
            rx.text("No subtasks. Break the task into steps below.", size="2", color=rx.color("gray", 11)),
        ),
        rx.cond(
            task.can_write,
            rx.form(
                rx.hstack(
                    rx.input(
                        id="new-subtask-title",
                        name="subtask",
                        placeholder="Add a subtask: “order the cake friday”",
                        aria_label="Add subtask",
                        max_length=TITLE_MAX,
                        auto_complete="off",
                        flex="1",
                        min_width="0",
                        size="2",
                    ),
                    rx.button(rx.icon("plus", size=14, aria_hidden="true"), "Add", type="submit", size="2"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=TasksState.add_subtask,
                reset_on_submit=False,
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
        padding_top="0.75em",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def _reminder(item: ReminderRow) -> rx.Component:
    return rx.hstack(
        rx.icon("bell", size=14, aria_hidden="true", color=rx.color("gray", 11), flex_shrink="0"),
        rx.text(
            rx.text(item.label, as_="span", weight="medium"),
            rx.cond(item.note != "", rx.text(" · " + item.note, as_="span", color=rx.color("gray", 11))),
            rx.cond(item.past, rx.text(" · passed", as_="span", color=rx.color("gray", 11))),
            size="2",
            flex="1",
            min_width="0",
            class_name="ticked-wrap",
        ),
        rx.cond(
            TasksState.detail.can_write,
            rx.icon_button(
                rx.icon("x", size=14, aria_hidden="true"),
                on_click=TasksState.remove_reminder(item.key),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label="Remove reminder " + item.label,
                title="Remove reminder",
            ),
        ),
        role="listitem",
        align="center",
        spacing="2",
        width="100%",
        padding_y="0.25em",
    )


_BEFORE = [
    ("0", "At the due time"),
    ("5", "5 minutes before"),
    ("10", "10 minutes before"),
    ("15", "15 minutes before"),
    ("30", "30 minutes before"),
    ("60", "1 hour before"),
    ("120", "2 hours before"),
    ("1440", "1 day before"),
]


def reminders_panel() -> rx.Component:
    """The open task's reminders on the person's clock; add one at a time or before the due time."""
    task = TasksState.detail
    return rx.vstack(
        rx.heading("Reminders", as_="h3", size="3"),
        rx.cond(
            TasksState.detail_reminders.length() > 0,
            rx.box(
                rx.foreach(TasksState.detail_reminders, _reminder),
                role="list",
                aria_label="Reminders",
                width="100%",
            ),
            rx.text("No reminders.", size="2", color=rx.color("gray", 11)),
        ),
        rx.cond(
            task.can_write,
            rx.vstack(
                rx.el.label(
                    rx.text("At a date and time", size="1", weight="medium", color=rx.color("gray", 11)),
                    html_for="new-reminder-at",
                ),
                rx.form(
                    rx.flex(
                        rx.input(
                            id="new-reminder-at",
                            name="at",
                            type="datetime-local",
                            aria_label="Remind me at",
                            size="2",
                            flex="1 1 12em",
                            min_width="0",
                        ),
                        rx.button(
                            rx.icon("bell-plus", size=14, aria_hidden="true"),
                            "Add reminder",
                            type="submit",
                            size="2",
                        ),
                        spacing="2",
                        wrap="wrap",
                        width="100%",
                    ),
                    on_submit=TasksState.add_reminder,
                    reset_on_submit=False,
                    width="100%",
                ),
                rx.cond(
                    task.due_date != "",
                    rx.form(
                        rx.el.label(
                            rx.text(
                                "Or before the due time",
                                size="1",
                                weight="medium",
                                color=rx.color("gray", 11),
                            ),
                            html_for="new-reminder-before",
                        ),
                        rx.flex(
                            rx.el.select(
                                *[rx.el.option(text, value=value) for value, text in _BEFORE],
                                id="new-reminder-before",
                                name="before",
                                default_value="30",
                                aria_label="Remind me before the due time",
                                class_name="ticked-native-select",
                                style={"flex": "1 1 12em", "min_width": "0"},
                            ),
                            rx.button(
                                rx.icon("bell-plus", size=14, aria_hidden="true"),
                                "Add",
                                type="submit",
                                size="2",
                                variant="soft",
                                aria_label="Add reminder before the due time",
                            ),
                            spacing="2",
                            wrap="wrap",
                            width="100%",
                        ),
                        on_submit=TasksState.add_reminder,
                        reset_on_submit=False,
                        width="100%",
                    ),
                    rx.text(
                        "Give the task a due date to be reminded some time before it.",
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                ),
                rx.text("Times are on your clock.", size="1", color=rx.color("gray", 11)),
                spacing="2",
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
        padding_top="0.75em",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def parent_link() -> rx.Component:
    """A subtask's panel leads back to its parent."""
    return rx.cond(
        TasksState.detail_parent_title != "",
        rx.button(
            rx.icon("corner-left-up", size=14, aria_hidden="true"),
            rx.text("Subtask of ", as_="span"),
            rx.el.bdi(TasksState.detail_parent_title),
            on_click=TasksState.open_detail(TasksState.detail.parent_id),
            variant="ghost",
            size="1",
            color_scheme="gray",
            aria_label="Open parent task " + TasksState.detail_parent_title,
            class_name="ticked-wrap",
        ),
    )


def comments_panel() -> rx.Component:
    """The task's comments, oldest first, and a box to add one (every member, viewers too)."""
    return rx.vstack(
        rx.heading(
            "Comments",
            rx.cond(
                TaskTalkState.comments.length() > 0,
                rx.text(" (", TaskTalkState.comments.length(), ")", as_="span", color=rx.color("gray", 11)),
            ),
            as_="h3",
            size="3",
        ),
        rx.cond(
            TaskTalkState.comments.length() > 0,
            rx.box(
                rx.foreach(TaskTalkState.comments, _comment), role="list", aria_label="Comments", width="100%"
            ),
            rx.text("No comments yet.", size="2", color=rx.color("gray", 11)),
        ),
        rx.form(
            rx.vstack(
                rx.text_area(
                    id="comment-draft",
                    name="body",
                    value=TaskTalkState.draft,
                    on_change=TaskTalkState.set_draft,
                    placeholder="Write a comment… Markdown works.",
                    aria_label="Add a comment",
                    aria_describedby="comment-error",
                    max_length=COMMENT_MAX,
                    rows="3",
                    width="100%",
                    resize="vertical",
                    dir="auto",
                ),
                rx.box(
                    error_callout(TaskTalkState.error),
                    id="comment-error",
                    width="100%",
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("message-square", size=14, aria_hidden="true"), "Comment", type="submit"
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=TaskTalkState.add_comment,
            reset_on_submit=False,
            width="100%",
        ),
        spacing="3",
        width="100%",
        padding_top="0.75em",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def _activity(entry: ActivityRow) -> rx.Component:
    return rx.el.li(
        rx.text(
            rx.el.bdi(entry.line),
            rx.text(" · ", as_="span", aria_hidden="true"),
            rx.el.time(entry.when, date_time=entry.at, title=entry.at),
            size="2",
            color=rx.color("gray", 11),
            class_name="ticked-wrap",
        ),
        padding_y="0.2em",
    )


def activity_feed() -> rx.Component:
    """Who did what to this task, newest first, from the journal (any surface: page, chat, API)."""
    return rx.vstack(
        rx.heading("Activity", as_="h3", size="3"),
        rx.cond(
            TaskTalkState.activity.length() > 0,
            rx.el.ol(
                rx.foreach(TaskTalkState.activity, _activity),
                aria_label="Activity",
                style={"margin": "0", "padding-left": "1.1em", "list-style": "disc"},
            ),
            rx.text("Nothing yet.", size="2", color=rx.color("gray", 11)),
        ),
        spacing="2",
        width="100%",
        padding_top="0.75em",
        border_top=f"1px solid {rx.color('gray', 4)}",
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
                parent_link(),
                error_callout(TasksState.detail_error),
                _fields(),
                subtasks_panel(),
                reminders_panel(),
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
                comments_panel(),
                activity_feed(),
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
