"""The task page: quick add, filters that live in the URL, the list and an Undo bar."""

from __future__ import annotations

import reflex as rx

from app.components.layout import app_layout
from app.components.task_row import task_row
from app.states.tasks import ANY, TasksState


def quick_add() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(
                id="new-task-title",
                name="title",
                placeholder="Add a task and press Enter",
                aria_label="New task",
                size="3",
                flex=["1 1 100%", "1 1 200px"],
                max_length=200,
                auto_complete="off",
            ),
            rx.el.select(
                rx.el.option("Medium priority", value="medium"),
                rx.el.option("High priority", value="high"),
                rx.el.option("Low priority", value="low"),
                id="new-task-priority",
                name="priority",
                aria_label="New task priority",
                class_name="ticked-native-select",
                default_value="medium",
            ),
            rx.input(
                id="new-task-due",
                name="due",
                type="date",
                aria_label="New task due date",
                size="3",
                width="auto",
            ),
            rx.input(
                id="new-task-tags",
                name="tags",
                placeholder="Tags",
                aria_label="New task tags",
                size="3",
                flex="1 1 110px",
            ),
            rx.button(rx.icon("plus", size=16), "Add", type="submit", size="3"),
            spacing="2",
            wrap="wrap",
            width="100%",
        ),
        on_submit=TasksState.add_task,
        width="100%",
    )


def status_tabs() -> rx.Component:
    def tab(value: str, label: str) -> rx.Component:
        return rx.tabs.trigger(
            rx.hstack(
                rx.text(label), rx.badge(TasksState.counts[value], variant="soft", radius="full"), spacing="2"
            ),
            value=value,
        )

    return rx.tabs.root(
        rx.tabs.list(tab("all", "All"), tab("pending", "Pending"), tab("completed", "Completed")),
        value=TasksState.status,
        on_change=TasksState.set_status,
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


def filters() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search tasks",
            value=TasksState.search,
            on_change=TasksState.set_search.debounce(250),
            aria_label="Search tasks",
            type="search",
            flex=["1 1 100%", "1 1 200px"],
        ),
        _select("Filter by tag", TasksState.tag, TasksState.set_tag, [(ANY, "Any tag")], TasksState.all_tags),
        _select(
            "Filter by priority",
            TasksState.priority,
            TasksState.set_priority,
            [(ANY, "Any priority"), ("high", "High"), ("medium", "Medium"), ("low", "Low")],
        ),
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
        _select(
            "Sort by",
            TasksState.sort,
            TasksState.set_sort,
            [
                ("created", "Newest first"),
                ("due_date", "Due date"),
                ("priority", "Priority"),
                ("title", "Title"),
            ],
        ),
        spacing="2",
        wrap="wrap",
        align="center",
        width="100%",
    )


def empty_state() -> rx.Component:
    filtered = (
        (TasksState.counts["all"] > 0)
        | (TasksState.search != "")
        | (TasksState.tag != ANY)
        | (TasksState.priority != ANY)
        | (TasksState.due != ANY)
    )
    return rx.center(
        rx.vstack(
            rx.icon("list-checks", size=36, color=rx.color("gray", 8)),
            rx.cond(
                filtered,
                rx.vstack(
                    rx.text("No tasks match these filters.", weight="medium"),
                    rx.button("Clear filters", on_click=TasksState.clear_filters, variant="soft"),
                    align="center",
                ),
                rx.vstack(
                    rx.text("No tasks yet.", weight="medium"),
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
        ),
        padding="3em 1em",
    )


def undo_bar() -> rx.Component:
    return rx.cond(
        TasksState.undo_message != "",
        rx.hstack(
            rx.text(TasksState.undo_message, size="2", class_name="ticked-wrap"),
            rx.button("Undo", on_click=TasksState.undo, size="2", variant="solid"),
            rx.icon_button(
                rx.icon("x", size=14),
                on_click=TasksState.dismiss_undo,
                variant="ghost",
                color_scheme="gray",
                aria_label="Dismiss",
            ),
            role="status",
            align="center",
            spacing="3",
            position="fixed",
            bottom="1.25em",
            left="50%",
            transform="translateX(-50%)",
            padding="0.6em 0.9em",
            border_radius="var(--radius-4)",
            background=rx.color("gray", 12),
            color=rx.color("gray", 1),
            box_shadow="var(--shadow-4)",
            z_index="20",
            max_width="calc(100vw - 2em)",
        ),
    )


def tasks_page() -> rx.Component:
    return app_layout(
        rx.vstack(
            rx.hstack(
                rx.heading("Tasks", size="7", as_="h1"),
                rx.text(TasksState.counts["pending"], " open", color=rx.color("gray", 11), size="2"),
                align="baseline",
                spacing="3",
            ),
            quick_add(),
            rx.cond(
                TasksState.error != "",
                rx.callout(
                    TasksState.error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
                ),
            ),
            status_tabs(),
            filters(),
            rx.card(
                rx.cond(
                    TasksState.tasks.length() > 0,
                    rx.box(
                        rx.box(rx.foreach(TasksState.tasks, task_row), role="list", aria_label="Tasks"),
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
            undo_bar(),
            spacing="4",
            width="100%",
            max_width="860px",
            margin_x="auto",
            padding=["1em 0.75em 5em", "1.5em 1.25em 5em"],
        )
    )
