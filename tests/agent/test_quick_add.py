"""Quick add reads a line with the local agent's grammar and says which words meant what."""

from __future__ import annotations

import datetime as dt

import pytest

from app.agent.offline.attributes import extract_attributes
from app.agent.offline.quick_add import parse_quick_add

TODAY = dt.date(2026, 12, 5)  # a Saturday


def kinds(result) -> list[tuple[str, str, str]]:
    return [(c.kind, c.label, c.phrase) for c in result.chips]


def test_quick_add_reads_date_time_tag_and_priority():
    result = parse_quick_add("Call Bob tomorrow at 3pm #work p1", TODAY)
    assert result.title == "Call Bob"
    assert result.due == dt.date(2026, 12, 6)
    assert result.priority == "high"
    assert result.tags == ["work"]
    assert result.recurrence is None
    assert kinds(result) == [
        ("due", "tomorrow", "tomorrow"),
        ("time", "at 3pm", "at 3pm"),
        ("tag", "work", "#work"),
        ("priority", "high", "p1"),
    ]


def test_quick_add_keeps_a_time_as_the_due_time():
    result = parse_quick_add("Call Bob tomorrow at 3pm", TODAY)
    assert (result.time, result.at) == ("at 3pm", "15:00")
    assert result.task_data() == {
        "title": "Call Bob",
        "due_date": "2026-12-06",
        "due_time": "15:00",
    }  # the time is the due time now, no longer a note in the description


def test_quick_add_reads_a_reminder_before_the_due_time():
    result = parse_quick_add("Dentist friday 10:30 remind me 1 hour before", TODAY)
    assert result.title == "Dentist"
    data = result.task_data()
    assert (data["due_time"], data["reminders"]) == ("10:30", [{"before": 60}])
    assert ("time", "reminder remind me 1 hour before", "remind me 1 hour before") in [
        (c.kind, c.label, c.phrase) for c in result.chips
    ]


def test_quick_add_plain_title_has_no_chips():
    result = parse_quick_add("buy milk", TODAY)
    assert result.title == "buy milk"
    assert result.chips == []
    assert result.task_data() == {"title": "buy milk"}


@pytest.mark.parametrize(
    ("line", "title", "chips"),
    [
        ("Pay rent Dec 20 high priority", "Pay rent", [("due", "Dec 20"), ("priority", "high priority")]),
        ("Meet Ann next friday #home #errands", "Meet Ann",
         [("due", "next friday"), ("tag", "#home"), ("tag", "#errands")]),
        ("gym every day at 8am", "gym", [("recurrence", "every day"), ("time", "at 8am")]),
        ("Report by friday urgent", "Report", [("due", "by friday"), ("priority", "urgent")]),
    ],
)  # fmt: skip
def test_quick_add_splits_phrases_the_grammar_read(line, title, chips):
    result = parse_quick_add(line, TODAY)
    assert result.title == title
    assert [(c.kind, c.phrase) for c in result.chips] == chips


def test_quick_add_recurrence_chip_says_when_it_starts():
    result = parse_quick_add("water plants every monday", TODAY)
    assert (result.recurrence, result.due) == ("weekly", dt.date(2026, 12, 7))
    assert kinds(result) == [("recurrence", "weekly from Mon 7 Dec", "every monday")]


def test_quick_add_matches_the_agents_grammar():
    """One grammar: the same attributes as the local agent's extract_attributes."""
    lines = ["Call Bob tomorrow at 3pm #work p1", "water plants every monday", "Pay rent Dec 20 p1"]
    for line in lines:
        attrs, _rest = extract_attributes(line, TODAY)
        result = parse_quick_add(line, TODAY)
        assert (result.due, result.priority, result.tags, result.recurrence) == (
            attrs.due,
            attrs.priority,
            attrs.tags,
            attrs.recurrence,
        )


def test_quick_add_removed_chip_keeps_its_words_in_the_title():
    result = parse_quick_add("Call Bob tomorrow at 3pm #work p1", TODAY, keep=["tomorrow"])
    assert result.title == "Call Bob tomorrow"
    assert result.due is None
    assert [c.kind for c in result.chips] == ["time", "tag", "priority"]

    result = parse_quick_add("Call Bob tomorrow at 3pm #work p1", TODAY, keep=["at 3pm", "p1"])
    assert result.title == "Call Bob at 3pm p1"
    assert (result.due, result.priority, result.time) == (dt.date(2026, 12, 6), None, "")


def test_quick_add_kept_phrase_no_longer_in_the_line_is_ignored():
    result = parse_quick_add("Call Bob friday", TODAY, keep=["tomorrow"])
    assert result.title == "Call Bob"
    assert result.due == dt.date(2026, 12, 11)


def test_quick_add_only_attributes_leaves_an_empty_title():
    result = parse_quick_add("tomorrow p1", TODAY)
    assert result.title == ""
    assert [c.kind for c in result.chips] == ["due", "priority"]


def test_quick_add_reads_a_misspelt_day_as_the_agent_does():
    """The agent reads "call bob on firday" as due Friday (its typo tolerance, issue 15 item 4);
    quick add made "call bob on firday" the title with no date. The chip shows the words as typed,
    so removing it keeps them."""
    from app.agent.offline.parse import parse_intent

    (draft,) = parse_intent("add call bob on firday", TODAY).drafts
    result = parse_quick_add("call bob on firday #work", TODAY)
    assert (result.title, result.due) == (draft.title, draft.due) == ("call bob", dt.date(2026, 12, 11))
    assert kinds(result) == [("due", "Fri 11 Dec", "on firday"), ("tag", "work", "#work")]
    kept = parse_quick_add("call bob on firday #work", TODAY, keep=["on firday"])
    assert (kept.title, kept.due) == ("call bob on firday", None)
    assert parse_quick_add("water the tanks wensday", TODAY).title == "water the tanks"  # real words stay
