"""Find due-date phrases in free English text and resolve them to calendar dates.

Everything is resolved against an explicit ``today`` so parsing is deterministic and testable,
and every regex is compiled at import so a turn stays well under a millisecond of parsing.

Semantics (shared with the acceptance scorer):
    * a bare weekday ("friday", "on friday", "by friday", "this friday") is the coming one,
      today counting; "next friday" is the first one strictly after today;
    * "12 december" / "dec 12" is the next 12 December, today counting;
    * "next week" is today + 7 days, "in 2 weeks" today + 14, "in a month" the same day next month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from app.services.presentation import human_date

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "weds": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "thirty": 30,
    "couple": 2,
    "few": 3,
}

_WD_FULL = "|".join(WEEKDAYS)
_WD_ABBR = "|".join(sorted(_WEEKDAY_ABBR, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUM = (
    r"\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few"
)
_UNIT = r"(?P<unit>day|week|month|year)s?"
# An optional lead-in that belongs to the date phrase ("due on", "by", "for", "deadline:").
_LEAD = (
    r"(?P<lead>(?:\b(?:due|deadline)(?:\s+date)?\s*:?\s*(?:is\s+)?(?:(?:on|by|for|before)\s+)?)"
    r"|(?:\b(?:on|by|for|before|until|till|starting|from)\s+)"
    r"|(?:(?<!the\s)(?<!my\s)\bfirst\s+thing\s+(?:on\s+)?))?"  # "first thing monday": the day, early
)
_END = r"(?!['’]\w)\b"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(_LEAD + body, re.IGNORECASE))
    for kind, body in [
        ("iso", r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
        ("rel", r"\b(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw)\b(?P<plus2>)"),
        (
            "rel",
            r"\b(?P<today>today|tonight|this\s+(?:morning|afternoon|evening)|end\s+of\s+(?:the\s+)?day|eod)"
            + _END,
        ),
        (
            "rel",
            r"\b(?P<tomorrow>tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr)(?:\s+(?:morning|afternoon|evening|night))?"
            + _END,
        ),
        ("rel", r"\b(?P<yesterday>yesterday)\b"),
        ("span", r"\bin\s+(?P<n>" + _NUM + r")\s+" + _UNIT + r"\b(?:\s+(?:from\s+now|time))?"),
        ("span", r"\b(?P<n>" + _NUM + r")\s+" + _UNIT + r"\s+from\s+(?:now|today)\b"),
        ("fortnight", r"\b(?:in\s+)?a\s+fortnight\b"),
        ("next", r"\b(?:next|the\s+following)\s+(?P<unit>week|month|year)" + _END),
        ("weekend", r"\b(?P<q>this|next|the)\s+weekend\b"),
        ("endof", r"\b(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<unit>week|month)\b"),
        (
            "weekday",
            r"\b(?:(?P<q>next|this|coming|this\s+coming)\s+)?(?P<wd>"
            + _WD_FULL
            + r")(?P<nw>\s+next\s+week)?\b(?:\s+(?:morning|afternoon|evening|night)\b)?",
        ),
        ("weekday", r"\b(?:(?P<q>next|this|coming)\s+)?(?P<abbr>" + _WD_ABBR + r")\b\.?"),
        (
            "monthday",
            r"\b(?:the\s+)?(?P<mon>"
            + _MONTH
            + r")\.?\s+(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{4})\b)?",
        ),
        (
            "monthday",
            r"\b(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>"
            + _MONTH
            + r")\b\.?(?:,?\s+(?P<y>\d{4})\b)?",
        ),
        (
            "month",  # a month alone, introduced: "by march", "before june", "end of may", "mid-april"
            r"(?:\b(?P<mlead>in|during|by|before|until|till)\s+(?:(?:the\s+)?(?P<part1>end|start|beginning|middle)\s+of\s+)?"
            r"|\b(?P<part>(?:the\s+)?(?:end|start|beginning|middle)\s+of|early|mid-?|late)\s*)"
            r"(?P<mon>" + _MONTH + r")\b(?!\.?\s*\d{1,2}(?!\d))(?:,?\s+(?P<y>\d{4})\b)?",
        ),
        ("dayofmonth", r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"),
        ("numeric", r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])"),
    ]
]


# Every date phrase contains one of these; most messages have none, so the full scan is skipped.
_HINT = re.compile(
    r"\d|day|tonight|tom+or+ow|tmrw|tmr|week|month|year|fortnight|end\s+of|eod|"
    r"morning|afternoon|evening|\b(?:" + _WD_ABBR + "|" + _MONTH + r")\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMatch:
    """A date phrase found in a text.

    Attributes:
        date: the calendar date it stands for.
        start: index of the phrase (including its lead-in such as "due on") in the text.
        end: index just past the phrase.
    """

    date: dt.date
    start: int
    end: int


def add_months(day: dt.date, months: int) -> dt.date:
    """Shift a date by whole months, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def coming_weekday(today: dt.date, weekday: int, *, strictly_after: bool = False) -> dt.date:
    """The next date falling on ``weekday`` (0 = Monday); today counts unless ``strictly_after``."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strictly_after:
        ahead = 7
    return today + dt.timedelta(days=ahead)


def next_month_day(today: dt.date, month: int, day: int, year: int | None = None) -> dt.date | None:
    """The next ``day``/``month`` on or after today (or in ``year``); None for impossible dates."""
    try:
        if year is not None:
            return dt.date(year, month, day)
        candidate = dt.date(today.year, month, day)
        if candidate < today:
            candidate = dt.date(today.year + 1, month, day)
        return candidate
    except ValueError:
        if month == 2 and day == 29 and year is None:  # the next leap year's 29 February
            for y in range(today.year, today.year + 8):
                if calendar.isleap(y) and dt.date(y, 2, 29) >= today:
                    return dt.date(y, 2, 29)
        return None


def number_in(text: str) -> int:
    """The count a phrase ends with: "3" -> 3, "a couple of" -> 2, "few" -> 3 (1 when unknown)."""
    words = [w for w in text.lower().split() if w != "of"]
    last = words[-1] if words else "one"
    return int(last) if last.isdigit() else NUMBER_WORDS.get(last, 1)


_CLOCK_OFFSET = re.compile(
    r"\b(?:in\s+(?:(?P<half>half\s+an\s+hour)|(?P<n>" + _NUM + r")\s+(?P<unit>minutes?|mins?|hours?|hrs?)"
    r"(?P<and_half>\s+and\s+a\s+half)?)|(?P<n2>"
    + _NUM
    + r")\s+(?P<unit2>minutes?|mins?|hours?|hrs?)\s+from\s+now)\b",
    re.IGNORECASE,
)


def clock_offsets(text: str, now: dt.datetime | None) -> str:
    """ "in 30 minutes", "in an hour", "in half an hour", "2 hours from now": written as the time they
    come to, counted from ``now`` (the person's own clock), e.g. "today at 15:42" ("tomorrow at 00:12"
    past midnight), which the rest of the grammar reads as a due date and time. Unchanged without
    ``now``.
    """
    if now is None:
        return text

    def at(m: re.Match[str]) -> str:
        if m.group("half"):
            minutes = 30
        else:
            n, unit = (m.group("n"), m.group("unit")) if m.group("n") else (m.group("n2"), m.group("unit2"))
            per = 60 if unit.lower().startswith("h") else 1
            minutes = number_in(n) * per + (30 if m.group("and_half") and per == 60 else 0)
        then = now + dt.timedelta(minutes=minutes)
        if (then.date() - now.date()).days > 1:
            return m.group(0)  # further out than tomorrow: read as said
        day = "today" if then.date() == now.date() else "tomorrow"
        return f"{day} at {then:%H:%M}"

    return _CLOCK_OFFSET.sub(at, text)


def _span(today: dt.date, n: int, unit: str) -> dt.date:
    unit = unit.lower()
    if unit == "day":
        return today + dt.timedelta(days=n)
    if unit == "week":
        return today + dt.timedelta(weeks=n)
    if unit == "month":
        return add_months(today, n)
    return add_months(today, 12 * n)


def _resolve(kind: str, m: re.Match[str], today: dt.date) -> dt.date | None:
    g = m.groupdict()
    if kind == "iso":
        try:
            return dt.date(int(g["y"]), int(g["m"]), int(g["d"]))
        except ValueError:
            return None
    if kind == "rel":
        if g.get("plus2") is not None:
            return today + dt.timedelta(days=2)
        if g.get("today"):
            return today
        if g.get("tomorrow"):
            return today + dt.timedelta(days=1)
        return today - dt.timedelta(days=1)
    if kind == "span":
        return _span(today, number_in(g["n"]), g["unit"])
    if kind == "fortnight":
        return today + dt.timedelta(days=14)
    if kind == "next":
        return _span(today, 1, g["unit"])
    if kind == "weekend":
        saturday = coming_weekday(today, 5)
        return saturday + dt.timedelta(days=7) if g["q"].lower() == "next" else saturday
    if kind == "endof":
        if g["unit"].lower() == "week":
            return coming_weekday(today, 4)
        return dt.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if kind == "weekday":
        qualifier = (g.get("q") or "").lower()
        if g.get("abbr"):
            if not qualifier and not g.get("lead"):
                return None  # "sat", "sun", "wed" are ordinary words unless introduced ("on sat")
            weekday = _WEEKDAY_ABBR[g["abbr"].lower()]
        else:
            weekday = WEEKDAYS.index(g["wd"].lower())
        if g.get("nw"):
            monday_next_week = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
            return monday_next_week + dt.timedelta(days=weekday)
        return coming_weekday(today, weekday, strictly_after=qualifier == "next")
    if kind == "monthday":
        year = int(g["y"]) if g.get("y") else None
        return next_month_day(today, MONTHS[g["mon"].lower()], int(g["d"]), year)
    if kind == "numeric":  # month/day as written in US English; day/month when the first can't be a month
        month, day = int(g["m"]), int(g["d"])
        if month > 12 >= day:
            month, day = day, month
        year = int(g["y"]) if g.get("y") else None
        if year is not None and year < 100:
            year += 2000
        if not 1 <= month <= 12:
            return None
        return next_month_day(today, month, day, year)
    if kind == "month":
        return _month(g, today)
    if kind == "dayofmonth":
        day = int(g["d"])
        for offset in range(3):
            first = add_months(today.replace(day=1), offset)
            try:
                candidate = first.replace(day=day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        return None
    return None


def _month(g: dict[str, str | None], today: dt.date) -> dt.date | None:
    """A month named alone: its first day ("by march", "in june"), its 15th ("mid-april"), its last
    ("end of may", "late may"), or the day before it ("before march"); this year's when it is still
    to come, else next year's. Never a past day: a date this month counts from today, and "before
    december" said in December is no date."""
    month = MONTHS[str(g["mon"]).lower()]
    year = int(g["y"]) if g.get("y") else today.year if month >= today.month else today.year + 1
    first = dt.date(year, month, 1)
    part = (g.get("part") or g.get("part1") or "").lower()
    if "end" in part or part == "late":
        day = dt.date(year, month, calendar.monthrange(year, month)[1])
    elif "mid" in part:
        day = first.replace(day=15)
    elif (g.get("mlead") or "").lower() == "before" and not part:
        day = first - dt.timedelta(days=1)
        return day if day >= today else None
    else:
        day = first
    if day < today:
        return today if (day.year, day.month) == (today.year, today.month) else None
    return day


def find_date(text: str, today: dt.date) -> DateMatch | None:
    """Find the first date phrase in ``text`` (longest wins on ties) and resolve it.

    Args:
        text: free text in any casing.
        today: the date relative phrases are resolved against.

    Returns:
        The match with its span (so callers can cut it out of a title), or None.
    """
    if not _HINT.search(text):
        return None
    best: DateMatch | None = None
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            date = _resolve(kind, m, today)
            if date is None:
                continue
            candidate = DateMatch(date, m.start(), m.end())
            if (
                best is None
                or candidate.start < best.start
                or (candidate.start == best.start and candidate.end > best.end)
            ):
                best = candidate
            break
    return best


def extract_date(text: str, today: dt.date) -> tuple[dt.date | None, str]:
    """Split a date phrase off ``text``.

    Returns:
        ``(date, rest)`` where ``rest`` is the text with the phrase replaced by a space, or
        ``(None, text)`` when it holds no date.
    """
    match = find_date(text, today)
    if match is None:
        return None, text
    return match.date, text[: match.start] + " " + text[match.end :]


def describe_date(day: dt.date, today: dt.date) -> str:
    """A due date in a reply: :func:`app.services.presentation.human_date` (one formatter)."""
    return human_date(day, today)
