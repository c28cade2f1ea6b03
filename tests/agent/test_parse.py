"""Message -> intent, for every intent family (pure: no tools involved)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.agent.offline.parse import parse_intent

TODAY = dt.date(2025, 11, 19)  # Wednesday


def _kind(text: str, **kw) -> str:
    return parse_intent(text, TODAY, **kw).kind


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("add a task to buy milk", "buy milk"),
        ("create a task to renew passport", "renew passport"),
        ("remind me to call the dentist", "call the dentist"),
        ("I need to pick up the dry cleaning", "pick up the dry cleaning"),
        ("I have to fix the fence", "fix the fence"),
        ("todo: clean the garage", "clean the garage"),
        ("new task: send invoice to Acme", "send invoice to Acme"),
        ("add an urgent task: send invoice to Acme", "send invoice to Acme"),
        ("please add water plants", "water plants"),
        ("add test task", "test task"),
        ("add milk to my shopping list", "milk"),
    ],
)
def test_parse_intent_create_title(text: str, title: str) -> None:
    intent = parse_intent(text, TODAY)
    assert intent.kind == "create"
    assert [d.title for d in intent.drafts] == [title]


def test_parse_intent_create_several_after_colon() -> None:
    intent = parse_intent("add tasks: eggs, bread and butter", TODAY)
    assert [d.title for d in intent.drafts] == ["eggs", "bread", "butter"]


def test_parse_intent_create_and_without_list_stays_one() -> None:
    assert [d.title for d in parse_intent("add buy salt and pepper", TODAY).drafts] == ["buy salt and pepper"]


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("i need toothpaste", ["toothpaste"]),
        ("need toothpaste", []),
        ("have tomatoes for lunch", []),
        ("mustard", []),
        ("newspaper subscription", []),
        ("todo:buy milk", ["buy milk"]),
        ("add-milk", ["milk"]),
    ],
)
def test_parse_intent_create_lead_ends_at_a_word_end(text: str, titles: list[str]) -> None:
    """A creation lead is whole words: "need to" never takes the "to" of "toothpaste"."""
    assert [d.title for d in parse_intent(text, TODAY).drafts] == titles


@pytest.mark.parametrize("text", ["got anything due today?", "got tofu", "left tasks"])
def test_parse_intent_got_and_left_alone_are_not_completions(text: str) -> None:
    assert _kind(text) != "complete"


def test_parse_intent_create_attributes() -> None:
    (draft,) = parse_intent("add finish tax return by friday #finance, high priority", TODAY).drafts
    assert (draft.title, draft.due, draft.tags, draft.priority) == (
        "finish tax return",
        dt.date(2025, 11, 21),
        ["finance"],
        "high",
    )


def test_parse_intent_create_recurring_weekday() -> None:
    (draft,) = parse_intent("add team sync every monday", TODAY).drafts
    assert (draft.title, draft.recurrence, draft.due) == ("team sync", "weekly", dt.date(2025, 11, 24))


def test_parse_intent_create_without_title_asks() -> None:
    intent = parse_intent("add a task", TODAY)
    assert (intent.kind, intent.drafts) == ("create", [])


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("show my tasks", "status", "all"),
        ("what's left to do?", "status", "pending"),
        ("what have I finished?", "status", "completed"),
        ("show tasks tagged travel", "tag", "travel"),
        ("which tasks are high priority?", "priority", "high"),
        ("what's due today?", "due_on", TODAY),
        ("due tomorrow", "due_on", dt.date(2025, 11, 20)),
        ("anything overdue?", "due", "overdue"),
        ("search for milk", "search", "milk"),
        ("find the plumber", "search", "the plumber"),
        ("show tasks without a due date", "due", "none"),
    ],
)
def test_parse_intent_list_filters(text: str, field: str, value: object) -> None:
    intent = parse_intent(text, TODAY)
    assert intent.kind == "list"
    assert getattr(intent.query, field) == value


@pytest.mark.parametrize(
    ("text", "kind", "ref"),
    [
        ("mark buy milk as done", "complete", "buy milk"),
        ("complete the dentist task", "complete", "the dentist task"),
        ("finished the report", "complete", "the report"),
        ("buy milk is done", "complete", "buy milk"),
        ("check off buy milk", "complete", "buy milk"),
        ("reopen buy milk", "reopen", "buy milk"),
        ("mark buy milk as not done", "reopen", "buy milk"),
        ("delete buy milk", "delete", "buy milk"),
        ("remove the old task", "delete", "the old task"),
        ("actually, delete it", "delete", "it"),
        ("complete task 2", "complete", "task 2"),
    ],
)
def test_parse_intent_status_changes(text: str, kind: str, ref: str) -> None:
    intent = parse_intent(text, TODAY)
    assert (intent.kind, intent.ref, intent.query) == (kind, ref, None)


def test_parse_intent_bulk_delete_is_a_selection() -> None:
    intent = parse_intent("delete all completed tasks", TODAY)
    assert intent.kind == "delete"
    assert intent.query is not None
    assert intent.query.status == "completed"


@pytest.mark.parametrize(
    ("text", "ref", "attr", "value"),
    [
        ("rename buy milk to buy oat milk", "buy milk", "title", "buy oat milk"),
        ("change buy milk to buy bread", "buy milk", "title", "buy bread"),
        ("make write report high priority", "write report", "priority", "high"),
        ("make it high priority", "it", "priority", "high"),
        ("set the priority of tidy desk to low", "tidy desk", "priority", "low"),
        ("move dentist to tomorrow", "dentist", "due", dt.date(2025, 11, 20)),
        ("dentist is due friday", "dentist", "due", dt.date(2025, 11, 21)),
        ("remove the due date from dentist", "dentist", "clear_due", True),
        ("tag book flights with travel", "book flights", "tags_add", ["travel"]),
        ("add tag work to write report", "write report", "tags_add", ["work"]),
        ("remove tag work from write report", "write report", "tags_remove", ["work"]),
        ("postpone dentist by 2 days", "dentist", "shift_days", 2),
    ],
)
def test_parse_intent_update(text: str, ref: str, attr: str, value: object) -> None:
    intent = parse_intent(text, TODAY)
    assert intent.kind == "update"
    assert intent.ref == ref
    assert getattr(intent.changes, attr) == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("undo", "undo"),
        ("undo that", "undo"),
        ("revert", "undo"),
        ("hello!", "greet"),
        ("thanks", "thanks"),
        ("what can you do?", "help"),
        ("asdkjh qwpoe", "unknown"),
        ("yes", "yes"),
        ("no", "no"),
    ],
)
def test_parse_intent_conversation(text: str, kind: str) -> None:
    assert _kind(text) == kind


def test_parse_intent_answers_only_when_expected() -> None:
    assert _kind("sure", expecting_answer=True) == "yes"
    assert _kind("cancel", expecting_answer=True) == "no"
    assert _kind("ok", expecting_answer=True) == "yes"
    assert _kind("ok") == "thanks"
