"""Comments on tasks (issue 16): who may write, edit and delete them, their length, and encryption at
rest, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.crypto import PREFIX
from app.models import Comment, TaskOperation
from app.services import comments, projects, tasks
from tests.services.test_projects import add, person, refused, team

NOT_FOUND = "NotFoundError: Comment not found."


def test_comments_every_member_comments_and_reads_them_in_order(session: Session):
    alice, ed, vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    first = comments.add_comment(session, user_id=alice.id, task_id=milk.id, body="  Oat milk, **please**  ")
    comments.add_comment(session, user_id=ed.id, task_id=milk.id, body="On it")
    comments.add_comment(session, user_id=vic.id, task_id=str(milk.id).upper(), body="Viewers may comment")
    shown = [c.to_json() for c in comments.list_comments(session, user_id=vic.id, task_id=milk.id)]
    assert [c["body"] for c in shown] == ["Oat milk, **please**", "On it", "Viewers may comment"]
    assert [c["author"]["name"] for c in shown] == ["Alice", "Ed Smith", "Vic"]
    assert [c["mine"] for c in shown] == [False, False, True]
    assert shown[0]["id"] == str(first.comment.id)
    assert shown[0]["task_id"] == str(milk.id)
    assert shown[0]["edited_at"] is None
    # paging: the newest ``limit`` before a time, oldest first
    latest = comments.list_comments(session, user_id=alice.id, task_id=milk.id, limit=2)
    assert [c.comment.body for c in latest] == ["On it", "Viewers may comment"]
    for bad in (0, -1, 201):
        assert refused(comments.list_comments, session, user_id=alice.id, task_id=milk.id, limit=bad) == (
            "InvalidInputError: limit must be between 1 and 200."
        )
        assert "InvalidInputError" in refused(
            comments.search_comments, session, user_id=alice.id, text="x", limit=bad
        )


def test_comments_length_is_1_to_5000_characters(session: Session):
    alice = person(session, "Alice")
    task = add(session, alice, "Write report")
    tid = {"user_id": alice.id, "task_id": task.id}
    assert (
        refused(comments.add_comment, session, **tid, body="   ")
        == "InvalidInputError: A comment can't be empty."
    )
    assert refused(comments.add_comment, session, **tid, body="x" * 5001) == (
        "InvalidInputError: The comment is too long (5001 characters; at most 5000)."
    )
    assert len(comments.add_comment(session, **tid, body="y" * 5000).comment.body) == 5000
    assert comments.add_comment(session, **tid, body="a\x00b").comment.body == "ab"
    assert "InvalidInputError" in refused(comments.add_comment, session, **tid, body="\ud800")
    made = comments.add_comment(session, **tid, body="draft")
    assert "InvalidInputError" in refused(comments.edit_comment, session, user_id=alice.id,
                                          comment_id=made.comment.id, body="")  # fmt: skip
    assert session.get(Comment, made.comment.id).body == "draft"


def test_comments_authors_edit_and_delete_their_own_and_owners_delete_any(session: Session):
    alice, ed, vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    by_ed = comments.add_comment(session, user_id=ed.id, task_id=milk.id, body="draft is in the drive")
    by_vic = comments.add_comment(session, user_id=vic.id, task_id=milk.id, body="thanks")
    by_alice = comments.add_comment(session, user_id=alice.id, task_id=milk.id, body="ok")
    edited = comments.edit_comment(session, user_id=ed.id, comment_id=by_ed.comment.id, body="draft v2")
    assert edited.comment.body == "draft v2"
    assert edited.to_json()["edited_at"] is not None
    # nobody edits another's comment, not even the owner: refused like a missing comment
    missing = refused(comments.edit_comment, session, user_id=alice.id, comment_id=uuid.uuid4(), body="x")
    assert missing == NOT_FOUND
    for who, comment in ((alice, by_ed), (vic, by_ed), (ed, by_alice)):
        assert refused(comments.edit_comment, session, user_id=who.id, comment_id=comment.comment.id,
                       body="hijacked") == missing  # fmt: skip
    # an editor or viewer deletes only their own; the owner deletes any
    assert refused(comments.delete_comment, session, user_id=ed.id, comment_id=by_vic.comment.id) == missing
    assert (
        refused(comments.delete_comment, session, user_id=vic.id, comment_id=by_alice.comment.id) == missing
    )
    comments.delete_comment(session, user_id=vic.id, comment_id=by_vic.comment.id)
    comments.delete_comment(session, user_id=alice.id, comment_id=by_ed.comment.id)
    left = comments.list_comments(session, user_id=ed.id, task_id=milk.id)
    assert [c.comment.body for c in left] == ["ok"]
    assert refused(comments.delete_comment, session, user_id=alice.id, comment_id=by_ed.comment.id) == missing


def test_comments_outside_the_project_are_not_found(session: Session):
    alice, ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    mine = comments.add_comment(session, user_id=ed.id, task_id=milk.id, body="mine")
    bob = person(session, "Bob")
    no_task = "NotFoundError: Task not found."
    assert refused(comments.add_comment, session, user_id=bob.id, task_id=milk.id, body="hi") == no_task
    assert refused(comments.list_comments, session, user_id=bob.id, task_id=milk.id) == no_task
    assert (
        refused(comments.edit_comment, session, user_id=bob.id, comment_id=mine.comment.id, body="x")
        == NOT_FOUND
    )
    assert refused(comments.delete_comment, session, user_id=bob.id, comment_id=mine.comment.id) == NOT_FOUND
    for garbage in ("", "not-a-uuid", "' OR 1=1 --", None):
        assert refused(comments.delete_comment, session, user_id=bob.id, comment_id=garbage) == NOT_FOUND
    # a removed member loses the comments, their own included
    projects.remove_member(session, user_id=alice.id, project_id=groceries.id, member_id=ed.id)
    assert refused(comments.list_comments, session, user_id=ed.id, task_id=milk.id) == no_task
    assert (
        refused(comments.edit_comment, session, user_id=ed.id, comment_id=mine.comment.id, body="x")
        == NOT_FOUND
    )
    assert comments.search_comments(session, user_id=ed.id, text="mine") == []
    assert [c.comment.body for c in comments.list_comments(session, user_id=alice.id, task_id=milk.id)] == [
        "mine"
    ]


def test_comments_search_finds_them_in_the_users_projects_only(session: Session):
    alice, ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    secret = add(session, alice, "Surprise party")
    comments.add_comment(session, user_id=alice.id, task_id=milk.id, body="The DRAFT is in the drive")
    comments.add_comment(session, user_id=alice.id, task_id=secret.id, body="draft guest list")
    assert [c.comment.body for c in comments.search_comments(session, user_id=ed.id, text="draft")] == [
        "The DRAFT is in the drive"
    ]
    assert len(comments.search_comments(session, user_id=alice.id, text="  draft ")) == 2
    assert comments.search_comments(session, user_id=alice.id, text="   ") == []


def test_comments_are_encrypted_at_rest_and_journaled_without_their_text(session: Session):
    alice, _ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    made = comments.add_comment(session, user_id=alice.id, task_id=milk.id, body="zqsecretword")
    comments.edit_comment(session, user_id=alice.id, comment_id=made.comment.id, body="zqsecondword")
    session.flush()
    raw = session.execute(
        sa.select(sa.type_coerce(Comment.__table__.c.body, sa.Text)).where(
            Comment.__table__.c.id == made.comment.id
        )
    ).scalar_one()
    assert raw.startswith(PREFIX)
    # Neither text, nor a word of it, at rest ("zq" alone turns up in random base64 about once in 80).
    for text in ("zqsecretword", "zqsecondword", "secret", "second"):
        assert text not in raw, text
    ops = session.exec(  # in the order they happened (PostgreSQL returns rows in no set order)
        select(TaskOperation)
        .where(TaskOperation.operation_type == "comment")
        .order_by(col(TaskOperation.created_at))
    ).all()
    assert [op.structured_command["action"] for op in ops] == ["comment", "edit_comment"]
    assert all(op.project_id == groceries.id and op.task_id == milk.id for op in ops)
    assert "zq" not in repr([(op.structured_command, op.undo_state, op.input_text) for op in ops])


def test_comments_stay_when_the_task_changes_and_go_with_the_task(session: Session):
    alice, ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    comments.add_comment(session, user_id=ed.id, task_id=milk.id, body="oat")
    tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"title": "Buy oat milk"})
    assert len(comments.list_comments(session, user_id=alice.id, task_id=milk.id)) == 1
    tasks.delete_task(session, user_id=alice.id, task_id=milk.id)
    session.flush()
    session.expire_all()
    assert session.exec(select(Comment)).all() == []


def test_comments_written_in_the_same_instant_page_one_by_one_without_a_gap(session: Session):
    """Three comments with one timestamp: paging by (time, id) shows each once, newest id first."""
    alice, _ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    made = [
        comments.add_comment(session, user_id=alice.id, task_id=milk.id, body=f"c{i}").comment
        for i in range(3)
    ]
    instant = made[0].created_at
    for comment in made:
        comment.created_at = instant
        session.add(comment)
    session.flush()
    seen: list[uuid.UUID] = []
    before, before_id = None, None
    for _ in range(4):
        page = comments.list_comments(
            session, user_id=alice.id, task_id=milk.id, limit=1, before=before, before_id=before_id
        )
        if not page:
            break
        seen.append(page[0].comment.id)
        before, before_id = page[0].comment.created_at, page[0].comment.id
    assert seen == sorted((c.id for c in made), reverse=True)
