"""Turn a listing request ("what's due today?", "show tasks tagged travel") into filters.

The same filters also describe bulk selections ("delete all completed tasks"), so the parser
here is shared by listing and by bulk complete/delete/reopen.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from app.agent.offline.attributes import extract_priority, extract_tags, normalize_tag
from app.agent.offline.dates import WEEKDAYS, add_months, describe_date, extract_date, number_in

_F = re.IGNORECASE
_PENDING = re.compile(
    r"\b(?:left|remaining|remains?|pending|open|outstanding|unfinished|incomplete|uncompleted|undone|active|unchecked|"
    r"not\s+(?:yet\s+)?(?:done|finished|completed?|checked\s+off)|still\s+(?:to\s+do|open|pending)|"
    r"(?:have|need|got)\s+to\s+do|to\s+do|on\s+my\s+plate|todo\s+next)\b",
    _F,
)
_COMPLETED = re.compile(
    r"\b(?:completed?|finished|done|ticked(?:\s+off)?|checked(?:\s+off)?|accomplished|closed|achieved)\b|"
    r"\b(?:did|have)\s+i\s+(?:already\s+|just\s+)?(?:finish|complete|do|tick\s+off|check\s+off)\b",
    _F,
)
_OVERDUE = re.compile(
    r"\b(?:overdue|late|past\s+due|behind|missed|expired)\b|\b(?:what|anything)\s+(?:did\s+|have\s+)?i\s+miss(?:ed)?\b",
    _F,
)
_UPCOMING = re.compile(
    r"\b(?:upcoming|coming\s+up|soon|this\s+week|(?:for\s+|during\s+)?the\s+(?:rest\s+of\s+the\s+)?week(?:\s+ahead)?)\b",
    _F,
)
# "in the next 3 days", "within two weeks", "over the coming few days": a window from today on.
_NUM = (
    r"\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|thirty|"
    r"(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few"
)
_WITHIN = re.compile(
    r"\b(?:(?:in|over|during|for)\s+)?(?:the\s+)?(?:next|coming|following|upcoming)\s+(?P<n>" + _NUM + r")\s+"
    r"(?P<unit>day|week|month)s?\b|"
    r"\bwithin\s+(?:the\s+next\s+)?(?P<n2>" + _NUM + r")\s+(?P<unit2>day|week|month)s?\b|"
    r"\b(?:(?:in|over|during)\s+)?the\s+coming\s+(?P<unit3>days|week|month)\b",
    _F,
)
_SORT_KEY = r"priority|importance|urgency|due\s+date|date|deadline|due|title|name"
_SORT = re.compile(
    r"\b(?:(?:sorted|ordered|sort|order|arranged|grouped)\s+)?by\s+(?P<key>" + _SORT_KEY + r")\b|"
    r"\bin\s+(?:(?P<key2>priority|date|due\s+date|deadline)\s+)?order(?:\s+of\s+(?P<key3>"
    + _SORT_KEY
    + r"))?\b|"
    r"\b(?P<key4>alphabetical(?:ly)?)\b|\b(?:sorted|ordered)\b",
    _F,
)
# "what do I need to get done today?" asks about what is ahead, not about what was completed.
_AHEAD = re.compile(
    r"\b(?:need|needs|have|has|got|want|wants|going|plan|planning|ought)\s+to\b|\b(?:gotta|will|should|must|"
    r"shall)\b|\bto\s+(?:get\s+)?(?:do|done|finish|complete)\b",
    _F,
)
_THIS_MONTH = re.compile(r"\b(?:this|the\s+rest\s+of\s+the)\s+month\b", _F)
# Completion words: "what did I finish today?", "tasks completed this week", "what have I done yesterday".
_COMPLETION_WORD = re.compile(
    r"\b(?:completed?|finish(?:ed)?|done|did|accomplish(?:ed)?|ticked\s+off|checked\s+off|crossed\s+off|"
    r"closed|achieved|got\s+done|wrapped\s+up)\b",
    _F,
)
_WINDOW = re.compile(
    r"\b(?:(?:so\s+far\s+)?(?P<today>today|tonight|this\s+(?:morning|afternoon|evening))|(?P<yesterday>yesterday)|"
    r"(?:(?:in|during|over)\s+)?(?P<q>this|last|past|previous|the\s+last|the\s+past)\s+(?P<unit>week|month)|"
    r"(?:(?:in|during|over)\s+)?(?:the\s+)?(?:last|past|previous)\s+(?P<n>\d{1,3}|two|three|four|five|six|seven|"
    r"(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)\s+(?P<nunit>day|week)s?|"
    r"(?:on\s+|since\s+|last\s+)?(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    _F,
)
_INCLUDE_COMPLETED = re.compile(
    r"\b(?:includ(?:e|ing)|with|and|or|plus|even)\s+(?:the\s+)?(?:completed|finished|done|closed)(?:\s+ones|\s+tasks)?\b|"
    r"\b(?:completed|finished|done)\s+(?:and|or)\s+(?:not|open|pending|unfinished)\b|"
    r"\b(?:open|pending|unfinished)\s+(?:and|or)\s+(?:completed|finished|done)\b|\bcompleted\s+or\s+not\b",
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
    r"when's|whens|when|"
    r"that's|it's|there's|i'm|i've|i'd|"
    r"anything|something|any|do|does|did|i|i've|have|has|got|how|many|much|is|are|was|were|am|there|let|me|my|all|the|"
    r"a|an|of|"
    r"tasks?|todos?|to-dos?|items?|things?|stuff|list|lists|ones?|please|everything|every|entire|whole|full|"
    r"else|still|now|currently|so\s+far|yet|due|on|for|in|with|that|which|priority|priorities|and|or|"
    r"agenda|plate|about|it|them|those|these|both|you|u|can|could|would|up|here|overview|status)\b",
    _F,
)


# Words that only carry the question in a listing ("what have I got going on", "what needs doing"):
# dropped before leftover words are read as a search. Bulk actions keep them (they narrow a deletion).
_CHATTER = frozenset(
    str.split(
        "got gotten going get getting need needs needed doing done be to should must focus schedule "
        "scheduled planned plan look looks like happening coming left remaining remain remains deck "
        "today's tomorrow's tonight's week's show list display view summary overview lately recently "
        "day days week weeks this next soon most more very really top"
    )
)
_MY_DAY = re.compile(
    r"\b(?:my|today's|todays)\s+(?:day|agenda|plan|schedule)(?:\s+(?:for\s+)?today)?\b|"
    r"\b(?:agenda|plan|schedule)\s+for\s+today\b|\bday\s+look(?:s|ing)?\s+like\b|"
    r"\bwhat(?:'s|s|\s+is)\s+(?:on\s+my\s+(?:plate|list|agenda)\s+|on\s+|happening\s+|planned\s+)(?:for\s+)?today\b|"
    r"\bwhat\s+(?:do\s+i\s+have|have\s+i\s+got|am\s+i\s+doing)\s+(?:on\s+|for\s+)?today\b|"
    r"\bwhat\s+should\s+i\s+(?:do|focus\s+on|work\s+on|tackle|start\s+with)\s+(?:first\s+)?today\b|"
    r"\btoday(?:'s)?\s+view\b|^(?:show\s+(?:me\s+)?|open\s+)?(?:the\s+)?today$|\bplan\s+(?:for\s+)?(?:my|the)\s+day\b|"
    r"\bhow(?:'s|\s+is|\s+does|\s+do)\s+(?:my|today|the\s+day)(?:\s+day)?(?:\s+look(?:ing)?)?\b",
    _F,
)
DAY_VIEW = _MY_DAY
"""The Today view asked for ("what does my day look like?", "what's on today", "how's my day")."""
_POSSESSIVE_DAY = re.compile(r"\b(today|tomorrow|tonight)['’]s\b", _F)


def listing_words(query: TaskQuery) -> TaskQuery:
    """The query without leftover chatter words, so what remains can be read as a search."""
    words = [w for w in query.words if w not in _CHATTER]
    return replace(query, words=words) if words != query.words else query


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
        explicit_status: the text said which status ("open", "done", "including completed");
            otherwise ``status`` is the caller's default.
        due: "today", "tomorrow", "overdue", "upcoming", "next_week", "window" or "none".
        due_on: a specific due date.
        search: words that must all appear in the title, description or tags.
        words: leftover words (a bare "work tasks" may name a tag the caller knows about).
        due_until: with ``due="window"``, the last day of a window that starts today.
        window: how the text named that window ("in the next 3 days"), for the reply.
        completed_from: completed on or after this day (local time); "what did I finish today?".
        completed_until: completed on or before this day.
        sort: "priority", "due" or "title" when the text asked for an order ("by priority").
    """

    status: str = "all"
    explicit_status: bool = False
    tag: str | None = None
    priority: str | None = None
    due: str | None = None
    due_on: dt.date | None = None
    search: str | None = None
    words: list[str] = field(default_factory=list)
    due_until: dt.date | None = None
    window: str = ""
    completed_from: dt.date | None = None
    completed_until: dt.date | None = None
    sort: str | None = None
    project: str | None = None
    """Only this project's tasks (its name), when the text named one of the person's projects."""
    assignee: str | None = None
    """Whose tasks, as the reply words it ("you", "Sam", "nobody"); the caller narrows the tasks."""

    def is_filtered(self) -> bool:
        """Whether anything narrows the selection beyond status."""
        return bool(
            self.tag
            or self.priority
            or self.due
            or self.due_on
            or self.search
            or self.due_until
            or self.completed_from
        )


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
    order = _SORT.search(rest)
    if order is not None:
        key = order.group("key") or order.group("key2") or order.group("key3") or order.group("key4") or "due"
        key = key.lower().split()[0]
        query.sort = (
            "priority"
            if key in {"priority", "importance", "urgency"}
            else ("title" if key in {"title", "name", "alphabetical", "alphabetically"} else "due")
        )
        rest = rest[: order.start()] + " " + rest[order.end() :]
    if _INCLUDE_COMPLETED.search(rest):
        query.status, query.explicit_status = "all", True
        rest = _INCLUDE_COMPLETED.sub(" ", rest)
    elif _COMPLETION_WORD.search(rest) and not (_PENDING.search(rest) or _AHEAD.search(rest)):
        window = _completion_window(rest, today)
        if window is not None:
            query.completed_from, query.completed_until, query.window, rest = window
            query.status, query.explicit_status = "completed", True
            rest = _COMPLETION_WORD.sub(" ", rest)
    if query.completed_from is None:
        rest = _due_filters(query, rest, today)
    if not query.explicit_status:
        if _PENDING.search(rest):
            query.status, query.explicit_status, rest = "pending", True, _PENDING.sub(" ", rest)
        elif _COMPLETED.search(rest) and not _AHEAD.search(rest):
            query.status, query.explicit_status, rest = "completed", True, _COMPLETED.sub(" ", rest)
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


def _due_filters(query: TaskQuery, rest: str, today: dt.date) -> str:
    """Read the due-date filter ("overdue", "in the next 3 days", "due friday") into ``query``."""
    rest = _POSSESSIVE_DAY.sub(r"\1", rest)
    window = _WITHIN.search(rest)
    by = _DUE_BY.search(rest)
    last, after = extract_date(rest[by.end() :], today) if by else (None, "")
    if by is not None and last is not None:  # "due by friday", "due before next week": from today on
        if by.group("how").lower() == "before":
            last -= dt.timedelta(days=1)
        query.due, query.due_until = "window", max(last, today)
        query.window = f"by {describe_date(query.due_until, today)}"
        rest = rest[: by.start()] + " " + after
    elif _MY_DAY.search(rest):  # "what does my day look like?": today's tasks and the overdue ones
        query.due, rest = "day", _MY_DAY.sub(" ", rest)
        rest = re.sub(r"\btoday\b", " ", rest, flags=_F)
    elif _NO_DUE.search(rest):
        query.due, rest = "none", _NO_DUE.sub(" ", rest)
    elif _OVERDUE.search(rest):
        query.due, rest = "overdue", _OVERDUE.sub(" ", rest)
    elif window is not None:
        n = number_in(window.group("n") or window.group("n2") or "1")
        unit = (window.group("unit") or window.group("unit2") or window.group("unit3")).lower().rstrip("s")
        query.due, query.due_until = "window", _ahead(today, n, unit)
        query.window = f"in the next {n} {unit}s" if n != 1 else f"in the next {unit}"
        rest = rest[: window.start()] + " " + rest[window.end() :]
    elif _THIS_MONTH.search(rest):
        query.due, query.window = "window", "this month"
        query.due_until = add_months(today.replace(day=1), 1) - dt.timedelta(days=1)
        rest = _THIS_MONTH.sub(" ", rest)
    elif _UPCOMING.search(rest):
        ahead = _UPCOMING.sub(" ", rest)
        on, after = extract_date(ahead, today)
        if on is not None:  # "what's coming up tomorrow": that day, not the week
            query.due_on, rest = on, after
        else:
            query.due, rest = "upcoming", ahead
    elif _NEXT_WEEK.search(rest):
        query.due, rest = "next_week", _NEXT_WEEK.sub(" ", rest)
    else:
        query.due_on, rest = extract_date(rest, today)
    if (query.due in {"overdue", "window", "day"} or query.due_on is not None) and query.status == "all":
        query.status = "pending"
    return rest


_DUE_BY = re.compile(r"\bdue\s+(?P<how>by|before|until|till)\s+", re.IGNORECASE)


def _ahead(today: dt.date, n: int, unit: str) -> dt.date:
    if unit == "month":
        return add_months(today, n)
    return today + dt.timedelta(days=n * (7 if unit == "week" else 1))


def _completion_window(text: str, today: dt.date) -> tuple[dt.date, dt.date, str, str] | None:
    """The days a "what did I finish ..." question covers, its words, and the text without them."""
    m = _WINDOW.search(text)
    if m is None:
        return None
    rest = text[: m.start()] + " " + text[m.end() :]
    g = m.groupdict()
    monday = today - dt.timedelta(days=today.weekday())
    if g["today"]:
        return today, today, "today", rest
    if g["yesterday"]:
        day = today - dt.timedelta(days=1)
        return day, day, "yesterday", rest
    if g["unit"]:
        unit, q = g["unit"].lower(), g["q"].lower().split()[-1]
        if unit == "week":
            if q == "this":
                return monday, today, "this week", rest
            if q in {"last", "previous"} and not g["q"].lower().startswith("the"):
                return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), "last week", rest
            return today - dt.timedelta(days=6), today, "in the past week", rest
        first = today.replace(day=1)
        if q == "this":
            return first, today, "this month", rest
        if q in {"last", "previous"} and not g["q"].lower().startswith("the"):
            return add_months(first, -1), first - dt.timedelta(days=1), "last month", rest
        return add_months(today, -1), today, "in the past month", rest
    if g["n"]:
        n = number_in(g["n"])
        days = n * (7 if g["nunit"].lower() == "week" else 1)
        label = f"in the last {n} {g['nunit'].lower()}{'s' if n != 1 else ''}"
        return today - dt.timedelta(days=days), today, label, rest
    weekday = WEEKDAYS.index(g["wd"].lower())
    day = today - dt.timedelta(days=(today.weekday() - weekday) % 7)
    if re.match(r"since\b", m.group(0), _F):
        return day, today, f"since {describe_date(day, today)}", rest
    return day, day, describe_date(day, today), rest


def completed_on(task: dict[str, Any]) -> dt.date | None:
    """The local day a task was completed (``completed_at`` is UTC), or None."""
    value = task.get("completed_at")
    if not task.get("completed") or not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (stamp.astimezone() if stamp.tzinfo else stamp).date()


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
    if query.due == "window":
        if due is None or not today <= due <= (query.due_until or today):
            return False
    elif query.due and not _due_matches(query.due, due, today):
        return False
    if query.completed_from is not None or query.completed_until is not None:
        done = completed_on(task)
        if done is None or not (query.completed_from or done) <= done <= (query.completed_until or done):
            return False
    if query.project and str(task.get("project") or "").casefold() != query.project.casefold():
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
    if kind == "day":
        return due <= today
    if kind == "next_week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
        return monday <= due < monday + dt.timedelta(days=7)
    return today <= due <= today + dt.timedelta(days=7)  # upcoming
