"""Quick add: one line ("Call Bob tomorrow at 3pm #work p1") read with the local agent's grammar.

The task page's quick-add box and the local agent must read a line the same way, so this module
adds no grammar of its own: :func:`parse_quick_add` runs :func:`extract_attributes` (dates,
priorities, tags, repeat rules) and only works out *which words* each attribute came from, so the
page can show every attribute as a chip and put a chip's words back in the title when it is removed.

A time of day ("at 3pm") is read by the same grammar and becomes the task's due time (issue 17);
"remind me 30 minutes before" in the line becomes a reminder.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.agent.offline.attributes import extract_attributes
from app.agent.offline.text import clean_title
from app.agent.offline.typos import TOKEN, fix_keywords
from app.services.presentation import human_date

ChipKind = Literal["due", "priority", "tag", "recurrence", "time"]

_PLACEHOLDER_BASE = 0xE000  # private-use characters: no phrase of the grammar matches them
_WORD = re.compile(r"\S+")


@dataclass
class Chip:
    """One thing the line said, with the words that said it.

    Attributes:
        kind: ``due``, ``priority``, ``tag``, ``recurrence`` or ``time`` (the due time, or a reminder).
        label: what it means, for a person ("tomorrow", "high", "work", "weekly", "at 3pm").
        phrase: the words it came from, as typed; removing the chip keeps them in the title.
    """

    kind: ChipKind
    label: str
    phrase: str


@dataclass
class QuickAdd:
    """What a quick-add line means: the task to create and the chips that explain it."""

    title: str
    due: dt.date | None = None
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    recurrence: str | None = None
    time: str = ""
    chips: list[Chip] = field(default_factory=list)
    at: str | None = None
    """The due time, ``HH:MM`` ("at 3pm" -> "15:00")."""
    before: int | None = None
    """A reminder this many minutes before the due time."""

    @property
    def description(self) -> str:
        """A time written but not understood as one, kept as a note rather than lost."""
        return f"Time: {self.time}" if self.time and not self.at else ""

    def task_data(self) -> dict[str, object]:
        """The fields for ``create_task`` (only those the line set)."""
        data: dict[str, object] = {"title": self.title}
        if self.due:
            data["due_date"] = self.due.isoformat()
        if self.priority:
            data["priority"] = self.priority
        if self.tags:
            data["tags"] = list(self.tags)
        if self.recurrence:
            data["recurrence"] = self.recurrence
        if self.at:
            data["due_time"] = self.at
        if self.before is not None:
            data["reminders"] = [{"before": self.before}]
        if self.description:
            data["description"] = self.description
        return data


def _protect(text: str, keep: Sequence[str]) -> tuple[str, dict[str, str]]:
    """Hide the phrases the person kept as words behind private-use characters."""
    placeholders: dict[str, str] = {}
    for index, phrase in enumerate(p for p in keep if p):
        if phrase in text:
            mark = chr(_PLACEHOLDER_BASE + index)
            text = text.replace(phrase, mark, 1)
            placeholders[mark] = phrase
    return text, placeholders


def _restore(text: str, placeholders: dict[str, str]) -> str:
    for mark, phrase in placeholders.items():
        text = text.replace(mark, phrase)
    return text


def _removed_runs(text: str, rest: str) -> list[list[tuple[int, int]]]:
    """The words the grammar cut out of ``text``, grouped into runs of neighbouring words.

    ``extract_attributes`` replaces each phrase with a space, so ``rest`` is ``text`` with some
    stretches blanked; a character diff finds them.
    """
    removed = [False] * len(text)
    matcher = difflib.SequenceMatcher(None, text, rest, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            for i in range(i1, i2):
                removed[i] = True
    words: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        start, end = m.start(), m.end()
        while start < end and not removed[start]:
            start += 1
        while end > start and not removed[end - 1]:
            end -= 1
        if start < end:
            words.append((start, end))
    runs: list[list[tuple[int, int]]] = []
    for word in words:
        if runs and not text[runs[-1][-1][1] : word[0]].strip():
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _consumed(phrase: str, today: dt.date) -> bool:
    _attrs, rest = extract_attributes(phrase, today)
    return not clean_title(rest)


def _phrases(text: str, rest: str, today: dt.date) -> list[tuple[int, int]]:
    """Split the cut-out words into phrases the grammar reads on their own ("tomorrow", "at 3pm"),
    as spans of ``text``."""
    spans: list[tuple[int, int]] = []
    for run in _removed_runs(text, rest):
        first = len(spans)
        i = 0
        while i < len(run):
            end = next((k for k in range(i, len(run)) if _consumed(text[run[i][0] : run[k][1]], today)), None)
            if end is None:  # no reading on its own: it belongs to the phrase before it
                if len(spans) > first:
                    spans[-1] = (spans[-1][0], run[i][1])
                else:
                    spans.append(run[i])
                i += 1
                continue
            # Words that mean nothing on their own stay with the phrase ("Dec" + "20").
            while (
                end + 1 < len(run)
                and not _consumed(text[run[end + 1][0] : run[end + 1][1]], today)
                and _consumed(text[run[i][0] : run[end + 1][1]], today)
            ):
                end += 1
            spans.append((run[i][0], run[end][1]))
            i = end + 1
    return spans


def _fix_days(text: str, today: dt.date) -> tuple[str, list[int]]:
    """``text`` with each day word spelled nearly right as it is meant ("firday" -> "friday"), the
    local agent's typo tolerance (:func:`fix_keywords`) limited to words that then say a date on
    their own; and, for each position of the result (and its end), the position in ``text``, so
    a chip can show the words as typed."""
    out: list[str] = []
    back: list[int] = []
    last = 0
    for m in TOKEN.finditer(text):
        fixed = fix_keywords(m.group(0))
        if fixed == m.group(0) or not _consumed(fixed, today):
            continue
        out += [text[last : m.start()], fixed]
        back += [*range(last, m.start()), *[m.start()] * len(fixed)]
        last = m.end()
    out.append(text[last:])
    back += [*range(last, len(text) + 1)]
    return "".join(out), back


def parse_quick_add(text: str, today: dt.date, *, keep: Sequence[str] = ()) -> QuickAdd:
    """Read a quick-add line with the local agent's grammar.

    Args:
        text: the line as typed.
        today: the date relative phrases ("tomorrow", "friday") resolve against.
        keep: phrases the person removed as chips: they stay words of the title.

    Returns:
        The task it describes and one chip per phrase read. ``title`` is empty when the line
        holds nothing but attributes ("tomorrow p1"); the caller asks for a title then.
    """
    typed, placeholders = _protect(text, keep)
    protected, back = _fix_days(typed, today)
    attrs, rest = extract_attributes(protected, today)
    result = QuickAdd(
        title=_restore(clean_title(rest), placeholders),
        due=attrs.due,
        priority=attrs.priority,
        tags=list(attrs.tags),
        recurrence=attrs.recurrence,
        at=attrs.at,
        before=attrs.before,
    )
    times: list[str] = []
    for start, end in _phrases(protected, rest, today):
        phrase = protected[start:end]
        shown = _restore(typed[back[start] : back[end]], placeholders)
        own, _ = extract_attributes(phrase, today)
        if own.recurrence:
            label = attrs.recurrence or own.recurrence
            if own.due and attrs.due == own.due:  # "every monday" also says when it starts
                label = f"{label} from {human_date(own.due, today)}"
            result.chips.append(Chip("recurrence", label, shown))
        elif own.due:
            result.chips.append(Chip("due", human_date(attrs.due or own.due, today), shown))
        elif own.priority:
            result.chips.append(Chip("priority", attrs.priority or own.priority, shown))
        elif own.tags:
            result.chips.extend(Chip("tag", tag, shown) for tag in own.tags)
        elif own.before is not None and not own.at:  # "remind me 1 hour before": a reminder
            result.chips.append(Chip("time", f"reminder {shown}", shown))
        else:  # a time of day ("at 3pm"): the due time
            times.append(shown)
            result.chips.append(Chip("time", shown, shown))
    result.time = ", ".join(times)
    return result
