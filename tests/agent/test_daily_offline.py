"""Issue 17 for the local agent: times, reminders, subtasks, the Today view and rescheduling, in
phrasings of our own (the shared eval's are scored elsewhere), replayed on three days; and the time
and reminder grammar as units."""

from __future__ import annotations

import datetime as dt

import pytest

from app.agent.offline.attributes import clock_time, extract_attributes, minutes_before
from app.agent.offline.parse import parse_intent
from tests.agent.eval_replay import run_case

DAYS = [dt.date(2025, 11, 19), dt.date(2025, 12, 7), dt.date(2025, 12, 31)]

CASES: list[dict] = [
    {"id": "add-at-pm", "say": ["add book club on thursday at 7:30pm"],
     "tasks": [{"title": "book club", "due_date": "wd:thursday", "due_time": "19:30"}], "count": 1},
    {"id": "add-noon", "say": ["lunch with Ana tomorrow at noon"],
     "tasks": [{"title": "lunch with Ana", "due_date": "+1d", "due_time": "12:00"}], "count": 1},
    {"id": "add-24h-no-at", "say": ["create standup 09:45 tomorrow"],
     "tasks": [{"title": "standup", "due_date": "+1d", "due_time": "09:45"}], "count": 1},
    {"id": "every-morning-time", "say": ["add take vitamins every day at 7am"],
     "tasks": [{"title": "take vitamins", "recurrence": "daily", "due_time": "07:00"}], "count": 1},
    {"id": "remind-to-evening", "say": ["remind me to water the garden on saturday at 6pm"],
     "tasks": [{"title": "water the garden", "due_date": "wd:saturday", "due_time": "18:00",
                "reminders": ["wd:saturday 18:00"]}], "count": 1},
    {"id": "remind-before-hour", "setup": [{"title": "flight", "due": "+3d", "due_time": "11:00"}],
     "say": ["remind me an hour before the flight"],
     "tasks": [{"title": "flight", "reminders": ["+3d 10:00"]}], "count": 1},
    {"id": "remind-before-day", "setup": [{"title": "pay rent", "due": "+5d"}],
     "say": ["remind me a day before pay rent"],
     "tasks": [{"title": "pay rent", "reminders": ["+4d 09:00"]}], "count": 1},
    {"id": "set-a-reminder", "setup": [{"title": "dentist", "due": "+2d", "due_time": "10:00"}],
     "say": ["set a reminder for the dentist 15 minutes before"],
     "tasks": [{"title": "dentist", "reminders": ["+2d 09:45"]}], "count": 1},
    {"id": "remind-about-no-day", "setup": [{"title": "call the plumber", "due": "+1d"}],
     "say": ["remind me about call the plumber at 8am"],
     "tasks": [{"title": "call the plumber", "due_date": "+1d", "reminders": ["+1d 08:00"]}], "count": 1},
    {"id": "change-time", "setup": [{"title": "team sync", "due": "+1d", "due_time": "09:00"}],
     "say": ["push team sync to 4:30pm"],
     "tasks": [{"title": "team sync", "due_date": "+1d", "due_time": "16:30"}], "count": 1},
    {"id": "time-and-day", "setup": [{"title": "haircut", "due": "+1d", "due_time": "09:00"}],
     "say": ["move haircut to friday at 2pm"],
     "tasks": [{"title": "haircut", "due_date": "wd:friday", "due_time": "14:00"}], "count": 1},
    {"id": "clear-time-all-day", "setup": [{"title": "yoga", "due": "+1d", "due_time": "18:00"}],
     "say": ["make yoga an all day task"],
     "tasks": [{"title": "yoga", "due_date": "+1d", "due_time": None}], "count": 1},
    {"id": "clear-due-time", "setup": [{"title": "run", "due": "today", "due_time": "06:00"}],
     "say": ["clear the due time on run"],
     "tasks": [{"title": "run", "due_date": "today", "due_time": None}], "count": 1},
    {"id": "subtasks-and", "setup": [{"title": "trip to Rome"}],
     "say": ["add subtasks for trip to Rome: book flights, find a hotel and buy a guidebook"],
     "tasks": [{"title": "book flights", "parent": "trip to Rome"},
               {"title": "find a hotel", "parent": "trip to Rome"},
               {"title": "buy a guidebook", "parent": "trip to Rome"}], "count": 4},
    {"id": "subtask-as", "setup": [{"title": "spring cleaning"}],
     "say": ["add wash the windows as a subtask of spring cleaning"],
     "tasks": [{"title": "wash the windows", "parent": "spring cleaning"}], "count": 2},
    {"id": "break-into", "setup": [{"title": "write the report"}],
     "say": ["break write the report into outline, draft, edit"],
     "tasks": [{"title": "outline", "parent": "write the report"},
               {"title": "draft", "parent": "write the report"},
               {"title": "edit", "parent": "write the report"}], "count": 4},
    {"id": "make-subtask", "setup": [{"title": "move house"}, {"title": "book the van"}],
     "say": ["make book the van a subtask of move house"],
     "tasks": [{"title": "book the van", "parent": "move house"}], "count": 2},
    {"id": "break-down-needs-model", "setup": [{"title": "plan the wedding"}],
     "say": ["can you break down plan the wedding?"], "count": 1,
     "reply": {"contains": ["language model", "add subtasks to plan the wedding:"]}},
    {"id": "whats-on-today",
     "setup": [{"title": "old thing", "due": "-3d"}, {"title": "now thing", "due": "today"},
               {"title": "next week thing", "due": "+6d"}],
     "say": ["what's on for today?"],
     "reply": {"contains": ["old thing", "now thing"], "excludes": ["next week thing"]}},
    {"id": "due-today-strict",
     "setup": [{"title": "old thing", "due": "-3d"}, {"title": "now thing", "due": "today"}],
     "say": ["what is due today"], "reply": {"contains": ["now thing"], "excludes": ["old thing"]}},
    {"id": "hows-my-day",
     "setup": [{"title": "old thing", "due": "-1d"}, {"title": "now thing", "due": "today"},
               {"title": "far thing", "due": "+4d"}],
     "say": ["how does my day look?"],
     "reply": {"contains": ["old thing", "now thing"], "excludes": ["far thing"]}},
    {"id": "no-time-needed", "setup": [{"title": "gym", "due": "+1d", "due_time": "07:00"}],
     "say": ["gym doesn't need a time"], "tasks": [{"title": "gym", "due_date": "+1d", "due_time": None}]},
    {"id": "needs-subtasks", "setup": [{"title": "plan the party"}],
     "say": ["plan the party needs subtasks: buy candles, send invites"],
     "tasks": [{"title": "buy candles", "parent": "plan the party"},
               {"title": "send invites", "parent": "plan the party"}], "count": 3},
    {"id": "push-overdue-yes", "setup": [{"title": "late a", "due": "-4d"}, {"title": "late b", "due": "-1d"},
                                        {"title": "on time", "due": "+2d"}],
     "say": ["move everything overdue to friday", "yes"],
     "tasks": [{"title": "late a", "due_date": "wd:friday"}, {"title": "late b", "due_date": "wd:friday"},
               {"title": "on time", "due_date": "+2d"}]},
    {"id": "push-overdue-no", "setup": [{"title": "late a", "due": "-4d"}],
     "say": ["reschedule all my overdue tasks to tomorrow", "no"],
     "tasks": [{"title": "late a", "due_date": "-4d"}]},
]  # fmt: skip


@pytest.mark.parametrize("today", DAYS, ids=str)
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_daily_phrasing_offline_passes(case: dict, today: dt.date) -> None:
    problems = run_case(case, today)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("5pm", "17:00"),
        ("at 5:30 p.m.", "17:30"),
        ("10:30", "10:30"),
        ("14:15", "14:15"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("at 8", "08:00"),
        ("at 3", "15:00"),
        ("7 o'clock", "07:00"),
        ("13pm", None),
        ("24:00", None),
        ("9:75", None),
    ],
)
def test_clock_time_reads_times_of_day(said: str, expected: str | None) -> None:
    assert clock_time(said) == expected


@pytest.mark.parametrize(
    ("said", "minutes"),
    [
        ("30 minutes before", 30),
        ("15 min before", 15),
        ("an hour before", 60),
        ("half an hour before", 30),
        ("2 hrs earlier", 120),
        ("a day before", 1440),
        ("one week in advance", 10080),
        ("before lunch", None),
    ],
)
def test_minutes_before_reads_relative_reminders(said: str, minutes: int | None) -> None:
    assert minutes_before(said) == minutes


def test_a_time_is_cut_from_the_title_with_its_date() -> None:
    attrs, rest = extract_attributes("call mom tomorrow at 5pm", DAYS[0])
    assert (attrs.due, attrs.at, rest.split()) == (DAYS[0] + dt.timedelta(days=1), "17:00", ["call", "mom"])


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("add subtasks to plan the party: invite friends, order cake", "subtasks"),
        ("add a subtask book the van to move house", "subtasks"),
        ("break down plan the party", "breakdown"),
        ("split plan the party into smaller tasks", "breakdown"),
        ("remind me 30 minutes before submit report", "update"),
        ("remind me to call mom tomorrow at 5pm", "create"),
        ("remind me about call the bank tomorrow at 9am", "maybe_update"),
        ("what does my day look like?", "list"),
        ("remove the time from gym", "update"),
        ("cancel the reminder for gym", "update"),
    ],
)
def test_parse_intent_daily_kinds(text: str, kind: str) -> None:
    assert parse_intent(text, DAYS[0]).kind == kind


def test_cancel_the_reminder_is_not_a_delete() -> None:
    intent = parse_intent("cancel the reminder for gym", DAYS[0])
    assert intent.changes is not None
    assert (intent.ref, intent.changes.clear_reminders) == ("gym", True)


@pytest.mark.parametrize(
    ("text", "title", "at"),
    [
        ("remind me to take out the trash tonight at 8", "take out the trash", "20:00"),
        ("add dinner friday evening at 7:30", "dinner", "19:30"),
        ("remind me this evening at 6:15 to call dad", "call dad", "18:15"),
        ("add 10:30 standup", "standup", "10:30"),
        ("add 5pm call with Sam", "call with Sam", "17:00"),
        ("add 9 am gym tomorrow", "gym", "09:00"),
        ("schedule meeting friday 3:30", "meeting", "15:30"),
        ("add early run tomorrow 05:30", "early run", "05:30"),
        ("add stretch every morning at 6:30", "stretch", "06:30"),
        ("add read every night at 10", "read", "22:00"),
    ],
)
def test_times_in_new_tasks_are_read_as_meant(text: str, title: str, at: str) -> None:
    (draft,) = parse_intent(text, DAYS[0]).drafts
    assert (draft.title, draft.at) == (title, at)


@pytest.mark.parametrize(
    "text",
    [
        "change the time of the dentist to 4pm",
        "change the dentist's time to 4pm",
        "set the dentist time to 4pm",
        "move the dentist to 4pm",
    ],
)
def test_time_edits_name_the_task(text: str) -> None:
    intent = parse_intent(text, DAYS[0])
    assert intent.changes is not None
    assert (intent.kind, intent.ref, intent.changes.at) == ("update", "the dentist", "16:00")


def test_remind_me_at_a_time_about_a_task_is_a_reminder_on_it() -> None:
    intent = parse_intent("remind me at 9am tomorrow about the dentist", DAYS[0])
    assert intent.changes is not None
    assert (intent.kind, intent.ref, intent.changes.remind_at) == ("maybe_update", "the dentist", "09:00")
    assert intent.changes.remind_on == DAYS[0] + dt.timedelta(days=1)
