"""Typo tolerance: "shwo my tasks", "ad buy milk tomorow", "what's due on wensday?".

A word that is not a known word but lies within a small edit distance (Damerau: a swap of two
neighbouring letters counts once) of exactly one keyword is read as that keyword. Two kinds:

* date and list words ("tomorrow", "wednesday", "tasks"), fixed anywhere before parsing: they
  are long and distinctive, so a near miss is almost always one of them;
* command verbs ("add", "show", "delete"), fixed only in the first word and only when the
  message made no sense as written (the parser retries with the fix).

Real words that happen to be one edit away ("sundae", "dad", "lost") are never changed.
"""

from __future__ import annotations

import re

_DATE_WORDS = (
    "today",
    "tonight",
    "tomorrow",
    "yesterday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekend",
    "weekday",
    "january",
    "february",
    "august",
    "september",
    "october",
    "november",
    "december",
    "priority",
    "tasks",
    "completed",
    "finish",
    "finished",
)
_VERBS = (
    "add",
    "create",
    "show",
    "list",
    "display",
    "delete",
    "remove",
    "complete",
    "finish",
    "mark",
    "rename",
    "move",
    "reschedule",
    "postpone",
    "search",
    "find",
    "undo",
    "tag",
    "reopen",
    "change",
    "update",
    "remind",
    "edit",
    "check",
    "what's",
)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words one edit from a keyword that people mean as themselves.
_REAL_WORDS = _word_set(
    """
    a ads aid aide and ado adz bad cad dad fad gad had lad mad pad sad tad wad odd adds added
    how sow snow shoe shot shop slow stow chow shew shows showed showing shown shoo shod
    lost last lust lint lift gist fist mist lit lists listed lisp lest
    park bark dark mask mart mars marks marked murk lark mare mary marc
    more mode moved moves movie mole dove love cove mope mote mow mover
    fine fund kind bind mind wind hind fins fiend fond finds fin
    tap tug rag bag nag tab tan tar wag gag lag sag hag tags tagged tog tat tax stag tang tau
    emit exit edits edict
    undue unto udon
    cheek chuck chock checks checked chick
    chance changed changes charge
    crate created creates
    rewind remand reminds rebind
    finnish finished finishes furnished
    deleted deletes removed removes remote remover reopened renamed updated
    compete competed complete completes completely computed
    whats what
    sundae sundaes sundry sundays toady toddy tokay
    mondays tuesdays wednesdays thursdays fridays saturdays sundays weekends weekdays
    tasked masks casks tusks basks task tanks tacks talks asks
    priory priorities prior
    augusta nonmember
    """
)
TOKEN = re.compile(r"[A-Za-z']+")
"""A word as the typo fixes see one (letters and apostrophes)."""


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), or ``limit + 1`` once it is exceeded."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed(word: str) -> int:
    """How many edits a keyword tolerates: long words two, others one."""
    return 2 if len(word) >= 8 else 1


def closest(token: str, vocabulary: tuple[str, ...], *, min_length: int) -> str | None:
    """The one keyword ``token`` is a near miss of, or None (unknown, exact, real word, or a tie)."""
    low = token.lower()
    if len(low) < min_length or low in vocabulary or low in _REAL_WORDS:
        return None
    if any(len(low) >= len(w) and low.startswith(w[:-1]) for w in vocabulary):
        return None  # another form of a keyword ("completes", "fridays"), not a typo of it
    best: list[str] = []
    best_distance = 99
    for word in vocabulary:
        d = distance(low, word, _allowed(word))
        if d > _allowed(word) or d > best_distance:
            continue
        if d < best_distance:
            best, best_distance = [word], d
        else:
            best.append(word)
    if len(best) != 1 or (best_distance == 2 and low[0] != best[0][0]):
        return None  # a tie is a guess; two edits must at least keep the first letter
    return best[0]


def fix_keywords(text: str) -> str:
    """Date and list words spelled nearly right ("tomorow", "wensday", "tsaks") as they are meant,
    and "reminde me" / "remnd me" as "remind me"."""

    def fix(m: re.Match[str]) -> str:
        return closest(m.group(0), _DATE_WORDS, min_length=4) or m.group(0)

    remind = _REMIND_ME.match(text)
    word = remind.group("w").lower() if remind else "remind"
    if remind and word != "remind" and distance(word, "remind", 1) <= 1:
        text = "remind" + text[remind.end("w") :]
    return TOKEN.sub(fix, text)


_REMIND_ME = re.compile(r"^\s*(?P<w>[a-z]{5,7})(?=\s+me\b)", re.IGNORECASE)


def fix_verb(text: str) -> str:
    """The first word as the command verb it nearly spells ("shwo" -> "show", "ad" -> "add"), else as is."""
    m = TOKEN.match(text)
    if m is None:
        return text
    verb = closest(m.group(0), _VERBS, min_length=2)
    if verb is None or (len(m.group(0)) <= 3 and abs(len(verb) - len(m.group(0))) != 1):
        return text  # a short word may only miss a letter ("ad"), not be another word ("at")
    return verb + text[m.end() :]
