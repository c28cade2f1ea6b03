"""What a parsed message asks for: the intent and its arguments.

Shared by the parsers (create, edits, status) and by the agent that carries intents out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from app.agent.offline.queries import TaskQuery, parse_query

_F = re.IGNORECASE

IntentKind = Literal[
    "create",
    "list",
    "complete",
    "reopen",
    "delete",
    "update",
    "maybe_update",
    "undo",
    "yes",
    "no",
    "greet",
    "thanks",
    "help",
    "need_ref",
    "subtasks",
    "breakdown",
    "unknown",
]
"""What a message asks for. The parsers build intents of these kinds and the agent dispatches on
them, so a kind one side does not know is a type error, not a message silently answered "unknown".

"maybe_update" carries a possible reference plus attributes ("pay rent tomorrow": update it if it
exists, else add it); "need_ref" is a bare verb ("delete"), with the verb in ``Intent.ref``.
"subtasks" adds ``drafts`` under the task ``ref`` names; "breakdown" asks for subtasks to be
proposed for ``ref`` (the local agent cannot: it says so and shows the explicit form).
"""


@dataclass
class Draft:
    """A task to create."""

    title: str
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    due: dt.date | None = None
    recurrence: str | None = None
    time: str | None = None
    """A time of day as the person wrote it ("5pm"), for the reply."""
    recurrence_said: str | None = None
    """A repeat rule ``recurrence`` only approximates ("every 2 weeks"), as written, for the reply."""
    project: str | None = None
    """The project it goes in, by name ("add milk to groceries"); None: the Inbox."""
    at: str | None = None
    """The due time, ``HH:MM`` ("at 5pm")."""
    before: int | None = None
    """A reminder this many minutes before the due time ("remind me 30 minutes before")."""
    remind: bool = False
    """ "remind me to ...": a reminder at the due time (09:00 on a date without a time)."""


@dataclass
class Changes:
    """Edits to apply to existing task(s); None/empty means "leave as is".

    Attributes:
        title: new title.
        description: new description.
        priority: new priority.
        due: new due date.
        clear_due: remove the due date.
        shift_days: move the due date by this many days (from the current one, else today).
        shift_minutes: move the due time by this many minutes (the date too, past midnight).
        bare_clock: a time said without am/pm ("push it to 7"), ``H:MM`` with H 1-12: the one of
            the two nearest the task's own time (without one, 1-6 are afternoon, 7-11 morning).
        tags_add: tags to add.
        tags_remove: tags to remove ("*" removes all).
        recurrence: new repeat rule.
        clear_recurrence: stop repeating.
        time: a time of day as written ("3pm"), for the reply.
        at: the new due time, ``HH:MM``.
        clear_time: remove the due time (the date stays).
        remind_on: with ``remind_at``, a reminder on this day (default: the due date, else today).
        remind_at: a reminder at this time of day, ``HH:MM``.
        remind_before: a reminder this many minutes before the due time.
        clear_reminders: remove every reminder.
        parent: make it a subtask of the task with this title.
        clear_parent: make it a task of its own again.
    """

    title: str | None = None
    description: str | None = None
    priority: str | None = None
    due: dt.date | None = None
    clear_due: bool = False
    shift_days: int | None = None
    shift_minutes: int | None = None
    bare_clock: str | None = None
    tags_add: list[str] = field(default_factory=list)
    tags_remove: list[str] = field(default_factory=list)
    recurrence: str | None = None
    clear_recurrence: bool = False
    time: str | None = None
    at: str | None = None
    clear_time: bool = False
    remind_on: dt.date | None = None
    remind_at: str | None = None
    remind_before: int | None = None
    clear_reminders: bool = False
    parent: str | None = None
    clear_parent: bool = False

    def reminds(self) -> bool:
        """Whether the change adds a reminder."""
        return self.remind_at is not None or self.remind_before is not None

    def any(self) -> bool:
        """Whether there is anything to change."""
        return any(
            [
                self.title,
                self.description,
                self.priority,
                self.due,
                self.clear_due,
                self.shift_days,
                self.shift_minutes,
                self.bare_clock,
                self.tags_add,
                self.tags_remove,
                self.recurrence,
                self.clear_recurrence,
                self.at,
                self.clear_time,
                self.reminds(),
                self.clear_reminders,
                self.parent,
                self.clear_parent,
            ]
        )


@dataclass
class Intent:
    """What a message asks for.

    Attributes:
        kind: what it asks for (:data:`IntentKind`).
        drafts: tasks to create.
        ref: the phrase naming the task(s) to act on.
        query: filters (for "list", and for bulk complete/delete/reopen).
        changes: edits for "update".
        text: the message with fillers stripped.
        otherwise: the reading to take instead when this one does not fit the person's tasks
            ("add pack books under move house" adds a subtask when a task is called "move house",
            else the task "pack books under move house").
    """

    kind: IntentKind
    drafts: list[Draft] = field(default_factory=list)
    ref: str = ""
    query: TaskQuery | None = None
    changes: Changes | None = None
    text: str = ""
    otherwise: Intent | None = None


_BULK = re.compile(
    r"^(?:all|every|everything|each|both|them|those|these|the\s+rest)\b|\b(?:all\s+(?:of\s+)?(?:them|those|these|my|the)|"
    r"everything)\b",
    _F,
)
_PLURAL_PRONOUN = re.compile(
    r"^(?:them|those|these|both|all\s+of\s+them|both\s+of\s+them|them\s+all|all\s+(?:of\s+)?those|all\s+(?:of\s+)?these|"
    r"those\s+(?:tasks|ones|two|three)|these\s+(?:tasks|ones|two|three)|the\s+(?:two|three)\s+of\s+them)$",
    _F,
)


_POSITIONAL = re.compile(r"^(?:the\s+)?\d{1,3}(?:st|nd|rd|th)\s+(?:one|task|item|todo)$", _F)
"""'the 2nd one' is a place in the last list, not the 2nd of the month."""


def targeted(kind: IntentKind, ref: str, core: str, today: dt.date, *, default_status: str) -> Intent:
    """An intent acting on tasks named by ``ref``: a bulk selection ("all completed tasks") or a reference."""
    ref = ref.strip()
    if not _PLURAL_PRONOUN.match(ref) and not _POSITIONAL.match(ref):
        query = parse_query(ref, today, default_status=default_status)
        filter_only = not query.words and (query.is_filtered() or query.status != default_status)
        if _BULK.search(ref) or filter_only:
            if query.words and not _BULK.match(ref):
                return Intent(kind, ref=ref, text=core)
            return Intent(kind, ref=ref, query=query, text=core)
    return Intent(kind, ref=ref, text=core)
