"""Parse edits of existing tasks: rename, re-prioritise, re-date, tag, describe.

Most edits share one shape, "<verb> <task> <attributes>" ("make X high priority", "move X to
friday") or "<task> is <attributes>" ("X is due friday"): attributes are cut out with the
same extractor creation uses, and what remains names the task.
"""

from __future__ import annotations

import datetime as dt
import re

from app.agent.offline.attributes import Attributes, extract_attributes, normalize_tag
from app.agent.offline.dates import number_in
from app.agent.offline.intents import Changes, Draft, Intent, targeted
from app.agent.offline.matching import IRREGULAR_PAST, PARTICIPLES
from app.agent.offline.text import clean_title, squash

_F = re.IGNORECASE
_RENAME = [
    re.compile(r"^(?:rename|retitle|re-title|re-name)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$", _F),
    re.compile(
        r"^(?:change|update|edit|modify|set|alter|switch|fix|correct)\s+(?:the\s+)?(?:title|name|text|wording)\s+"
        r"(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:change|update|edit|modify|set|alter|fix|correct)\s+(?P<ref>.+?)'s\s+(?:title|name|text)\s+"
        r"(?:to|as|into)\s+(?P<new>.+)$",
        _F,
    ),
    re.compile(
        r"^(?P<ref>.+?)\s+should\s+(?:be\s+(?:called|named|titled|renamed\s+to)|say|read)\s+(?P<new>.+)$", _F
    ),
    re.compile(r"^(?:call|name)\s+(?P<ref>.+?)\s+(?P<new>[\"“'].+[\"”'])$", _F),
    # "call the milk task buy oat milk instead": the task named by a word and "task"
    re.compile(
        r"^(?:call|name|title|retitle)\s+(?P<ref>(?:the|my)\s+.+?\s+(?:task|to-?do|item|one|reminder))\s+"
        r"(?P<new>.+)$",
        _F,
    ),
    re.compile(r"^(?:call|name|title)\s+(?P<ref>it|that|this|that\s+one|this\s+one)\s+(?P<new>.+)$", _F),
]
_INSTEAD = re.compile(r"[\s,]+instead[.!]*$", _F)
"""A correction's last word ("call it buy oat milk instead"), not part of the new title."""
_SHOULD_BE = re.compile(r"^(?P<ref>.+?)\s+should\s+(?:now\s+|really\s+)?be\s+(?P<new>.+)$", _F)
"""A correction of a title ("buy milk should be buy oat milk"); "should be done/high" is not one."""
_STATE_WORD = re.compile(
    r"^(?:done|finished|complete|completed|ready|over|deleted|gone|removed|cancelled|canceled|urgent|"
    r"important|(?:in|on|at|by|before|after|for|due|high|low|medium|normal|later|earlier|sooner|moved)\b)",
    _F,
)
_STATES = frozenset({*IRREGULAR_PAST, *PARTICIPLES, "gone", "shown", "known"})
"""Words that start a state, not a title ("should be paid", "should be gone by friday")."""
_CHANGE_TO = re.compile(
    r"^(?:change|update|edit|modify|alter|switch|fix|correct|turn|replace)\s+(?P<ref>.+?)\s+(?:to|into|with|as)\s+"
    r"(?:say\s+|read\s+|be\s+)?(?P<new>.+)$",
    _F,
)
_DESCRIPTION = [
    re.compile(
        r"^(?:add|attach|put|set|write)\s+(?:a\s+|the\s+)?(?:note|description|comment|details?)\s+(?:to|on|for|of)\s+"
        r"(?P<ref>.+?)\s*(?::|-|–|\bsaying\b|\bto\b)\s*(?P<new>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:change|update|edit|set)\s+(?:the\s+)?(?:description|note|details)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+"
        r"(?:to|as)\s+(?P<new>.+)$",
        _F,
    ),
]
_TAG_ADD = [
    re.compile(
        r"^(?:add|put|attach|apply|give)\s+(?:the\s+|a\s+)?(?:tags?|labels?)\s+(?P<tags>.+?)\s+(?:to|on|onto)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:add|put|attach|apply)\s+(?:the\s+|a\s+)?#?(?P<tags>[\w-]+)\s+(?:tag|label)\s+(?:to|on)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:add|put|attach)\s+(?P<tags>#[\w-]+(?:\s*(?:,|and)\s*#[\w-]+)*)\s+(?:to|on)\s+(?P<ref>.+)$", _F
    ),
    re.compile(
        r"^(?:tag|label)\s+(?P<ref>.+?)\s+(?:with|as|under|in)\s+(?:the\s+)?(?:tags?\s+)?(?P<tags>.+)$", _F
    ),
    re.compile(r"^(?:tag|label)\s+(?P<ref>.+?)\s+(?P<tags>#[\w-]+(?:\s*(?:,|and)?\s*#[\w-]+)*)$", _F),
    # "tag the report urgent": the last word is the tag (the task is found by the words before it)
    re.compile(
        r"^(?:tag|label)\s+(?P<ref>(?:the|my)\s+[\w'-]+(?:\s+[\w'-]+)*?|[\w'-]+\s+[\w'-]+(?:\s+[\w'-]+)*?)\s+(?P<tags>[\w-]+)$",
        _F,
    ),
    re.compile(
        r"^(?:tag|label)\s+(?P<ref>it|that|this|them|those|these|both)\s+(?P<tags>#?[\w-]+(?:\s*(?:,|and)\s*#?[\w-]+)*)$",
        _F,
    ),
    re.compile(r"^(?P<ref>.+?)\s+(?:should\s+be|is)\s+tagged\s+(?:as\s+|with\s+)?(?P<tags>.+)$", _F),
]
_TAG_REMOVE = [
    re.compile(
        r"^(?:remove|delete|drop|take\s+off|strip|clear)\s+(?:the\s+)?(?:tags?|labels?)\s+(?P<tags>.+?)\s+"
        r"(?:from|off|on)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:remove|delete|drop|take\s+off|take|strip|clear|get\s+rid\s+of)\s+(?:the\s+)?#?(?P<tags>[\w-]+)\s+"
        r"(?:tag|label)\s+(?:from|off|on|of)\s+(?:of\s+)?(?P<ref>.+)$",
        _F,
    ),
    re.compile(r"^(?:remove|delete|drop|take)\s+(?P<tags>#[\w-]+)\s+(?:from|off)\s+(?P<ref>.+)$", _F),
    re.compile(
        r"^(?:remove|delete|drop|clear|strip)\s+(?:all\s+)?(?:the\s+)?(?:tags|labels)\s+(?:from|off|on|of)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(r"^(?:untag|unlabel)\s+(?P<ref>.+?)(?:\s+(?:from|as)\s+(?P<tags>.+))?$", _F),
]
_CLEAR_DUE = [
    re.compile(
        r"^(?:remove|clear|delete|drop|take\s+off|unset|get\s+rid\s+of|erase|reset)\s+(?:the\s+)?(?:due\s+date|"
        r"deadline|date|due)\s+(?:from|of|for|on|off)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:remove|clear|delete|drop|unset|erase|reset)\s+(?P<ref>.+?)'s\s+(?:due\s+date|deadline|date)$",
        _F,
    ),
    re.compile(r"^(?:unschedule|undate)\s+(?P<ref>.+)$", _F),
    re.compile(
        r"^(?P<ref>.+?)\s+(?:doesn[’']t|does\s+not|don[’']t|do\s+not|won[’']t|will\s+not)\s+need\s+"
        r"(?:a\s+|any\s+|the\s+)?(?:due\s+date|deadline|date)(?:\s+any\s*more)?$",
        _F,
    ),
]
_UPDATE_VERB = re.compile(
    r"^(?P<verb>make|set|change|update|mark|move|reschedule|re-schedule|postpone|push|shift|delay|defer|bump|put|"
    r"give|edit|modify|prioriti[sz]e|deprioriti[sz]e|de-prioriti[sz]e|raise|lower|flag|schedule|switch|turn|"
    r"bring|pull|plan|(?:let's\s+|let\s+us\s+|i'll\s+|we'll\s+)?do(?=\s+(?:it|that|this|them|those|these|that\s+one|"
    r"this\s+one)\s))"
    r"\s+(?:(?P<particle>back|forward|up)\s+)?(?P<rest>.+)$",
    _F,
)
_SHIFT_VERBS = {"postpone", "push", "delay", "defer", "bump", "shift", "move", "reschedule", "re-schedule"}
_SHIFT = re.compile(
    r"\b(?:(?P<back>back|later|forward|ahead|earlier|out|up)\s+)?(?:by\s+)?(?:(?P<half>half\s+an\s+hour)|"
    r"(?P<n>\d+|an?|one|two|three|four|five|six|seven|a\s+couple(?:\s+of)?|a\s+few)\s+"
    r"(?P<unit>day|week|month|hour|hr|minute|min)s?(?P<and_half>\s+and\s+a\s+half)?)"
    r"(?:\s+(?P<back2>later|earlier|back|forward))?\b",
    _F,
)
_MINUTES = {"hour": 60, "hr": 60, "minute": 1, "min": 1}
_REF_TAIL = re.compile(
    r"(?:\s+(?:to|as|for|is|are|be|so\s+it(?:'s|\s+is)|so\s+that\s+it(?:'s|\s+is)|until|till|back|out|up|forward|"
    r"later|priority|due|now|it's|with|a|an|the|by|on|should\s+be|needs\s+to\s+be|has\s+to\s+be|must\s+be|"
    r"done|finished|completed?|repeat|repeating|recur|recurring|date|time|due\s+time|start\s+time|reminder))+$",
    _F,
)
_REF_LEAD = re.compile(
    r"^(?:(?:the\s+)?(?:priority|due\s+date|deadline|date|due|recurrence|repeat|schedule|(?:due\s+|start\s+)?time)"
    r"\s+(?:of|for|on)\s+|(?:the\s+)?(?:priority|due\s+date|deadline)\s+)",
    _F,
)
_POSSESSIVE_FIELD = re.compile(
    r"'s\s+(?:priority|due\s+date|deadline|date|recurrence|(?:due\s+|start\s+)?time|reminder)\b", _F
)
_STATEMENT = re.compile(
    r"^(?P<ref>.+?)(?:\s+(?:is|are|'s|should\s+be|needs\s+to\s+be|has\s+to\s+be|must\s+be|will\s+be)|'s)\s+"
    r"(?:now\s+|actually\s+|really\s+)?(?P<tail>.+)$",
    _F,
)


def _split_tags(text: str) -> list[str]:
    parts = re.split(r"\s*(?:,|\band\b|\s)\s*", text.strip(" .!?"))
    return [
        normalize_tag(p) for p in parts if normalize_tag(p) and normalize_tag(p) not in {"tag", "tags", "the"}
    ]


def parse_tags(core: str, today: dt.date) -> Intent | None:
    """Tag edits ("tag X with travel", "add tag work to X", "remove tag work from X", "untag X").

    Checked before creation because "add tag ... to X" starts like "add ...".
    """
    for pattern in _TAG_REMOVE:
        m = pattern.match(core)
        if m:
            tags = _split_tags(m.group("tags")) if m.groupdict().get("tags") else ["*"]
            return _update(m.group("ref"), Changes(tags_remove=tags), core, today)
    for pattern in _TAG_ADD:
        m = pattern.match(core)
        if m:
            tags = _split_tags(m.group("tags"))
            if tags:
                return _update(m.group("ref"), Changes(tags_add=tags), core, today)
    return None


def parse_description(core: str, today: dt.date) -> Intent | None:
    """Notes ("add a note to X: ...", "set the description of X to ..."), which must not become titles."""
    for pattern in _DESCRIPTION:
        m = pattern.match(core)
        if m:
            new = m.group("new").strip().strip("\"'“”")
            return _update(m.group("ref"), Changes(description=new), core, today)
    return None


_TIME_WORD = r"(?:(?:due\s+)?time(?:\s+of\s+day)?|hour)"
_CLEAR_TIME = [
    re.compile(
        r"^(?:remove|clear|delete|drop|take\s+off|unset|get\s+rid\s+of|erase|reset)\s+(?:the\s+)?"
        + _TIME_WORD
        + r"\s+(?:from|of|for|on|off|in)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:remove|clear|delete|drop|unset|erase|reset)\s+(?P<ref>.+?)'s\s+" + _TIME_WORD + r"$", _F
    ),
    re.compile(
        r"^(?:make|set|mark)\s+(?P<ref>.+?)\s+(?:an?\s+)?(?:all[-\s]day|any\s*time|no\s+specific\s+time)"
        r"(?:\s+(?:task|event))?$",
        _F,
    ),
    re.compile(r"^(?P<ref>.+?)\s+(?:has|needs|should\s+have)\s+no\s+(?:specific\s+)?time$", _F),
    re.compile(
        r"^(?P<ref>.+?)\s+(?:doesn't|does\s+not|don't|do\s+not)\s+(?:need|have)\s+(?:a\s+|any\s+)?(?:specific\s+)?time$",
        _F,
    ),
]
_CLEAR_REMINDERS = [
    re.compile(
        r"^(?:remove|clear|delete|drop|cancel|turn\s+off|disable|unset|get\s+rid\s+of|stop)\s+(?:all\s+)?"
        r"(?:the\s+|my\s+)?(?:reminders?|alerts?|notifications?)\s+(?:from|of|for|on|off|about|in)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(r"^(?:remove|clear|delete|drop|cancel|unset)\s+(?P<ref>.+?)'s\s+(?:reminders?|alerts?)$", _F),
    re.compile(
        r"^(?:don't|do\s+not|no\s+need\s+to|stop)\s+(?:remind(?:ing)?\s+me)\s+(?:about|of|for)\s+(?P<ref>.+)$",
        _F,
    ),
]


def parse_clear_time(core: str, today: dt.date) -> Intent | None:
    """ "remove the time from gym", "make gym all day": the due time goes, the date stays;
    "remove the reminders from X", "don't remind me about X": its reminders go."""
    for pattern in _CLEAR_TIME:
        m = pattern.match(core)
        if m:
            return _update(m.group("ref"), Changes(clear_time=True), core, today)
    for pattern in _CLEAR_REMINDERS:
        m = pattern.match(core)
        if m:
            return _update(m.group("ref"), Changes(clear_reminders=True), core, today)
    return None


_PARENT = [
    re.compile(
        r"^(?:make|set|turn)\s+(?P<ref>.+?)\s+(?:into\s+)?(?:a\s+|the\s+)?sub-?task\s+(?:of|under|for|to|in)\s+"
        r"(?P<parent>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:move|put|nest|place|file)\s+(?P<ref>.+?)\s+(?:under(?:neath)?|beneath|inside)\s+(?P<parent>.+)$",
        _F,
    ),
    re.compile(
        r"^(?P<ref>.+?)\s+(?:is|should\s+be)\s+(?:a\s+)?(?:sub-?task|part|step)\s+of\s+(?P<parent>.+)$", _F
    ),
]
_UNPARENT = re.compile(
    r"^(?:make|turn)\s+(?P<ref>.+?)\s+(?:into\s+)?(?:a\s+)?(?:top[-\s]level|(?:stand-?alone|separate|normal|regular)\s+)"
    r"(?:task)?$|^(?:move|take)\s+(?P<ref2>.+?)\s+out\s+of\s+(?:its|the)\s+parent(?:\s+task)?$|"
    r"^(?:make|turn)\s+(?P<ref3>.+?)\s+(?:into\s+)?(?:a\s+)?task\s+of\s+its\s+own$",
    _F,
)


def parse_parent(core: str, today: dt.date) -> Intent | None:
    """ "make book the van a subtask of move house", "move X under Y": X becomes a subtask of Y;
    "make X a task of its own": no longer a subtask."""
    for pattern in _PARENT:
        m = pattern.match(core)
        if m:
            parent = clean_title(m.group("parent"))
            if parent:
                return _update(m.group("ref"), Changes(parent=parent), core, today)
    m = _UNPARENT.match(core)
    if m:
        ref = m.group("ref") or m.group("ref2") or m.group("ref3")
        return _update(ref, Changes(clear_parent=True), core, today)
    return None


def parse_clear_due(core: str, today: dt.date) -> Intent | None:
    """Removing a due date ("remove the due date from X"), before "remove X" reads it as a deletion."""
    for pattern in _CLEAR_DUE:
        m = pattern.match(core)
        if m:
            return _update(m.group("ref"), Changes(clear_due=True), core, today)
    return None


def parse_rename(core: str, today: dt.date) -> Intent | None:
    """Renames ("rename X to Y", "change X to Y", "X should be Y"); "change X to friday/high" is an
    attribute edit instead, and "X should be done" is not a rename."""
    core = _INSTEAD.sub("", core)
    for pattern in _RENAME:
        m = pattern.match(core)
        if m:
            new = clean_title(m.group("new"))
            if new:
                return _update(m.group("ref"), Changes(title=new), core, today)
    m = _CHANGE_TO.match(core) or _SHOULD_BE.match(core)
    if m:
        attrs, rest = extract_attributes(m.group("new"), today)
        if not attrs.priority and (_PRIORITY_FIELD.search(m.group("ref")) or _LEVEL_ONLY.match(rest)):
            attrs.priority, rest = _bare_priority(rest)
        if attrs.any() and not clean_title(re.sub(r"\b(?:be|due|priority|date)\b", " ", rest, flags=_F)):
            return _update_from_attrs(m.group("ref"), attrs, core, today)
        new = clean_title(m.group("new"))
        if new and not (m.re is _SHOULD_BE and not _a_new_title(new, attrs)):
            return _update(m.group("ref"), Changes(title=new), core, today)
    return None


def _a_new_title(new: str, attrs: Attributes) -> bool:
    """Whether "X should be <new>" corrects X's title: a title of two words or more that does not
    start with a state ("done", "paid", "moved to friday", "urgent") and says no date or priority."""
    words = new.split()
    first = words[0].lower() if words else ""
    participle = first in _STATES or (first.endswith("ed") and not first.endswith("eed"))
    return len(words) >= 2 and not attrs.any() and not participle and not _STATE_WORD.match(new)


def _update(ref: str, changes: Changes, core: str, today: dt.date) -> Intent:
    intent = targeted("update", _clean_ref(ref), core, today, default_status="all")
    intent.changes = changes
    return intent


def _update_from_attrs(
    ref: str,
    attrs: Attributes,
    core: str,
    today: dt.date,
    shift: int | None = None,
    minutes: int | None = None,
) -> Intent:
    changes = Changes(
        priority=attrs.priority,
        due=attrs.due,
        clear_due=attrs.clear_due,
        shift_days=shift,
        shift_minutes=minutes,
        tags_add=attrs.tags,
        recurrence=attrs.recurrence,
        clear_recurrence=attrs.clear_recurrence,
        time=attrs.time,
        at=attrs.at,
        remind_before=attrs.before,
    )
    return _update(ref, changes, core, today)


def _clean_ref(ref: str) -> str:
    ref = _POSSESSIVE_FIELD.sub(" ", ref)
    ref = squash(ref)
    previous = None
    while previous != ref:
        previous = ref
        ref = _REF_LEAD.sub("", ref).strip()
        ref = _REF_TAIL.sub("", ref).strip(" ,;:-")
    return ref


_BARE_CLOCK = re.compile(
    r"^(?P<ref>.+?)\s+(?:to|till|until)\s+(?P<h>1[0-2]|[1-9])(?::(?P<m>[0-5]\d))?(?:\s+o'?\s*clock)?$", _F
)


def _said_which_way(m: re.Match[str]) -> bool:
    """Whether a shift says its direction in words of its own ("later", "back", "earlier")."""
    return bool(m.group("back") or m.group("back2"))


def _shift(m: re.Match[str], particle: str | None) -> tuple[int, int]:
    """Days and minutes a "push X back 2 days" / "move X up half an hour" moves it by (one is 0):
    later unless it says earlier ("earlier", "forward", "up", also as the verb's particle)."""
    direction = (m.group("back") or m.group("back2") or particle or "").lower()
    sign = -1 if direction in {"earlier", "forward", "up"} else 1
    if m.group("half"):
        return 0, sign * 30
    n = number_in(m.group("n"))
    unit = m.group("unit").lower()
    if unit in _MINUTES:
        minutes = n * _MINUTES[unit] + (_MINUTES[unit] // 2 if m.group("and_half") else 0)
        return 0, sign * minutes
    return sign * n * {"day": 1, "week": 7, "month": 30}[unit], 0


def parse_update(core: str, today: dt.date) -> Intent | None:
    """Verb-led attribute edits ("make X high priority", "move X to tomorrow", "postpone X by 2 days").

    Returns None when the sentence names no attribute, so other readings can be tried.
    """
    m = _UPDATE_VERB.match(core)
    if not m:
        return None
    verb, rest = m.group("verb").lower(), m.group("rest")
    shift: int | None = None
    minutes: int | None = None
    s = _SHIFT.search(rest)  # "push X back a day"; with a direction of its own, "make X an hour later"
    if (
        s is not None
        and (verb in _SHIFT_VERBS or _said_which_way(s))
        and not re.search(r"\bin\s+$", rest[: s.start()], _F)
    ):
        days, moved = _shift(s, m.group("particle"))
        shift, minutes = days or None, moved or None
        rest = rest[: s.start()] + " " + rest[s.end() :]
    bare = _BARE_CLOCK.match(rest) if verb in _SHIFT_VERBS and shift is None and minutes is None else None
    if bare:  # "push it to 7": the hour nearest the task's own time (the agent knows it)
        said = f"{bare.group('h')}:{bare.group('m') or '00'}"
        return _update(bare.group("ref"), Changes(bare_clock=said), core, today)
    attrs, ref = _target_after_to(rest, today) or extract_attributes(rest, today)
    if not attrs.priority and (_PRIORITY_FIELD.search(ref) or _TO_LEVEL.search(ref)):
        attrs.priority, ref = _bare_priority(ref)
    if verb.startswith(("prioriti", "raise")) and not attrs.priority:
        attrs.priority = "high"
    if verb.startswith(("depriori", "de-priori", "lower")) and not attrs.priority:
        attrs.priority = "low"
    if verb in {"postpone", "delay", "defer"} and not attrs.any() and shift is None and minutes is None:
        shift = 1
    if not attrs.any() and shift is None and minutes is None and not (attrs.time and clean_title(ref)):
        return None
    intent = _update_from_attrs(ref, attrs, core, today, shift, minutes)
    if verb in {"schedule", "plan", "put"} and intent.query is None:
        intent.kind = "maybe_update"
        intent.drafts = [
            Draft(
                clean_title(_ARTICLE.sub("", ref.strip())),  # "schedule a haircut": "haircut"
                attrs.priority,
                attrs.tags,
                attrs.due,
                attrs.recurrence,
                attrs.time,
                at=attrs.at,
                before=attrs.before,
            )
        ]
    return intent


_ARTICLE = re.compile(r"^(?:a|an)\s+(?=\w)", _F)
_TO_WHEN = re.compile(r"^(?P<ref>.+)\s+(?:to|until|till|onto)\s+(?P<when>\S.*)$", _F)


def _target_after_to(rest: str, today: dt.date) -> tuple[Attributes, str] | None:
    """ "move everything due today to tomorrow": when the tasks are picked by a date too, the date
    after the last "to" is where they go, not the first one said."""
    m = _TO_WHEN.match(rest)
    if not m:
        return None
    target, left = extract_attributes(m.group("when"), today)
    picked, _ = extract_attributes(m.group("ref"), today)
    if not target.due or clean_title(left) or not picked.due:
        return None
    return target, m.group("ref")


_LEVEL_ONLY = re.compile(r"^\s*(?:high|low|medium|urgent)\s*$", _F)
_TO_LEVEL = re.compile(r"\s(?:to|as)\s+(?:high|low|medium|urgent)\s*$", _F)
_PRIORITY_FIELD = re.compile(r"\bpriority\b", _F)
_BARE_PRIORITY = re.compile(r"(?:\b(?:to|as)\s+)?\b(?P<p>high|low|medium|normal|urgent)\s*$", _F)


def _bare_priority(text: str) -> tuple[str | None, str]:
    """ "set the priority of X to high": a lone level word counts when the sentence names the field."""
    m = _BARE_PRIORITY.search(text)
    if not m:
        return None, text
    level = m.group("p").lower()
    return {"normal": "medium", "urgent": "high"}.get(level, level), text[: m.start()]


def parse_statement(core: str, today: dt.date) -> Intent:
    """Last resort: "X is due friday" / "X is urgent" updates X; otherwise "maybe_update" or unknown.

    "maybe_update" carries a possible reference plus attributes ("pay rent tomorrow"); the agent
    updates the task if it exists and otherwise offers to add it.
    """
    m = _STATEMENT.match(core)
    if m:
        attrs, tail = extract_attributes(m.group("tail"), today)
        if attrs.any() and not clean_title(
            re.sub(r"\b(?:due|done|finished|completed?|priority)\b", " ", tail, flags=_F)
        ):
            return _update_from_attrs(m.group("ref"), attrs, core, today)
    shifted = _SHIFT.search(core)
    if shifted and _said_which_way(shifted) and shifted.end() == len(core.rstrip(" .!")):
        # "dentist 1 hour later": move it when there is one, else a task said so
        days, minutes = _shift(shifted, None)
        intent = _update_from_attrs(
            core[: shifted.start()], Attributes(), core, today, days or None, minutes or None
        )
        intent.kind, intent.drafts = "maybe_update", [Draft(clean_title(core))]
        return intent
    attrs, rest = extract_attributes(core, today)
    if attrs.any() and clean_title(rest):
        intent = _update_from_attrs(rest, attrs, core, today)
        intent.kind = "maybe_update"
        intent.drafts = [
            Draft(
                clean_title(rest),
                attrs.priority,
                attrs.tags,
                attrs.due,
                attrs.recurrence,
                attrs.time,
                at=attrs.at,
                before=attrs.before,
            )
        ]
        return intent
    return Intent("unknown", text=core)
