"""The task page: the project list, the shown list's header (its members and Share), quick add,
filters that live in the URL, the list, the detail panel and an Undo bar.

At 1280 px the project list is a column on the left; on a phone it folds behind one button
above the list (a disclosure), so the first task stays above the fold.
"""

from __future__ import annotations

import reflex as rx

from app.components.alerts import error_callout
from app.components.layout import app_layout
from app.components.projects import nav_button, project_dialogs, project_header, project_nav
from app.components.task_detail import task_detail
from app.components.task_row import task_row
from app.states.projects import ASSIGNED, MemberRow, ProjectsState
from app.states.tasks import ANY, LIST, ME, NOBODY, TaskGroup, TasksState

IN_LIST = TasksState.view == LIST
"""The list (Open / Completed / All) has due and sort choices; Today and Upcoming have their own."""


def quick_add() -> rx.Component:
    """One line read like the assistant reads it; the fields below stay as an alternative."""
    return rx.form(
        rx.hstack(
            rx.input(
                id="new-task-title",
                name="title",
                value=TasksState.quick_text,
                on_change=TasksState.set_quick_text,
                placeholder="Add a task: “Call Bob tomorrow #work p1”",
                aria_label="New task",
                aria_describedby="quick-add-understood",
                size="3",
                flex="1",
                min_width="0",
                max_length=200,
                auto_complete="off",
            ),
            rx.button(rx.icon("plus", size=16, aria_hidden="true"), "Add", type="submit", size="3"),
            spacing="2",
            width="100%",
        ),
        understood(),
        rx.flex(
            rx.el.select(
                rx.el.option("Medium priority", value="medium"),
                rx.el.option("High priority", value="high"),
                rx.el.option("Low priority", value="low"),
                id="new-task-priority",
                name="priority",
                aria_label="New task priority",
                class_name="ticked-native-select compact",
                default_value="medium",
            ),
            rx.input(
                id="new-task-due",
                name="due",
                type="date",
                aria_label="New task due date",
                size="2",
                width="auto",
            ),
            rx.input(
                id="new-task-tags",
                name="tags",
                placeholder="Tags",
                aria_label="New task tags",
                size="2",
                flex="1 1 90px",
                max_width="240px",
            ),
            spacing="2",
            wrap="wrap",
            align="center",
            width="100%",
            margin_top="0.5em",
        ),
        on_submit=TasksState.add_task,
        width="100%",
    )


_CHIP_ICONS = {"due": "calendar", "priority": "flag", "tag": "hash", "recurrence": "repeat", "time": "clock"}


def chip(item) -> rx.Component:
    """One thing quick add read, with a button that puts its words back in the title."""
    return rx.badge(
        rx.match(
            item.kind,
            *[(kind, rx.icon(icon, size=12, aria_hidden="true")) for kind, icon in _CHIP_ICONS.items()],
            rx.icon("tag", size=12, aria_hidden="true"),
        ),
        rx.text(item.label, as_="span"),
        rx.cond(item.note != "", rx.text(item.note, as_="span", size="1")),
        rx.el.button(
            rx.icon("x", size=12, aria_hidden="true"),
            type="button",
            on_click=TasksState.remove_chip(item.phrase),
            aria_label=item.remove_label,
            title=item.remove_label,
            class_name="ticked-chip-remove",
            style={
                "all": "unset",
                "cursor": "pointer",
                "display": "inline-flex",
                "padding": "2px",
                "border_radius": "999px",
                "margin_left": "2px",
            },
            _focus_visible={"outline": "2px solid var(--accent-8)"},
        ),
        color_scheme=rx.match(item.kind, ("due", "indigo"), ("priority", "red"), ("time", "amber"), "gray"),
        title=rx.cond(
            item.note != "",
            "This time goes in the description.",
            rx.cond(item.kind == "time", "Due time", ""),
        ),
        variant="soft",
        high_contrast=True,
        radius="full",
        size="2",
        role="listitem",
    )


def understood() -> rx.Component:
    """What the line will become, before Enter: the title and one removable chip per attribute."""
    return rx.cond(
        TasksState.quick_chips.length() > 0,
        rx.flex(
            rx.text("Adds ", rx.text.strong(TasksState.quick_title), size="2", color=rx.color("gray", 11)),
            rx.flex(
                rx.foreach(TasksState.quick_chips, chip),
                role="list",
                aria_label="What quick add understood",
                spacing="2",
                wrap="wrap",
            ),
            id="quick-add-understood",
            spacing="2",
            wrap="wrap",
            align="center",
            margin_top="0.5em",
        ),
    )


def status_tabs(*panel: rx.Component) -> rx.Component:
    """Today / Upcoming / Open / Completed / All; the filters and the list are the one tab panel
    they control. The row scrolls sideways on a narrow phone rather than wrapping."""

    def tab(value: str, label: str, icon: str = "", *, phone_count: bool = True) -> rx.Component:
        """A tab with its count; on a phone the icons go, and the list's counts (Open, Completed,
        All) too, so that all five fit on one line; Today's and Upcoming's stay."""
        return rx.tabs.trigger(
            rx.hstack(
                rx.box(rx.icon(icon, size=14, aria_hidden="true"), display=["none", "flex"])
                if icon
                else rx.fragment(),
                rx.text(label),
                rx.badge(
                    TasksState.counts[value],
                    variant="soft",
                    radius="full",
                    **({} if phone_count else {"display": ["none", "inline-flex"]}),
                ),
                spacing=rx.breakpoints(initial="1", sm="2"),
                align="center",
            ),
            value=value,
        )

    return rx.tabs.root(
        rx.tabs.list(
            tab("today", "Today", "sun"),
            tab("upcoming", "Upcoming", "calendar-days"),
            tab("pending", "Open", phone_count=False),
            tab("completed", "Completed", phone_count=False),
            tab("all", "All", phone_count=False),
            # On a phone the five tabs fit at the small size; narrower still, the row scrolls sideways.
            size=rx.breakpoints(initial="1", sm="2"),
            style={
                "overflow_x": "auto",
                "overflow_y": "hidden",
                "flex_wrap": "nowrap",
                "scrollbar_width": "thin",
            },
        ),
        # One panel whose value is always the selected tab's, so each tab controls a real element.
        rx.tabs.content(
            rx.vstack(*panel, spacing="4", width="100%"),
            value=TasksState.tab,
            padding_top="1em",
        ),
        value=TasksState.tab,
        on_change=TasksState.set_tab,
        width="100%",
    )


def _select(label: str, value, on_change, options: list[tuple[str, str]], items=None) -> rx.Component:
    children = [rx.el.option(text, value=val) for val, text in options]
    if items is not None:
        children.append(rx.foreach(items, lambda t: rx.el.option("#" + t, value=t)))
    return rx.el.select(
        *children,
        value=value,
        on_change=on_change,
        aria_label=label,
        class_name="ticked-native-select compact",
    )


def _assignee_option(member: MemberRow) -> rx.Component:
    return rx.cond(member.is_me, rx.fragment(), rx.el.option(member.name, value=member.user_id))


def assignee_filter() -> rx.Component:
    """Anyone / Me / Unassigned, and in a shared project each other member (not in Assigned to me)."""
    return rx.cond(
        TasksState.project != ASSIGNED,
        rx.el.select(
            rx.el.option("Anyone", value=ANY),
            rx.el.option("Assigned to me", value=ME),
            rx.el.option("Unassigned", value=NOBODY),
            rx.foreach(ProjectsState.current.members, _assignee_option),
            value=TasksState.assignee,
            on_change=TasksState.set_assignee,
            aria_label="Filter by assignee",
            class_name="ticked-native-select compact",
            style={"max_width": "12em"},  # members' emails are long; the list opens wider
        ),
    )


def filters() -> rx.Component:
    """Search, tag, priority, due and sort; on a phone they fold behind one "Filters" button."""
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search tasks",
            value=TasksState.search,
            on_change=TasksState.set_search.debounce(250),
            aria_label="Search tasks",
            type="search",
            flex=["1 1 100%", "1 1 160px"],
        ),
        _select("Filter by tag", TasksState.tag, TasksState.set_tag, [(ANY, "Any tag")], TasksState.all_tags),
        _select(
            "Filter by priority",
            TasksState.priority,
            TasksState.set_priority,
            [(ANY, "Any priority"), ("high", "High"), ("medium", "Medium"), ("low", "Low")],
        ),
        rx.cond(
            IN_LIST,
            _select(
                "Filter by due date",
                TasksState.due,
                TasksState.set_due,
                [
                    (ANY, "Any date"),
                    ("today", "Due today"),
                    ("tomorrow", "Due tomorrow"),
                    ("overdue", "Overdue"),
                    ("upcoming", "Upcoming"),
                    ("none", "No due date"),
                ],
            ),
        ),
        assignee_filter(),
        rx.cond(
            IN_LIST,
            _select(
                "Sort by",
                TasksState.sort,
                TasksState.set_sort,
                [
                    ("due_date", "Due date"),
                    ("created", "Newest first"),
                    ("priority", "Priority"),
                    ("title", "Title"),
                    ("completed", "Completion date"),
                ],
            ),
        ),
        id="task-filters",
        spacing="2",
        wrap="wrap",
        align="center",
        width="100%",
        display=[rx.cond(TasksState.filters_open, "flex", "none"), "flex"],
    )


def active_filter_count() -> rx.Var:
    return (
        rx.cond(TasksState.search != "", 1, 0)
        + rx.cond(TasksState.tag != ANY, 1, 0)
        + rx.cond(TasksState.priority != ANY, 1, 0)
        + rx.cond(IN_LIST & (TasksState.due != ANY), 1, 0)
        + rx.cond(TasksState.assignee != ANY, 1, 0)
    )


def filters_button() -> rx.Component:
    """The phone's one button for the filters: a disclosure (aria-expanded), reachable by keyboard."""
    count = active_filter_count()
    return rx.button(
        rx.icon("sliders-horizontal", size=16),
        "Filters",
        rx.cond(count > 0, rx.badge(count, variant="solid", radius="full")),
        on_click=TasksState.toggle_filters,
        aria_expanded=rx.cond(TasksState.filters_open, "true", "false"),
        aria_controls="task-filters",
        variant="soft",
        color_scheme="gray",
        size="2",
        display=["inline-flex", "none"],
        flex_shrink="0",
    )


def _empty_view(icon: str, title: str, hint: str) -> rx.Component:
    return rx.vstack(
        rx.icon(icon, size=36, color=rx.color("gray", 8), aria_hidden="true"),
        rx.text(title, weight="medium"),
        rx.text(hint, color=rx.color("gray", 11), size="2", text_align="center", max_width="32em"),
        align="center",
        spacing="2",
    )


def _list_empty(filtered: rx.Var) -> rx.Component:
    """The list's own empty state: nothing matches the filters, or nothing here at all yet."""
    return rx.vstack(
        rx.icon("list-checks", size=36, color=rx.color("gray", 8)),
        rx.cond(
            filtered,
            rx.vstack(
                rx.text("No tasks match these filters.", weight="medium"),
                rx.button("Clear filters", on_click=TasksState.clear_filters, variant="soft"),
                align="center",
            ),
            rx.vstack(
                rx.text(
                    rx.cond(ProjectsState.is_project_view, "No tasks in this list yet.", "No tasks yet."),
                    weight="medium",
                ),
                rx.text(
                    "Type one above and press Enter, or ask the assistant: “add pay rent tomorrow”.",
                    color=rx.color("gray", 11),
                    size="2",
                    text_align="center",
                ),
                align="center",
            ),
        ),
        align="center",
        spacing="2",
    )


def empty_state() -> rx.Component:
    """What to do next: each view says what belongs in it and how to put something there."""
    narrowed = (
        (TasksState.search != "")
        | (TasksState.tag != ANY)
        | (TasksState.priority != ANY)
        | (IN_LIST & (TasksState.due != ANY))
        | (TasksState.assignee != ANY)
    )
    views = rx.match(
        TasksState.tab,
        (
            "today",
            _empty_view(
                "sun",
                "Nothing due today.",
                "Tasks due today and overdue ones show here. Add one above (it is due today), "
                "or give a task a date: “call mum today 18:00”.",
            ),
        ),
        (
            "upcoming",
            _empty_view(
                "calendar-days",
                "Nothing due in the next 14 days.",
                "Tasks with a date in the next two weeks show here, day by day. "
                "Add one with a date: “dentist friday 10:00”.",
            ),
        ),
        (
            "completed",
            _empty_view(
                "circle-check",
                "No completed tasks yet.",
                "Tick a task's box when it's done: it shows here, the most recently completed first.",
            ),
        ),
        rx.fragment(),
    )
    own_words = (
        (TasksState.counts["all"] > 0) & ~narrowed & (TasksState.tab != "pending") & (TasksState.tab != "all")
    )
    return rx.center(
        rx.cond(own_words, views, _list_empty((TasksState.counts["all"] > 0) | narrowed)),
        padding="3em 1em",
    )


def day_group(group: TaskGroup) -> rx.Component:
    """One day of Upcoming: a heading and its tasks (a list named after the day)."""
    return rx.box(
        rx.heading(
            group.label,
            as_="h2",
            size="2",
            weight="bold",
            id="day-" + group.key,
            color=rx.color("gray", 11),
            padding="0.75em 0.75em 0.35em",
            background=rx.color("gray", 2),
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        rx.box(rx.foreach(group.rows, task_row), role="list", aria_labelledby="day-" + group.key),
    )


def task_list() -> rx.Component:
    """The rows: Upcoming by day (a heading per day), every other view as one list."""
    return rx.cond(
        TasksState.view == "upcoming",
        rx.box(rx.foreach(TasksState.groups, day_group), role="region", aria_label=TASKS_LABEL),
        rx.box(rx.foreach(TasksState.tasks, task_row), role="list", aria_label=TASKS_LABEL),
    )


TASKS_LABEL = "Tasks"


def confirm_complete_dialog() -> rx.Component:
    """Completing a task with open subtasks asks first; yes completes them all (one Undo)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Complete the subtasks too?", size="4"),
            rx.alert_dialog.description(TasksState.confirm_text, size="2", class_name="ticked-wrap"),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Cancel", variant="soft", color_scheme="gray", on_click=TasksState.cancel_confirm
                    ),
                ),
                rx.alert_dialog.action(
                    rx.button("Complete all", on_click=TasksState.confirm_complete),
                ),
                spacing="3",
                justify="end",
                margin_top="1em",
                wrap="wrap",
            ),
            max_width="440px",
        ),
        open=TasksState.confirm_id != "",
        on_open_change=TasksState.set_confirm_open,
    )


def undo_bar() -> rx.Component:
    """The Undo bar ("Completed “Pay rent” · Undo"): it closes by itself after a few seconds."""
    return rx.cond(
        TasksState.undo_message != "",
        rx.hstack(
            rx.text(TasksState.undo_message, size="2", class_name="ticked-wrap"),
            rx.text("·", aria_hidden="true", size="2"),
            rx.button("Undo", on_click=TasksState.undo, size="2", variant="solid"),
            rx.icon_button(
                rx.icon("x", size=16, aria_hidden="true"),
                on_click=TasksState.dismiss_undo,
                variant="ghost",
                size="2",
                aria_label="Close",
                title="Close",
                style={"color": rx.color("gray", 1)},
                _hover={"background": rx.color("gray", 11)},
            ),
            role="status",
            on_mouse_enter=TasksState.hold_undo,
            on_mouse_leave=TasksState.release_undo,
            on_focus=TasksState.hold_undo,
            on_blur=TasksState.release_undo,
            align="center",
            spacing="3",
            position="fixed",
            bottom="1.25em",
            left="0",
            right="0",
            margin_x="auto",
            width="fit-content",
            padding="0.6em 0.9em",
            border_radius="var(--radius-4)",
            background=rx.color("gray", 12),
            color=rx.color("gray", 1),
            box_shadow="var(--shadow-4)",
            z_index="20",
            max_width="calc(100vw - 2em)",
        ),
    )


def read_only_note() -> rx.Component:
    return rx.callout(
        "You're a viewer here: you can read the tasks and comment on them.",
        icon="eye",
        color_scheme="gray",
        variant="surface",
        width="100%",
    )


def sidebar() -> rx.Component:
    """The project list: a column at 1280 px, hidden on a phone (its button opens it there)."""
    return rx.box(
        project_nav(),
        display=["none", "none", "block"],
        width="240px",
        min_width="240px",
        position="sticky",
        top="72px",
        max_height="calc(100dvh - 88px)",
        overflow_y="auto",
        padding="1.5em 0.5em 2em 0",
    )


def phone_nav() -> rx.Component:
    """The project list on a phone: opened by ``nav_button``, above the tasks."""
    return rx.cond(
        ProjectsState.nav_open,
        rx.box(
            project_nav(),
            id="project-nav-phone",
            display=["block", "block", "none"],
            width="100%",
            padding="0.5em",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="var(--radius-4)",
            background=rx.color("gray", 2),
        ),
    )


def tasks_page() -> rx.Component:
    return app_layout(
        rx.hstack(
            sidebar(),
            tasks_column(),
            align="start",
            spacing="5",
            width="100%",
            max_width="1200px",
            margin_x="auto",
            padding_x=["0", "0", "1.25em"],
        )
    )


def tasks_column() -> rx.Component:
    read_only = ProjectsState.is_project_view & (ProjectsState.current.role == "viewer")
    return rx.vstack(
        rx.hstack(
            nav_button(),
            rx.spacer(),
            filters_button(),
            align="center",
            spacing="2",
            width="100%",
            display=["flex", "flex", "none"],
        ),
        phone_nav(),
        project_header(),
        rx.cond(read_only, read_only_note(), quick_add()),
        error_callout(TasksState.error, width="100%"),
        status_tabs(
            filters(),
            rx.card(
                rx.cond(
                    TasksState.tasks.length() > 0,
                    rx.box(
                        task_list(),
                        rx.cond(
                            TasksState.has_more,
                            rx.center(
                                rx.button(
                                    "Show more", on_click=TasksState.show_more, variant="soft", size="2"
                                ),
                                padding="0.75em",
                            ),
                        ),
                    ),
                    empty_state(),
                ),
                width="100%",
                padding="0",
            ),
        ),
        undo_bar(),
        task_detail(),
        confirm_complete_dialog(),
        project_dialogs(),
        spacing="4",
        width="100%",
        max_width="860px",
        min_width="0",
        flex="1",
        padding=["1em 0.75em 5em", "1.5em 1.25em 5em", "1.5em 0 5em"],
    )
