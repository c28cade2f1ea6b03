"""Team commands: projects, assignees, comments, activity and sharing (issue 16).

Parsing stays pure, like :mod:`parse`: text in, a :class:`TeamIntent` or a :class:`Scope` out. What
it needs to know about the person's world (the names of their projects, the people they share
projects with) comes in as arguments, so "add milk to groceries" routes to a project only when
Groceries is one, and "add call mom to my list" stays a task titled as before. The phrases are
general (verbs, prepositions, connectives), never whole sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

_F = re.IGNORECASE

TeamKind = Literal[
    "create_project", "move", "assign", "unassign", "comment", "activity", "share", "list_projects", "who"
]

EMAIL = r"[^\s@,;:<>()\"']+@[^\s@,;:<>()\"']+\.[a-z]{2,}"
_ME = r"me|myself"
_ARTICLE = r"(?:the\s+|my\s+|our\s+|your\s+)?"
_KIND = r"(?:\s+(?:list|project|folder|board|tasks))?"
_WHEN = (
    r"(?:\s+(?P<when>today|so\s+far\s+today|this\s+morning|yesterday|this\s+week|in\s+the\s+last\s+(?:7|seven)\s+days|"
    r"lately|recently|so\s+far))?"
)


@dataclass
class People:
    """Who the person shares projects with: every way they may name them (lower case)."""

    names: set[str] = field(default_factory=set)
    emails: dict[str, str] = field(default_factory=dict)
    """A name (or first name, or email) to the one email it stands for (names two people share: none)."""

    def pattern(self, *, me: bool = True) -> str:
        known = sorted({re.escape(n).replace(r"\ ", r"\s+") for n in self.names if n}, key=len, reverse=True)
        return "|".join([*([_ME] if me else []), EMAIL, *known])

    def add(self, name: str | None, email: str) -> None:
        """Learn a person: their email, its local part, their name and first name."""
        keys = {email.casefold(), email.split("@")[0].casefold()}
        if name and name.strip():
            keys |= {" ".join(name.split()).casefold(), name.split()[0].casefold()}
        for key in keys:
            if key in self.names and self.emails.get(key) != email.casefold():
                self.emails.pop(key, None)  # two people answer to it: it names nobody for sure
            elif key not in self.names:
                self.emails[key] = email.casefold()
            self.names.add(key)

    def email_of(self, who: str) -> str | None:
        text = " ".join(who.split()).casefold().strip(" .,!?")
        if re.fullmatch(EMAIL, text, _F):
            return text
        return self.emails.get(text)

    def knows(self, who: str) -> bool:
        text = " ".join(who.split()).casefold().strip(" .,!?")
        return bool(re.fullmatch(EMAIL, text, _F)) or text in {"me", "myself"} or text in self.names


@dataclass
class TeamIntent:
    """A team command: what to do, on which task (``ref``), project, person, comment or period."""

    kind: TeamKind
    ref: str = ""
    project: str = ""
    who: str = ""
    body: str = ""
    role: str = "editor"
    since: str = "all"
    text: str = ""


@dataclass
class Scope:
    """A known project named inside a message, and the message without it."""

    project: str
    rest: str
    creating: bool = False


def _names(projects: list[str]) -> str:
    known = sorted({re.escape(" ".join(p.split())) for p in projects if p.strip()}, key=len, reverse=True)
    return "|".join(k.replace(r"\ ", r"\s+") for k in known) or r"(?!x)x"


def _canonical(said: str, projects: list[str]) -> str:
    key = " ".join(said.split()).casefold()
    return next((p for p in projects if " ".join(p.split()).casefold() == key), said)


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" .!?,;:\"'“”‘’")


def _since(when: str | None) -> str:
    text = " ".join((when or "").split()).casefold()
    if "yesterday" in text:
        return "yesterday"
    if "week" in text or "7" in text or "seven" in text or text in {"lately", "recently"}:
        return "week"
    if "today" in text or "morning" in text or text == "so far":
        return "today"
    return "all"


_ROLE = re.compile(
    r"\s+(?:as\s+(?:an?\s+)?(?P<role>editor|viewer|reader)|(?:so\s+(?:they|he|she)\s+)?(?:can|may)\s+(?:only\s+)?"
    r"(?P<verb>view|read|see|look|edit|change)(?:\s+it)?|(?P<ro>read[-\s]?only|view[-\s]?only))\.?$",
    _F,
)


def _role(text: str) -> tuple[str, str]:
    """The role asked for ("as a viewer", "read-only"; editor by default) and the text without it."""
    m = _ROLE.search(text)
    if not m:
        return "editor", text
    said = (m.group("role") or m.group("verb") or m.group("ro") or "").casefold()
    role = "viewer" if said.startswith(("view", "read", "see", "look")) else "editor"
    return role, text[: m.start()]


_CREATE_PROJECT = re.compile(
    r"^(?:please\s+)?(?:create|make|add|start|set\s+up|open|begin|new)\s+(?:me\s+|us\s+)?(?:a\s+|an\s+)?(?:new\s+)?"
    r"(?:(?:shared\s+)?project\s*(?:(?:called|named|titled|for)\s+|:\s*)?|list\s*(?:(?:called|named|titled)\s+|:\s*))"
    r"(?P<name>\S.*)$",
    _F,
)
_NEW_PROJECT = re.compile(r"^new\s+(?:project|list)\s*:?\s+(?P<name>\S.*)$", _F)
_LIST_PROJECTS = re.compile(
    r"^(?:(?:show|list|what\s+are|which\s+are|display)\s+)?(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:my|our|the)\s+"
    r"(?:projects|lists)$|^(?:what|which)\s+(?:projects|lists)\s+(?:do\s+i\s+have|am\s+i\s+in)$",
    _F,
)
_COMMENT = re.compile(
    r"^(?:(?:add|leave|write|post|put)\s+(?:a\s+)?(?:comment|remark)|(?:leave|post)\s+(?:a\s+)?(?:note|message)|comment|"
    r"reply|respond)\s+(?:on|to|for|under)\s+"
    r"(?P<ref>.+?)\s*(?::|\s+saying|\s+that\s+says|\s+-+|\s+—)\s*(?P<body>\S.*)$",
    _F,
)
_COMMENT_BARE = re.compile(r"^comment\s+(?P<ref>[^:]+?)\s*:\s*(?P<body>\S.*)$", _F)
_ACTIVITY_PERSON = re.compile(
    r"^(?:so\s+)?what\s+(?:did|has|have|had)\s+(?P<who>.+?)\s+(?:done|do|did|been\s+(?:up\s+to|doing|working\s+on)|"
    r"worked\s+on|work\s+on|got\s+done|get\s+done|finished|finish|completed|complete|changed|change)"
    + _WHEN
    + r"$",
    _F,
)
_ACTIVITY_OF = re.compile(
    r"^(?:show\s+(?:me\s+)?|what\s+is\s+|what's\s+)?(?P<who>.+?)(?:'s|’s)\s+(?:recent\s+)?(?:activity|changes|work)"
    + _WHEN
    + r"$",
    _F,
)


def parse_team(text: str, projects: list[str], people: People) -> TeamIntent | None:
    """A team command in ``text`` (fillers already stripped), or None when it is not one.

    ``projects``: the names of the person's projects; ``people``: who they share them with.
    """
    core = _clean(text)
    low = core.casefold()
    names = _names(projects)
    proj = rf"{_ARTICLE}(?P<p>{names}){_KIND}"
    for pattern in (_CREATE_PROJECT, _NEW_PROJECT):
        m = pattern.match(core)
        if m and not re.match(r"^(?:of|with|for\s+(?:my|the))\b", m.group("name"), _F):
            name = _clean(re.sub(r"\s+(?:project|list)$", "", m.group("name"), flags=_F))
            if name:
                return TeamIntent("create_project", project=name, text=core)
    if _LIST_PROJECTS.match(low):
        return TeamIntent("list_projects", text=core)
    share = _share(core, proj, projects, people)
    if share:
        return share
    m = _COMMENT.match(core) or _COMMENT_BARE.match(core)
    if m:
        return TeamIntent("comment", ref=_clean(m.group("ref")), body=m.group("body").strip(), text=core)
    move = re.match(
        rf"^(?:move|put|file|shift|transfer|send|place|drop|refile)\s+(?P<ref>.+?)\s+(?:to|into|in|under|onto|on|over\s+to)\s+"
        rf"{proj}$",
        core,
        _F,
    ) or re.match(  # "fix fence belongs in home", "the slides go under work"
        rf"^(?P<ref>.+?)\s+(?:belongs?|goes|go|should\s+(?:go|be|live))\s+(?:in|into|on|under|to|with)\s+{proj}$",
        core,
        _F,
    )
    if move:
        return TeamIntent(
            "move", ref=_clean(move.group("ref")), project=_canonical(move.group("p"), projects), text=core
        )
    unknown_move = re.match(
        r"^(?:move|put|file|transfer)\s+(?P<ref>.+?)\s+(?:to|into|in)\s+(?:the\s+|my\s+)?(?P<p>[\w' -]+?)\s+"
        r"(?:list|project)$",
        core,
        _F,
    )
    if unknown_move:
        ref, name = _clean(unknown_move.group("ref")), _clean(unknown_move.group("p"))
        return TeamIntent("move", ref=ref, project=name, text=core)
    return _assignment(core, people) or _activity(core, proj, projects, people)


def _share(core: str, proj: str, projects: list[str], people: People) -> TeamIntent | None:
    role, body = _role(core)
    m = re.match(
        rf"^(?:share|open\s+up)\s+(?:the\s+|my\s+|our\s+)?(?P<p>.+?){_KIND}\s+with\s+(?P<who>.+)$", body, _F
    )
    if m is None:
        m = re.match(
            rf"^(?:invite|add)\s+(?P<who>{EMAIL}|{people.pattern()})\s+(?:to|into|on)\s+{proj}$", body, _F
        )
        if m is not None and not people.knows(m.group("who")):
            return None
    if m is None:
        m = re.match(
            rf"^invite\s+(?P<who>.+?)\s+(?:to|into|on)\s+(?:the\s+|my\s+|our\s+)?(?P<p>.+?){_KIND}$", body, _F
        )
    if m is None:  # "give sam@example.com (view) access to groceries"
        m = re.match(
            rf"^(?:give|grant)\s+(?P<who>.+?)\s+(?:(?P<level>edit|editing|editor|write|view|viewing|viewer|read|"
            rf"read[-\s]only|view[-\s]only)\s+)?access\s+(?:to|on|for)\s+(?:the\s+|my\s+|our\s+)?(?P<p>.+?){_KIND}$",
            body,
            _F,
        )
        if m is not None and m.group("level"):
            role = "viewer" if m.group("level").casefold().startswith(("view", "read")) else "editor"
    if m is None:  # "let sam see the work project", "let kim@x.test help with groceries"
        m = re.match(
            rf"^let\s+(?P<who>{EMAIL}|{people.pattern(me=False)})\s+(?P<level>see|view|look\s+at|read|edit|access|join|"
            rf"help\s+(?:with|on)|work\s+on|into)\s+{proj}$",
            body,
            _F,
        )
        if m is not None:
            if not people.knows(m.group("who")):
                return None
            level = m.group("level").casefold()
            role = "viewer" if level.startswith(("see", "view", "look", "read")) else role
    if m is None:
        return None
    return TeamIntent(
        "share",
        project=_canonical(_clean(m.group("p")), projects),
        who=_clean(m.group("who")),
        role=role,
        text=core,
    )


def _assignment(core: str, people: People) -> TeamIntent | None:
    who = people.pattern()
    m = re.match(r"^(?:re-?assign|assign|delegate|allocate)\s+(?P<ref>.+?)\s+to\s+(?P<who>.+)$", core, _F)
    if m:
        return TeamIntent("assign", ref=_clean(m.group("ref")), who=_clean(m.group("who")), text=core)
    m = re.match(
        rf"^(?:give|hand(?:\s+over)?|pass(?:\s+on)?|send|forward)\s+(?P<ref>.+?)\s+(?:over\s+)?to\s+(?P<who>{who})$",
        core,
        _F,
    )
    if m:
        return TeamIntent("assign", ref=_clean(m.group("ref")), who=_clean(m.group("who")), text=core)
    m = re.match(
        rf"^(?:assign\s+(?P<me>{who})|(?:give|hand)\s+(?P<who>{people.pattern(me=False)}))\s+(?P<ref>.+)$",
        core,
        _F,
    )
    if m and people.knows(m.group("me") or m.group("who")):
        return TeamIntent(
            "assign", ref=_clean(m.group("ref")), who=_clean(m.group("me") or m.group("who")), text=core
        )
    others = people.pattern(me=False)
    for pattern in (
        rf"^(?P<who>{others})\s+(?:should|will|can|is\s+going\s+to|has\s+to|needs\s+to)\s+(?:do|handle|take(?:\s+care\s+of)?|own)\s+"
        r"(?P<ref>.+)$",
        rf"^make\s+(?P<who>{others}|me)\s+(?:the\s+)?(?:owner\s+of|responsible\s+for|in\s+charge\s+of|assignee\s+(?:of|for|on))\s+"
        r"(?P<ref>.+)$",
        rf"^(?P<ref>.+?)\s+(?:is|are|should\s+be)\s+(?:for|on|with)\s+(?P<who>{others}|me)$",
        # "ana should send the invoice": the rest names the task itself
        rf"^(?P<who>{others})\s+(?:should|will|has\s+to|needs\s+to|is\s+going\s+to)\s+(?P<ref>.+)$",
    ):
        m = re.match(pattern, core, _F)
        if m and people.knows(m.group("who")):
            return TeamIntent("assign", ref=_clean(m.group("ref")), who=_clean(m.group("who")), text=core)
    # "update wiki is sam's job": whoever is named (someone outside the projects is told so)
    m = re.match(
        r"^(?P<ref>.+?)\s+(?:is|are|should\s+be|will\s+be)\s+(?:(?P<who>[\w.@+-]+)['’]s|(?P<mine>my))\s+"
        r"(?:job|task|responsibility|department)$",
        core,
        _F,
    )
    if m and (m.group("mine") or m.group("who").casefold() not in ("it", "that", "this", "one")):
        who = "me" if m.group("mine") else _clean(m.group("who"))
        return TeamIntent("assign", ref=_clean(m.group("ref")), who=who, text=core)
    m = re.match(
        r"^(?:who(?:'s|\s+is|\s+has|\s+owns|\s+got)|who\s+was)\s+(?:(?:doing|handling|on|assigned(?:\s+to)?|got)\s+)?"
        r"(?P<ref>.+?)(?:\s+assigned(?:\s+to)?|\s+for)?$",
        core,
        _F,
    )
    if m:
        return TeamIntent("who", ref=_clean(m.group("ref")), text=core)
    m = re.match(
        rf"^(?:let|have|get)\s+(?P<who>{people.pattern(me=False)})\s+(?:do|handle|take(?:\s+care\s+of|\s+over)?|own|deal\s+with)\s+(?P<ref>.+)$",
        core,
        _F,
    )
    if m:
        return TeamIntent("assign", ref=_clean(m.group("ref")), who=_clean(m.group("who")), text=core)
    m = re.match(r"^(?:un-?assign|de-?assign)\s+(?P<ref>.+?)(?:\s+from\s+(?P<who>.+))?$", core, _F)
    if m:
        return TeamIntent("unassign", ref=_clean(m.group("ref")), who=_clean(m.group("who") or ""), text=core)
    m = re.match(rf"^(?:remove|take|drop)\s+(?P<who>{who})\s+(?:from|off)\s+(?P<ref>.+)$", core, _F)
    if m and people.knows(m.group("who")):
        return TeamIntent("unassign", ref=_clean(m.group("ref")), who=_clean(m.group("who")), text=core)
    m = re.match(
        r"^(?:(?:clear|remove)\s+(?:the\s+)?assignee\s+(?:of|on|from)\s+(?P<ref>.+)|(?P<ref2>.+?)\s+(?:is|should\s+be)\s+"
        r"(?:unassigned|nobody's|no\s+one's)|nobody\s+(?:is\s+)?(?:on|owns|has)\s+(?P<ref3>.+))$",
        core,
        _F,
    )
    if m:
        ref = m.group("ref") or m.group("ref2") or m.group("ref3")
        return TeamIntent("unassign", ref=_clean(ref), text=core)
    return None


def _activity(core: str, proj: str, projects: list[str], people: People) -> TeamIntent | None:
    for pattern in (_ACTIVITY_PERSON, _ACTIVITY_OF):
        m = pattern.match(core)
        if m:
            who = _clean(m.group("who"))
            if who.casefold() in {"i", "you", "we", "they", "it", "he", "she"}:
                return None  # "what did I finish today?" is a listing of one's own completed tasks
            if not people.knows(who):
                return None
            return TeamIntent("activity", who=who, since=_since(m.group("when")), text=core)
    for pattern in (
        rf"^(?:(?:show|list|get)\s+(?:me\s+)?)?(?:the\s+)?(?:recent\s+|latest\s+)?(?:activity|history|changes|news|"
        rf"updates)\s+(?:in|on|for|of)\s+{proj}{_WHEN}$",
        rf"^what(?:'s|\s+has|\s+have)?\s+(?:been\s+)?(?:happened|happening|going\s+on|changed|new)\s+(?:in|on|with|to)\s+"
        rf"{proj}{_WHEN}$",
        rf"^(?:show\s+(?:me\s+)?)?{proj}(?:'s)?\s+(?:activity|history){_WHEN}$",
    ):
        m = re.match(pattern, core, _F)
        if m:
            project = _canonical(m.group("p"), projects)
            return TeamIntent("activity", project=project, since=_since(m.group("when")), text=core)
    return None


# --- scope: a known project named inside another command -----------------------------------------
_CREATE_VERB = re.compile(
    r"^(?:add|create|put|make|new|jot(?:\s+down)?|note(?:\s+down)?|write\s+down|remember|remind\s+me|i\s+need\s+to|"
    r"append|insert|throw|stick|pop)\b",
    _F,
)


def find_scope(text: str, projects: list[str]) -> Scope | None:
    """A known project named in ``text`` ("add milk to groceries", "show the Work list", "complete
    bread in groceries", "how many tasks are in garden?"), and the text without it.

    ``creating`` says the project is where new tasks go ("add X to P"); otherwise it narrows the
    tasks a listing or a change is about. Only names of the person's projects count, with a
    preposition or a "list"/"project" word around them, so a title that merely contains a word
    stays as it is.
    """
    core = text.strip()
    names = _names(projects)
    lead = re.match(
        rf"^(?:in\s+|on\s+|for\s+)?{_ARTICLE}(?P<p>{names}){_KIND}\s*[:,-]\s*(?P<rest>\S.*)$", core, _F
    )
    if lead:  # "groceries: add butter", "for work, show what's overdue"
        rest = lead.group("rest")
        return Scope(_canonical(lead.group("p"), projects), rest, creating=bool(_CREATE_VERB.match(rest)))
    kind_lead = re.match(
        rf"^(?:please\s+)?(?:(?:new|add|another)\s+(?:an?\s+|one\s+more\s+)?)?(?P<p>{names})\s+"
        rf"(?:task|todo|to-do|item|chore)\s*[:,-]\s*(?P<rest>\S.*)$",
        core,
        _F,
    )
    if kind_lead:  # "new work task: prepare the slides"
        return Scope(
            _canonical(kind_lead.group("p"), projects), f"add {kind_lead.group('rest')}", creating=True
        )
    bare = re.match(
        rf"^(?P<verb>show|list|display|view|open|check|pull\s+up|bring\s+up|what's\s+in|whats\s+in|what\s+is\s+in)"
        rf"\s+(?:me\s+)?{_ARTICLE}(?P<p>{names})[?.!]*$",
        core,
        _F,
    )
    if bare:  # "show groceries": the list it names
        return Scope(_canonical(bare.group("p"), projects), f"{bare.group('verb')} tasks")
    creating = bool(_CREATE_VERB.match(core))
    preps = r"to|into|in|on|onto|under" if creating else r"in|on|from|within|under|for|of|inside"
    kind = (
        r"(?:\s+(?:list|project|folder|board))?"
        if creating
        else r"(?:\s+(?:list|project|folder|board|tasks))?"
    )
    found = list(
        re.finditer(rf"(?:^|\s)(?:{preps})\s+{_ARTICLE}(?P<p>{names}){kind}(?=$|[\s.,!?;:])", core, _F)
    )
    m = found[-1] if found else None  # the last mention wins ("add meet in the park to work")
    if m is not None:
        rest = (core[: m.start()] + core[m.end() :]).strip()
        return Scope(_canonical(m.group("p"), projects), " ".join(rest.split()), creating=creating)
    if creating:
        return None
    m = re.search(
        rf"(?:^|\s)(?:the\s+|my\s+|our\s+)?(?P<p>{names})(?:'s)?\s+(?:list|project|tasks|board|items|todos)(?=$|[\s.,!?;:])",
        core,
        _F,
    )
    if m is not None:
        if _CLEARING.match(core):  # "clear the groceries list": every task in it (asked first)
            return Scope(_canonical(m.group("p"), projects), "delete everything")
        rest = (core[: m.start()] + " tasks" + core[m.end() :]).strip()
        return Scope(_canonical(m.group("p"), projects), " ".join(rest.split()))
    return None


_CLEARING = re.compile(
    r"^(?:please\s+)?(?:clear|clear\s+out|empty|wipe|purge|delete|remove)\s+(?:out\s+)?(?:all\s+)?(?:of\s+)?"
    r"(?:the\s+|my\s+|our\s+)?[\w' -]+?(?:'s)?\s+(?:list|project|tasks|board|items|todos)[.!]*$",
    _F,
)


_ASSIGNED = re.compile(
    r"(?:^|\s)(?:(?:that\s+|which\s+)?(?:are|is|were|was)\s+|that's\s+|what's\s+|whats\s+)?(?:currently\s+)?"
    r"assigned\s+to\s+(?P<who>.+?)(?=$|[\s.,!?;:]+(?:in|on|due|that|which|and)\b|[.,!?;:]*$)",
    _F,
)
_MINE = re.compile(
    r"^(?:what(?:'s|\s+is|\s+are)?|which\s+tasks?|show\s+(?:me\s+)?)\s*(?:am\s+i|are\s+mine|is\s+mine)\s+assigned(?:\s+to)?\b|"
    r"\bmy\s+assignments\b|\b(?:what|which\s+tasks?)\s+(?:do\s+)?i\s+have\s+assigned\b|\bassigned\s+to\s+me\b",
    _F,
)
_UNASSIGNED = re.compile(
    r"\b(?:unassigned|not\s+assigned(?:\s+to\s+anyone)?|nobody's|no\s+one's|without\s+an?\s+assignee)\b", _F
)


def find_assignee_filter(text: str, people: People | None = None) -> tuple[str, str] | None:
    """("me" | a person | "nobody", the text without the phrase) for "what's assigned to me?",
    "tasks assigned to Sam in work", "what's Sam working on?", "Sam's tasks", "unassigned tasks";
    None when the text names no assignee."""
    if people is not None and people.names:
        others = people.pattern(me=False)
        for pattern in (
            rf"^(?:what(?:'s|\s+is|\s+are)|whats)\s+(?P<who>{others})\s+(?:working\s+on|doing|up\s+to|busy\s+with|"
            r"handling|got|on)\b",
            rf"^(?:show\s+(?:me\s+)?|list\s+|what\s+are\s+)?(?P<who>{others})(?:'s|’s|s)\s+(?:tasks|work|assignments|"
            r"list|to-?dos|jobs)\b",
            rf"^(?:what(?:'s|\s+is|\s+are)|whats|show\s+(?:me\s+)?)\s+(?:on|in)\s+(?P<who>{others})(?:'s|’s|s)\s+"
            r"(?:plate|list|desk|agenda|queue)\b",
            rf"^what\s+(?:does|has)\s+(?P<who>{others})\s+(?:got|have|has)(?:\s+(?:on|to\s+do))?\b",
        ):
            m = re.match(pattern, text, _F)
            if m and people.knows(m.group("who")):
                rest = text[m.end() :].strip()
                return _clean(m.group("who")), " ".join(f"show tasks {rest}".split())
    if _MINE.search(text) and not re.search(r"\bassigned\s+to\s+(?!me\b)\w", text, _F):
        rest = _MINE.sub(" ", text)
        return "me", " ".join(rest.split()) or "tasks"
    m = _ASSIGNED.search(text)
    if m:
        rest = (text[: m.start()] + text[m.end() :]).strip()
        return _clean(m.group("who")), " ".join(rest.split()) or "tasks"
    m = _UNASSIGNED.search(text)
    if m:
        rest = (text[: m.start()] + text[m.end() :]).strip()
        return "nobody", " ".join(rest.split()) or "tasks"
    return None


_COMPOUND = re.compile(
    r"\s*(?:,\s*)?\b(?:and|then|and\s+then|,)\s+(?=(?:please\s+)?(?:(?:assign|re-?assign|give|hand|unassign|share|"
    r"comment|let|have)\b|(?:move|put|file)\b.*\s(?:to|into|in|under|on|onto)\s))",
    _F,
)


def split_compound(text: str) -> list[str]:
    """ "add review budget to work and assign it to sam" -> the add, then the assignment.

    Only a team verb after "and"/"then" splits a message, so "add bread and milk" stays one add.
    """
    parts = [p.strip() for p in _COMPOUND.split(text) if p and p.strip()]
    return parts if len(parts) > 1 else [text]


_NOT_A_LIST = r"(?:tasks?|todos?|to-?dos?|everything|all|items?|list|stuff|things|more|them|it|that|this)"
TEAM_WORDS = re.compile(
    r"\b(?:in|into|on|onto|from|under|within|inside|for|with|project|projects|list|lists|assign\w*|unassign\w*|share|"
    r"invite|comment|activity|history|happened|nobody|who|whose|who's|should|responsible|owner|working|doing|busy|"
    r"access|count|how\s+many)\b|"
    r"\b(?:can|will|is\s+going\s+to|has\s+to|needs\s+to)\s+(?:do|handle|take|own)\b|"
    r"^(?:please\s+)?(?:add|create|put|make|new|jot|note|write|remember|remind|i\s+need|append|insert|throw|stick|pop|"
    r"place|drop|send|file|move|shift|transfer|refile)\b.*\b(?:to|into|in|on|onto|under)\b|"
    r"^(?:please\s+)?(?:re-?assign|delegate|allocate|give|hand|pass|forward|reply|respond|let|have|get|make|take|"
    r"remove|clear)\b|\bwhat\s+(?:did|has|have|had|does)\b|@|"
    r"\w['’]s\s+(?:tasks|work|list|to-?dos|assignments|jobs?|responsibility)\b|\bmy\s+(?:job|responsibility)$|"
    r"^(?:for\s+|in\s+|on\s+)?[\w' -]{1,60}:\s*(?:add|show|list|what|create|put|complete|delete|move)\b|"
    r"^(?:please\s+)?(?:(?:new|add|another)\s+(?:an?\s+)?)?[\w' -]{1,40}\s+"
    r"(?:task|todo|to-do|item|chore)\s*:|"
    r"^(?:show|list|display|view|open|check|pull\s+up|bring\s+up)\s+(?:me\s+)?"
    r"(?!(?:(?:the|my|our|all|me)\s+)*" + _NOT_A_LIST + r"\b)[\w' -]+[?.!]*$",
    _F,
)
PEOPLE_WORDS = re.compile(
    r"\b(?:assign\w*|unassign\w*|give|hand|pass|forward|let|have|get|make|take|remove|should|who|whose|who's|working|"
    r"doing|busy|did|has|have|had|done|activity|share|invite|is\s+for|are\s+for|responsible|owner|nobody|access)\b|@|"
    r"['’]s\b|\w\s+(?:plate|desk|queue)\b|\ws\s+(?:tasks|work|assignments|to-?dos|jobs|list)\b",
    _F,
)
"""Words without which a message names no person: only then are the members of projects looked up."""
"""Words without which a message names no project or person: only then are they looked up."""
