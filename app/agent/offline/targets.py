"""Decide which tasks a command acts on, using the conversation's memory.

A reference can be a pronoun ("it", "them"), a position in the last list shown ("task 2",
"the second one"), a bulk selection ("all completed tasks") or a (fuzzy) title.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from app.agent.offline.matching import clean_reference, resolve_reference
from app.agent.offline.queries import TaskQuery, matches
from app.models.agent_memory import AgentMemory

TaskDict = dict[str, Any]

_SINGULAR = re.compile(
    r"^(?:it|its|it's|that|that's|thats|this|this\s+one|that\s+one|that\s+task|this\s+task|the\s+task|the\s+one|"
    r"the\s+same\s+(?:one|task)|(?:the\s+)?(?:task|one)\s+(?:i\s+)?just\s+(?:added|created|mentioned|made))$",
    re.IGNORECASE,
)
_LAST_ADDED = re.compile(
    r"^(?:the\s+)?(?:last|latest|newest|most\s+recent)(?:\s+(?:one|task|thing|item))?\s+(?:that\s+)?(?:i|you|we)\s+"
    r"(?:just\s+)?(?:added|created|made|put\s+(?:in|on)|wrote\s+down)$",
    re.IGNORECASE,
)
_PLURAL = re.compile(
    r"^(?:them|those|these|both|all\s+of\s+them|both\s+of\s+them|them\s+all|all\s+(?:of\s+)?those|"
    r"all\s+(?:of\s+)?these|those\s+(?:tasks|ones|two|three)|these\s+(?:tasks|ones|two|three)|"
    r"the\s+(?:two|three)\s+of\s+them)$",
    re.IGNORECASE,
)
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
_POSITION = re.compile(
    r"^(?:(?:tasks?|items?|todos?|number|no\.?|num|#)\s*)?#?(?P<n>\d{1,3})(?:st|nd|rd|th)?$|"
    r"^(?P<word>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)$",
    re.IGNORECASE,
)
_LIST_SPLIT = re.compile(r"\s*(?:,\s*(?:and\s+)?|\band\b|&)\s*", re.IGNORECASE)


@dataclass
class Targets:
    """What a reference resolved to.

    Attributes:
        tasks: the tasks to act on (empty when none or ambiguous).
        problem: "none", "ambiguous", "stale" (a position that no longer exists), "empty" or None.
        candidates: the tied tasks when ambiguous.
        bulk: the reference was a selection ("all ...", "them"), not a single name.
    """

    tasks: list[TaskDict] = field(default_factory=list)
    problem: str | None = None
    candidates: list[TaskDict] = field(default_factory=list)
    bulk: bool = False


def positions(reference: str) -> list[int] | None:
    """1-based positions named by a reference ("task 2", "the second one", "1 and 3"); -1 is "last"."""
    cleaned = clean_reference(reference)
    if not cleaned:
        return None
    found: list[int] = []
    for part in _LIST_SPLIT.split(cleaned):
        m = _POSITION.match(clean_reference(part))
        if not m:
            return None
        found.append(int(m.group("n")) if m.group("n") else _ORDINALS[m.group("word").lower()])
    return found or None


def newest(tasks: list[TaskDict]) -> TaskDict | None:
    """The task made last, or None when there are none."""
    return max(tasks, key=lambda t: str(t.get("created_at") or ""), default=None)


def resolve_targets(
    reference: str,
    query: TaskQuery | None,
    tasks: list[TaskDict],
    memory: AgentMemory,
    today: dt.date,
    *,
    prefer_completed: bool | None = None,
) -> Targets:
    """Resolve what a command refers to.

    Args:
        reference: the phrase naming the task(s).
        query: a bulk selection, when the phrase was one ("all completed tasks").
        tasks: all the person's tasks (TaskDicts).
        memory: the thread memory ("focus" = ids just mentioned, "last_list" = ids last shown).
        today: for date filters.
        prefer_completed: tie-break toward completed (True) or open (False) tasks.
    """
    by_id = {str(t.get("id")): t for t in tasks}
    if query is not None:
        return Targets(
            [t for t in tasks if matches(t, apply_words(query, tasks, search=True), today)], bulk=True
        )
    ref = reference.strip().strip(" .!?,").lower()
    latest = newest(tasks) if _LAST_ADDED.match(ref) else None
    if latest is not None:  # "the last one I added"
        return Targets([latest])
    if _PLURAL.match(ref) or _SINGULAR.match(ref):
        ids = memory.focus or (memory.last_list if _PLURAL.match(ref) else [])
        found = [by_id[i] for i in ids if i in by_id]
        if not found:
            return Targets(problem="empty")
        if _SINGULAR.match(ref) and len(found) > 1:
            return Targets(problem="ambiguous", candidates=found)
        return Targets(found, bulk=len(found) > 1)
    wanted = positions(reference)
    if wanted:
        shown = memory.last_list or [str(t.get("id")) for t in tasks]
        chosen: list[TaskDict] = []
        for n in wanted:
            index = len(shown) - 1 if n == -1 else n - 1
            if not 0 <= index < len(shown) or shown[index] not in by_id:
                return Targets(problem="stale")
            chosen.append(by_id[shown[index]])
        return Targets(chosen)
    result = resolve_reference(reference, tasks, prefer_completed=prefer_completed)
    if result.status == "one":
        return Targets(result.tasks)
    if result.status == "ambiguous":
        return Targets(problem="ambiguous", candidates=result.tasks)
    return Targets(problem="none")


def apply_words(query: TaskQuery, tasks: list[TaskDict], *, search: bool) -> TaskQuery:
    """Give a query's leftover words a meaning: a known tag ("work tasks"), else (for bulk) a search.

    Listing ignores unknown leftover words (they are usually chatter); a bulk action narrows
    by them instead, because ignoring them would select too much.
    """
    if not query.words:
        return query
    known = {str(tag).lower() for t in tasks for tag in t.get("tags") or []}
    words = list(query.words)
    tag = next((w for w in words if w in known), None)
    if tag and not query.tag:
        words.remove(tag)
        query = TaskQuery(**{**query.__dict__, "tag": tag, "words": words})
    if search and words and not query.search:
        query = TaskQuery(**{**query.__dict__, "search": " ".join(words), "words": []})
    return query
