"""How tasks read to a person: relative due dates and the like (shared by pages and chat)."""

from __future__ import annotations

import unicodedata
from datetime import date

_BIDI_STRONG = {"R", "AL", "RLE", "RLO", "LRE", "LRO", "RLI", "LRI", "FSI", "PDF", "PDI"}


def isolate(text: str) -> str:
    """``text`` wrapped in Unicode isolates (U+2068 ... U+2069) when it holds right-to-left text or
    direction controls, so a title like ``invoice\u202egnp.exe`` cannot flip the sentence around it.

    Plain left-to-right text comes back unchanged.
    """
    if any(unicodedata.bidirectional(ch) in _BIDI_STRONG for ch in text):
        return f"\u2068{text}\u2069"
    return text


WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def relative_due(due: date | None, today: date, *, completed: bool = False) -> tuple[str, str]:
    """A due date as words and a tone: ("3 days overdue", "overdue"), ("tomorrow", "soon")...

    Tones: ``overdue`` (red), ``today`` (amber), ``soon`` (within a week), ``later``, ``none``.
    A completed task is never "overdue": its date just reads as a date.
    """
    if due is None:
        return "", "none"
    delta = (due - today).days
    if delta < 0:
        if completed:
            return due.strftime("%b %-d"), "later"
        return ("1 day overdue" if delta == -1 else f"{-delta} days overdue"), "overdue"
    if delta == 0:
        return "today", "today"
    if delta == 1:
        return "tomorrow", "soon"
    if delta < 7:
        return WEEKDAY_NAMES[due.weekday()], "soon"
    fmt = "%b %-d" if due.year == today.year else "%b %-d, %Y"
    return due.strftime(fmt), "later"
