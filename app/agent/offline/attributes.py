"""Pull task attributes (priority, tags, recurrence, due date) out of a sentence.

Creation and update both need the same thing: find "high priority", "#work", "every monday",
"by friday" wherever they appear, remember what they mean, and hand back the rest of the
sentence (the title or the task reference) with those phrases cut out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from app.agent.offline.dates import WEEKDAYS, coming_weekday, extract_date

_FLAGS = re.IGNORECASE
_WD = "|".join(WEEKDAYS)
_REPEAT_LEAD = (
    r"(?:(?:and\s+|that\s+|which\s+|to\s+)?(?:repeats?|repeating|recurs?|recurring|reoccurring)\s+)?"
)

_RECURRENCE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_REPEAT_LEAD + r"\b(?:every|each)\s+(?P<wd>" + _WD + r")s?\b", _FLAGS), "weekly"),
    (re.compile(r"\b(?:on\s+)?(?P<wd>" + _WD + r")s\b", _FLAGS), "weekly"),
    (
        re.compile(
            _REPEAT_LEAD
            + r"(?:\b(?:every|each)\s+(?:single\s+|other\s+)?(?:day|morning|evening|night|weekday)\b|"
            r"\beveryday\b|\bdaily\b|\bonce\s+a\s+day\b|\bnightly\b)",
            _FLAGS,
        ),
        "daily",
    ),
    (
        re.compile(
            _REPEAT_LEAD
            + r"(?:\b(?:every|each)\s+(?:other\s+|\d+\s+)?weeks?\b|\bweekly\b|\bonce\s+a\s+week\b)",
            _FLAGS,
        ),
        "weekly",
    ),
    (
        re.compile(
            _REPEAT_LEAD
            + r"(?:\b(?:every|each)\s+(?:other\s+|\d+\s+)?months?\b|\bmonthly\b|\bonce\s+a\s+month\b)",
            _FLAGS,
        ),
        "monthly",
    ),
]
# Repeat rules a task cannot hold exactly: they are read as the nearest rule, and the reply says so.
_APPROXIMATE = re.compile(
    r"\b(?:every|each)\s+(?:other|(?:[2-9]|\d{2,})|two|three|four|five|six)\s+(?:days?|weeks?|months?)\b|"
    r"\b(?:every|each)\s+(?:single\s+)?weekday\b|\b(?:every|each)\s+(?:other\s+)?(?:"
    + _WD
    + r")\s+and\s+(?:"
    + _WD
    + r")\b",
    _FLAGS,
)
_NO_RECURRENCE = re.compile(
    r"\b(?:(?:no\s+longer|not|don't|do\s+not|stop|never)\s+(?:repeat(?:ing)?|recur(?:ring)?)|"
    r"non-?recurring|one[-\s]off|not\s+recurring)\b",
    _FLAGS,
)
_REPEAT_WORD = re.compile(r"^\s*(?:repeat|recurring|recur)\b", _FLAGS)

_PRIORITY_WORDS = {
    "high": "high",
    "top": "high",
    "highest": "high",
    "max": "high",
    "urgent": "high",
    "low": "low",
    "lowest": "low",
    "medium": "medium",
    "normal": "medium",
    "mid": "medium",
    "regular": "medium",
    "average": "medium",
}
_PRIORITY: list[tuple[re.Pattern[str], str | None]] = [
    (
        re.compile(
            r"(?:\b(?:with|at|as|in|of|to)\s+)?(?:an?\s+|the\s+)?\b(?P<p>high|top|highest|max|urgent|low|lowest|"
            r"medium|normal|mid|regular|average)[\s-]+prio(?:rity)?\b",
            _FLAGS,
        ),
        None,
    ),
    (
        re.compile(
            r"(?:\b(?:with|and)\s+)?\b(?:the\s+)?prio(?:rity)?\s*(?:is\s+|of\s+|:\s*|=\s*|to\s+|set\s+to\s+)?"
            r"(?P<p>high|low|medium|normal|urgent)\b",
            _FLAGS,
        ),
        None,
    ),
    (
        re.compile(
            r"(?:\b(?:is|are|was|were)\s+)?(?:\bnot|\b(?:is|are|was|were|ain)n[’']t|\bno\s+longer)\s+"
            r"(?:(?:very|that|so)\s+)?(?:urgent|important)\b(?:\s+any\s*more\b)?|"
            r"\b(?:less\s+(?:urgent|important)|no\s+rush|unimportant|whenever\s+possible|"
            r"(?:it\s+|that\s+)?can\s+(?:always\s+|easily\s+)?wait)\b",
            _FLAGS,
        ),
        "low",
    ),
    (re.compile(r"\b(?:more|very|really|super)\s+(?:urgent|important)\b", _FLAGS), "high"),
    (
        re.compile(r"(?:\b(?:as\s+)?(?:an?\s+)?)?\b(?:urgent(?:ly)?|important|asap|critical)\b", _FLAGS),
        "high",
    ),
    (re.compile(r"\bp(?P<n>[1-3])\b", _FLAGS), None),
    (re.compile(r"(?<!\S)!{2,}(?!\S)", _FLAGS), "high"),
]

_TAG_HASH = re.compile(r"(?<![\w&/])#(?P<t>[A-Za-z0-9_][\w-]*)")
_TAG_LIST = re.compile(
    r"(?:\b(?:and\s+|with\s+)?(?:the\s+)?)?\b(?:tags?|labels?)\s*:\s*(?P<t>#?[\w-]+(?:\s*(?:,|\band\b)\s*#?[\w-]+)*)",
    _FLAGS,
)
_TAG_WORD = re.compile(
    r"(?:\b(?:and\s+)?)?\b(?:tagged|labell?ed)\s+(?:as\s+|with\s+)?#?(?P<t>[\w-]+)"
    r"|\bwith\s+(?:the\s+|a\s+)?(?:tag|label)\s+#?(?P<t2>[\w-]+)",
    _FLAGS,
)
# A time of day: "5pm", "5:30 p.m.", "10:30", "14:15", "noon", "at 8", "at 7 o'clock".
_TIME = re.compile(
    r"(?:\b(?:at|@|around|by|before|after|from)\s+)?(?:\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)|"
    r"\b\d{1,2}:\d{2}\b|\b(?:noon|midday|midnight)\b)|\b(?:at|@|around)\s+\d{1,2}(?:\s*o'?clock)?(?=[\s,.;!?]|$)|"
    r"\b\d{1,2}\s*o'?clock\b",
    _FLAGS,
)
# "30 minutes before", "an hour earlier", "2 hrs ahead", "a day before": a reminder relative to the due time.
_BEFORE = re.compile(
    r"(?:,?\s*\b(?:and\s+)?(?:remind\s+me|with\s+a\s+reminder|(?:set\s+)?a\s+reminder|reminder)\s+)?"
    r"\b(?P<n>\d{1,4}|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty-?five|half\s+an|a\s+half)"
    r"\s*(?P<unit>minutes?|mins?|m|hours?|hrs?|h|days?|weeks?)\s+(?:before|ahead|earlier|prior|in\s+advance)\b"
    r"(?:\s+(?:it(?:'s|\s+is)\s+due|the\s+due\s+time|(?:it\s+)?starts?|due))?",
    _FLAGS,
)
_AMOUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10,
            "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "fortyfive": 45}  # fmt: skip


_LATE = re.compile(r"\b(?:tonight|evening|night|afternoon)\b", _FLAGS)
_EARLY = re.compile(r"\b(?:morning|mornings|breakfast|dawn|sunrise|before\s+work)\b", _FLAGS)
_HALF = re.compile(r"(?:am|pm|a\.m\.|p\.m\.|noon|midday|midnight|\b0\d:)", _FLAGS)


def clock_time(said: str) -> str | None:
    """A time of day as written ("5pm", "5:30 p.m.", "14:15", "noon", "at 8") as ``HH:MM`` (24-hour).

    A time without am/pm ("at 5", "3:30") is read the way people mean it: 1 to 6 in the afternoon,
    7 to 12 as written (morning, or noon); with a leading zero ("05:30") as written. None when it is
    not a time of day.
    """
    text = _TIME_LEAD.sub("", said.strip().lower()).replace(".", ":").replace(" ", "")
    text = text.replace("a:m:", "am").replace("p:m:", "pm").replace("o'clock", "").replace("oclock", "")
    if text in {"noon", "midday"}:
        return "12:00"
    if text == "midnight":
        return "00:00"
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", text)
    if not m:
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if minute > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif 1 <= hour <= 6 and not m.group(1).startswith("0"):
        hour += 12  # "at 5", "3:30": the afternoon ("05:30" is written as meant)
    if hour > 23:
        return None
    return f"{hour:02d}:{minute:02d}"


def minutes_before(said: str) -> int | None:
    """ "30 minutes before" -> 30, "an hour earlier" -> 60, "a day before" -> 1440; None otherwise."""
    m = _BEFORE.search(said)
    if m is None:
        return None
    raw = m.group("n").lower()
    if raw in {"half an", "a half"}:
        amount = 0.5
        unit = m.group("unit").lower()
        if not unit.startswith("h"):
            return None
    else:
        amount = int(raw) if raw.isdigit() else _AMOUNTS.get(raw.replace(" ", ""), 1)
    unit = m.group("unit").lower()
    per = (
        1 if unit.startswith("m") else 60 if unit.startswith("h") else 1440 if unit.startswith("d") else 10080
    )
    return int(amount * per)


_TIME_LEAD = re.compile(r"^(?:at|@|around|by|before|after|from)\s+", _FLAGS)
_CLEAR_DUE = re.compile(
    r"(?:\b(?:with\s+|and\s+|has\s+|have\s+|to\s+have\s+)?no\s+(?:due\s+date|deadline|date)\b|"
    r"\bwithout\s+(?:a\s+)?(?:due\s+date|deadline|date)\b|\bundated\b|\bunscheduled\b)",
    _FLAGS,
)


@dataclass
class Attributes:
    """Task attributes said in a sentence; None/empty means "not mentioned".

    Attributes:
        priority: "low", "medium" or "high".
        due: the due date.
        clear_due: the sentence asked for no due date.
        tags: lowercase tags without '#'.
        recurrence: "daily", "weekly" or "monthly".
        clear_recurrence: the sentence asked for the task to stop repeating.
        time: a time of day as written ("5pm", "10:30"), for replies and chips.
        at: that time as ``HH:MM`` (24-hour): the due time. Counted by :meth:`any`.
        before: a reminder this many minutes before the due time ("30 minutes before").
    """

    priority: str | None = None
    due: dt.date | None = None
    clear_due: bool = False
    tags: list[str] = field(default_factory=list)
    recurrence: str | None = None
    clear_recurrence: bool = False
    time: str | None = None
    at: str | None = None
    before: int | None = None
    recurrence_said: str | None = None
    """A repeat rule only approximated by ``recurrence`` ("every 2 weeks" read as weekly), as written."""

    def any(self) -> bool:
        """Whether anything at all was found."""
        return bool(
            self.priority
            or self.due
            or self.clear_due
            or self.tags
            or self.recurrence
            or self.clear_recurrence
            or self.at
            or self.before is not None
        )


def normalize_tag(tag: str) -> str:
    """Tags are stored lowercase without '#'."""
    return tag.strip().lstrip("#").strip().lower()


def _cut(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " + text[m.end() :]


def extract_priority(text: str) -> tuple[str | None, str]:
    """Find a priority phrase ("high priority", "urgent", "with low priority", "p1").

    Returns:
        ``(priority or None, text without the phrase)``.
    """
    for pattern, fixed in _PRIORITY:
        m = pattern.search(text)
        if not m:
            continue
        if fixed:
            return fixed, _cut(text, m)
        if m.groupdict().get("n"):
            return {"1": "high", "2": "medium", "3": "low"}[m.group("n")], _cut(text, m)
        return _PRIORITY_WORDS[m.group("p").lower()], _cut(text, m)
    return None, text


def extract_tag_list(text: str) -> tuple[list[str], str]:
    """Only the explicit "tags: a, b" form, which must be read before a sentence is split on commas."""
    tags: list[str] = []
    while m := _TAG_LIST.search(text):
        tags += [normalize_tag(p) for p in re.split(r"\s*(?:,|\band\b)\s*", m.group("t")) if normalize_tag(p)]
        text = _cut(text, m)
    return list(dict.fromkeys(tags)), text


def extract_tags(text: str) -> tuple[list[str], str]:
    """Find tags: "#work", "tagged work", "with the tag work", "tags: a, b".

    Returns:
        ``(tags in order of appearance without duplicates, text without them)``.
    """
    tags: list[str] = []
    for pattern in (_TAG_LIST, _TAG_WORD):
        while m := pattern.search(text):
            raw = m.group("t") or (m.groupdict().get("t2") or "")
            for part in re.split(r"\s*(?:,|\band\b)\s*", raw):
                if normalize_tag(part):
                    tags.append(normalize_tag(part))
            text = _cut(text, m)
    for m in _TAG_HASH.finditer(text):
        tags.append(normalize_tag(m.group("t")))
    text = _TAG_HASH.sub(" ", text)
    return list(dict.fromkeys(tags)), text


def extract_recurrence(text: str, today: dt.date) -> tuple[str | None, dt.date | None, bool, str]:
    """Find a repeat rule ("every day", "weekly", "every monday", "stop repeating").

    "every monday" also yields a due date: the coming Monday, today counting.

    Returns:
        ``(recurrence, due implied by it, asked to stop repeating, rest of text)``.
    """
    m = _NO_RECURRENCE.search(text)
    if m:
        return None, None, True, _cut(text, m)
    found: str | None = None
    due: dt.date | None = None
    for pattern, rule in _RECURRENCE:  # the first rule wins; later phrases ("weekly on mondays") are cut too
        m = pattern.search(text)
        if m:
            if m.groupdict().get("wd") and due is None:
                due = coming_weekday(today, WEEKDAYS.index(m.group("wd").lower()))
            found = found or rule
            text = _cut(text, m)
    return found, due, False, text


def extract_attributes(text: str, today: dt.date, *, tags: bool = True) -> tuple[Attributes, str]:
    """Find every attribute phrase in ``text``.

    Args:
        text: the sentence (any casing; the rest keeps its casing).
        today: the date relative phrases resolve against.
        tags: whether to look for tag phrases (off when the caller parses tags itself).

    Returns:
        ``(attributes, the text with all those phrases replaced by spaces)``.
    """
    attrs = Attributes()
    said = text
    approximate = _APPROXIMATE.search(text)
    attrs.recurrence, implied_due, attrs.clear_recurrence, text = extract_recurrence(text, today)
    if attrs.recurrence and approximate is not None:
        attrs.recurrence_said = " ".join(approximate.group(0).split())
    if attrs.recurrence:
        text = _REPEAT_WORD.sub(" ", text)
    if tags:
        attrs.tags, text = extract_tags(text)
    attrs.priority, text = extract_priority(text)
    before = _BEFORE.search(text)
    if before is not None and (minutes := minutes_before(before.group(0))) is not None:
        attrs.before = minutes
        text = _cut(text, before)
    for found in _TIME.finditer(text):
        at = clock_time(found.group(0))
        if at is not None and not _HALF.search(found.group(0)):
            if _LATE.search(said) and at < "12:00":
                at = f"{int(at[:2]) + 12:02d}{at[2:]}"  # "tonight at 8", "evening at 7:30": 20:00, 19:30
            elif _EARLY.search(said) and "13:00" <= at < "19:00":
                at = f"{int(at[:2]) - 12:02d}{at[2:]}"  # "every morning at 6:30": 06:30
        if at is not None:
            attrs.time = _TIME_LEAD.sub("", found.group(0)).strip()
            attrs.at = at
            text = _cut(text, found)
            break
    m = _CLEAR_DUE.search(text)
    if m:
        attrs.clear_due = True
        text = _cut(text, m)
    else:
        attrs.due, text = extract_date(text, today)
    if attrs.due is None:
        attrs.due = implied_due
    elif implied_due is not None and " and " in (attrs.recurrence_said or "").lower():
        attrs.due = min(attrs.due, implied_due)  # "every tuesday and thursday": whichever comes first
    return attrs, text
