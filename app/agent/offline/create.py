"""Parse task-creation messages: "add ...", "remind me to ...", "todo: ...", "add tasks: a, b and c".

Titles keep the person's own words and casing; dates, priorities, tags and repeat rules are
cut out wherever they appear. A comma list (or "tasks:") makes several tasks, and only then
is "and" a separator, so "buy salt and pepper" stays one task (but "call mom and buy flowers",
two actions, is two).
"""

from __future__ import annotations

import datetime as dt
import re

from app.agent.offline.attributes import Attributes, extract_attributes, extract_tag_list, normalize_tag
from app.agent.offline.intents import Changes, Draft, Intent
from app.agent.offline.text import clean_title

_F = re.IGNORECASE
_CREATE = re.compile(
    r"^(?:(?:please\s+)?(?:add|create|make|new|insert|jot\s+down|note\s+down|write\s+down|log|capture|set\s+up)"
    r"(?:\s+me\b)?"
    r"(?:\s+(?:a|an|another|one|two|three|four|five|six|\d{1,2}(?![:.]\d|\s*(?:am|pm)\b)|some|the|these|this|following|more|few|"
    r"couple(?:\s+of)?)\b)*"
    r"(?:\s+(?:new|quick|separate)\b)?"
    r"(?:\s+(?P<plural>tasks|todos|to-dos|items|things|entries|reminders)\b|\s+(?:task|todo|to-do|item|entry|(?P<reminder>reminder))\b)?"
    r"(?:\s*(?::|-|–)|\s+(?:to|for|called|named|titled|saying|that\s+says|about|:))?"
    r"|(?:new\s+)?(?P<plural2>tasks|todos|to-dos)\s*:|(?:new\s+)?(?:task|todo|to\s*-?\s*do|reminder|note)\s*:"
    r"|(?P<remind>(?:remind|ping|nudge)\s+me)(?:\s+(?P<about>about|of)\b|\s+(?:to|that)\b)?|(?:put|stick|pop)(?=\s.+\s(?:on|in|onto)\s+(?:my|the)\s+(?:to-?do\s+|task\s+|shopping\s+)?list\b)|(?:please\s+)?(?:don't|dont|do\s+not)\s+(?:let\s+me\s+)?forget(?:\s+(?:to|about))?"
    r"|(?:i|we)\s+(?:really\s+|still\s+|also\s+)?(?:need|have|want|got|ought|'ve\s+got|gotta|must|should|"
    r"should\s+really|have\s+got)(?:\s+to)?|i'll\s+need\s+to|i\s+gotta|(?:need|have|got|ought)\s+to|gotta|must|remember\s+to|note\s+to\s+self\s*:?)"
    # The lead ends where a word does: "i need toothpaste" is not "i need to" + "othpaste".
    r"(?:(?<=\W)|(?!\w))"
    r"\s*(?P<body>.*)$",
    _F,
)
_CREATE_NOT = re.compile(
    r"^(?:add|put|make|set\s+up)\s+(?:the\s+|a\s+|an\s+)?(?:tags?|labels?|#|due\s+date|deadline|note|description|"
    r"comment|details?|priority)\b|^make\s+(?!(?:a|an|another|new|some)\b)",
    _F,
)
_LIST_TAIL = re.compile(
    r"\s+(?:to|on|onto|in|into)\s+(?:my|the)\s+(?:to-?do\s+|task\s+|shopping\s+|tasks\s+)?(?:list|tasks|todos)\b"
    # "add eggs to shopping" with no project of that name (a project is found before: agent._plan)
    r"|\s+(?:to|on|onto)\s+(?:(?:my|the|our)\s+)?(?:shopping|groceries|grocery)(?:\s+list)?(?=[\s.!]*$)",
    _F,
)
_LIST_LEAD = re.compile(
    r"^(?:to\s+|on\s+|onto\s+|in\s+)?(?:my|the)\s+(?:to-?do\s+|task\s+|shopping\s+)?(?:list|tasks|todos)\s*:?\s*",
    _F,
)
_DRAFT_LEAD = re.compile(
    r"^(?:(?:a|an|another|new|the)\s+)*(?:tasks?|todos?|to-dos?|items?|reminders?)\s*(?:to\b|called\b|named\b|"
    r"titled\b|:|-)\s*",
    _F,
)
_FILLER_PIECE = re.compile(
    r"^(?:(?:and|but|also|it's|it\s+is|its|that's|this\s+is|make\s+it|mark\s+it(?:\s+as)?|set\s+it(?:\s+to|\s+as)?|"
    r"which\s+is|it\s+should\s+be|should\s+be|is|very|really|super|quite|kind\s+of|pretty)\b\s*)+$",
    _F,
)
_WHOLLY_QUOTED = re.compile(r"^[\"“'‘](?P<title>[^\"“”'‘’]+)[\"”'’][.!]?$")
"""A title given whole in quotes: one task, its commas and "and"s its own."""
_ITEM_SPLIT = re.compile(r"\s*(?:,|;|\n)\s*(?:and\s+|then\s+)?", _F)
_AND_SPLIT = re.compile(r"\s+(?:and|&|plus|then)\s+", _F)
_ACTION_VERBS = frozenset(
    str.split(
        "ask bake book bring buy call cancel change check clean collect cook drop email feed "
        "file fill finish fix get hang install iron mail make meet message mow order pack paint "
        "pay phone pick plan post prepare print read renew repair reply return review schedule "
        "send sign submit take text tidy update vacuum visit walk wash water write"
    )
)
"""Verbs that start a task. "call mom and buy flowers" is two tasks because both halves start with one;
"buy salt and pepper" stays one."""


_NOT_A_THING = re.compile(
    r"^\S+\s+(?:(?:it|that|this|them|those|these|everything|something|anything|all|my\s+tasks?|the\s+tasks?|"
    r"tasks?|todos?|up|out|in|on|off|over|back)\b\W*$|(?:me|us)\b)",
    _F,
)
"""A verb on nothing of its own ("fix it", "check my tasks"), or a request to the assistant ("write me
a poem")."""


def bare_task(core: str) -> Draft | None:
    """A message that is only a task, a verb and what it acts on ("buy socks", "email the landlord"):
    what a person types into a to-do list. None for anything else (one word, :data:`_NOT_A_THING`)."""
    words = core.split()
    if len(words) < 2 or words[0].lower() not in _ACTION_VERBS or _NOT_A_THING.match(core):
        return None
    title = clean_title(core)
    return Draft(title) if title and len(title.split()) >= 2 else None


def _two_actions(title: str) -> bool:
    """Whether ``title`` is two tasks joined by "and", each a verb and what it acts on."""
    parts = re.split(r"\s+and\s+", title, flags=_F)
    return len(parts) == 2 and all(
        len(words := part.split()) >= 2 and words[0].lower() in _ACTION_VERBS for part in parts
    )


def _parse_drafts(body: str, today: dt.date, *, plural: bool) -> list[Draft]:
    """Split a creation body into one or more drafts, each with its own attributes.

    Commas (or an explicit "tasks:") make it a list, and then the last item may be split on
    "and" too; without them "buy salt and pepper" stays one task, but two actions joined by "and"
    ("call mom and buy flowers") are two.
    """
    body = _LIST_TAIL.sub(" ", _LIST_LEAD.sub("", body))
    quoted = _WHOLLY_QUOTED.match(body.strip())
    if quoted and (title := clean_title(quoted.group("title"))):  # "add 'milk, eggs and bread'": as written
        return [Draft(title)]
    listed_tags, body = extract_tag_list(body)
    shared, body = _shared_attributes(body, today)
    shared.tags = list(dict.fromkeys([*listed_tags, *shared.tags]))
    pieces = [p for p in _ITEM_SPLIT.split(body) if p.strip()]
    drafts: list[Draft] = []
    loose = Attributes()
    for i, piece in enumerate(pieces):
        level = _BARE_LEVEL.fullmatch(piece) if i and i == len(pieces) - 1 else None
        if level:  # "email Sarah about the contract, high": the last item is the priority
            loose.priority = level.group("p").lower()
            continue
        tagging = _TAG_PIECE.fullmatch(piece) if i else None
        if tagging:  # "research flights, tag it travel": tags for the list, not a task "tag it travel"
            words = re.split(r"\s*&\s*|\s+and\s+|\s+", tagging.group("tags"))
            loose.tags += [t for t in map(normalize_tag, words) if t]
            continue
        attrs, rest = extract_attributes(piece, today)
        title = clean_title(_DRAFT_LEAD.sub("", clean_title(rest)))
        if not title or _FILLER_PIECE.match(title):
            _merge(loose, attrs)
            continue
        drafts.append(
            Draft(
                title,
                attrs.priority,
                attrs.tags,
                attrs.due,
                attrs.recurrence,
                attrs.time,
                attrs.recurrence_said,
                at=attrs.at,
                before=attrs.before,
            )
        )
    if plural or len(drafts) >= 2 or (len(drafts) == 1 and _two_actions(drafts[0].title)):
        split: list[Draft] = []
        for draft in drafts:
            parts = [clean_title(p) for p in _AND_SPLIT.split(draft.title)]
            parts = [p for p in parts if p]
            split.extend(
                Draft(
                    p,
                    draft.priority,
                    list(draft.tags),
                    draft.due,
                    draft.recurrence,
                    draft.time,
                    draft.recurrence_said,
                    at=draft.at,
                    before=draft.before,
                )
                for p in parts
            )
        drafts = split
    for draft in drafts:
        draft.priority = draft.priority or loose.priority or shared.priority
        draft.due = draft.due or loose.due or shared.due
        draft.recurrence = draft.recurrence or loose.recurrence or shared.recurrence
        draft.time = draft.time or loose.time or shared.time
        draft.at = draft.at or loose.at or shared.at
        if draft.before is None:
            draft.before = loose.before if loose.before is not None else shared.before
        if not draft.recurrence_said and draft.recurrence in {loose.recurrence, shared.recurrence}:
            draft.recurrence_said = loose.recurrence_said or shared.recurrence_said
        draft.tags = list(dict.fromkeys([*draft.tags, *loose.tags, *shared.tags]))
    return drafts


_TAG_PIECE = re.compile(
    r"\s*(?:and\s+)?(?:tagged|tag|labell?ed|label)(?:\s+(?:it|this|that|them|both|all|these|those))?"
    r"(?:\s+(?:as|with))?(?:\s*:\s*|\s+)(?P<tags>(?!(?:the|a|an|my|me)\b)#?[\w-]+(?:(?:\s*&\s*|\s+and\s+|\s+)#?[\w-]+)?)"
    r"\s*[.!]*\s*",
    re.IGNORECASE,
)
_BARE_LEVEL = re.compile(r"\s*(?P<p>high|low|medium)\s*[.!]*\s*", re.IGNORECASE)

_SHARED_LEAD = re.compile(r"^(?P<attrs>[^:]{1,60}?)\s*(?<!\d):(?!\d)\s*(?P<rest>.+)$")  # not "6:15"


def _shared_attributes(body: str, today: dt.date) -> tuple[Attributes, str]:
    """Attributes said before a colon ("high priority: x, y" / "for tomorrow: x, y") apply to all items."""
    m = _SHARED_LEAD.match(body)
    if not m:
        return Attributes(), body
    attrs, rest = extract_attributes(m.group("attrs"), today)
    leftover = re.sub(r"\b(?:tasks?|todos?|items?|things|an?|some|for|the|with|and)\b", " ", rest, flags=_F)
    if attrs.any() and not clean_title(leftover):
        return attrs, m.group("rest")
    return Attributes(), body


def _merge(into: Attributes, other: Attributes) -> None:
    into.priority = into.priority or other.priority
    into.due = into.due or other.due
    into.recurrence = into.recurrence or other.recurrence
    into.time = into.time or other.time
    into.at = into.at or other.at
    if into.before is None:
        into.before = other.before
    into.recurrence_said = into.recurrence_said or other.recurrence_said
    into.tags = list(dict.fromkeys([*into.tags, *other.tags]))


def parse_create(core: str, today: dt.date) -> Intent | None:
    """A creation request, or None. An empty body ("add a task") gives an intent without drafts."""
    if _CREATE_NOT.match(core):
        return None
    m = _CREATE.match(core)
    if not m:
        return None
    body = m.group("body").strip()
    plural = bool(m.group("plural") or m.group("plural2"))
    drafts = _parse_drafts(body, today, plural=plural) if body else []
    if (m.group("remind") or m.group("reminder")) and len(drafts) == 1:
        return _reminder(drafts[0], core, about=bool(m.group("about")))
    if m.group("remind") and not drafts and body:  # "remind me 15 min before" / "... at 9am": of it
        said, _ = extract_attributes(body, today)
        if said.before is not None or said.at is not None:
            remind_at = said.at if said.before is None else None
            changes = Changes(
                remind_before=said.before, remind_on=said.due, time=said.time, remind_at=remind_at
            )
            return Intent("update", ref="it", changes=changes, text=core)
    return Intent("create", drafts=drafts, text=core)


_SET_REMINDER = re.compile(
    r"^(?:please\s+)?(?:set|schedule|put|add|create)\s+(?:me\s+)?(?:a|an|another|the)\s+reminder\s+"
    r"(?:for|on|about|of)\s+(?P<body>.+)$",
    _F,
)


def parse_set_reminder(core: str, today: dt.date) -> Intent | None:
    """ "set a reminder for the dentist at 8am", "add a reminder on X 30 minutes before": a reminder
    on the task named (added, due then, when there is none)."""
    m = _SET_REMINDER.match(core)
    if not m:
        return None
    drafts = _parse_drafts(m.group("body"), today, plural=False)
    if len(drafts) != 1:
        return None
    return _reminder(drafts[0], core, about=True)


def _reminder(draft: Draft, core: str, *, about: bool) -> Intent:
    """What a "remind me ..." message asks for, given the one task it names.

    "remind me 30 minutes before X": a reminder on the task X. "remind me about X tomorrow at 9am":
    a reminder on X then (09:00 when no time is said) if it exists, else X added, due then, with
    that reminder. "remind me to X tomorrow at 5pm": X added, due then, with a reminder at the due
    time.
    """
    lead = re.match(r"^(?:about|of|for)\s+(?P<rest>.+)$", draft.title, _F)
    if lead:  # "remind me at 9am tomorrow about the dentist"
        draft.title, about = lead.group("rest"), True
    timed = draft.at is not None or draft.due is not None
    if draft.before is not None and not timed:
        return Intent("update", ref=draft.title, changes=Changes(remind_before=draft.before), text=core)
    if about and timed:
        changes = Changes(
            priority=draft.priority,
            tags_add=list(draft.tags),
            recurrence=draft.recurrence,
            time=draft.time,
            remind_on=draft.due,
            remind_at=(draft.at or DAY_START) if draft.before is None else None,
            remind_before=draft.before,
        )
        draft.remind = draft.before is None
        return Intent("maybe_update", drafts=[draft], ref=draft.title, changes=changes, text=core)
    if about:
        changes = Changes(priority=draft.priority, tags_add=list(draft.tags), recurrence=draft.recurrence)
        return Intent("maybe_update", drafts=[draft], ref=draft.title, changes=changes, text=core)
    draft.remind = timed and draft.before is None
    return Intent("create", drafts=[draft], text=core)


DAY_START = "09:00"
"""When a reminder on a day without a time rings (the task model's ``DAY_START``)."""


def parse_items(body: str, today: dt.date) -> list[Draft]:
    """Tasks listed in ``body`` ("invite friends, order cake by friday and book a room"), each with
    its own attributes: the items of a subtask list."""
    return _parse_drafts(body, today, plural=True)
