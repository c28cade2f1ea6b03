"""Issue 17: "break down X" with the OpenAI backend proposes subtasks on a card the person edits before
accepting. Nothing is added until "Add these"; what the fields then hold is added (edited, blanks
skipped, one more typed in) as one change with one Undo, exactly once; Cancel and a "no" add nothing;
a "yes" in text adds the proposal. The real SDK against the scripted server, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.core.db import session_scope
from app.models import Task, Widget
from app.orchestration import live_cards
from app.orchestration.chat_session import click_key
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import declared_actions, perform
from app.services import tasks as task_service
from tests.utils.fake_openai import FakeOpenAI, fake_openai
from tests.widgets.helpers import assert_chatkit_parses

PROPOSED = ["Invite friends", "Order cake", "Book a venue"]


@pytest.fixture
def model(live_db: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with fake_openai() as server:
        monkeypatch.setenv("AGENT_BACKEND", "openai")
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "fake-model")
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def _call(tool: str, **args: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": tool, "arguments": json.dumps(args)}]}


def _party(user: uuid.UUID) -> str:
    with session_scope() as session:
        return str(task_service.create_task(session, user_id=user, data={"title": "Plan the party"}).id)


def _subtasks(engine: sa.Engine, parent: str) -> list[str]:
    with Session(engine) as s:
        rows = s.exec(
            select(Task).where(col(Task.parent_id) == uuid.UUID(parent)).order_by(col(Task.created_at))
        )
        return [t.title for t in rows.all()]


def _propose(
    model: FakeOpenAI, user: uuid.UUID, parent_ref: str = "plan the party"
) -> tuple[str, dict[str, Any]]:
    model.script = [
        _call("propose_subtasks", parent_id=parent_ref, titles=PROPOSED),
        {"text": "Here is a plan: edit it on the card and add it when it looks right."},
    ]
    result = run_turn(user_id=user, text="break down plan the party")
    assert result.status == "completed"
    told = [json.loads(m["content"]) for m in model.requests[-1]["messages"] if m["role"] == "tool"]
    assert told[0]["status"] == "proposed"
    assert "Nothing is added yet" in told[0]["message"]
    (card,) = result.widgets
    assert_chatkit_parses(card["payload"])
    return result.thread_id, card


def _fields(payload: dict[str, Any]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input":
                found[node["name"]] = node.get("defaultValue")
            for kid in node.get("children") or []:
                walk(kid)

    walk(payload)
    return found


def _submit(user: uuid.UUID, card: dict[str, Any], form: dict[str, Any], key: str | None = None) -> Any:
    """The card's "Add these" with ``form``, keyed as the chat page keys it (node, version, form)."""
    submit = next(a for a in declared_actions(card["payload"]) if a["type"] == "task.add_subtasks")
    key = key or click_key("0.children.2", 0, form)
    return perform(user_id=user, widget_id=card["id"], action=submit, form=form, idempotency_key=key)


def _live(user: uuid.UUID, widget_id: str) -> dict[str, Any]:
    with session_scope() as session:
        widget = session.get(Widget, widget_id)
        assert widget is not None
        live_cards.settle_stale(session, user_id=user, widgets=[widget])
        return live_cards.live_widget(session, user_id=user, widget=widget)


def test_proposal_card_adds_what_the_person_left_once(model: FakeOpenAI, alice: uuid.UUID, live_db) -> None:
    parent = _party(alice)
    _, card = _propose(model, alice)
    payload = card["payload"]
    assert payload["key"] == "confirm:subtasks"
    assert payload["children"][0]["value"] == "Add these subtasks to “Plan the party”?"
    fields = _fields(payload)
    assert [fields[f"subtask_{i}"] for i in (1, 2, 3)] == PROPOSED
    assert [fields["subtask_4"], fields["subtask_5"]] == [None, None], "two blanks to add one more"
    assert _subtasks(live_db, parent) == [], "a proposal adds nothing"
    submit = next(a for a in declared_actions(payload) if a["type"] == "task.add_subtasks")
    assert submit["payload"] == {"task_id": parent}

    form = {"subtask_1": "Invite the neighbours", "subtask_2": "  ", "subtask_3": "Book a venue",
            "subtask_4": "Buy balloons", "subtask_5": ""}  # fmt: skip
    kept = ["Invite the neighbours", "Book a venue", "Buy balloons"]
    assert _submit(alice, card, form).status == "completed"
    assert _subtasks(live_db, parent) == kept
    assert _submit(alice, card, form).replayed, "a double click runs once"
    assert _subtasks(live_db, parent) == kept

    settled = _live(alice, card["id"])
    assert settled["key"] == "settled:subtasks"
    says = [k.get("value") for k in settled["children"] if k.get("value")]
    assert says[:4] == ["Added 3 subtasks.", "Invite the neighbours", "Book a venue", "Buy balloons"]
    assert not any(a["type"] == "task.add_subtasks" for a in declared_actions(settled)), "no second add"
    undo = next(a for a in declared_actions(settled) if a["type"] == "task.undo")
    assert perform(user_id=alice, widget_id=card["id"], action=undo).status == "completed"
    assert _subtasks(live_db, parent) == [], "one Undo removes them all"


def test_proposal_card_empty_form_is_refused_and_a_fixed_one_is_not_a_replay(
    model: FakeOpenAI, alice: uuid.UUID, live_db
) -> None:
    parent = _party(alice)
    _, card = _propose(model, alice)
    empty = {f"subtask_{i}": "" for i in range(1, 6)}
    out = _submit(alice, card, empty)
    assert out.status == "failed"
    assert out.result["error"] == "Every field is empty: write at least one subtask, or choose Cancel."
    assert _live(alice, card["id"])["key"] == "confirm:subtasks", "the card still asks"
    fixed = {**empty, "subtask_2": "Order cake"}
    assert _submit(alice, card, fixed).status == "completed"
    assert _subtasks(live_db, parent) == ["Order cake"]
    odd = _submit(alice, card, {"title": "x"})
    assert odd.status == "failed"
    assert "Already answered" in odd.result["error"]


def test_proposal_cancel_and_no_add_nothing_and_yes_adds_it(
    model: FakeOpenAI, alice: uuid.UUID, live_db
) -> None:
    parent = _party(alice)
    thread, card = _propose(model, alice)
    cancel = next(a for a in declared_actions(card["payload"]) if a["type"] == "tasks.cancel")
    assert perform(user_id=alice, widget_id=card["id"], action=cancel).status == "completed"
    assert _live(alice, card["id"])["children"][0]["value"] == "Cancelled: no subtasks added."
    assert _subtasks(live_db, parent) == []

    thread, card = _propose(model, alice, parent_ref=parent)
    model.script = [{"text": "Okay, I won't add them."}]
    run_turn(user_id=alice, text="no thanks", thread_id=thread)
    assert _live(alice, card["id"])["children"][0]["value"] == "Cancelled: no subtasks added."
    assert _subtasks(live_db, parent) == []

    thread, card = _propose(model, alice)
    model.script = [_call("add_subtasks", parent_id=parent, titles=PROPOSED), {"text": "Added them."}]
    run_turn(user_id=alice, text="yes", thread_id=thread)
    assert _subtasks(live_db, parent) == PROPOSED
    settled = _live(alice, card["id"])
    assert settled["children"][0]["value"] == "Added 3 subtasks."
    assert _submit(alice, card, {"subtask_1": "again"}).status == "failed"
    assert _subtasks(live_db, parent) == PROPOSED


def test_proposal_of_a_strangers_task_or_nothing_proposes_nothing(
    model: FakeOpenAI, alice: uuid.UUID
) -> None:
    from tests.widgets.conftest import make_user

    bob = make_user("bob")
    theirs = _party(bob)
    model.script = [_call("propose_subtasks", parent_id=theirs, titles=PROPOSED), {"text": "Not found."}]
    result = run_turn(user_id=alice, text="break down that task")
    told = [json.loads(m["content"]) for m in model.requests[-1]["messages"] if m["role"] == "tool"]
    assert told[0] == {"error": "Task not found."}
    assert result.widgets == []
    _party(alice)
    model.script = [_call("propose_subtasks", parent_id="plan the party", titles=["  ", ""]), {"text": "?"}]
    result = run_turn(user_id=alice, text="break down plan the party")
    told = [json.loads(m["content"]) for m in model.requests[-1]["messages"] if m["role"] == "tool"]
    assert "Nothing was proposed" in told[0]["error"]
    assert result.widgets == []


def test_proposal_answered_yes_after_a_switch_to_the_local_agent(
    model: FakeOpenAI, alice: uuid.UUID, live_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server switched to the local assistant between the question and the answer still adds it."""
    parent = _party(alice)
    thread, card = _propose(model, alice)
    monkeypatch.setenv("AGENT_BACKEND", "local")
    get_settings.cache_clear()
    done = run_turn(user_id=alice, text="yes", thread_id=thread)
    assert done.reply == 'Added 3 subtasks to "Plan the party": Invite friends, Order cake, Book a venue.'
    assert _subtasks(live_db, parent) == PROPOSED
    assert _live(alice, card["id"])["children"][0]["value"] == "Added 3 subtasks."
