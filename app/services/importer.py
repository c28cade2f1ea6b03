"""Moving in: Todoist's CSV export and Ticked's own export JSON, previewed, then written at once.

Every import is two steps, on every surface (settings page, ``python -m app.cli import``):

1. :func:`preview` reads the file and says what would happen: how many tasks, subtasks and
   projects, the first rows as they will be, and what will be **skipped** (not imported) or
   **kept** (imported, with what could not be read put in the task's description), each with its
   line and why. Nothing is written. A file that cannot be read at all (not UTF-8, not a Todoist
   CSV nor a Ticked export, over :data:`MAX_BYTES` or :data:`MAX_TASKS`) is refused with a clear
   :class:`~app.services.errors.InvalidInputError`.
2. :func:`apply` writes the plan through the one write path
   (:func:`app.services.tasks.create_task`, ``Origin(source="import")``), in the caller's one
   transaction: every task or none.

**Todoist CSV** (a project's "Export as a template" / backup file; columns ``TYPE, CONTENT,
DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE, DATE, DATE_LANG, TIMEZONE, ...``):

- ``TYPE=task`` rows become tasks in one project: the file's name ("Groceries.csv" is
  "Groceries") or the one chosen; an existing project of that name (one you may edit) gets them,
  else it is created. ``TYPE=section`` rows become a tag on the tasks under them ("Next week" is
  ``#next-week``). ``TYPE=note`` rows (comments) are added to their task's description.
  ``@label`` words in a task's text become tags.
- ``INDENT`` 2 and 3 make subtasks of the task above; deeper ones (Todoist allows 5 levels,
  Ticked 3) go under the third level's parent and the report says so.
- ``PRIORITY`` in the CSV is 4 for Todoist's p1 (the highest) down to 1 for p4 (its default,
  "no priority"). p1 and p2 become **high**; p3 and p4 become **medium**, Ticked's default, as p4
  is the default in Todoist: nothing in Todoist is below its default, so nothing becomes low.
- ``DATE`` ("tomorrow", "2026-12-24", "Dec 24 5pm", "every monday") is read with the date
  grammar the caller passes (:data:`DateReader`; the entry points pass the assistant's, see
  :mod:`app.orchestration.importing`; here only ISO dates are read). What it cannot read, and a
  repeat rule only approximated ("every 2 weeks" is read as weekly), stays in the description as
  ``Todoist date: ...`` and is listed as kept. Times are wall-clock times in your time zone.
- Not imported, and said so: ``RESPONSIBLE`` (assignees are people of Todoist's), ``DURATION``.

**Ticked export JSON** (``format: ticked-export``, version 3; Settings > Download my data) is a
restore: into an **empty** account only (no tasks, no projects but the Inbox), refused otherwise,
so nothing is ever doubled. It brings back the projects you owned (name, colour, archived) with
their tasks, the Inbox's tasks, subtasks, due dates and times, recurrence, reminders, tags and
completion. Tasks of projects someone else owns are skipped (ask the owner to share them again);
assignees, comments, conversations and the change history are not restored; completion and
creation dates become the import's.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import PurePath
from typing import Any, Literal

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from app.models import Membership, Project, Task, TaskCreate
from app.models.project import INBOX_NAME, PROJECT_COLORS, PROJECT_NAME_MAX, ProjectRole
from app.models.task import DEPTH_MAX, DESCRIPTION_MAX, TAG_MAX, TITLE_MAX
from app.services import audit
from app.services import projects as project_service
from app.services import tasks as task_service
from app.services.clock import user_today
from app.services.errors import InvalidInputError, NotFoundError
from app.services.operations import Origin

MAX_BYTES = 5 * 1024 * 1024
"""The largest file read (5 MB: a Todoist project is a few KB; an export with long chats more)."""
MAX_TASKS = 5000
"""The most tasks one import writes."""
PREVIEW_ROWS = 10
IMPORT = Origin(source="import")
"""How imported tasks are journaled (the surface is "import", whatever page or command ran it)."""
EXPORT_FORMAT = "ticked-export"
EXPORT_VERSIONS = (3,)
TODOIST_COLUMNS = ("TYPE", "CONTENT")
_PRIORITIES = {"4": "high", "3": "high", "2": "medium", "1": "medium"}
"""Todoist's CSV PRIORITY (4 = p1 ... 1 = p4) to Ticked's; see the module docstring."""
_LABEL = re.compile(r"(?<![\w@])@([\w][\w\-./+&]*)")
_TODOIST_ID = re.compile(r"\s*\[\d+\]\s*$")

Kind = Literal["todoist", "ticked"]


@dataclass(frozen=True)
class DateReading:
    """What a date text said: a date, a time, a repeat rule; ``note`` when not all of it was read."""

    due_date: date | None = None
    due_time: time | None = None
    recurrence: str | None = None
    note: str = ""
    """Why the text is kept in the description ("not understood", "read as weekly"); "" if read whole."""


DateReader = Callable[[str, date], DateReading]
"""Reads a Todoist DATE text against today's date (the caller's grammar)."""

_ISO = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2}))?\s*$")


def iso_dates(text: str, today: date) -> DateReading:
    """The fallback reader: ``YYYY-MM-DD`` with an optional ``HH:MM``; anything else is not read."""
    match = _ISO.match(text)
    if match:
        try:
            day = date.fromisoformat(match.group(1))
            clock = time(int(match.group(2)), int(match.group(3))) if match.group(2) else None
        except ValueError:
            pass
        else:
            return DateReading(due_date=day, due_time=clock)
    return DateReading(note="not understood")


@dataclass(frozen=True)
class Issue:
    """A row skipped, or kept with part of it in the description: where, what, why."""

    where: str
    what: str
    why: str

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "what": self.what, "why": self.why}


@dataclass
class Row:
    """One task to create: its fields, and its parent and project as keys within the plan."""

    key: int
    where: str
    data: dict[str, Any]
    parent: int | None = None
    project: str | None = None
    """The export's project id (Ticked restore); None: the plan's target project (Todoist)."""
    depth: int = 1


@dataclass
class ProjectRow:
    """A project to recreate (Ticked restore)."""

    old_id: str
    name: str
    color: str
    archived: bool
    tasks: int = 0


@dataclass
class ImportPlan:
    """What an import would write, before anything is: see :func:`preview`."""

    kind: Kind
    source: str
    rows: list[Row] = field(default_factory=list)
    projects: list[ProjectRow] = field(default_factory=list)
    project: str | None = None
    """Todoist: the project the tasks go in."""
    project_exists: bool = False
    skipped: list[Issue] = field(default_factory=list)
    kept: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    inbox_id: str | None = None
    """Ticked restore: the export's Inbox id (its tasks go to this account's Inbox)."""

    def counts(self) -> dict[str, int]:
        return {
            "tasks": len(self.rows),
            "subtasks": sum(1 for r in self.rows if r.parent is not None),
            "with_due_date": sum(1 for r in self.rows if r.data.get("due_date")),
            "recurring": sum(1 for r in self.rows if r.data.get("recurrence")),
            "completed": sum(1 for r in self.rows if r.data.get("completed")),
            "projects": len(self.projects) if self.kind == "ticked" else int(not self.project_exists),
            "skipped": len(self.skipped),
            "kept": len(self.kept),
        }

    def first_rows(self, n: int = PREVIEW_ROWS) -> list[dict[str, str]]:
        """The first tasks as the preview table shows them (plain strings)."""
        titles = {r.key: str(r.data["title"]) for r in self.rows}
        names = {p.old_id: p.name for p in self.projects}
        out = []
        for row in self.rows[:n]:
            d = row.data
            due = str(d.get("due_date") or "")
            if d.get("due_time"):
                due += f" {d['due_time']}"
            if row.project is None:
                project = self.project or INBOX_NAME
            else:
                project = names.get(row.project, INBOX_NAME)
            out.append(
                {
                    "title": str(d["title"]),
                    "parent": titles.get(row.parent, "") if row.parent is not None else "",
                    "project": project,
                    "due": due,
                    "repeats": str(d.get("recurrence") or ""),
                    "priority": str(d.get("priority") or "medium"),
                    "tags": ", ".join(d.get("tags") or []),
                    "done": "yes" if d.get("completed") else "",
                }
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "project": self.project,
            "project_exists": self.project_exists,
            "projects": [p.name for p in self.projects],
            "counts": self.counts(),
            "first_rows": self.first_rows(),
            "skipped": [i.to_json() for i in self.skipped],
            "kept": [i.to_json() for i in self.kept],
            "notes": list(self.notes),
        }


@dataclass
class ImportReport:
    """What an import wrote, and what it left out."""

    kind: Kind
    created: int
    subtasks: int
    projects_created: list[str]
    project: str | None
    skipped: list[Issue]
    kept: list[Issue]
    notes: list[str]

    def summary(self) -> str:
        """One sentence: "Imported 12 tasks (3 subtasks) into Groceries; 1 skipped." """
        where = f" into {self.project}" if self.project else ""
        if self.projects_created and self.kind == "ticked":
            where = f" in {_plural(len(self.projects_created), 'project')} and the Inbox"
        sub = f" ({_plural(self.subtasks, 'subtask')})" if self.subtasks else ""
        tail = f"; {len(self.skipped)} skipped" if self.skipped else ""
        kept = f"; {len(self.kept)} kept with notes in the description" if self.kept else ""
        return f"Imported {_plural(self.created, 'task')}{sub}{where}{tail}{kept}."

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "created": self.created,
            "subtasks": self.subtasks,
            "projects_created": list(self.projects_created),
            "project": self.project,
            "summary": self.summary(),
            "skipped": [i.to_json() for i in self.skipped],
            "kept": [i.to_json() for i in self.kept],
            "notes": list(self.notes),
        }

    def text(self) -> str:
        """The report as lines of text (the CLI prints it)."""
        return _report_text(self.summary(), self.skipped, self.kept, self.notes)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _report_text(head: str, skipped: list[Issue], kept: list[Issue], notes: list[str]) -> str:
    lines = [head]
    if skipped:
        lines.append("Skipped (not imported):")
        lines += [f"  {i.where}: {i.what}: {i.why}" for i in skipped]
    if kept:
        lines.append("Kept, with what could not be read in the description:")
        lines += [f"  {i.where}: {i.what}: {i.why}" for i in kept]
    lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


def preview_text(plan: ImportPlan) -> str:
    """A plan as lines of text (the CLI's ``--dry-run``)."""
    c = plan.counts()
    where = (
        f" into {plan.project}" + ("" if plan.project_exists else " (a new project)") if plan.project else ""
    )
    if plan.kind == "ticked":
        where = f" in {_plural(c['projects'], 'project')} and the Inbox"
    head = (
        f"Would import {_plural(c['tasks'], 'task')} ({c['subtasks']} subtasks, {c['with_due_date']} with a "
        f"due date, {c['recurring']} repeating, {c['completed']} completed){where} from {plan.source}."
    )
    rows = [
        f"  - {r['title']}"
        + (f" (under {r['parent']})" if r["parent"] else "")
        + (f" due {r['due']}" if r["due"] else "")
        + (f" {r['repeats']}" if r["repeats"] else "")
        + f" [{r['priority']}]"
        + (f" #{r['tags']}" if r["tags"] else "")
        for r in plan.first_rows()
    ]
    return _report_text("\n".join([head, *rows]), plan.skipped, plan.kept, plan.notes)


# ----- reading files -------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvalidInputError(
            f"The file is too large ({len(data) // 1024} KB; at most {MAX_BYTES // (1024 * 1024)} MB)."
        )
    if not data.strip():
        raise InvalidInputError("The file is empty.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(
            "The file is not UTF-8 text: choose Todoist's CSV export or Ticked's export (.json)."
        ) from None


def detect(data: bytes, filename: str = "") -> Kind:
    """Which kind of file this is, from its content (the name only breaks a tie)."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or filename.lower().endswith(".json"):
        return "ticked"
    return "todoist"


def _project_from_filename(filename: str) -> str:
    stem = PurePath(filename or "").stem
    stem = _TODOIST_ID.sub("", stem).strip()
    return " ".join(stem.split())[:PROJECT_NAME_MAX] or "Todoist"


def _tag(name: str) -> str:
    """A section name as a tag: "Next week" -> "next-week" (letters, digits and - _ . / + &)."""
    words = re.sub(r"[^\w\-./+&]+", "-", name.strip().lower()).strip("-._/+&")
    return re.sub(r"-{2,}", "-", words)[:TAG_MAX].strip("-")


def _clean(row: dict[str | None, Any], column: str) -> str:
    value = row.get(column)
    if isinstance(value, list):  # more cells than columns
        value = ",".join(str(v) for v in value)
    return str(value or "").replace("\x00", "").strip()


def _checked(data: dict[str, Any]) -> str | None:
    """None when the fields make a valid task, else why not (the model's message)."""
    try:
        TaskCreate.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        return str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return None


def _append(description: str, line: str) -> str:
    text = f"{description}\n\n{line}".strip() if description else line
    return text[:DESCRIPTION_MAX]


def read_todoist(
    data: bytes,
    *,
    filename: str,
    today: date,
    project: str | None = None,
    read_date: DateReader = iso_dates,
) -> ImportPlan:
    """A Todoist CSV export as a plan (nothing written); a clear error for a file that isn't one."""
    text = _text(data)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = [c.strip().upper() for c in (reader.fieldnames or [])]
        rows = list(reader)
    except csv.Error as exc:
        raise InvalidInputError(f"The CSV file could not be read ({exc}).") from None
    if not all(c in columns for c in TODOIST_COLUMNS):
        found = ", ".join(columns[:8]) or "none"
        raise InvalidInputError(
            f"This is not a Todoist CSV export: it needs the columns TYPE and CONTENT (found: {found[:200]})."
        )
    reader_fields = reader.fieldnames or []
    rename = {name: name.strip().upper() for name in reader_fields}
    name = " ".join((project or "").split())[:PROJECT_NAME_MAX] or _project_from_filename(filename)
    plan = ImportPlan(kind="todoist", source=PurePath(filename or "file.csv").name, project=name)
    section_tag = ""
    stack: list[Row] = []  # the current row's ancestors, by depth
    last: Row | None = None
    counts = {"responsible": 0, "duration": 0, "other_types": 0}
    for number, raw in enumerate(rows, start=2):  # line 1 is the header
        row = {rename.get(k, k): v for k, v in raw.items()} if raw else {}
        where = f"line {number}"
        kind = _clean(row, "TYPE").lower()
        content = _clean(row, "CONTENT")
        if not kind and not content:
            continue  # Todoist leaves blank lines between sections
        if kind == "section":
            section_tag = _tag(content)
            if content and not section_tag:
                plan.kept.append(
                    Issue(where, content[:80], "this section name can't be a tag; its tasks have none")
                )
            stack, last = [], None
            continue
        if kind == "note":
            if last is None:
                plan.skipped.append(Issue(where, content[:80] or "note", "a comment with no task above it"))
            else:
                note = f"Comment: {content}"
                last.data["description"] = _append(str(last.data.get("description") or ""), note)
            continue
        if kind != "task":
            if kind != "meta":
                counts["other_types"] += 1
                plan.skipped.append(Issue(where, content[:80] or kind, f"unknown row type '{kind[:20]}'"))
            continue
        if len(plan.rows) >= MAX_TASKS:
            raise InvalidInputError(
                f"The file has more than {MAX_TASKS} tasks; split it and import each part."
            )
        labels = [m.group(1).lower() for m in _LABEL.finditer(content)]
        title = " ".join(_LABEL.sub(" ", content).split()) if labels else content
        if not title:
            plan.skipped.append(Issue(where, content[:80] or "(empty)", "the task has no title"))
            continue
        description = _clean(row, "DESCRIPTION")
        if len(title) > TITLE_MAX:
            description = _append(description, f"Full title: {title}")
            plan.kept.append(
                Issue(
                    where,
                    title[:80],
                    f"title cut to {TITLE_MAX} characters; the full one is in the description",
                )
            )
            title = title[: TITLE_MAX - 1].rstrip() + "…"
        tags = [t for t in [section_tag, *(_tag(x) for x in labels)] if t]
        fields: dict[str, Any] = {
            "title": title,
            "priority": _PRIORITIES.get(_clean(row, "PRIORITY"), "medium"),
            "tags": list(dict.fromkeys(tags))[:20],
        }
        date_text = _clean(row, "DATE")
        if date_text:
            lang = _clean(row, "DATE_LANG").lower() or "en"
            reading = read_date(date_text, today) if lang.startswith("en") else iso_dates(date_text, today)
            if lang and not lang.startswith("en") and reading.note:
                reading = DateReading(note=f"dates in '{lang[:10]}' are not read, only English ones")
            due = reading.due_date
            if due is None and (reading.due_time is not None or reading.recurrence):
                due = today  # "every day", "at 5pm": from today
            if due is not None:
                fields["due_date"] = due.isoformat()
            if reading.due_time is not None:
                fields["due_time"] = reading.due_time.strftime("%H:%M")
            if reading.recurrence:
                fields["recurrence"] = reading.recurrence
            if reading.note:
                description = _append(description, f"Todoist date: {date_text}")
                plan.kept.append(Issue(where, f"{title[:60]} (date '{date_text[:40]}')", reading.note))
        deadline = _clean(row, "DEADLINE")
        if deadline:
            description = _append(description, f"Todoist deadline: {deadline}")
        if description:
            fields["description"] = description
        counts["responsible"] += bool(_clean(row, "RESPONSIBLE"))
        counts["duration"] += bool(_clean(row, "DURATION"))
        try:
            indent = max(1, int(_clean(row, "INDENT") or "1"))
        except ValueError:
            indent = 1
        depth = min(indent, DEPTH_MAX)
        if indent > DEPTH_MAX:
            plan.kept.append(
                Issue(
                    where,
                    title[:80],
                    f"nested {indent} levels deep; Ticked has {DEPTH_MAX}, "
                    f"so it is a level-{DEPTH_MAX} subtask",
                )
            )
        while stack and stack[-1].depth >= depth:
            stack.pop()
        parent = stack[-1] if stack else None
        if depth > 1 and parent is None:
            plan.kept.append(
                Issue(where, title[:80], "indented with no task above it: imported as a task of its own")
            )
            depth = 1
        elif parent is not None:
            depth = parent.depth + 1
        why = _checked(fields)
        if why is not None:
            plan.skipped.append(Issue(where, title[:80], why))
            continue
        task = Row(
            key=len(plan.rows), where=where, data=fields, parent=parent.key if parent else None, depth=depth
        )
        plan.rows.append(task)
        stack.append(task)
        last = task
    if counts["responsible"]:
        plan.notes.append(
            f"{_plural(counts['responsible'], 'task')} had a responsible person in Todoist; "
            "tasks are imported unassigned."
        )
    if counts["duration"]:
        plan.notes.append(f"Durations ({counts['duration']}) are not imported: Ticked tasks have no length.")
    if not plan.rows and not plan.skipped:
        raise InvalidInputError("The file holds no tasks.")
    return plan


def _load_export(data: bytes) -> dict[str, Any]:
    text = _text(data)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInputError(
            "The file is not valid JSON: choose the file Ticked's Download my data gave you."
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise InvalidInputError(
            'This JSON file is not a Ticked export (its "format" is not "ticked-export").'
        )
    if doc.get("version") not in EXPORT_VERSIONS:
        raise InvalidInputError(
            f"This Ticked export is version {str(doc.get('version'))[:10]}; this server restores version "
            + ", ".join(str(v) for v in EXPORT_VERSIONS)
            + "."
        )
    if not isinstance(doc.get("tasks"), list) or not isinstance(doc.get("projects", []), list):
        raise InvalidInputError("This Ticked export has no task list.")
    if len(doc["tasks"]) > MAX_TASKS:
        raise InvalidInputError(f"The export has more than {MAX_TASKS} tasks, more than one import takes.")
    return doc


_TASK_FIELDS = (
    "title",
    "description",
    "priority",
    "tags",
    "due_date",
    "recurrence",
    "completed",
    "due_time",
    "reminders",
)


def read_ticked(data: bytes) -> ImportPlan:
    """A Ticked export (version 3) as a restore plan (nothing written); a clear error otherwise."""
    doc = _load_export(data)
    plan = ImportPlan(kind="ticked", source="Ticked export")
    owned: dict[str, ProjectRow] = {}
    foreign: dict[str, str] = {}
    for p in doc.get("projects", []):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            continue
        name = " ".join(str(p.get("name") or "").split())[:PROJECT_NAME_MAX]
        if p.get("is_inbox"):
            plan.inbox_id = p["id"]
        elif p.get("role") == ProjectRole.owner.value and name:
            color = str(p.get("color") or "")
            owned[p["id"]] = ProjectRow(
                old_id=p["id"],
                name=name,
                color=color if color in PROJECT_COLORS else "blue",
                archived=bool(p.get("archived")),
            )
        else:
            foreign[p["id"]] = name or "a shared project"
    raw_tasks = [t for t in doc["tasks"] if isinstance(t, dict)]
    by_id = {str(t.get("id")): t for t in raw_tasks}
    keys: dict[str, int] = {}

    def depth_of(task: dict[str, Any]) -> int:
        depth, seen, parent = 1, set(), task.get("parent_id")
        while parent and str(parent) in by_id and parent not in seen and depth <= DEPTH_MAX + 1:
            seen.add(parent)
            depth += 1
            parent = by_id[str(parent)].get("parent_id")
        return depth

    for number, task in sorted(enumerate(raw_tasks, start=1), key=lambda pair: depth_of(pair[1])):
        where = f"task {number}"
        title = str(task.get("title") or "")[:80] or "(untitled)"
        pid = str(task.get("project_id") or "")
        if pid in foreign:
            plan.skipped.append(
                Issue(where, title, f"in {foreign[pid]}, which someone else owns: ask them to share it again")
            )
            continue
        if pid and pid not in owned and pid != plan.inbox_id:
            plan.skipped.append(Issue(where, title, "its project is not in the export"))
            continue
        fields = {k: task[k] for k in _TASK_FIELDS if k in task and task[k] is not None}
        parent_key = None
        old_parent = task.get("parent_id")
        if old_parent:
            if str(old_parent) in keys:
                parent_key = keys[str(old_parent)]
            else:
                plan.kept.append(
                    Issue(where, title, "its parent task was not imported: imported as a task of its own")
                )
        why = _checked(fields)
        if why is not None:
            plan.skipped.append(Issue(where, title, why))
            continue
        row = Row(
            key=len(plan.rows),
            where=where,
            data=fields,
            parent=parent_key,
            project=pid if pid in owned else None,
            depth=1 if parent_key is None else plan.rows[parent_key].depth + 1,
        )
        if row.depth > DEPTH_MAX:
            plan.skipped.append(Issue(where, title, f"nested deeper than {DEPTH_MAX} levels"))
            continue
        keys[str(task.get("id"))] = row.key
        plan.rows.append(row)
        if row.project:
            owned[row.project].tasks += 1
    plan.projects = list(owned.values())
    if plan.inbox_id is None:  # tasks whose project is missing go to the Inbox
        for row in plan.rows:
            row.project = row.project if row.project in owned else None
    if any(t.get("assignee_id") for t in raw_tasks):
        plan.notes.append("Assignees are not restored: tasks come back unassigned.")
    for part, what in (
        ("comments", "Comments"),
        ("threads", "Conversations"),
        ("operations", "The change history"),
    ):
        if doc.get(part):
            plan.notes.append(f"{what} from the export are not restored; only tasks and projects are.")
    plan.notes.append(
        "Completed tasks come back completed, dated today; every task's creation date is today's."
    )
    return plan


# ----- preview and apply --------------------------------------------------------------------------


def account_contents(session: Session, *, user_id: uuid.UUID) -> tuple[int, int]:
    """(tasks the person can see, projects besides the Inbox they are a member of)."""
    visible = project_service.visible_projects(user_id)
    tasks = session.exec(
        select(func.count()).select_from(Task).where(col(Task.project_id).in_(visible))
    ).one()
    projects = session.exec(
        select(func.count())
        .select_from(Membership)
        .join(Project, col(Project.id) == Membership.project_id)
        .where(Membership.user_id == user_id, col(Project.is_inbox).is_(False))
    ).one()
    return int(tasks), int(projects)


def _require_empty(session: Session, user_id: uuid.UUID) -> None:
    tasks, projects = account_contents(session, user_id=user_id)
    if tasks or projects:
        raise InvalidInputError(
            "A Ticked export is restored only into an empty account, so nothing is doubled: this one has "
            f"{_plural(tasks, 'task')} and {_plural(projects, 'project')} besides the Inbox. "
            "Restore into a new account, or delete them first."
        )


def _target_project(session: Session, user_id: uuid.UUID, name: str) -> Project | None:
    try:
        return project_service.find_project(session, user_id=user_id, name=name, need=project_service.WRITE)
    except NotFoundError:
        return None


def preview(
    session: Session,
    *,
    user_id: uuid.UUID,
    data: bytes,
    filename: str = "",
    project: str | None = None,
    read_date: DateReader = iso_dates,
) -> ImportPlan:
    """Read a file and say what importing it would do; writes nothing.

    ``project`` (Todoist) is where the tasks go; by default the file's name. Raises
    :class:`InvalidInputError` with a message for the person when the file can't be imported.
    """
    if detect(data, filename) == "ticked":
        plan = read_ticked(data)
        _require_empty(session, user_id)
        plan.source = PurePath(filename).name if filename else plan.source
    else:
        today = user_today(session, user_id=user_id)
        plan = read_todoist(data, filename=filename, today=today, project=project, read_date=read_date)
        assert plan.project is not None
        target = _target_project(session, user_id, plan.project)
        plan.project_exists = target is not None
        if target is not None:
            plan.project = target.name
    if not plan.rows:
        raise InvalidInputError(
            "Nothing in this file can be imported: " + "; ".join(i.why for i in plan.skipped[:3]) + "."
        )
    return plan


def apply(
    session: Session,
    *,
    user_id: uuid.UUID,
    plan: ImportPlan,
    origin: Origin = IMPORT,
    actor: audit.Actor | None = None,
) -> ImportReport:
    """Write ``plan`` (from :func:`preview`) in the caller's transaction: every task, or none.

    The import is one ``import`` audit event with its counts only (no file name, title or project name).
    """
    created_projects: list[str] = []
    project_ids: dict[str | None, uuid.UUID] = {}
    if plan.kind == "ticked":
        _require_empty(session, user_id)  # again: the account may have changed since the preview
        project_ids[None] = project_service.inbox(session, user_id=user_id).id
        for p in plan.projects:
            new = project_service.create_project(
                session, user_id=user_id, name=p.name, color=p.color, origin=origin
            )
            project_ids[p.old_id] = new.id
            created_projects.append(new.name)
    else:
        assert plan.project is not None
        target = _target_project(session, user_id, plan.project)
        if target is None:
            target = project_service.create_project(
                session, user_id=user_id, name=plan.project, origin=origin
            )
            created_projects.append(target.name)
        project_ids[None] = target.id
    made: dict[int, uuid.UUID] = {}
    for row in plan.rows:
        data = dict(row.data)
        if row.parent is not None:
            data["parent_id"] = made[row.parent]
        else:
            data["project_id"] = project_ids[row.project if row.project in project_ids else None]
        task = task_service.create_task(session, user_id=user_id, data=data, origin=origin)
        made[row.key] = task.id
    if plan.kind == "ticked":  # archive last: an archived project still takes its tasks above
        for p in plan.projects:
            if p.archived:
                project_service.update_project(
                    session, user_id=user_id, project_id=project_ids[p.old_id], archived=True, origin=origin
                )
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=user_id, actor=actor),
        action="import",
        target_type="user",
        target_id=user_id,
        details={
            "kind": plan.kind,
            "tasks": len(made),
            "subtasks": sum(1 for r in plan.rows if r.parent is not None),
            "projects_created": len(created_projects),
            "skipped": len(plan.skipped),
        },
    )
    return ImportReport(
        kind=plan.kind,
        created=len(made),
        subtasks=sum(1 for r in plan.rows if r.parent is not None),
        projects_created=created_projects,
        project=plan.project,
        skipped=list(plan.skipped),
        kept=list(plan.kept),
        notes=list(plan.notes),
    )
