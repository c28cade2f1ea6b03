"""Conversation titles from what the local agent understood (issue 15, item 5).

A title says what a conversation is about ("Pay rent", "Groceries", "Overdue tasks"), never the
first message word for word. It comes from the parse (a title before the tools run) or from the
turn's result (the tasks actually added, listed or changed). A message that says nothing about
tasks ("no", "hi", "thanks", "undo") gives no title, so the thread keeps its neutral one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

from app.agent.offline.intents import Intent
from app.agent.offline.matching import clean_reference
from app.agent.offline.queries import TaskQuery
from app.agent.offline.replies import describe_query
from app.services.threads import title_from_message

JOINED_MAX = 40
"""Several task titles joined ("Eggs, bread and butter") make the title only up to this length."""

_REFERENCE_ONLY = re.compile(
    r"^(?:it|that|this|them|those|these|both|all|everything|(?:task|item|number|no\.?|#)?\s*\d+|first|second|"
    r"third|last|the\s+(?:first|second|third|last)(?:\s+one)?|this\s+one|that\s+one)$",
    re.IGNORECASE,
)


def _short(text: str) -> str | None:
    text = text.strip()
    return title_from_message(text) if text else None


def for_titles(titles: list[str], tags: list[list[str]] | None = None) -> str | None:
    """A title for tasks: the one task's title, else a tag they all share, else their titles joined."""
    titles = [t.strip() for t in titles if t and t.strip()]
    if not titles:
        return None
    if len(titles) == 1:
        return _short(titles[0])
    if tags and len(tags) == len(titles):
        shared = [t for t in tags[0] if all(t in other for other in tags[1:])]
        if shared:
            return _short(shared[0].replace("-", " ").replace("_", " "))
    joined = ", ".join(titles[:-1]) + " and " + titles[-1]
    if len(joined) <= JOINED_MAX:
        return _short(joined)
    return _short(f"{titles[0]} and {len(titles) - 1} more")


def for_query(query: TaskQuery, today: dt.date) -> str | None:
    """A title for a listing: what it lists ("Overdue tasks", "Tasks due today", "High priority tasks")."""
    if query.explicit_status:
        return _short(describe_query(query, today))
    # Open is a listing's default (see agent._list): the title need not say it.
    what = describe_query(replace(query, status="pending"), today).removeprefix("open ")
    return _short("my tasks" if what == "tasks" else what)


def for_tasks(tasks: list[dict[str, Any]]) -> str | None:
    """A title for task dicts (as the tools return them)."""
    return for_titles(
        [str(t.get("title") or "") for t in tasks], [[str(x) for x in t.get("tags") or []] for t in tasks]
    )


def for_intent(intent: Intent, today: dt.date) -> str | None:
    """A title from the parse alone, before any tool runs; None when the message is not about tasks."""
    if intent.kind in {"create", "maybe_update"} and intent.drafts:
        return for_titles([d.title for d in intent.drafts], [d.tags for d in intent.drafts])
    if intent.kind == "list" and intent.query is not None:
        return for_query(intent.query, today)
    if intent.kind in {"complete", "reopen", "delete", "update"}:
        if intent.query is not None:
            return for_query(intent.query, today)
        reference = clean_reference(intent.ref)
        if reference and not _REFERENCE_ONLY.match(reference):
            return _short(reference)
    return None
