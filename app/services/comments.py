"""Comments on tasks: every member of the task's project reads and writes them (viewers included).

Bodies are markdown, 1-5,000 characters, encrypted at rest (:class:`app.models.Comment`). Authors
edit and delete their own; a project owner may delete any comment in it. A task the acting user
cannot see answers "not found", exactly like a missing one (:mod:`app.services.projects`), and so
does a comment one may not change. Adding, editing and deleting one are journaled (kind
``comment``, with the task and its project) so the project's activity feed shows them; the
journal holds the comment's id, never its text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import Comment, OperationType, ProjectRole, Task, User
from app.models.base import utcnow
from app.models.comment import COMMENT_MAX
from app.services.errors import InvalidInputError, NotFoundError, require_text
from app.services.operations import PAGE, Origin, record_change
from app.services.projects import display_name, names_of, parse_id, role_of, visible_projects
from app.services.tasks import get_task

NOT_FOUND = "Comment not found."
LIMIT_MAX = 200


def _clean_body(body: Any) -> str:
    require_text(body, "The comment")
    value = str(body or "").replace("\x00", "").strip()
    if not value:
        raise InvalidInputError("A comment can't be empty.")
    if len(value) > COMMENT_MAX:
        raise InvalidInputError(f"The comment is too long ({len(value)} characters; at most {COMMENT_MAX}).")
    return value


def _check_limit(limit: int) -> None:
    if limit < 1 or limit > LIMIT_MAX:
        raise InvalidInputError(f"limit must be between 1 and {LIMIT_MAX}.")


@dataclass
class CommentView:
    comment: Comment
    task_id: uuid.UUID
    author: User | None
    mine: bool

    def to_json(self) -> dict[str, Any]:
        c = self.comment
        return {
            "id": str(c.id),
            "task_id": str(self.task_id),
            "author": None
            if self.author is None
            else {"id": str(self.author.id), "name": display_name(self.author), "email": self.author.email},
            "body": c.body,
            "created_at": c.created_at.isoformat(),
            "edited_at": c.edited_at.isoformat() if c.edited_at else None,
            "mine": self.mine,
        }


def _view(session: Session, user_id: uuid.UUID, rows: list[Comment]) -> list[CommentView]:
    people = names_of(session, {c.author_id for c in rows if c.author_id})
    return [
        CommentView(comment=c, task_id=c.task_id, author=people.get(c.author_id) if c.author_id else None,
                    mine=c.author_id == user_id)
        for c in rows
    ]  # fmt: skip


def add_comment(
    session: Session, *, user_id: uuid.UUID, task_id: uuid.UUID | str, body: str, origin: Origin = PAGE
) -> CommentView:
    """Comment on a task the user can see (any role)."""
    task = get_task(session, user_id=user_id, task_id=task_id)
    comment = Comment(task_id=task.id, author_id=user_id, body=_clean_body(body))
    session.add(comment)
    session.flush()
    _journal(session, user_id=user_id, origin=origin, action="comment", task=task, comment_id=comment.id)
    return _view(session, user_id, [comment])[0]


def list_comments(
    session: Session,
    *,
    user_id: uuid.UUID,
    task_id: uuid.UUID | str,
    limit: int = 200,
    before: datetime | None = None,
    before_id: uuid.UUID | None = None,
) -> list[CommentView]:
    """A task's comments, oldest first (the newest ``limit`` before ``before``).

    ``before_id`` pages through comments written in the same instant: with it, the page holds
    those older than (``before``, ``before_id``) in (time, id) order, so none is skipped or repeated.
    """
    task = get_task(session, user_id=user_id, task_id=task_id)
    _check_limit(limit)
    stmt = select(Comment).where(Comment.task_id == task.id)
    if before is not None:
        older = col(Comment.created_at) < before
        if before_id is not None:
            older = older | ((col(Comment.created_at) == before) & (col(Comment.id) < before_id))
        stmt = stmt.where(older)
    order = (col(Comment.created_at).desc(), col(Comment.id).desc())
    rows = list(session.exec(stmt.order_by(*order).limit(limit)).all())
    rows.reverse()
    return _view(session, user_id, rows)


def _comment(session: Session, user_id: uuid.UUID, comment_id: uuid.UUID | str) -> tuple[Comment, Task]:
    cid = parse_id(comment_id)
    comment = session.get(Comment, cid) if cid else None
    if comment is None:
        raise NotFoundError(NOT_FOUND)
    try:
        task = get_task(session, user_id=user_id, task_id=comment.task_id)
    except NotFoundError:
        raise NotFoundError(NOT_FOUND) from None
    return comment, task


def _journal(
    session: Session, *, user_id: uuid.UUID, origin: Origin, action: str, task: Task, comment_id: uuid.UUID
) -> None:
    """One journal entry for a comment's change (its id and task, never its text)."""
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=OperationType.comment,
        command={
            "action": action,
            "task_id": str(task.id),
            "comment_id": str(comment_id),
            "title": task.title,
        },
        before=[],
        after=[],
        task_id=task.id,
        project_id=task.project_id,
    )


def edit_comment(
    session: Session,
    *,
    user_id: uuid.UUID,
    comment_id: uuid.UUID | str,
    body: str,
    origin: Origin = PAGE,
) -> CommentView:
    """Change one's own comment (another's is "not found", even for the project's owner)."""
    comment, task = _comment(session, user_id, comment_id)
    if comment.author_id != user_id:
        raise NotFoundError(NOT_FOUND)
    clean = _clean_body(body)
    if clean != comment.body:
        comment.body = clean
        comment.edited_at = utcnow()
        session.add(comment)
        session.flush()
        _journal(
            session, user_id=user_id, origin=origin, action="edit_comment", task=task, comment_id=comment.id
        )
    return _view(session, user_id, [comment])[0]


def delete_comment(
    session: Session, *, user_id: uuid.UUID, comment_id: uuid.UUID | str, origin: Origin = PAGE
) -> None:
    """Delete one's own comment, or any in a project one owns (anyone else's is "not found")."""
    comment, task = _comment(session, user_id, comment_id)
    owner = role_of(session, user_id=user_id, project_id=task.project_id) == ProjectRole.owner.value
    if comment.author_id != user_id and not owner:
        raise NotFoundError(NOT_FOUND)
    cid = comment.id
    session.delete(comment)
    session.flush()
    _journal(session, user_id=user_id, origin=origin, action="delete_comment", task=task, comment_id=cid)


def search_comments(session: Session, *, user_id: uuid.UUID, text: str, limit: int = 50) -> list[CommentView]:
    """Comments containing ``text`` (any case) in the projects the user is a member of, newest first.

    Bodies are encrypted at rest, so they are read and matched here; a small team's comments are
    few enough for that (the newest 5,000 are scanned).
    """
    require_text(text, "The search")
    _check_limit(limit)
    needle = " ".join(str(text or "").split()).casefold()
    if not needle:
        return []
    stmt = (
        select(Comment)
        .join(Task, col(Task.id) == Comment.task_id)
        .where(col(Task.project_id).in_(visible_projects(user_id)))
        .order_by(col(Comment.created_at).desc())
        .limit(5000)
    )
    found = [c for c in session.exec(stmt).all() if needle in " ".join(c.body.split()).casefold()]
    return _view(session, user_id, found[:limit])
