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
