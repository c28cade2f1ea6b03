"""Wording of the assistant's replies.

Kept apart from the logic so the voice stays consistent and replies stay checkable: a listing
names exactly the tasks it lists, and nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.agent.offline.dates import describe_date
from app.agent.offline.queries import TaskQuery
from app.services.presentation import md_escape, quoted

TaskDict = dict[str, Any]

HELP = (
    "I can manage your tasks. For example:\n"
    '- **add**: "add buy milk tomorrow", "remind me to call mom on friday #family, high priority", '
    '"add tasks: eggs, bread and butter"\n'
    '- **list**: "show my tasks", "what\'s due today?", "what\'s left to do?", "show tasks tagged work", '
    '"search for milk"\n'
    '- **complete**: "mark buy milk as done", "complete task 2"; **reopen**: "reopen buy milk"\n'
    '- **change**: "rename buy milk to buy oat milk", "make it high priority", "move dentist to tomorrow", '
    '"tag book flights with travel"\n'
    '- **delete**: "delete buy milk", "delete all completed tasks" (I ask before deleting several)\n'
    '- **undo**: "undo" reverts my last change'
)
GREETING = (
    'Hi! I can add, list, complete and delete your tasks. Try "add buy milk tomorrow" or "show my tasks".'
)
THANKS = "You're welcome! Anything else I can do for your tasks?"
NOTHING_PENDING = (
    "There's nothing waiting for a yes or no right now. What would you like to do with your tasks?"
)
NO_TITLE = 'What should the task say? For example: "add buy milk tomorrow".'


def quote(title: object) -> str:
    """A task title (or other user text) as shown in replies (see :func:`quoted`)."""
    return quoted(title)


CAN_DO = (
    "I manage your tasks: I can add, list, complete, reschedule, tag and delete them, and undo my last "
    'change. For example: "add buy milk tomorrow".'
)


def unknown(text: str) -> str:
    """Reply for a message that is not about tasks, or that nothing matched: what I can do instead."""
    return f"That's not something I can do. {CAN_DO}"


def clock(hh_mm: object) -> str:
    """A due time as replies show it: ``17:00`` (24-hour, as stored)."""
    return str(hh_mm)[:5]


def reminder(spec: dict[str, Any], today: dt.date) -> str:
    """A reminder as replies name it: "tomorrow at 09:00", "30 minutes before", "at the due time"."""
    if "at" in spec:
        try:
            at = dt.datetime.fromisoformat(str(spec["at"]))
        except ValueError:
            return str(spec["at"])
        return f"{describe_date(at.date(), today)} at {at.strftime('%H:%M')}"
    minutes = int(spec.get("before") or 0)
    if minutes == 0:
        return "at the due time"
    for size, unit in ((10080, "week"), (1440, "day"), (60, "hour")):
        if minutes % size == 0:
            n = minutes // size
            return f"{n} {unit}{'s' if n != 1 else ''} before"
    return f"{minutes} minutes before"


def approximate_repeat(said: str, rule: str) -> str:
    """Said when a repeat rule was read as the nearest one a task can hold."""
    return f"A task repeats only daily, weekly or monthly, so it repeats {rule}, not {quote(said)}."


def details(task: TaskDict, today: dt.date, *, with_priority: bool = True) -> str:
    """A short parenthesised summary of a task's due date, priority, tags and repeat rule."""
    parts: list[str] = []
    due = task.get("due_date")
    if due:
        try:
            day = dt.date.fromisoformat(str(due)[:10])
        except ValueError:
            day = None
        if day is not None:
            overdue = day < today and not task.get("completed")
            when = describe_date(day, today)
            if task.get("due_time"):
                when += f" at {clock(task['due_time'])}"
            parts.append(("overdue, was due " if overdue else "due ") + when)
    priority = task.get("priority")
    if with_priority and priority and priority != "medium":
        parts.append(f"{priority} priority")
    if task.get("recurrence"):
        parts.append(f"repeats {task['recurrence']}")
    tags = task.get("tags") or []
    if tags:
        parts.append(tag_list(tags))
    progress = task.get("subtasks")
    if isinstance(progress, dict) and progress.get("total"):
        parts.append(f"{progress.get('done', 0)}/{progress['total']} subtasks done")
    times = task.get("reminder_times")
    if times:
        shown = [reminder({"at": at}, today) for at in times[:2]]
        parts.append("reminder " + " and ".join(shown) + (" and more" if len(times) > 2 else ""))
    elif task.get("reminders"):
        specs = list(task["reminders"])
        parts.append("reminder " + " and ".join(reminder(r, today) for r in specs[:2]))
    return f" ({', '.join(parts)})" if parts else ""


def tag_list(tags: list[Any]) -> str:
    """Tags as shown in replies: "#home #work" (markdown-escaped, see :func:`md_escape`)."""
    return " ".join(f"#{md_escape(str(t))}" for t in tags)


def task_line(index: int, task: TaskDict, today: dt.date) -> str:
    """One numbered line of a listing; completed tasks are ticked."""
    mark = "✓ " if task.get("completed") else ""
    under = f" (subtask of {quote(task['parent'])})" if task.get("parent") else ""
    return f"{index}. {mark}{md_escape(str(task.get('title')))}{under}{details(task, today)}"


def describe_query(query: TaskQuery, today: dt.date) -> str:
    """Words for what a listing was filtered by, e.g. "pending high priority tasks tagged #work"."""
    words: list[str] = []
    if query.completed_from is not None:
        return " ".join(
            [*([f"{query.priority} priority"] if query.priority else []), "tasks"]
            + ([f"tagged {tag_list([query.tag])}"] if query.tag else [])
            + [f"completed {query.window}"]
            + ([f"matching {quote(query.search)}"] if query.search else [])
        ) + _team_words(query)
    if query.due == "overdue":
        words.append("overdue")
    elif query.status == "pending":
        words.append("open")
    elif query.status == "completed":
        words.append("completed")
    if query.priority:
        words.append(f"{query.priority} priority")
    words.append("tasks")
    if query.tag:
        words.append(f"tagged {tag_list([query.tag])}")
    due = {
        "today": "due today",
        "tomorrow": "due tomorrow",
        "upcoming": "due in the next 7 days",
        "next_week": "due next week",
        "day": "for today, overdue included",
        "none": "without a due date",
    }.get(query.due or "")
    if due:
        words.append(due)
    if query.due == "window":
        words.append(f"due {query.window}")
    if query.due_on is not None:
        words.append(f"due {describe_date(query.due_on, today)}")
    if query.search:
        words.append(f"matching {quote(query.search)}")
    return " ".join(words) + _team_words(query)


def _team_words(query: TaskQuery) -> str:
    """ " in Groceries assigned to Sam": the project and the assignee a listing was narrowed to."""
    out = f" in {md_escape(query.project)}" if query.project else ""
    if query.assignee == "nobody":
        out += " not assigned to anyone"
    elif query.assignee:
        out += f" assigned to {md_escape(query.assignee)}"
    return out


def listing(
    tasks: list[TaskDict], query: TaskQuery, today: dt.date, *, limit: int = 50, hidden_completed: int = 0
) -> str:
    """A listing reply naming every task shown, numbered so "complete task 2" works next.

    ``hidden_completed`` counts completed tasks that fit the request but were left out (a listing
    shows open tasks unless completed ones were asked for); the reply says so, without naming them.
    """
    what = describe_query(query, today)
    note = ""
    if hidden_completed:
        many = hidden_completed != 1
        note = (
            f"{hidden_completed} completed task{'s' if many else ''} {'are' if many else 'is'} not shown; "
            'say "show completed tasks" to see them.'
        )
    if query.completed_from is not None:  # "what did I finish today?"
        if not tasks:
            return f"No {what}."
        lines = [task_line(i, t, today) for i, t in enumerate(tasks[:limit], start=1)]
        if len(tasks) > limit:
            lines.append(f"...and {len(tasks) - limit} more.")
        count = len(tasks)
        head = f"{count} {what}:" if count != 1 else f"1 {what.replace('tasks', 'task', 1)}:"
        return "\n".join([head, *lines])
    if not tasks:
        if what == "tasks":
            return 'You have no tasks yet. Add one with "add buy milk tomorrow".'
        if what == "open tasks" and not hidden_completed:
            return 'You have no open tasks. Add one with "add buy milk tomorrow".'
        return f"You have no {what}." + (f" {note}" if note else "")
    count = len(tasks)
    head = f"You have {count} {what}:" if count != 1 else f"You have 1 {what.replace('tasks', 'task', 1)}:"
    lines = [task_line(i, t, today) for i, t in enumerate(tasks[:limit], start=1)]
    if count > limit:
        lines.append(f"...and {count - limit} more.")
    if note:
        lines.append(note)
    return "\n".join([head, *lines])


def join_titles(tasks: list[TaskDict], *, limit: int | None = None) -> str:
    """ "a", "b" and "c"; with ``limit``, at most that many titles and "and N more"."""
    titles = [quote(t.get("title")) for t in tasks]
    if limit is not None and len(titles) > limit:
        return ", ".join(titles[:limit]) + f" and {len(titles) - limit} more"
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


NAMED_MAX = 3
"""A reply names at most this many tasks it changed; beyond that it counts them (the card lists all)."""


def who(tasks: list[TaskDict]) -> str:
    """The tasks a change touched, as a sentence's object: their titles, or "9 tasks"."""
    return join_titles(tasks) if len(tasks) <= NAMED_MAX else f"{len(tasks)} tasks"


def ask_which(tasks: list[TaskDict], today: dt.date) -> str:
    """Reply when a reference fits several tasks equally: name them and change nothing."""
    lines = [task_line(i, t, today) for i, t in enumerate(tasks, start=1)]
    return "\n".join(
        [
            f"I found {len(tasks)} tasks that match. Which one do you mean?",
            *lines,
            "",
            'You can say "the first one".',
        ]
    )


def not_found(reference: str) -> str:
    """Reply when no task fits a reference."""
    return f"I couldn't find a task matching {quote(reference)}."


def confirm_delete(tasks: list[TaskDict], today: dt.date) -> str:
    """Question asked before deleting several tasks."""
    lines = [task_line(i, t, today) for i, t in enumerate(tasks, start=1)]
    return "\n".join(
        [f"Delete these {len(tasks)} tasks?", *lines, "", 'Reply "yes" to delete them or "no" to keep them.']
    )


def confirm_change(question: str) -> str:
    """Question asked before changing more than three tasks (the card lists them)."""
    return f"{question} They are listed below; say yes or no."
