"""Replay agent-eval cases (the shared scorer's format) against the offline agent in-process.

Mirrors /work/shared/agent-eval/run.py: seed the tasks, send the messages in one thread, then
compare tasks, count, absent titles and the last reply, with symbolic dates resolved against
a fixed ``today``. It lets the suite iterate without the CLI or a database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from app.agent.offline import run_local_agent
from app.agent.types import AgentMemory
from tests.agent.fakes import FakeTools

CASES_FILE = Path(__file__).resolve().parents[3] / "shared" / "agent-eval" / "cases.json"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def load_cases(path: Path = CASES_FILE) -> list[dict[str, Any]]:
    """The shared acceptance cases, or [] when the file is not there."""
    return json.loads(path.read_text()) if path.exists() else []


def resolve_dates(value: Any, today: dt.date) -> set[str | None]:
    """The set of ISO dates a symbolic date may stand for (same rules as run.py)."""
    if value is None:
        return {None}
    if isinstance(value, list):
        out: set[str | None] = set()
        for v in value:
            out |= resolve_dates(v, today)
        return out
    v = str(value).strip().lower()
    if v == "today":
        return {today.isoformat()}
    if m := re.fullmatch(r"([+-]\d+)d", v):
        return {(today + dt.timedelta(days=int(m.group(1)))).isoformat()}
    if v.startswith("wd:"):
        ahead = (WEEKDAYS.index(v[3:]) - today.weekday()) % 7
        dates = {(today + dt.timedelta(days=ahead)).isoformat()}
        if ahead == 0:
            dates.add((today + dt.timedelta(days=7)).isoformat())
        return dates
    if v.startswith("md:"):
        month, day = (int(x) for x in v[3:].split("-"))
        d = dt.date(today.year, month, day)
        if d < today:
            d = dt.date(today.year + 1, month, day)
        return {d.isoformat()}
    return {v}


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().lower().strip(" .!?\"'`")


def _task_matches(task: dict[str, Any], want: dict[str, Any], today: dt.date) -> bool:
    for key, expected in want.items():
        got = task.get(key)
        if key == "title":
            ok = _norm(got) == _norm(expected)
        elif key == "due_date":
            ok = (str(got)[:10] if got else None) in resolve_dates(expected, today)
        elif key == "tags":
            ok = sorted(_norm(t).lstrip("#") for t in (got or [])) == sorted(_norm(t) for t in expected)
        elif key in ("priority", "recurrence"):
            ok = _norm(got) == _norm(expected)
        elif key == "reminders":  # ["+1d 17:00", ...] against the task's reminders as local times
            have = _local_reminders(task)
            ok = all(
                any(
                    f"{d}T{spec.rpartition(' ')[2]}" in have
                    for d in resolve_dates(spec.rpartition(" ")[0] or "today", today)
                    if d
                )
                for spec in expected
            )
        else:
            ok = got == expected
        if not ok:
            return False
    return True


def _local_reminders(task: dict[str, Any]) -> set[str]:
    """The task's reminders as local ``YYYY-MM-DDTHH:MM`` (a "before" counts from the due time, 09:00
    on a day without one), as ``tasks list --json`` shows them."""
    out: set[str] = set()
    for spec in task.get("reminders") or []:
        if "at" in spec:
            out.add(str(spec["at"])[:16])
        elif task.get("due_date"):
            due = dt.datetime.fromisoformat(f"{task['due_date']}T{task.get('due_time') or '09:00'}")
            out.add((due - dt.timedelta(minutes=int(spec["before"]))).strftime("%Y-%m-%dT%H:%M"))
    return out


def _unmatched(
    tasks: list[dict[str, Any]], wants: list[dict[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    match: dict[int, int] = {}

    def try_want(w: int, seen: set[int]) -> bool:
        for t, task in enumerate(tasks):
            if t in seen or not _task_matches(task, wants[w], today):
                continue
            seen.add(t)
            if t not in match or try_want(match[t], seen):
                match[t] = w
                return True
        return False

    return [wants[w] for w in range(len(wants)) if not try_want(w, set())]


def run_case(case: dict[str, Any], today: dt.date) -> list[str]:
    """Run one case; returns its problems (empty when it passes)."""
    tools = FakeTools(today)
    for t in case.get("setup", []):
        due = None
        if t.get("due"):
            (due,) = resolve_dates(t["due"], today) - {None} or {None}
        tools.seed(
            t["title"],
            priority=t.get("priority") or "medium",
            tags=t.get("tags"),
            due=due,
            done=t.get("done", False),
            due_time=t.get("due_time"),
            parent=t.get("parent"),
        )
    memory = AgentMemory()
    reply = None
    for message in case["say"]:
        reply = run_local_agent(message, call_tool=tools, memory=memory, today=today)
        # What the caller persists must survive JSON: the thread stores it and reads it back.
        memory = AgentMemory.from_stored(json.loads(json.dumps(reply.memory.to_stored())))
    tasks = list(tools.tasks.values())
    problems = []
    if "count" in case and len(tasks) != case["count"]:
        problems.append(f"expected {case['count']} tasks, found {len(tasks)}")
    problems += [f"no task matches {w}" for w in _unmatched(tasks, case.get("tasks", []), today)]
    titles = {_norm(t.get("title")) for t in tasks}
    problems += [f"task {t!r} should not exist" for t in case.get("absent", []) if _norm(t) in titles]
    if "reply" in case and reply is not None:
        text = reply.text.lower()
        problems += [f"reply lacks {s!r}" for s in case["reply"].get("contains", []) if s.lower() not in text]
        problems += [f"reply mentions {s!r}" for s in case["reply"].get("excludes", []) if s.lower() in text]
    if problems:
        shown = [
            {k: t.get(k) for k in ("title", "completed", "priority", "tags", "due_date", "recurrence")}
            for t in tasks
        ]
        problems.append(f"tasks: {json.dumps(shown)}; last reply: {reply.text if reply else None!r}")
    return problems
