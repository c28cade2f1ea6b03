"""Date phrases resolve against a fixed today (Wednesday 19 November 2025)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.agent.offline.dates import (
    add_months,
    clock_offsets,
    coming_weekday,
    describe_date,
    extract_date,
    find_date,
)

TODAY = dt.date(2025, 11, 19)  # Wednesday
FRIDAY = dt.date(2025, 12, 5)  # a Friday that is also 5 December


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("tonight", TODAY),
        ("tomorrow", dt.date(2025, 11, 20)),
        ("the day after tomorrow", dt.date(2025, 11, 21)),
        ("friday", dt.date(2025, 11, 21)),
        ("on friday", dt.date(2025, 11, 21)),
        ("by friday", dt.date(2025, 11, 21)),
        ("wednesday", TODAY),
        ("next wednesday", dt.date(2025, 11, 26)),
        ("on mon", dt.date(2025, 11, 24)),
        ("next week", dt.date(2025, 11, 26)),
        ("in 3 days", dt.date(2025, 11, 22)),
        ("in two weeks", dt.date(2025, 12, 3)),
        ("in a month", dt.date(2025, 12, 19)),
        ("in a couple of days", dt.date(2025, 11, 21)),
        ("5 days from now", dt.date(2025, 11, 24)),
        ("on december 5", dt.date(2025, 12, 5)),
        ("dec 5th", dt.date(2025, 12, 5)),
        ("5 december", dt.date(2025, 12, 5)),
        ("the 3rd of march", dt.date(2026, 3, 3)),
        ("november 1", dt.date(2026, 11, 1)),
        ("2027-01-15", dt.date(2027, 1, 15)),
        ("due 3/15", dt.date(2026, 3, 15)),
        ("on the 1st", dt.date(2025, 12, 1)),
        ("this weekend", dt.date(2025, 11, 22)),
        ("end of the month", dt.date(2025, 11, 30)),
        ("by march", dt.date(2026, 3, 1)),
        ("in june", dt.date(2026, 6, 1)),
        ("before march", dt.date(2026, 2, 28)),
        ("before march 2028", dt.date(2028, 2, 29)),
        ("end of may", dt.date(2026, 5, 31)),
        ("by the end of february", dt.date(2026, 2, 28)),
        ("mid-april", dt.date(2026, 4, 15)),
        ("late january", dt.date(2026, 1, 31)),
        ("in november", TODAY),  # this month: from today, never a day gone by
        ("by december 2026", dt.date(2026, 12, 1)),
    ],
)
def test_find_date_resolves_phrase(text: str, expected: dt.date) -> None:
    match = find_date(text, TODAY)
    assert match is not None
    assert match.date == expected


@pytest.mark.parametrize(
    "text", ["I may call", "march in the parade", "before november", "june's party", "call june"]
)
def test_a_month_alone_is_a_date_only_when_introduced_and_to_come(text: str) -> None:
    """ "may" and "march" are words and "June" a name: a month is a date after "by", "in", "before",
    "end of"...; and "before november" said in November is no day to come."""
    assert find_date(text, TODAY) is None


def test_find_date_today_counts_for_weekday_and_month_day() -> None:
    assert find_date("by friday", FRIDAY).date == FRIDAY
    assert find_date("on december 5", FRIDAY).date == FRIDAY
    assert find_date("next friday", FRIDAY).date == dt.date(2025, 12, 12)


@pytest.mark.parametrize(
    "text", ["buy sun cream", "may I add", "wed plans", "read today's paper", "buy milk"]
)
def test_find_date_ignores_ordinary_words(text: str) -> None:
    assert find_date(text, TODAY) is None


def test_extract_date_cuts_phrase_with_lead_in() -> None:
    date, rest = extract_date("submit report due on friday please", TODAY)
    assert date == dt.date(2025, 11, 21)
    assert " ".join(rest.split()) == "submit report please"


def test_extract_date_keeps_text_without_date() -> None:
    assert extract_date("buy milk", TODAY) == (None, "buy milk")


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)


def test_coming_weekday_strictly_after() -> None:
    assert coming_weekday(TODAY, 2) == TODAY
    assert coming_weekday(TODAY, 2, strictly_after=True) == dt.date(2025, 11, 26)


def test_describe_date_words() -> None:
    assert describe_date(TODAY, TODAY) == "today"
    assert describe_date(dt.date(2025, 11, 20), TODAY) == "tomorrow"
    assert describe_date(dt.date(2026, 1, 2), TODAY).endswith("2026")


NOW = dt.datetime(2026, 12, 7, 14, 50)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remind me to check the oven in 1 hour", "remind me to check the oven today at 15:50"),
        ("call bob in 30 minutes", "call bob today at 15:20"),
        ("in half an hour take the pills", "today at 15:20 take the pills"),
        ("add stretch in an hour and a half", "add stretch today at 16:20"),
        ("add tea in a few minutes", "add tea today at 14:53"),
        ("add water the plants 2 hours from now", "add water the plants today at 16:50"),
        ("add sleep in 10 hours", "add sleep tomorrow at 00:50"),
    ],
)
def test_clock_offsets_write_the_time_they_come_to(text: str, expected: str) -> None:
    assert clock_offsets(text, NOW) == expected


@pytest.mark.parametrize(
    "text", ["add renew lease in 3 days", "add plan in 100 hours", "add minutes of the meeting"]
)
def test_clock_offsets_leave_dates_and_far_times_alone(text: str) -> None:
    assert clock_offsets(text, NOW) == text


def test_clock_offsets_need_a_clock() -> None:
    assert clock_offsets("call bob in 30 minutes", None) == "call bob in 30 minutes"
