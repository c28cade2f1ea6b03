"""A turn's own answer carries its cards as every later read shows them (issue 15, item 3): list
rows with their tasks' dates and badges, and the turn's own question still open."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.orchestration import live_cards, runner
from app.orchestration.widget_actions import declared_actions
from app.services import widgets as widget_service

pytestmark = pytest.mark.usefixtures("local_agent")


def test_a_list_answer_carries_the_rows_as_shown(app_db: sa.Engine, uid: uuid.UUID) -> None:
    added = runner.run_turn(user_id=uid, text="add pay rent tomorrow, high priority")
    shown = runner.run_turn(user_id=uid, text="show my tasks", thread_id=added.thread_id)
    [card] = [w for w in shown.widgets if w["type"] == "ListView"]
    with Session(app_db) as s:
        stored = widget_service.get_widget(s, user_id=uid, widget_id=card["id"])
        live = live_cards.live_widget(s, user_id=uid, widget=stored)
    assert card["payload"] == live  # what the page and the API show for it later
    assert "tomorrow" in str(card["payload"])  # the row's date, worded as it is now
    assert any(a["type"] == "task.complete" for a in declared_actions(card["payload"]))


def test_a_turn_that_asks_first_answers_with_a_live_question(uid: uuid.UUID) -> None:
    runner.run_turn(user_id=uid, text="add tasks: eggs, bread and butter")
    asked = runner.run_turn(user_id=uid, text="delete all my tasks")
    [card] = [w for w in asked.widgets if w["payload"].get("confirm")]
    assert card["payload"]["confirm"]["label"] == "Delete"
    assert "Cancelled" not in str(card["payload"])


def _list_rows(widgets: list[dict]) -> list[list[str]]:
    """The row keys (task ids) of each list card a turn answered with."""
    return [
        [str(item["key"]) for item in w["payload"].get("children") or []]
        for w in widgets
        if w["type"] == "ListView"
    ]


def test_a_lookup_that_lists_nothing_answers_without_a_list_card(uid: uuid.UUID) -> None:
    """Finding the task a command names is not a listing: a reply that only says something ("no
    such task", who a task is assigned to, subtasks need a model) has no card of every task (it
    showed all of them, completed first, under replies that list none; issue 15, items 1 and 4)."""
    first = runner.run_turn(user_id=uid, text="add tasks: buy milk, pay rent")
    runner.run_turn(user_id=uid, text="complete pay rent", thread_id=first.thread_id)
    for text in ("complete the dentist", "who is buy milk assigned to?", "break down buy milk"):
        turn = runner.run_turn(user_id=uid, text=text, thread_id=first.thread_id)
        assert _list_rows(turn.widgets) == [], (text, turn.widgets)


def test_an_ambiguous_name_lists_only_the_tasks_it_could_mean(uid: uuid.UUID) -> None:
    first = runner.run_turn(user_id=uid, text="add tasks: buy milk, buy oat milk, pay rent")
    asked = runner.run_turn(user_id=uid, text="complete milk", thread_id=first.thread_id)
    assert "Which one do you mean?" in asked.reply
    [rows] = _list_rows(asked.widgets)
    assert len(rows) == 2, "the two milk tasks the reply numbers, not every task"
