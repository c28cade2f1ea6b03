"""Find which of the person's tasks a phrase refers to.

People name tasks loosely ("the dentist task" for "call the dentist", "report" for
"write report"), so matching is by content words with light stemming and typo tolerance.
It refuses to guess: when several tasks fit equally well the caller is told, so it can ask.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from typing import Any

TaskDict = dict[str, Any]

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "my",
        "our",
        "your",
        "task",
        "tasks",
        "todo",
        "todos",
        "to-do",
        "item",
        "items",
        "one",
        "ones",
        "thing",
        "things",
        "entry",
        "called",
        "named",
        "titled",
        "to",
        "for",
        "of",
        "on",
        "in",
        "at",
        "with",
        "that",
        "this",
        "please",
        "reminder",
    ]
)
_REF_EDGE_LEAD = re.compile(
    r"^(?:(?:the|my|a|an|that|this|our|task|todo|to-do|item|entry|reminder|one|called|named|titled|saying|"
    r"which\s+says|that\s+says)\b\s*)+",
    re.IGNORECASE,
)
_REF_EDGE_TRAIL = re.compile(
    r"(?:\s*\b(?:task|todo|to-do|item|entry|one|thing|reminder|please|too|as\s+well|again|instead|"
    r"(?:from|on|off|in)\s+(?:my|the)\s+(?:to-?do\s+|task\s+)?list)\b)+$",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:,\s*(?:and\s+)?|\band\b|&|\bplus\b|\bas\s+well\s+as\b)\s*", re.IGNORECASE)


@dataclass
class Resolution:
    """The outcome of resolving a reference.

    Attributes:
        status: "one" (or several, when the phrase listed several tasks), "none" or "ambiguous".
        tasks: the chosen tasks, or for "ambiguous" the equally good candidates.
    """

    status: str
    tasks: list[TaskDict] = field(default_factory=list)


def clean_reference(text: str) -> str:
    """Strip quotes and framing words ("the ... task", "my ... one") off a task reference."""
    text = text.strip().strip("\"'“”‘’`").strip()
    previous = None
    while previous != text:
        previous = text
        text = _REF_EDGE_LEAD.sub("", text).strip()
        text = _REF_EDGE_TRAIL.sub("", text).strip()
        text = text.strip(" ,.;:!?\"'“”‘’`")
    return text


IRREGULAR_PAST = {
    "ate": "eat",
    "bought": "buy",
    "brought": "bring",
    "built": "build",
    "caught": "catch",
    "chose": "choose",
    "drew": "draw",
    "drove": "drive",
    "dug": "dig",
    "fed": "feed",
    "found": "find",
    "gave": "give",
    "got": "get",
    "grew": "grow",
    "hung": "hang",
    "kept": "keep",
    "left": "leave",
    "lent": "lend",
    "made": "make",
    "met": "meet",
    "paid": "pay",
    "ran": "run",
    "rode": "ride",
    "sent": "send",
    "slept": "sleep",
    "sold": "sell",
    "spent": "spend",
    "spoke": "speak",
    "swept": "sweep",
    "swam": "swim",
    "taught": "teach",
    "threw": "throw",
    "told": "tell",
    "took": "take",
    "went": "go",
    "woke": "wake",
    "won": "win",
    "wore": "wear",
    "wrote": "write",
}
"""Irregular past tenses and their present: "I paid the rent" names the task "pay rent". Only forms
that are not also the present ("read", "put", "set" are left out)."""
PARTICIPLES = frozenset({"done", "seen", "taken", "given", "written", "eaten"})
"""Past participles that are no past tense (those that are, "paid", "made", are in IRREGULAR_PAST):
"the rent is paid", "the report is written"."""


def _stem(word: str) -> str:
    word = word.removesuffix("'s")
    if present := IRREGULAR_PAST.get(word):
        return present
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@functools.lru_cache(maxsize=4096)
def _content_cached(text: str) -> tuple[str, ...]:
    words = _words(text)
    content = [_stem(w) for w in words if w not in _STOP]
    return tuple(content or [_stem(w) for w in words])


def _content(text: str) -> list[str]:
    return list(_content_cached(text))


_KINDRED = [
    frozenset({"buy", "get", "grab", "purchase", "pick"}),
    frozenset({"call", "phone", "ring"}),
    frozenset({"email", "mail", "message", "text"}),
    frozenset({"fix", "repair", "mend"}),
    frozenset({"clean", "tidy"}),
]
"""Verbs people swap when they speak of a task ("I didn't get the milk" of "buy milk")."""
_KIN = {word: group for group in _KINDRED for word in group}


@functools.lru_cache(maxsize=8192)
def _similarity(a: str, b: str) -> float:
    """1 for the same stem, 0.9 for a prefix ("dent"/"dentist"), up to 0.9 for a close typo, 0.7 for
    a kindred verb ("get"/"buy"), else 0."""
    if a == b:
        return 1.0
    if b in _KIN.get(a, ()):
        return 0.7
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return 0.9
    if min(len(a), len(b)) >= 4 and abs(len(a) - len(b)) <= 2:
        matcher = difflib.SequenceMatcher(None, a, b)
        if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8:
            ratio = matcher.ratio()
            if ratio >= 0.8:
                return ratio * 0.9
    return 0.0


@dataclass
class _Score:
    exact: bool
    query_cov: float  # share of the reference's words found in the title
    title_cov: float  # share of the title's words the reference covers
    quality: float

    def key(self) -> tuple[bool, float, float, float]:
        return (self.exact, round(self.query_cov, 3), round(self.title_cov, 3), self.quality)


def _score(reference: str, title: str) -> _Score:
    if " ".join(_words(reference)) == " ".join(_words(title)):
        return _Score(True, 1.0, 1.0, 1.0)
    query, target = _content(reference), _content(title)
    if not query or not target:
        return _Score(False, 0.0, 0.0, 0.0)
    used: set[int] = set()
    total = 0.0
    found = 0
    for word in query:
        best, best_i = 0.0, -1
        for i, other in enumerate(target):
            s = _similarity(word, other)
            if s > best:
                best, best_i = s, i
        if best > 0:
            found += 1
            total += best
            used.add(best_i)
    return _Score(False, found / len(query), len(used) / len(target), total / len(query))


def _acceptable(score: _Score, query_len: int) -> bool:
    if score.exact or score.query_cov >= 0.999:
        return True
    if query_len >= 3 and score.query_cov >= 0.66:
        return True
    return score.title_cov >= 0.999 and score.query_cov >= 0.5


def score_tasks(reference: str, tasks: list[TaskDict]) -> list[tuple[_Score, TaskDict]]:
    """Score every task against a reference, best first, keeping only plausible matches."""
    query_len = len(_content(reference))
    scored = [(_score(reference, str(t.get("title") or "")), t) for t in tasks]
    kept = [(s, t) for s, t in scored if _acceptable(s, query_len)]
    kept.sort(key=lambda pair: pair[0].key(), reverse=True)
    return kept


def _pick(scored: list[tuple[_Score, TaskDict]], prefer_completed: bool | None) -> Resolution:
    if not scored:
        return Resolution("none")
    if prefer_completed is not None:
        preferred = [(s, t) for s, t in scored if bool(t.get("completed")) == prefer_completed]
        if preferred:
            scored = preferred
    best = scored[0][0]
    if best.exact:
        return Resolution("one", [scored[0][1]])
    top = [t for s, t in scored if s.key()[:3] == best.key()[:3]]
    if best.title_cov >= 0.999:
        titles = {str(t.get("title") or "").lower() for t in top}
        if len(top) == 1 or len(titles) == 1:
            return Resolution("one", [top[0]])
        return Resolution("ambiguous", top)
    full = [t for s, t in scored if s.query_cov >= best.query_cov - 1e-9]
    if len(full) == 1:
        return Resolution("one", [full[0]])
    return Resolution("ambiguous", full)


def resolve_reference(
    reference: str, tasks: list[TaskDict], *, prefer_completed: bool | None = None
) -> Resolution:
    """Resolve a free-text reference to one task, or several when it lists several.

    Args:
        reference: what the person called the task(s), e.g. "the dentist task" or
            "buy milk and call mom".
        tasks: the candidates (TaskDicts).
        prefer_completed: when matches tie, prefer completed tasks (True, e.g. to reopen)
            or open ones (False, e.g. to complete); None for no preference.

    Returns:
        A :class:`Resolution`; "ambiguous" lists the tied candidates so the caller can ask.
    """
    cleaned = clean_reference(reference)
    if not cleaned:
        return Resolution("none")
    whole = _pick(score_tasks(cleaned, tasks), prefer_completed)
    if whole.status == "one" and _names_just(cleaned, whole.tasks[0]):
        return whole  # "buy salt and pepper" is that one task; "book the vet and buy dog food" two
    parts = [clean_reference(p) for p in _SPLIT.split(cleaned)]
    parts = [p for p in parts if p]
    if len(parts) >= 2:
        chosen: list[TaskDict] = []
        for part in parts:
            res = _pick(score_tasks(part, tasks), prefer_completed)
            if res.status != "one" or any(t.get("id") == res.tasks[0].get("id") for t in chosen):
                break
            if whole.status == "one" and not _strong(part, res.tasks[0]):
                break  # the whole phrase already fits one task; split only into exact names
            chosen.append(res.tasks[0])
        else:
            return Resolution("one", chosen)
    return whole


def _names_just(reference: str, task: TaskDict) -> bool:
    """Whether ``reference`` names ``task`` and nothing more: :func:`_strong`, with every word of
    the reference in the title."""
    score = _score(reference, str(task.get("title") or ""))
    return score.exact or (score.title_cov >= 0.999 and score.query_cov >= 0.999)


def _strong(reference: str, task: TaskDict) -> bool:
    score = _score(reference, str(task.get("title") or ""))
    return score.exact or score.title_cov >= 0.999
