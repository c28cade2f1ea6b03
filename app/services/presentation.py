"""How tasks read to a person: relative due dates and the like (shared by pages and chat)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.models import OperationType

_BIDI_STRONG = {"R", "AL", "RLE", "RLO", "LRE", "LRO", "RLI", "LRI", "FSI", "PDF", "PDI"}


UNDONE_VERBS: dict[str, str] = {
    OperationType.create: "adding",
    OperationType.update: "editing",
    OperationType.categorize: "tagging",
    OperationType.complete: "completing",
    OperationType.reopen: "reopening",
    OperationType.delete: "deleting",
}
"""What undoing a change of each journaled type reverted, as said in a reply ("Undone: reopening ...")."""


def undone_verb(operation_type: object) -> str:
    """The verb for an undone change of ``operation_type`` (the undo tool's ``undone``), or "changing"."""
    return UNDONE_VERBS.get(str(operation_type), "changing")


def isolate(text: str) -> str:
    """``text`` wrapped in Unicode isolates (U+2068 ... U+2069) when it holds right-to-left text or
    direction controls, so a title like ``invoice\u202egnp.exe`` cannot flip the sentence around it.

    Plain left-to-right text comes back unchanged.
    """
    if any(unicodedata.bidirectional(ch) in _BIDI_STRONG for ch in text):
        return f"\u2068{text}\u2069"
    return text


_MD_SPECIAL = re.compile(
    r"[\\`*_\[\]<>~|$]"  # emphasis, code, links, raw HTML, strikethrough, tables, math
    r"|&(?=#?[0-9A-Za-z]+;)"  # an entity such as &amp; or &#60;
    r"|(?<=[A-Za-z]):(?=/)"  # http:// (remark-gfm's autolinks)
    r"|(?<=[Ww]{3})\."  # www.example.com
    r"|(?<=[\w+.-])@(?=[\w.-])"  # name@example.com
)
_MD_LINE_START = re.compile(r"^([ \t]*)([#+=-]|\d{1,9}(?=[.)]))", re.MULTILINE)


def md_escape(text: str) -> str:
    """``text`` (a task title, tag, thread title...) escaped for a markdown reply, so it shows as the
    very text it is: ``[ok](http://evil.example)`` stays those characters, never a link.

    Backslash-escapes what forms markup inline (``$`` too, which markdown renderers with math read),
    what starts a heading, list or quote at the start of a line, and what remark-gfm turns into a
    link in plain text (``http:``, ``www.``, ``a@b``). Plain words come back unchanged.
    """
    escaped = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _MD_LINE_START.sub(_escape_line_start, escaped)


def quoted(text: object) -> str:
    """User text quoted inside a reply's sentence: ``"buy milk"``, markdown-escaped and
    direction-isolated (see :func:`md_escape` and :func:`isolate`)."""
    return f'"{isolate(md_escape(str(text)))}"'


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker.isdigit():  # "1." / "1)" starts an ordered list: escape the dot or bracket after it
        return indent + marker + "\\"
    return indent + "\\" + marker


def human_date(day: date, today: date) -> str:
    """The one way Ticked writes a date for a person: "today", "tomorrow", "yesterday", else
    "Fri 11 Dec" ("Tue 5 Jan 2027" outside the current year).

    Chat replies, widget cards, the task page and the API's human-readable fields all use it (or
    :func:`relative_due`, which adds "3 days overdue"), so a date never reads two ways on one screen.
    The weekday stays even when the date is near: it is the part people plan by.
    """
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    text = f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"
    return text if day.year == today.year else f"{text} {day.year}"


def relative_due(due: date | None, today: date, *, completed: bool = False) -> tuple[str, str]:
    """A due date as words and a tone: ("3 days overdue", "overdue"), ("tomorrow", "soon")...

    The words are :func:`human_date`'s, except that an open task past its date says how late it is.
    Tones: ``overdue`` (red), ``today`` (amber), ``soon`` (within a week), ``later``, ``none``.
    A completed task is never "overdue": its date just reads as a date.
    """
    if due is None:
        return "", "none"
    delta = (due - today).days
    if delta < 0:
        if completed:
            return human_date(due, today), "later"
        return ("1 day overdue" if delta == -1 else f"{-delta} days overdue"), "overdue"
    if delta == 0:
        return "today", "today"
    if delta < 7:
        return human_date(due, today), "soon"
    return human_date(due, today), "later"
