"""Cards in a team (issue 16), on real databases through the turn runner and widget actions: a share
asks with a confirmation card first (its Share button, or a "yes", shares; Cancel shares nothing);
list and change rows show the project and the assignee; a teammate's card shows a shared task, and
stops showing it the moment they are removed from its project; chats stay private to their user."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.core.db import session_scope
from app.models import Membership, Widget
from app.orchestration import chat_session, live_cards
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import declared_actions, perform
from app.services import projects as project_service
from app.services.errors import NotFoundError
from app.services.operations import Origin
from app.widgets import build
from tests.widgets.conftest import make_user
from tests.widgets.helpers import assert_chatkit_parses, nodes


def live(user: uuid.UUID, widget_id: str) -> dict[str, Any]:
    with session_scope() as session:
        row = session.get(Widget, widget_id)
        assert row is not None
        return live_cards.live_widget(session, user_id=user, widget=row)


def action(payload: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(a for a in declared_actions(payload) if a["type"] == kind)


def members(engine: sa.Engine, project_id: uuid.UUID) -> set[uuid.UUID]:
    with Session(engine) as s:
        return set(s.exec(select(Membership.user_id).where(Membership.project_id == project_id)).all())


def groceries(owner: uuid.UUID) -> uuid.UUID:
    with session_scope() as session:
        return project_service.create_project(session, user_id=owner, name="Groceries").id


def text_of(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_team_cards_share_asks_first_and_its_button_shares(alice: uuid.UUID, live_db: sa.Engine):
    bob = make_user("bob")
    pid = groceries(alice)
    turn = run_turn(user_id=alice, text="please share the Groceries list with bob@example.com")
    assert members(live_db, pid) == {alice}, "nothing is shared before the confirmation"
    (card,) = turn.widgets
    payload = live(alice, card["id"])
    assert_chatkit_parses(payload)
    assert payload["children"][0]["value"] == "Share Groceries with bob@example.com as editor?"
    share = action(payload, "project.share")
    assert share["payload"] == {"project": str(pid), "email": "bob@example.com", "role": "editor"}
    out = perform(user_id=alice, widget_id=card["id"], action=share, idempotency_key="share")
    assert out.status == "completed", out.result
    assert members(live_db, pid) == {alice, bob}
    assert "Shared “Groceries” with bob@example.com as editor." in text_of(out.widget)
    assert declared_actions(out.widget) == []
    # the question was answered on the card: a later "yes" shares nothing again
    later = run_turn(user_id=alice, text="yes", thread_id=turn.thread_id)
    assert "nothing waiting" in later.reply


def test_team_cards_share_yes_in_text_settles_the_card_and_cancel_shares_nothing(
    alice: uuid.UUID, live_db: sa.Engine
):
    make_user("bob")
    pid = groceries(alice)
    asked = run_turn(user_id=alice, text="invite bob@example.com to groceries as a viewer")
    cancel = action(live(alice, asked.widgets[0]["id"]), "tasks.cancel")
    out = perform(user_id=alice, widget_id=asked.widgets[0]["id"], action=cancel, idempotency_key="no")
    assert "Cancelled: nothing shared." in text_of(out.widget)
    assert members(live_db, pid) == {alice}
    again = run_turn(user_id=alice, text="invite bob@example.com to groceries as a viewer")
    done = run_turn(user_id=alice, text="yes", thread_id=again.thread_id)
    assert done.reply == 'Shared "Groceries" with bob@example.com as viewer.'
    assert len(members(live_db, pid)) == 2
    settled = live(alice, again.widgets[0]["id"])
    assert "Shared “Groceries” with bob@example.com as viewer." in text_of(settled)
    assert declared_actions(settled) == []


def test_team_cards_rows_show_project_and_assignee(alice: uuid.UUID, live_db: sa.Engine):
    make_user("bob")
    pid = groceries(alice)
    with session_scope() as session:
        project_service.share_project(session, user_id=alice, project_id=pid, email="bob@example.com")
    turn = run_turn(user_id=alice, text="add oat milk to groceries and give it to bob")
    assert turn.reply == 'Added "oat milk" to Groceries. Assigned "oat milk" to bob.'
    (card,) = turn.widgets
    captions = [n["value"] for n in nodes(live(alice, card["id"])) if n["type"] == "Caption"]
    assert "Added · Groceries · bob · Medium" in captions  # one row per task: added, then assigned
    listing = run_turn(user_id=alice, text="show everything in groceries")
    (listed,) = listing.widgets
    rows = [n["value"] for n in nodes(live(alice, listed["id"])) if n["type"] == "Caption"]
    assert rows == ["Groceries · bob"]
    inbox = run_turn(user_id=alice, text="add stamps")
    assert "Inbox" not in text_of(live(alice, inbox.widgets[0]["id"])), "the Inbox is not named on rows"


def test_team_cards_follow_membership_and_chats_stay_private(alice: uuid.UUID, live_db: sa.Engine):
    bob = make_user("bob")
    pid = groceries(alice)
    with session_scope() as session:
        project_service.share_project(session, user_id=alice, project_id=pid, email="bob@example.com")
    mine = run_turn(user_id=alice, text="add secret recipe to groceries")
    theirs = run_turn(user_id=bob, text="what's on the groceries list?")
    (listed,) = theirs.widgets
    shown = live(bob, listed["id"])
    assert "secret recipe" in text_of(shown)
    assert "task.complete" in [a["type"] for a in declared_actions(shown)]
    # Alice's conversation is hers alone: Bob can neither open it nor use its cards
    assert chat_session.open_thread(user_id=bob, thread_id=mine.thread_id) is None
    click = action(live(alice, mine.widgets[0]["id"]), "task.undo")
    with pytest.raises(NotFoundError, match=r"^Widget not found\.$"):
        perform(user_id=bob, widget_id=mine.widgets[0]["id"], action=click, idempotency_key="x")
    # removed from the project: Bob's card no longer shows the task, at once, without a new turn
    with session_scope() as session:
        project_service.remove_member(session, user_id=alice, project_id=pid, member_id=bob, origin=Origin())
    gone = live(bob, listed["id"])
    assert [a for a in declared_actions(gone) if a["type"].startswith("task.")] == []
    assert "secret recipe" not in text_of(gone)  # nothing of the task, not even its title
    assert "No longer shared with you" in text_of(gone)


def test_team_cards_label_names_project_and_assignee_but_not_the_inbox():
    assert build.team_label({"project": "Groceries", "assignee": "sam@x.test", "assignee_name": "Sam"}) == (
        "Groceries · Sam"
    )
    assert (
        build.team_label({"project": "Inbox", "assignee": "sam@x.test", "assignee_name": None})
        == "sam@x.test"
    )
    assert build.team_label({"project": "Inbox"}) == ""
    assert build.team_label({}) == ""  # a task stored before projects: nothing to say
    assert build.change_line(
        "Added", {"project": "Work", "assignee_name": "Kim", "priority": "high"}, date.today()
    ) == ("Added · Work · Kim · High")


def test_team_cards_bulk_move_asks_and_its_button_moves_each_task(alice: uuid.UUID, live_db: sa.Engine):
    groceries(alice)
    run_turn(user_id=alice, text="add tasks: rice, beans, lentils, oats, flour")
    asked = run_turn(user_id=alice, text="move rice, beans, lentils, oats and flour to groceries")
    (card,) = asked.widgets
    payload = live(alice, card["id"])
    assert payload["children"][0]["value"] == "Move 5 tasks?"
    move = action(payload, "tasks.apply")
    assert {c["args"]["project_id"] for c in move["payload"]["calls"]} == {"Groceries"}
    out = perform(user_id=alice, widget_id=card["id"], action=move, idempotency_key="move")
    assert out.status == "completed", out.result
    listing = run_turn(user_id=alice, text="show the groceries list")
    for title in ("rice", "beans", "lentils", "oats", "flour"):
        assert title in listing.reply
    captions = [n["value"] for n in nodes(out.widget) if n["type"] == "Caption"]
    assert captions.count("Moved · Groceries · Medium") == 5
