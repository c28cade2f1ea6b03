"""Turn a listing request ("what's due today?", "show tasks tagged travel") into filters.

The same filters also describe bulk selections ("delete all completed tasks"), so the parser
here is shared by listing and by bulk complete/delete/reopen.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from app.agent.offline.attributes import extract_priority, extract_tags, normalize_tag
from app.agent.offline.dates import extract_date

_F = re.IGNORECASE
_PENDING = re.compile(
    r"\b(?:left|remaining|remains?|pending|open|outstanding|unfinished|incomplete|uncompleted|undone|active|unchecked|"
    r"not\s+(?:yet\s+)?(?:done|finished|completed?|checked\s+off)|still\s+(?:to\s+do|open|pending)|"
    r"(?:have|need|got)\s+to\s+do|to\s+do|on\s+my\s+plate|todo\s+next)\b",
    _F,
)
_COMPLETED = re.compile(
    r"\b(?:completed?|finished|done|ticked(?:\s+off)?|checked(?:\s+off)?|accomplished|closed|achieved)\b", _F
)
_OVERDUE = re.compile(r"\b(?:overdue|late|past\s+due|behind|missed|expired)\b", _F)
_UPCOMING = re.compile(
    r"\b(?:upcoming|coming\s+up|soon|this\s+week|next\s+(?:few|couple\s+of|7|seven)\s+days|the\s+week\s+ahead)\b",
    _F,
)
_NEXT_WEEK = re.compile(r"\b(?:due\s+)?next\s+week\b", _F)
_NO_DUE = re.compile(
    r"\b(?:(?:with\s+)?no\s+(?:due\s+)?dates?|without\s+(?:a\s+)?(?:due\s+)?dates?|no\s+deadlines?|"
    r"undated|unscheduled|not\s+scheduled)\b",
    _F,
)
_TAG_PHRASE = re.compile(
    r"\b(?:tagged|labell?ed|with\s+(?:the\s+)?(?:tag|label)|under(?:\s+the)?(?:\s+tag)?|in\s+the\s+tag|tag|label)"
    r"\s+(?:as\s+|with\s+)?#?(?P<t>[\w-]+)",
    _F,
)
_SEARCH = [
    re.compile(
        r"^(?:search|find|look\s+for|look\s+up|lookup|locate|grep)\s+(?:for\s+)?(?:(?:my\s+|all\s+)?(?:tasks?|todos?|items?)\s+)?"
        r"(?:(?:that\s+)?(?:about|with|containing|contain|mentioning|mention|matching|match|named|called|titled|"
        r"say|says|saying|including|include|regarding|related\s+to|involving|on)\s+)?(?:the\s+word\s+)?(?P<q>.+)$",
        _F,
    ),
    re.compile(
        r"\b(?:tasks?|todos?|anything|something|items?|stuff)\s+(?:that\s+)?(?:about|containing|contain|mentioning|"
        r"mention|matching|match|with\s+the\s+word|says?|saying|named|called|titled|regarding|related\s+to|"
        r"involving)\s+(?P<q>.+)$",
        _F,
    ),
]
_FILLER = re.compile(
    r"\b(?:show|list|display|view|see|get|give|print|tell|read|what's|whats|what\s+is|what\s+are|what|which|"
    r"that's|it's|there's|i'm|i've|i'd|"
    r"anything|any|do|does|did|i|i've|have|has|how|many|much|is|are|was|there|let|me|my|all|the|a|an|of|"
    r"tasks?|todos?|to-dos?|items?|things?|stuff|list|lists|ones?|please|everything|every|entire|whole|full|"
    r"else|still|now|currently|so\s+far|yet|due|on|for|in|with|that|which|priority|priorities|and|or|"
    r"agenda|plate|about|it|them|those|these|both|you|u|can|could|would|up|here|overview|status)\b",
    _F,
)


_SEARCH_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "my",
        "to",
        "for",
        "of",
        "about",
        "with",
        "any",
        "some",
        "task",
        "tasks",
        "called",
        "named",
    ]
)


@dataclass
class TaskQuery:
    """Filters over the person's tasks; every field left as None matches everything.

    Attributes:
        status: "all", "pending" or "completed".
        tag: one tag (lowercase).
        priority: "low", "medium" or "high".
        due: "today", "tomorrow", "overdue", "upcoming", "next_week" or "none".
        due_on: a specific due date.
        search: words that must all appear in the title, description or tags.
        words: leftover words (a bare "work tasks" may name a tag the caller knows about).
    """

    status: str = "all"
    tag: str | None = None
    priority: str | None = None
    due: str | None = None
    due_on: dt.date | None = None
    search: str | None = None
    words: list[str] = field(default_factory=list)

    def is_filtered(self) -> bool:
        """Whether anything narrows the selection beyond status."""
        return bool(self.tag or self.priority or self.due or self.due_on or self.search)


def parse_query(text: str, today: dt.date, *, default_status: str = "all") -> TaskQuery:
    """Read listing filters out of ``text``.

    Args:
        text: the request, e.g. "which high priority tasks are overdue?".
        today: the date relative phrases resolve against.
        default_status: status when none is said ("all" for listing, "pending" when completing).

    Returns:
        The filters; ``words`` holds whatever content words were left over.
    """
    query = TaskQuery(status=default_status)
    rest = text
    for pattern in _SEARCH:
        m = pattern.search(rest)
        if m:
            search = m.group("q").strip(" \"'“”‘’?.!")
            inner = parse_query(search, today, default_status=default_status)
            if inner.is_filtered() and not inner.words:
                return inner
            query.search = search
            rest = rest[: m.start()]
            break
    if _NO_DUE.search(rest):
        query.due, rest = "none", _NO_DUE.sub(" ", rest)
    elif _OVERDUE.search(rest):
        query.due, rest = "overdue", _OVERDUE.sub(" ", rest)
        if query.status == "all":
            query.status = "pending"
    elif _UPCOMING.search(rest):
        query.due, rest = "upcoming", _UPCOMING.sub(" ", rest)
    elif _NEXT_WEEK.search(rest):
        query.due, rest = "next_week", _NEXT_WEEK.sub(" ", rest)
    else:
        due_on, rest = extract_date(rest, today)
        if due_on is not None:
            query.due_on = due_on
            if query.status == "all":
                query.status = "pending"
    if _PENDING.search(rest):
        query.status, rest = "pending", _PENDING.sub(" ", rest)
    elif _COMPLETED.search(rest):
        query.status, rest = "completed", _COMPLETED.sub(" ", rest)
    tags, rest = extract_tags(rest)
    m = _TAG_PHRASE.search(rest)
    if m and not tags:
        tags, rest = [normalize_tag(m.group("t"))], rest[: m.start()] + " " + rest[m.end() :]
    if tags:
        query.tag = tags[0]
    query.priority, rest = extract_priority(rest)
    rest = _FILLER.sub(" ", rest)
    query.words = [w for w in re.findall(r"[a-z0-9][\w'-]*", rest.lower()) if len(w) > 1]
    return query


def matches(task: dict[str, Any], query: TaskQuery, today: dt.date) -> bool:
    """Whether a TaskDict passes the filters."""
    if query.status == "pending" and task.get("completed"):
        return False
    if query.status == "completed" and not task.get("completed"):
        return False
    if query.tag and query.tag not in [normalize_tag(t) for t in task.get("tags") or []]:
        return False
    if query.priority and (task.get("priority") or "medium") != query.priority:
        return False
    due = _due(task)
    if query.due_on is not None and due != query.due_on:
        return False
    if query.due and not _due_matches(query.due, due, today):
        return False
    if query.search:
        haystack = " ".join(
            [
                str(task.get("title") or ""),
                str(task.get("description") or ""),
                " ".join(task.get("tags") or []),
            ]
        ).lower()
        words = [w for w in re.findall(r"[\w'-]+", query.search.lower()) if w not in _SEARCH_STOP]
        if not all(w in haystack for w in words):
            return False
    return True


def _due(task: dict[str, Any]) -> dt.date | None:
    value = task.get("due_date")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _due_matches(kind: str, due: dt.date | None, today: dt.date) -> bool:
    if kind == "none":
        return due is None
    if due is None:
        return False
    if kind == "today":
        return due == today
    if kind == "tomorrow":
        return due == today + dt.timedelta(days=1)
    if kind == "overdue":
        return due < today
    if kind == "next_week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
        return monday <= due < monday + dt.timedelta(days=7)
    return today <= due <= today + dt.timedelta(days=7)  # upcoming
