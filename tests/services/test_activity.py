"""A project's activity feed (issue 16): lines read from the one journal, for members only, never a
chat's words nor a comment's text, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlmodel import Session

from app.models.base import utcnow
from app.services import activity, auth, comments, projects, tasks
from app.services.operations import Origin
from tests.services.test_projects import add, person, refused, team


def lines(session: Session, user, project, **kwargs) -> list[str]:
    return [
        e.line for e in activity.project_activity(session, user_id=user.id, project_id=project.id, **kwargs)
    ]


def test_activity_lines_for_every_kind_of_change(session: Session):
    alice, ed, vic, groceries = team(session)
    sam = person(session, "Sam")
    work = projects.create_project(session, user_id=alice.id, name="Work")
    milk = add(session, alice, "Buy milk", groceries)
    tasks.complete_task(session, user_id=ed.id, task_id=milk.id)
    tasks.reopen_task(session, user_id=ed.id, task_id=milk.id)
    tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"assignee_id": ed.id})
    tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"assignee_id": None})
    tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"priority": "high"})
    tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"title": "Buy oat milk"})
    comments.add_comment(session, user_id=vic.id, task_id=milk.id, body="zqcommenttext")
    projects.share_project(session, user_id=alice.id, project_id=groceries.id, email=sam.email, role="viewer")
    projects.share_project(session, user_id=alice.id, project_id=groceries.id, email="new@example.com")
    projects.set_role(session, user_id=alice.id, project_id=groceries.id, member_id=sam.id, role="editor")
    projects.remove_member(session, user_id=alice.id, project_id=groceries.id, member_id=sam.id)
    projects.remove_member(session, user_id=vic.id, project_id=groceries.id, member_id=vic.id)
    projects.cancel_invitation(session, user_id=alice.id, project_id=groceries.id, email="new@example.com")
    projects.update_project(session, user_id=alice.id, project_id=groceries.id, name="Food")
    projects.update_project(session, user_id=alice.id, project_id=groceries.id, archived=True)
    projects.transfer_ownership(session, user_id=alice.id, project_id=groceries.id, to_user_id=ed.id)
    bread = add(session, ed, "Buy bread", groceries)
    tasks.update_task(session, user_id=alice.id, task_id=bread.id, data={"project_id": work.id})
    tasks.delete_task(session, user_id=ed.id, task_id=milk.id)
    feed = list(reversed(lines(session, ed, groceries, limit=200)))
    assert feed == [
        "Alice created the project",
        f"Alice shared the project with {ed.email} as editor",
        f"Alice shared the project with {vic.email} as viewer",
        'Alice added "Buy milk"',
        'Ed Smith completed "Buy milk"',
        'Ed Smith reopened "Buy milk"',
        'Alice assigned "Buy milk" to Ed Smith',
        'Alice unassigned "Buy milk"',
        'Alice edited "Buy milk"',
        'Alice edited "Buy oat milk"',
        'Vic commented on "Buy oat milk"',
        f"Alice shared the project with {sam.email} as viewer",
        "Alice invited new@example.com as editor",
        "Alice made Sam editor",
        "Alice removed Sam",
        "Vic left the project",
        "Alice withdrew the invitation for new@example.com",
        'Alice renamed the project to "Food"',
        "Alice archived the project",
        "Alice passed ownership to Ed Smith",
        'Ed Smith added "Buy bread"',
        'Ed Smith deleted "Buy oat milk"',
    ]
    # the move shows in the project it went to
    assert lines(session, alice, work)[0] == 'Alice moved "Buy bread" to Work'
    assert "zqcommenttext" not in json.dumps([e.to_json() for e in activity.project_activity(
        session, user_id=ed.id, project_id=groceries.id, limit=200)])  # fmt: skip


def test_activity_is_for_members_only(session: Session):
    alice, ed, vic, groceries = team(session)
    add(session, alice, "Buy milk", groceries)
    bob = person(session, "Bob")
    missing = refused(activity.project_activity, session, user_id=bob.id, project_id=uuid.uuid4())
    assert missing == "NotFoundError: Project not found."
    assert refused(activity.project_activity, session, user_id=bob.id, project_id=groceries.id) == missing
    assert lines(session, vic, groceries)  # a viewer reads it
    projects.remove_member(session, user_id=alice.id, project_id=groceries.id, member_id=ed.id)
    assert refused(activity.project_activity, session, user_id=ed.id, project_id=groceries.id) == missing
    assert activity.activity_of(session, user_id=bob.id, actor_id=alice.id) == []
    assert (
        activity.activity_of(session, user_id=ed.id, actor_id=alice.id) == []
    )  # removed: nothing shared now
    # Alice's Inbox is hers: a teammate never sees what she does there
    add(session, alice, "Private errand")
    assert all(
        "Private errand" not in e.line
        for e in activity.activity_of(session, user_id=vic.id, actor_id=alice.id)
    )


def test_activity_never_shows_a_chats_words(session: Session):
    alice, ed, _vic, groceries = team(session)
    chat = Origin(source="chat", input_text="zqsecret: add milk, I am hiding this from Ed")
    milk = tasks.create_task(
        session, user_id=alice.id, data={"title": "Buy milk", "project_id": groceries.id}, origin=chat
    )
    tasks.complete_task(session, user_id=alice.id, task_id=milk.id, origin=chat)
    shown = activity.project_activity(session, user_id=ed.id, project_id=groceries.id)
    text = json.dumps([e.to_json() for e in shown])
    assert "zqsecret" not in text
    assert "hiding" not in text
    assert [(e.line, e.source) for e in shown[:2]] == [('Alice completed "Buy milk"', "chat"),
                                                        ('Alice added "Buy milk"', "chat")]  # fmt: skip


def test_activity_of_one_person_today_in_shared_projects(session: Session):
    alice, ed, vic, groceries = team(session)
    other = projects.create_project(session, user_id=ed.id, name="Ed's own")
    milk = add(session, alice, "Buy milk", groceries)
    tasks.complete_task(session, user_id=ed.id, task_id=milk.id)
    add(session, ed, "Secret gift", other)
    add(session, ed, "Inbox thing")
    did = activity.activity_of(session, user_id=vic.id, actor_id=ed.id, since=utcnow() - timedelta(hours=1))
    assert [e.line for e in did] == ['Ed Smith completed "Buy milk"']
    assert did[0].project_name == "Groceries"
    mine = activity.activity_of(session, user_id=ed.id, actor_id=ed.id)
    assert {e.line for e in mine} >= {'Ed Smith added "Secret gift"', 'Ed Smith added "Inbox thing"'}
    assert (
        activity.activity_of(session, user_id=vic.id, actor_id=ed.id, since=utcnow() + timedelta(hours=1))
        == []
    )


def test_activity_pages_back_and_narrows_to_a_task(session: Session):
    alice, _ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    for n in range(4):
        tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"title": f"Buy milk {n}"})
    add(session, alice, "Buy eggs", groceries)
    first = activity.project_activity(session, user_id=alice.id, project_id=groceries.id, limit=3)
    assert len(first) == 3
    rest = activity.project_activity(
        session, user_id=alice.id, project_id=groceries.id, before=first[-1].at, before_id=first[-1].id
    )
    everything = activity.project_activity(session, user_id=alice.id, project_id=groceries.id)
    assert [e.id for e in first + rest] == [e.id for e in everything]
    older = activity.project_activity(session, user_id=alice.id, project_id=groceries.id, before=first[-1].at)
    assert {e.id for e in first}.isdisjoint({e.id for e in older})
    only = activity.project_activity(session, user_id=alice.id, project_id=groceries.id, task_id=milk.id)
    assert len(only) == 5
    assert {e.task_id for e in only} == {milk.id}
    for bad in (0, 201, -1):
        assert refused(
            activity.project_activity, session, user_id=alice.id, project_id=groceries.id, limit=bad
        ) == ("InvalidInputError: limit must be between 1 and 200.")


def test_activity_shows_an_undone_change_as_undone_and_a_join_at_sign_up(session: Session):
    alice, _ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    tasks.complete_task(session, user_id=alice.id, task_id=milk.id)
    tasks.undo_last(session, user_id=alice.id)
    newest = activity.project_activity(session, user_id=alice.id, project_id=groceries.id)[0]
    assert (newest.line, newest.undone) == ('Alice completed "Buy milk"', True)
    projects.share_project(session, user_id=alice.id, project_id=groceries.id, email="sam@example.com")
    sam = auth.register(session, email="sam@example.com", password="password123", name="Sam")
    newest = activity.project_activity(session, user_id=sam.id, project_id=groceries.id)[0]
    assert (newest.line, newest.source) == ("Sam joined the project as editor", "signup")
