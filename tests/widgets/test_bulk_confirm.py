"""Issue 15, item 2: a change to more than three tasks asks first with a card listing them; its
confirm button changes every listed task exactly once (one Undo all reverts them), Cancel nothing.
On SQLite and PostgreSQL through run_turn() and perform()."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from app.core.db import session_scope
from app.models import Task, Widget
from app.orchestration import live_cards
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import declared_actions, perform
from tests.widgets.helpers import assert_chatkit_parses

NAMES = ["wash car", "pay bills", "call bank", "fix bike", "buy stamps"]


def _due(engine: sa.Engine, user: uuid.UUID) -> dict[str, date | None]:
    with Session(engine) as s:
        return {t.title: t.due_date for t in s.exec(select(Task).where(Task.user_id == user)).all()}


def _ask(user: uuid.UUID) -> tuple[str, dict[str, Any]]:
    first = run_turn(user_id=user, text="add tasks: " + ", ".join(NAMES))
    result = run_turn(user_id=user, text="move all my tasks to tomorrow", thread_id=first.thread_id)
    assert result.status == "completed"
    assert result.reply.startswith("Move 5 tasks to tomorrow?")
    (card,) = result.widgets
    assert_chatkit_parses(card["payload"])
    return first.thread_id, card


def _texts(payload: Any) -> list[str]:
    found: list[str] = []
    if isinstance(payload, dict):
        if isinstance(payload.get("value"), str):
            found.append(payload["value"])
        for kid in payload.get("children") or []:
            found += _texts(kid)
    return found


def test_bulk_move_card_lists_tasks_and_confirm_moves_all_once(alice: uuid.UUID, live_db: sa.Engine) -> None:
    _, card = _ask(alice)
    payload = card["payload"]
    texts = _texts(payload)
    assert "Move 5 tasks?" in texts
    assert all(f"• {n}" in texts for n in NAMES)
    assert payload["confirm"]["label"] == "Move"
    assert all(d is None for d in _due(live_db, alice).values()), "nothing moved before the click"
    confirm = payload["confirm"]["action"]
    assert confirm["type"] == "tasks.apply"
    out = perform(user_id=alice, widget_id=card["id"], action=confirm, idempotency_key="yes")
    assert out.status == "completed"
    assert out.result["count"] == 5
    tomorrow = date.today() + timedelta(days=1)
    assert _due(live_db, alice) == dict.fromkeys(NAMES, tomorrow)
    assert "Moved 5 tasks" in _texts(out.widget)
    again = perform(user_id=alice, widget_id=card["id"], action=confirm, idempotency_key="yes")
    assert again.replayed
    assert again.result["count"] == 5
    # Undo all on the card it became reverts every move
    undo_all = next(a for a in declared_actions(out.widget) if a["type"] == "task.undo_all")
    assert len(undo_all["payload"]["operation_ids"]) == 5
    undone = perform(user_id=alice, widget_id=card["id"], action=undo_all, idempotency_key="undo")
    assert undone.status == "completed"
    assert all(d is None for d in _due(live_db, alice).values())


def test_bulk_move_card_cancel_changes_nothing_and_a_later_yes_neither(
    alice: uuid.UUID, live_db: sa.Engine
) -> None:
    thread_id, card = _ask(alice)
    out = perform(
        user_id=alice, widget_id=card["id"], action=card["payload"]["cancel"]["action"], idempotency_key="no"
    )
    assert out.status == "completed"
    assert out.result == {"status": "cancelled"}
    assert "Cancelled: nothing changed." in _texts(out.widget)
    assert declared_actions(out.widget) == []
    run_turn(user_id=alice, text="yes", thread_id=thread_id)
    assert all(d is None for d in _due(live_db, alice).values())


def test_bulk_move_text_yes_settles_the_card(alice: uuid.UUID, live_db: sa.Engine) -> None:
    thread_id, card = _ask(alice)
    result = run_turn(user_id=alice, text="yes", thread_id=thread_id)
    assert result.reply.startswith("Moved 5 tasks to tomorrow")
    tomorrow = date.today() + timedelta(days=1)
    assert _due(live_db, alice) == dict.fromkeys(NAMES, tomorrow)
    with session_scope() as session:
        row = session.get(Widget, card["id"])
        assert row is not None
        live = live_cards.live_widget(session, user_id=alice, widget=row)
    assert "Moved 5 tasks." in _texts(live)
    assert "confirm" not in live
    undo = run_turn(user_id=alice, text="undo", thread_id=thread_id)
    assert undo.status == "completed"
    assert all(d is None for d in _due(live_db, alice).values())
