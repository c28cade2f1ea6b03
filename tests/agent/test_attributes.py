"""Priority, tag and recurrence phrases are found anywhere and cut out of the sentence."""

from __future__ import annotations

import datetime as dt

import pytest

from app.agent.offline.attributes import (
    extract_attributes,
    extract_priority,
    extract_recurrence,
    extract_tags,
)
from app.agent.offline.text import clean_title

TODAY = dt.date(2025, 11, 19)


@pytest.mark.parametrize(
    ("text", "priority", "rest"),
    [
        ("fix the tap, high priority", "high", "fix the tap"),
        ("water the plants with low priority", "low", "water the plants"),
        ("urgent: send invoice", "high", "send invoice"),
        ("important call", "high", "call"),
        ("tidy desk, not urgent", "low", "tidy desk"),
        ("renew domain p1", "high", "renew domain"),
        ("sort mail priority: medium", "medium", "sort mail"),
        ("buy milk", None, "buy milk"),
    ],
)
def test_extract_priority_phrases(text: str, priority: str | None, rest: str) -> None:
    found, remaining = extract_priority(text)
    assert found == priority
    assert clean_title(remaining) == rest


@pytest.mark.parametrize(
    ("text", "tags", "rest"),
    [
        ("book flights #travel", ["travel"], "book flights"),
        ("prepare slides tagged work", ["work"], "prepare slides"),
        ("pack #Travel #holiday", ["travel", "holiday"], "pack"),
        ("plan party with the tag home", ["home"], "plan party"),
        ("x tags: a, b", ["a", "b"], "x"),
    ],
)
def test_extract_tags_phrases(text: str, tags: list[str], rest: str) -> None:
    found, remaining = extract_tags(text)
    assert found == tags
    assert clean_title(remaining) == rest


@pytest.mark.parametrize(
    ("text", "rule", "due"),
    [
        ("take vitamins every day", "daily", None),
        ("stretch daily", "daily", None),
        ("team sync every monday", "weekly", dt.date(2025, 11, 24)),
        ("call grandma on sundays", "weekly", dt.date(2025, 11, 23)),
        ("clean up weekly", "weekly", None),
        ("pay rent every month", "monthly", None),
        ("review budget monthly", "monthly", None),
    ],
)
def test_extract_recurrence_rules(text: str, rule: str, due: dt.date | None) -> None:
    found, implied_due, stop, _ = extract_recurrence(text, TODAY)
    assert (found, implied_due, stop) == (rule, due, False)


def test_extract_recurrence_stop() -> None:
    assert extract_recurrence("stop repeating x", TODAY)[2] is True


def test_extract_attributes_everything_at_once() -> None:
    attrs, rest = extract_attributes("finish tax return by friday #finance, high priority", TODAY)
    assert attrs.due == dt.date(2025, 11, 21)
    assert attrs.tags == ["finance"]
    assert attrs.priority == "high"
    assert clean_title(rest) == "finish tax return"


def test_extract_attributes_no_due_date() -> None:
    attrs, rest = extract_attributes("dentist with no due date", TODAY)
    assert attrs.clear_due
    assert clean_title(rest) == "dentist"


def test_extract_attributes_drops_time_of_day() -> None:
    attrs, rest = extract_attributes("call Bob at 5pm tomorrow", TODAY)
    assert attrs.due == dt.date(2025, 11, 20)
    assert clean_title(rest) == "call Bob"


@pytest.mark.parametrize(
    ("today", "first"),
    [(dt.date(2026, 12, 6), dt.date(2026, 12, 8)), (dt.date(2026, 12, 9), dt.date(2026, 12, 10))],
)
def test_two_weekdays_start_on_the_first_to_come(today: dt.date, first: dt.date) -> None:
    """ "every tuesday and thursday" is read as weekly (and the reply says so); its first day is the
    one that comes first: on a Sunday it was the Thursday, two days after the Tuesday it also named."""
    attrs, rest = extract_attributes("gym every tuesday and thursday at 7am", today)
    assert (attrs.recurrence, attrs.due, attrs.at) == ("weekly", first, "07:00")
    assert clean_title(rest) == "gym"
