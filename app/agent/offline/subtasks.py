"""Subtasks in a message: "add subtasks to plan the party: invite friends, order cake",
"add a subtask book the van to move house", "add pack boxes as a subtask of move house",
"break plan the party into invite friends and order cake", and "break down plan the party" (which
asks for proposals: a model's job, so the local agent says so and shows the explicit form).

The items are read with creation's grammar (a comma list, dates and priorities cut out), so a
subtask may carry its own due date ("order cake by friday").
"""

from __future__ import annotations

import datetime as dt
import re

from app.agent.offline.attributes import extract_attributes
from app.agent.offline.create import parse_create, parse_items
from app.agent.offline.intents import Intent
from app.agent.offline.text import clean_title

_F = re.IGNORECASE
_SUB = r"(?:sub-?tasks?|sub-?items?|sub-?steps?|steps?|child\s+tasks?|checklist\s+items?)"
_LEAD = r"^(?:please\s+)?(?:add|create|make|put|give|attach|insert|write|jot\s+down|set\s+up)\s+(?:me\s+)?"
_QTY = r"(?:(?:a|an|another|one|some|a\s+few|few|these|the|following|new|two|three|four|five|\d{1,2})\s+)*"
_TO = r"(?:to|for|under|on|in|into|onto)"

_PATTERNS = [
    # "add subtasks to plan the party: invite friends, order cake"
    re.compile(
        _LEAD + _QTY + _SUB + r"\s+" + _TO + r"\s+(?P<parent>[^:]+?)\s*(?::|-|–|—)\s*(?P<items>.+)$", _F
    ),
    # "plan the party subtasks: invite friends, order cake" / "subtasks for X: a, b"
    re.compile(
        r"^(?:the\s+)?" + _SUB + r"\s+(?:of|for|to|under)\s+(?P<parent>[^:]+?)\s*:\s*(?P<items>.+)$", _F
    ),
    # "plan the party needs subtasks: invite friends, order cake"
    re.compile(
        r"^(?P<parent>[^:]+?)\s+(?:needs|has|gets|should\s+have|will\s+have)\s+(?:these\s+|the\s+following\s+|some\s+)?"
        + _SUB
        + r"\s*:\s*(?P<items>.+)$",
        _F,
    ),
    # "add pack boxes as a subtask of move house"
    re.compile(
        _LEAD
        + r"(?P<items>.+?)\s+as\s+(?:an?\s+|the\s+)?"
        + _SUB
        + r"\s+(?:of|to|for|under|in)\s+(?P<parent>.+)$",
        _F,
    ),
    # "add a subtask book the van to move house" (the last "to"/"under"/"for" names the parent)
    re.compile(_LEAD + _QTY + _SUB + r"\s*:?\s+(?P<items>.+)\s+(?:to|under)\s+(?P<parent>.+)$", _F),
    re.compile(_LEAD + _QTY + _SUB + r"\s*:?\s+(?P<items>.+)\s+(?:for|on|in)\s+(?P<parent>.+)$", _F),
    # "break plan the party into invite friends, order cake"
    re.compile(
        r"^(?:break|split|divide|chop)\s+(?:down\s+|up\s+)?(?P<parent>.+?)\s+(?:down\s+|up\s+)?into\s*:?\s*(?P<items>.+)$",
        _F,
    ),
]
_UNDER = re.compile(_LEAD + r"(?P<items>.+?)\s+(?:under|beneath|below)\s+(?P<parent>.+)$", _F)
"""ADD X under Y, without the word "subtask": a subtask only when a task is called Y (the agent
checks), so its reading as creation goes with it ("add check under the sink")."""
_LISTED_UNDER = [
    # "under move house add: book van, pack kitchen"
    re.compile(
        r"^(?:under|beneath|below|for)\s+(?P<parent>[^:,]+?)\s*,?\s*(?:please\s+)?(?:add|create|put|make)?\s*:\s*"
        r"(?P<items>.+)$",
        _F,
    ),
    # "plan trip needs: book hotel, rent car"
    re.compile(r"^(?P<parent>[^:,]+?)\s+(?:needs|requires|involves|takes)\s*:\s*(?P<items>.+)$", _F),
]
"""Items listed for Y without the word "subtask": subtasks only when a task is called Y, else
tasks of their own (a project called Y is the team parser's, before this)."""
_PROPOSE_ITEMS = re.compile(
    r"^(?:(?:some|a\s+few|smaller|small|more|manageable|separate|several|its|the)\s+)*"
    r"(?:sub-?tasks?|steps?|parts?|pieces?|chunks?|tasks?|bits?|actions?)$",
    _F,
)
_BREAKDOWN = [
    re.compile(r"^(?:break|split|chop|divide)\s+(?:down|up)\s+(?P<parent>.+?)(?:\s+(?:into|in)\s+.+)?$", _F),
    re.compile(r"^(?:break|split|chop|divide)\s+(?P<parent>.+?)\s+(?:down|up)(?:\s+(?:into|in)\s+.+)?$", _F),
    re.compile(
        r"^(?:suggest|propose|plan\s+out|give\s+me|what\s+are|list|create|add|make)\s+(?:some\s+|the\s+)?"
        r"(?:sub-?tasks|steps)\s+(?:for|to|of)\s+(?P<parent>.+)$",
        _F,
    ),
    re.compile(r"^(?:decompose|plan\s+out)\s+(?P<parent>.+)$", _F),
]


def parse_subtasks(core: str, today: dt.date) -> Intent | None:
    """Subtasks to add under a task ("subtasks"), or a request to propose some ("breakdown")."""
    for pattern in _PATTERNS:
        m = pattern.match(core)
        if not m:
            continue
        parent = clean_title(m.group("parent"))
        items = m.group("items").strip()
        if not parent or not items:
            continue
        if _PROPOSE_ITEMS.match(items.strip(" .!?")):
            return Intent("breakdown", ref=parent, text=core)
        drafts = parse_items(items, today)
        if drafts:
            return Intent("subtasks", ref=parent, drafts=drafts, text=core)
    under = _UNDER.match(core)
    if under:
        attrs, parent = extract_attributes(under.group("parent"), today)  # "... under X by friday"
        drafts = parse_items(under.group("items"), today)
        if clean_title(parent) and drafts:
            for draft in drafts:
                draft.due, draft.priority = draft.due or attrs.due, draft.priority or attrs.priority
                draft.at, draft.tags = draft.at or attrs.at, draft.tags or attrs.tags
            said = core[under.start("items") :]  # "put X under Y by friday" adds "X under Y"
            otherwise = parse_create(core, today) or parse_create(f"add {said}", today)
            return Intent("subtasks", ref=clean_title(parent), drafts=drafts, text=core, otherwise=otherwise)
    for pattern in _LISTED_UNDER:
        listed = pattern.match(core)
        drafts = parse_items(listed.group("items"), today) if listed else []
        if listed and drafts and clean_title(listed.group("parent")):
            otherwise = parse_create(f"add {listed.group('items')}", today)
            parent = clean_title(listed.group("parent"))
            return Intent("subtasks", ref=parent, drafts=drafts, text=core, otherwise=otherwise)
    for pattern in _BREAKDOWN:
        m = pattern.match(core)
        if m:
            parent = clean_title(m.group("parent"))
            if parent:
                return Intent("breakdown", ref=parent, text=core)
    return None
