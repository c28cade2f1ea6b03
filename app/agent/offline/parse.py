"""Understand one chat message: which intent it is and its arguments.

Parsing is pure (text + today in, :class:`Intent` out) so it can be unit-tested without any
tools. Rules are general phrase patterns (verbs, connectives, attribute phrases), tried from
the most specific to the most general; the first that fits wins.
"""

from __future__ import annotations

import datetime as dt
import re

from app.agent.offline import edits
from app.agent.offline.attributes import extract_attributes
from app.agent.offline.create import bare_task, parse_create, parse_set_reminder
from app.agent.offline.intents import Changes, Draft, Intent, IntentKind, targeted
from app.agent.offline.matching import IRREGULAR_PAST, PARTICIPLES
from app.agent.offline.queries import DAY_VIEW, TaskQuery, parse_query
from app.agent.offline.subtasks import parse_subtasks
from app.agent.offline.text import squash, strip_discourse
from app.agent.offline.typos import fix_keywords, fix_verb

__all__ = ["Changes", "Draft", "Intent", "parse_intent"]

_F = re.IGNORECASE


# --- short replies -----------------------------------------------------------------------------
_YES = re.compile(
    r"^(?:y|ya|yes|yep|yeah|yup|sure|ok|okay|k|confirm(?:ed)?|do\s+it|go\s+ahead|go\s+for\s+it|please\s+do|"
    r"yes\s+please|absolutely|definitely|of\s+course|correct|affirmative|proceed|delete\s+(?:them|it|those|all)|"
    r"sounds\s+good|i'?m\s+sure|yes,?\s+.*)$",
    _F,
)
_NO = re.compile(
    r"^(?:n|no|nope|nah|cancel|stop|abort|don't|do\s+not|never\s*mind|nevermind|forget\s+it|keep\s+(?:them|it)|"
    r"no\s+thanks|no,?\s+.*|not\s+now|leave\s+(?:them|it))$",
    _F,
)
_UNDO = re.compile(
    r"^(?:never\s*mind\W*\s*)?(?:undo|revert|rollback|roll\s+back|take\s+(?:that|it)\s+back|reverse|"
    r"(?:bring|put|get)\s+(?:it|that|them|this)\s+back|scratch\s+(?:that|this))(?:\s+(?:that|it|this|please|"
    r"(?:the\s+|my\s+)?last(?:\s+(?:change|action|thing|step|one|edit|operation))?|(?:what\s+)?i\s+just\s+did|"
    r"the\s+(?:last\s+)?(?:change|action|delete|deletion|completion|edit|update)))*$|^(?:oops|whoops|my\s+bad)$",
    _F,
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|hola|greetings|good\s+(?:morning|afternoon|evening|day)|sup|what's\s+up|"
    r"how\s+are\s+you(?:\s+doing)?|how's\s+it\s+going)(?:\s+(?:there|ticked|assistant|bot|friend))?\W*$",
    _F,
)
_THANKS = re.compile(
    r"^(?:thanks?(?:\s+(?:you|a\s+lot|so\s+much))?|thank\s+you(?:\s+(?:so|very)\s+much)?|thx|ty|cheers|"
    r"great|awesome|cool|nice|perfect|brilliant|good|ok|okay|got\s+it|lovely|excellent|bye|goodbye|see\s+you)\W*$",
    _F,
)
_HELP = re.compile(
    r"^(?:help|\?|commands|menu|options|usage|instructions)$|\bwhat\s+(?:can|do|could)\s+(?:you|u|i)\s+"
    r"(?:do|say|ask)\b|\bhow\s+(?:do|does|can|should)\s+(?:i|you|this|it)\s+(?:use|work)\b|"
    r"\bwhat\s+(?:are\s+you|is\s+this)\b|\bwho\s+are\s+you\b|\bhelp\s+me\b|^(?:i\s+need\s+)?help\b|"
    r"\bhow\s+does\s+this\s+work\b",
    _F,
)

# --- list --------------------------------------------------------------------------------------
_LIST_VERB = re.compile(
    r"^(?:show|list|display|view|give\s+me|print|pull\s+up|bring\s+up|read\s+me|"
    r"search|find|look\s+(?:for|up)|lookup|locate|grep|tell\s+me|let\s+me\s+see|check)\b",
    _F,
)
_QUESTION = re.compile(
    r"^(?:what|what's|whats|which|anything|any|do\s+i|did\s+i|have\s+i|how\s+many|how\s+much|is\s+there|"
    r"are\s+there|where|when|am\s+i)\b|\?$",
    _F,
)
_LIST_WORDS = re.compile(
    r"\b(?:tasks?|todos?|to-?dos?|to\s+do|due|overdue|late|behind|past\s+due|left|remaining|remains?|pending|finished|completed?|done|agenda|plate|"
    r"lists?|scheduled|priority|tagged|tags?|urgent|important|open|outstanding|upcoming|today|tomorrow|week|"
    r"my\s+day|agenda|schedule)\b|#",
    _F,
)

# --- complete / reopen / delete ------------------------------------------------------------------
_DONE = r"(?:done|complete|completed|finished|checked(?:\s+off)?|ticked(?:\s+off)?|crossed\s+off|closed)"
_NOT_DONE = (
    r"(?:not\s+(?:yet\s+)?(?:done|complete|completed|finished)|undone|incomplete|uncompleted|unfinished|pending|"
    r"open|active|to\s*-?\s*do|not\s+started|unchecked|unticked)"
)
_COMPLETE = [
    re.compile(r"^(?:mark|set|flag|make|tag)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+)?" + _DONE + r"$", _F),
    re.compile(r"^(?:(?:check|tick|cross|strike|knock)\s+off|knock\s+out)\s+(?P<ref>.+)$", _F),
    re.compile(r"^tick\s+(?!off\b)(?P<ref>.+)$", _F),
    re.compile(
        r"^(?:check|tick|cross|strike|knock)\s+(?P<ref>.+?)\s+off(?:\s+(?:the|my)\s+(?:to-?do\s+)?list)?$",
        _F,
    ),
    re.compile(
        r"^(?:i(?:'ve|'m|\s+have|\s+am)?\s+)?(?:(?:have|just|already|finally|also|now|all)\s+)*(?:complete|completed|finish|finished|"
        r"did(?!\s+(?:i|you|we)\b)|am\s+done\s+with|'m\s+done\s+with|done\s+with|done|"
        r"close|closed|accomplished|wrapped\s+up|got\s+through|"
        r"took\s+care\s+of|handled|sorted)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(
        r"^(?!(?:i|i'm|im|i\s+am|we|we're|all|i'm\s+all|we're\s+all)\s+(?:\w+\s+)?(?:done|finished)$)"
        r"(?P<ref>.+?)\s+(?:(?:is|are|was|were|has\s+been|have\s+been|'s|got)\s+)?(?:now\s+|all\s+|finally\s+|"
        r"already\s+)?(?:done|complete|completed|finished|taken\s+care\s+of|sorted|handled|checked\s+off)$",
        _F,
    ),
]
# "I walked the dog" / "I paid the rent": a past-tense report completes the task it names.
_IRREGULAR = "|".join(sorted(IRREGULAR_PAST))
_BARE_PAST = "|".join(sorted(set(IRREGULAR_PAST) - {"got", "left"}))
"""Irregular pasts that report a deed even without "I" ("bought the milk"); not "got" and "left",
which start questions and listings ("got anything due today?", "left to do")."""
_PAST_TENSE = re.compile(
    r"^(?:i\s+(?:just\s+|already\s+|finally\s+|have\s+|'ve\s+)?(?P<verb>[a-z]{3,}ed|"
    + _IRREGULAR
    + r")|(?:just\s+|already\s+|finally\s+)?(?P<bare>"
    + _BARE_PAST
    + r")|(?:just\s+|already\s+|finally\s+)?(?P<told>(?!(?:shred|embed)\b)[a-z]{2,}[^e\s]ed))"
    r"\s+(?P<rest>.+)$",
    _F,
)
"""A deed reported: "I called mom", "bought the milk", "(just) emailed Tom". A regular past alone
ends in "ed" after anything but another "e" ("speed up the build", "proceed with" are no deeds)."""
_DONE_TO = "|".join(sorted({*IRREGULAR_PAST, *PARTICIPLES}))
"""The irregular participles of a deed reported in the passive ("paid", "bought", "done"); regular
"-ed" ones are matched by their shape."""
# "rent is paid", "the flights are booked": a deed reported in the passive completes the task it names
# (read as "paid rent"); a state that is no deed ("is scheduled", "is cancelled") does not.
_PASSIVE = re.compile(
    r"^(?!(?:is|are|was|were|has|have|did|do|does)\b)(?:the\s+|my\s+|our\s+)?(?P<rest>.+?)\s+"
    r"(?:is|are|was|were|has\s+been|have\s+been|got|'s|'re)\s+(?:now\s+|all\s+|finally\s+|already\s+)*"
    r"(?P<verb>[a-z]{3,}ed|" + _DONE_TO + r")[.!]*$",
    _F,
)
# "socks bought", "rent paid", "report sent": the same report without "is" (a short message naming a
# thing, then what was done to it); not a listing ("tasks completed") nor about the speaker.
_BARE_PASSIVE = re.compile(
    r"^(?!(?:i|i'm|we|we're|you|it|it's|they|he|she|this|that|there|what|which|who|how|when|why|show|list|"
    r"any|all|every)\b)(?:the\s+|my\s+|our\s+)?(?P<rest>[\w'-]+(?:\s+[\w'-]+){0,3}?)\s+"
    r"(?:now\s+|all\s+|finally\s+|already\s+)*"
    r"(?P<verb>[a-z]{3,}ed|" + _DONE_TO + r")[.!]*$",
    _F,
)
_LISTED_THINGS = re.compile(r"\b(?:tasks?|todos?|to-dos?|items?|list|everything|things|stuff)\b", _F)
_NOT_DEEDS = frozenset(
    {"scheduled", "planned", "cancelled", "canceled", "postponed", "delayed", "moved", "assigned", "tagged",
     "blocked", "shared", "needed", "required", "expected", "missed", "overdue", "related", "left", "got",
     "due", "wanted", "started", "stuck", "paused", "rescheduled", "deleted", "removed", "renamed"}
)  # fmt: skip
_REOPEN = [
    re.compile(
        r"^(?:reopen|re-open|uncomplete|un-complete|unfinish|unmark|uncheck|untick|reactivate|re-activate|"
        r"resume|restart|restore)\s+(?P<ref>.+)$",
        _F,
    ),
    re.compile(
        r"^(?:mark|set|flag|make|move)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+|back\s+to\s+)?" + _NOT_DONE + r"$", _F
    ),
    re.compile(
        r"^(?P<ref>.+?)\s+(?:is|are|was|were|'s)\s*(?:not|n't)\s+(?:actually\s+|really\s+)?(?:done|complete|completed|"
        r"finished)(?:\s+(?:yet|after\s+all|actually))?$|^(?P<ref2>.+?)\s+(?:isn't|isnt|aren't|wasn't)\s+(?:actually\s+|"
        r"really\s+)?(?:done|complete|completed|finished)(?:\s+(?:yet|after\s+all|actually))?$",
        _F,
    ),
    re.compile(
        r"^(?:i\s+)?(?:didn't|did\s+not|haven't|have\s+not)\s+(?:actually\s+)?(?:finish|do|complete)\s+(?P<ref>.+)$",
        _F,
    ),
    # "actually I didn't buy the milk yet", "I haven't paid the rent after all": a done task's own
    # words, said to take the tick back (a "yet", "after all" or "actually" says so)
    re.compile(
        r"^(?:actually|oops|wait|sorry|hmm)[,!]?\s+(?:i|we)\s+(?:didn't|didnt|did\s+not|haven't|havent|have\s+not)"
        r"\s+(?:really\s+)?(?P<ref>.+?)(?:\s+(?:yet|after\s+all))?[.!]*$",
        _F,
    ),
    re.compile(
        r"^(?:i|we)\s+(?:didn't|didnt|did\s+not|haven't|havent|have\s+not)\s+(?:(?:actually|really)\s+"
        r"(?P<ref2>.+?)(?:\s+(?:yet|after\s+all))?|(?P<ref>.+?)\s+(?:yet|after\s+all))[.!]*$",
        _F,
    ),
]
# "I don't need buy milk anymore" / "I no longer need to call Bob": the task goes (undo brings it back).
_NO_LONGER_NEEDED = [
    re.compile(
        r"^(?:i\s+|we\s+)?(?:don't|dont|do\s+not)\s+need\s+(?:to\s+)?(?P<ref>.+?)\s+"
        r"(?:anymore|any\s+more|any\s+longer)$",
        _F,
    ),
    re.compile(r"^(?:i\s+|we\s+)?no\s+longer\s+need\s+(?:to\s+)?(?P<ref>.+)$", _F),
    re.compile(
        r"^(?:there's\s+|there\s+is\s+)?no\s+(?:more\s+)?need\s+(?:to\s+|for\s+)?(?P<ref>.+?)"
        r"(?:\s+(?:anymore|any\s+more|any\s+longer|now))?$",
        _F,
    ),
    re.compile(
        r"^(?P<ref>.+?)\s+(?:is|are|'s)\s+(?:no\s+longer\s+needed|not\s+needed\s+(?:anymore|any\s+more))$", _F
    ),
]
_DELETE = re.compile(
    r"^(?:delete|remove|erase|drop|trash|discard|scrap|scratch|ditch|bin|cancel|kill|purge|clear(?:\s+out)?|nuke|wipe|"
    # "take out the bins" is a chore to add, not a task to take out of the list
    r"get\s+rid\s+of|throw\s+(?:away|out)|take\s+out(?!\s+(?:the\s+|my\s+|our\s+)?(?:trash|bins?|garbage|rubbish|"
    r"recycling|compost|dogs?)\b)|forget(?:\s+about)?|cross\s+out|strike)\s+(?P<ref>.+?)"
    r"(?:\s+(?:from|off)\s+(?:my|the)\s+(?:to-?do\s+|task\s+)?(?:list|tasks))?$",
    _F,
)
_DELETES = [_DELETE, *_NO_LONGER_NEEDED]
_LATER = re.compile(r"\s(?:by|before|until|till|every|each)\s+\S", _F)
_SELECTOR = re.compile(r"\b(?:due|tasks?|todos?|to-dos?|ones|everything|all|anything|items?)\b", _F)


def _to_do_later(ref: str, today: dt.date) -> bool:
    """ "finish the slides by friday", "cancel the gym before june", "take out X every week": a
    deadline or a repeat after a completing or deleting verb makes a task to do, not a command
    now. Not a selection ("complete everything due by friday", "delete all tasks before june")."""
    if not _LATER.search(ref) or _SELECTOR.search(ref):
        return False
    attrs, _rest = extract_attributes(ref, today)
    return attrs.due is not None or attrs.recurrence is not None


def parse_intent(text: str, today: dt.date, *, expecting_answer: bool = False) -> Intent:
    """Classify one message and extract its arguments.

    Near misses of date and list words are read as meant first ("tomorow"); when the message
    still makes no sense, or only as "update or add <its words>", a near miss of a command verb
    in first place is read as that verb ("shwo my tasks", "ad buy milk") and the message parsed again.

    Args:
        text: the person's message, as typed.
        today: the date relative phrases ("tomorrow", "friday") resolve against.
        expecting_answer: a yes/no question is pending, so "yes"/"no" are answers.

    Returns:
        The :class:`Intent`; "unknown" when nothing fits (the caller must not change anything).
    """
    text = fix_keywords(text)
    intent = _parse_intent(text, today, expecting_answer=expecting_answer)
    if intent.kind in {"unknown", "maybe_update"}:
        core = strip_discourse(squash(text))
        fixed = fix_verb(core)
        if fixed != core:
            again = _parse_intent(fixed, today, expecting_answer=expecting_answer)
            # A message that read as "update or add" is never turned into a deletion by a guess.
            if again.kind not in {"unknown", intent.kind} and not (
                intent.kind != "unknown" and again.kind == "delete"
            ):
                return again
    return intent


def _parse_intent(text: str, today: dt.date, *, expecting_answer: bool) -> Intent:
    raw = squash(text)
    bare = raw.lower().strip(" .!?,")
    answers: list[tuple[IntentKind, re.Pattern[str]]] = (
        [("yes", _YES), ("no", _NO)] if expecting_answer else [("yes", _BARE_YES), ("no", _BARE_NO)]
    )
    for kind, pattern in [*answers, ("greet", _GREETING), ("thanks", _THANKS)]:
        if pattern.match(bare):
            return Intent(kind, text=raw)
    core = strip_discourse(raw)
    said_of = _said_of_it(core, today)
    if said_of is not None:
        return said_of
    if not core:
        if _HELP.search(raw):
            return Intent("help", text=raw)
        return Intent("greet" if raw.strip(" !.?") else "unknown", text=raw)
    low = core.lower()
    short: list[tuple[IntentKind, re.Pattern[str]]] = [
        ("undo", _UNDO),
        ("greet", _GREETING),
        ("thanks", _THANKS),
    ]
    if expecting_answer:
        short = [("yes", _YES), ("no", _NO), *short]
    for kind, pattern in short:
        if pattern.match(low):
            return Intent(kind, text=core)
    if _HELP.search(low):
        return Intent("help", text=core)
    m = _BARE_VERB.match(low)
    if m:
        return Intent("need_ref", ref=_VERB_NAMES.get(m.group(1), m.group(1)), text=core)
    if raw.endswith("?") and _YES_NO_QUESTION.match(core):
        question = _status_question(core, today)
        if question:
            return question
    if _JUST_ADDED.match(core):
        return Intent("list", ref="them", text=core)
    if _NEXT_UP.match(core):
        return Intent("list", query=TaskQuery(status="pending"), text=core)
    for parser in (
        parse_subtasks,
        edits.parse_parent,
        parse_set_reminder,
        edits.parse_clear_time,
        edits.parse_tags,
        edits.parse_description,
        edits.parse_clear_due,
        parse_create,
        _parse_list,
    ):
        intent = parser(core, today)
        if intent:
            return intent
    for parser in (edits.parse_rename, _parse_status, edits.parse_update, _parse_filter_list):
        intent = parser(core, today)
        if intent:
            return intent
    intent = edits.parse_statement(core, today)
    if intent.kind == "unknown" and not raw.rstrip().endswith("?") and (draft := bare_task(core)) is not None:
        return Intent("create", drafts=[draft], text=core)
    return intent


_OF_IT = re.compile(
    r"^(?P<said>.+?)\s*(?:[,;]|\s-+|\.)\s*(?:so\s+|please\s+|pls\s+|just\s+|then\s+|go\s+ahead\s+and\s+|"
    r"(?:can|could)\s+you\s+)*(?P<verb>reopen|un-?complete|delete|remove|drop|cancel|complete|finish|"
    r"mark|tick\s+off|check\s+off|cross\s+off|undo)\s+(?:it|that|this)(?:\s+one)?"
    r"(?P<after>\s+(?:as\s+)?(?:done|complete|completed|finished|not\s+done|undone|open|incomplete))?"
    r"(?:\s+(?:please|pls|too|then|for\s+me))*[.!?]*$",
    _F,
)
_ACTS_ON_A_TASK: frozenset[IntentKind] = frozenset({"complete", "reopen", "delete", "update", "maybe_update"})


def _said_of_it(core: str, today: dt.date) -> Intent | None:
    """ "the report isn't actually finished, reopen it" / "I don't need stamps anymore, delete that":
    the trailing command acts on the task the first part names (read as its own message)."""
    m = _OF_IT.match(core)
    if m is None:
        return None
    said = _parse_intent(m.group("said"), today, expecting_answer=False)
    if m.group("verb").lower() == "undo":  # "I didn't get the milk after all, undo that": reopen it
        return said if said.kind == "reopen" else None
    if said.kind not in _ACTS_ON_A_TASK or not said.ref.strip() or said.query is not None:
        return None
    command = f"{m.group('verb')} {said.ref.strip()}{m.group('after') or ''}"
    return _parse_intent(command, today, expecting_answer=False)


_BARE_VERB = re.compile(
    r"^(complete|finish|done|delete|remove|rename|reopen|mark|check\s+off|tick\s+off|edit|update|change|move|"
    r"reschedule|tag)(?:\s+(?:a\s+task|task|something))?$",
    _F,
)
_VERB_NAMES = {
    "finish": "complete",
    "done": "complete",
    "mark": "complete",
    "check off": "complete",
    "remove": "delete",
}
_BARE_YES = re.compile(r"^(?:y|yes|yep|yeah|yup|confirm|yes\s+please)$", _F)
_BARE_NO = re.compile(r"^(?:n|no|nope|nah|no\s+thanks)$", _F)
_NEXT_UP = re.compile(
    r"^(?:what(?:'s|s|\s+is)\s+(?:up\s+)?next|(?:what(?:'s|s|\s+is)\s+)?(?:up\s+next|next\s+up)|what\s+(?:should|do|can)\s+i\s+(?:do|work\s+on|tackle)(?:\s+next|\s+now)?|"
    r"what(?:'s|\s+is)\s+on\s+my\s+(?:plate|list|agenda)|what\s+do\s+i\s+have)$",
    _F,
)
_JUST_ADDED = re.compile(
    r"^(?:what|which\s+(?:task|one|tasks))\s+(?:did|have)\s+(?:i|we|you)\s+(?:just\s+)?(?:add|added|create|created|"
    r"put\s+(?:in|down|on)|make|made)(?:\s+(?:just\s+now|a\s+moment\s+ago|again))?$|"
    r"^what\s+(?:was|were)\s+(?:that|those|the\s+last\s+(?:one|task|thing))(?:\s+again)?$",
    _F,
)
"""'what did I just add?': the tasks just spoken of (else the newest), not a listing."""
_YES_NO_QUESTION = re.compile(r"^(?:is|are|was|were|did\s+i|have\s+i|has|do\s+i\s+have)\b", _F)


def _status_question(core: str, today: dt.date) -> Intent | None:
    """ "Is buy milk done?" / "did I finish the report?": show the matching tasks with their state."""
    query = parse_query(core, today)
    words = [
        w for w in query.words if w not in {"finish", "complete", "do", "did", "done", "yet", "finished"}
    ]
    if not words:
        return None
    return Intent("list", query=TaskQuery(search=" ".join(words), explicit_status=True), text=core)


def _parse_list(core: str, today: dt.date) -> Intent | None:
    """A listing request introduced by a verb ("show ...") or asked as a question about tasks."""
    if re.match(r"^(?:check|tick)\s+off\b", core, _F):
        return None
    if (
        _LIST_VERB.match(core)
        or (_QUESTION.search(core) and _LIST_WORDS.search(core))
        or DAY_VIEW.search(core)
        or _WHEN.match(core)
        or _FOR_WHAT.match(core)
    ):
        return Intent("list", query=parse_query(core, today), text=core)
    return None


_FOR_WHAT = re.compile(
    r"^(?:(?:i\s+)?(?:got|have|has)\s+(?:i\s+)?(?:got\s+)?(?:anything|something)|is\s+there\s+anything|any|anything|"
    r"something|what(?:'s|\s+is)?\s+(?:there|on\s+(?:my|the)\s+(?:list|plate))|what\s+(?:do|did)\s+i\s+"
    r"(?:have|get)|have\s+i\s+got\s+anything|do\s+i\s+have\s+anything)\s+(?:else\s+|left\s+|on\s+)?"
    r"(?:for|about|on)\s+\w",
    _F,
)
"""'anything for travel?', 'what do I have for work': a listing of what names that (a tag, a project,
words)."""

_WHEN = re.compile(r"^when(?:'s|s|\s+is|\s+are|\s+was)\s+(?:the\s+|my\s+)?\w", _F)
"""'when's the dentist?': a question about a task's date is a search for it (its row shows when)."""


def _parse_filter_list(core: str, today: dt.date) -> Intent | None:
    """A bare filter phrase ("overdue", "high priority tasks", "due tomorrow", "my tasks") is a listing."""
    if _PRONOUN_START.match(core):
        return None  # "it's due friday" is about a task, not a listing
    query = parse_query(core, today)
    if (query.is_filtered() or query.status != "all" or query.explicit_status) and not query.words:
        return Intent("list", query=query, text=core)
    if re.fullmatch(
        r"(?:my\s+|all\s+|the\s+)*(?:[\w-]+\s+)?(?:tasks?|todos?|to-?dos?|to-?do\s+list|list)", core, _F
    ):
        return Intent("list", query=query, text=core)
    return None


_PRONOUN_START = re.compile(r"^(?:it|it's|its|that|that's|this|they|they're|those|these)\b", _F)
_NOT_COMPLETIONS = frozenset({"needed", "wanted", "decided", "started", "planned", "wished", "hoped"})


def _parse_status(core: str, today: dt.date) -> Intent | None:
    """Complete, reopen or delete: reopen first, so "mark X as not done" is not read as done."""
    for pattern in _REOPEN:
        m = pattern.match(core)
        if m:
            ref = m.group("ref") if m.groupdict().get("ref") else m.group("ref2")
            return targeted("reopen", ref, core, today, default_status="completed")
    for pattern in _DELETES:
        m = pattern.match(core)
        if m and not _to_do_later(m.group("ref"), today):
            return targeted("delete", m.group("ref"), core, today, default_status="all")
    for pattern in _COMPLETE:
        m = pattern.match(core)
        if m and not _to_do_later(m.group("ref"), today):
            return targeted("complete", m.group("ref"), core, today, default_status="pending")
    m = _PAST_TENSE.match(core)
    if (
        m
        and (verb := m.group("verb") or m.group("bare") or m.group("told")).lower()
        not in _NOT_COMPLETIONS | (_NOT_DEEDS if m.group("told") else frozenset())
        and not (m.group("told") and _LISTED_THINGS.search(m.group("rest")))
    ):
        return Intent("complete", ref=f"{verb} {m.group('rest')}", text=core)
    m = _PASSIVE.match(core)
    if m and m.group("verb").lower() not in _NOT_DEEDS | _NOT_COMPLETIONS:
        return Intent("complete", ref=f"{m.group('verb')} {m.group('rest')}", text=core)
    m = _BARE_PASSIVE.match(core)
    if (
        m
        and m.group("verb").lower() not in _NOT_DEEDS | _NOT_COMPLETIONS
        and not _LISTED_THINGS.search(m.group("rest"))
    ):
        return Intent("complete", ref=f"{m.group('verb')} {m.group('rest')}", text=core)
    return None
